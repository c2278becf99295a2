/**
 * String helpers with .NET behaviour: NormalizeDiacritics, PCase (TextInfo.ToTitleCase after
 * lower-casing), Word, and the UTF-16LE base64 of ConvertToBase64.
 */

/**
 * Letters that Unicode decomposition does not reduce to ASCII. The doc's table gives ß→ss,
 * æ→ae and ø→oe; the rest follow the same transliteration convention.
 */
const SPECIAL: Record<string, string> = {
  ß: "ss",
  ẞ: "SS",
  æ: "ae",
  Æ: "AE",
  ø: "oe",
  Ø: "OE",
  œ: "oe",
  Œ: "OE",
  đ: "d",
  Đ: "D",
  ð: "d",
  Ð: "D",
  ł: "l",
  Ł: "L",
  þ: "th",
  Þ: "TH",
  ħ: "h",
  Ħ: "H",
  ı: "i",
  ŀ: "l",
  Ŀ: "L",
  ŧ: "t",
  Ŧ: "T",
  ŋ: "n",
  Ŋ: "N",
};
const SPECIAL_RE = new RegExp(`[${Object.keys(SPECIAL).join("")}]`, "g");
const NON_ASCII = /[^\u0000-\u007f]/;
const COMBINING = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

/** The definition: transliterate, decompose, drop the combining marks, recompose. */
export function normalizeDiacriticsFull(s: string): string {
  return s
    .replace(SPECIAL_RE, (c) => SPECIAL[c])
    .normalize("NFD")
    .replace(COMBINING, "")
    .normalize("NFC");
}

/**
 * Latin-1 Supplement and Latin Extended-A/B, each character through the definition once. Their
 * results hold no combining marks, so a string of these and ASCII maps character by character.
 */
const LATIN_END = 0x250;
let latin: string[] | undefined;

export function normalizeDiacritics(s: string): string {
  // Most names are plain ASCII; skip the Unicode work for them.
  if (!NON_ASCII.test(s)) return s;
  // European names: a table look-up per character, several times faster than normalize().
  latin ??= Array.from({ length: LATIN_END - 0x80 }, (_, i) =>
    normalizeDiacriticsFull(String.fromCharCode(0x80 + i)),
  );
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) continue;
    // Combining marks, other scripts, surrogates: the whole string takes the general path.
    if (code >= LATIN_END) return normalizeDiacriticsFull(s);
    out += s.slice(last, i) + latin[code - 0x80];
    last = i + 1;
  }
  return out + s.slice(last);
}

/** .NET ToTitleCase word boundaries: anything that is not a letter, mark or digit. */
const DEFAULT_SEPARATOR = /[^\p{L}\p{M}\p{N}]/u;

/**
 * PCase: lower-cases the text and upper-cases the first letter of each word. Words are split at
 * `separators` if given (only those characters), else at whitespace, punctuation and symbols.
 */
export function properCase(s: string, separators?: string): string {
  const lower = s.toLowerCase();
  let out = "";
  let atStart = true;
  for (const ch of lower) {
    const isSep = separators !== undefined ? separators.includes(ch) : DEFAULT_SEPARATOR.test(ch);
    if (isSep) {
      out += ch;
      atStart = true;
    } else {
      out += atStart ? ch.toUpperCase() : ch;
      atStart = false;
    }
  }
  return out;
}

/** Word: the 1-based `n`th word, words being separated by any character of `delimiters`. */
export function word(s: string, n: number, delimiters: string): string {
  if (n < 1) return "";
  let count = 0;
  let current = "";
  const flush = (): boolean => {
    if (current === "") return false;
    count++;
    return count === n;
  };
  for (const ch of s) {
    if (delimiters.includes(ch)) {
      if (flush()) return current;
      current = "";
    } else current += ch;
  }
  return flush() ? current : "";
}

/** ConvertToBase64: .NET Encoding.Unicode (UTF-16LE) bytes, base64. */
export function base64Utf16(s: string): string {
  return Buffer.from(s, "utf16le").toString("base64");
}

/** ConvertToUTF8Hex: upper-case hex of the UTF-8 bytes. */
export function utf8Hex(s: string): string {
  return Buffer.from(s, "utf8").toString("hex").toUpperCase();
}
