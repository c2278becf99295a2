/**
 * String helpers with Entra's behaviour: NormalizeDiacritics (Microsoft's table), PCase
 * (TextInfo.ToTitleCase after lower-casing), Word, and the UTF-16LE base64 of ConvertToBase64.
 */

/**
 * NormalizeDiacritics' table, row by row as Microsoft Learn prints it ("Character with Diacritic"
 * → "Normalized character"), https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#normalizediacritics.
 * Nothing outside it changes: Greek, Cyrillic or Vietnamese letters keep their marks, and so do
 * Latin letters the table leaves out (đ, ĉ, ţ...). Several entries are a letter with combining
 * marks (ā́ is ā + U+0301), which is why the table holds strings, not characters.
 */
const TABLE: [string, string][] = [
  ["ä, à, â, ã, å, á, ą, ă, ā, ā́, ā̀, ā̂, ā̃, ǟ, ā̈, ǡ, a̱, å̄", "a"],
  ["Ä, À, Â, Ã, Å, Á, Ą, Ă, Ā, Ā́, Ā̀, Ā̂, Ā̃, Ǟ, Ā̈, Ǡ, A̱, Å̄", "A"],
  ["æ, ǣ", "ae"],
  ["Æ, Ǣ", "AE"],
  ["ç, č, ć, c̄, c̱", "c"],
  ["Ç, Č, Ć, C̄, C̱", "C"],
  ["ď, d̄, ḏ", "d"],
  ["Ď, D̄, Ḏ", "D"],
  ["ë, è, é, ê, ę, ě, ė, ē, ḗ, ḕ, ē̂, ē̃, ê̄, e̱, ë̄, e̊̄", "e"],
  ["Ë, È, É, Ê, Ę, Ě, Ė, Ē, Ḗ, Ḕ, Ē̂, Ē̃, Ê̄, E̱, Ë̄, E̊̄", "E"],
  ["ğ, ḡ, g̱", "g"],
  ["Ğ, Ḡ, G̱", "G"],
  ["ï, î, ì, í, ı, ī, ī́, ī̀, ī̂, ī̃, i̱", "i"],
  ["Ï, Î, Ì, Í, İ, Ī, Ī́, Ī̀, Ī̂, Ī̃, I̱", "I"],
  ["ľ, ł, l̄, ḹ, ḻ", "l"],
  ["Ł, Ľ, L̄, Ḹ, Ḻ", "L"],
  ["ñ, ń, ň, n̄, ṉ", "n"],
  ["Ñ, Ń, Ň, N̄, Ṉ", "N"],
  ["ö, ò, ő, õ, ô, ó, ō, ṓ, ṑ, ō̂, ō̃, ȫ, ō̈, ǭ, ȭ, ȱ, o̱", "o"],
  ["Ö, Ò, Ő, Õ, Ô, Ó, Ō, Ṓ, Ṑ, Ō̂, Ō̃, Ȫ, Ō̈, Ǭ, Ȭ, Ȱ, O̱", "O"],
  ["ø, ø̄, œ̄", "oe"],
  ["Ø, Ø̄, Œ̄", "OE"],
  ["ř, r̄, ṟ, ṝ", "r"],
  ["Ř, R̄, Ṟ, Ṝ", "R"],
  ["ß", "ss"],
  ["š, ś, ș, ş, s̄, s̱", "s"],
  ["Š, Ś, Ș, Ş, S̄, S̱", "S"],
  ["ť, ț, t̄, ṯ", "t"],
  ["Ť, Ț, T̄, Ṯ", "T"],
  ["ü, ù, û, ú, ů, ű, ū, ū́, ū̀, ū̂, ū̃, u̇̄, ǖ, ṻ, ṳ̄, u̱", "u"],
  ["Ü, Ù, Û, Ú, Ů, Ű, Ū, Ū́, Ū̀, Ū̂, Ū̃, U̇̄, Ǖ, Ṻ, Ṳ̄, U̱", "U"],
  ["ÿ, ý, ȳ, ȳ́, ȳ̀, ȳ̃, y̱", "y"],
  ["Ÿ, Ý, Ȳ, Ȳ́, Ȳ̀, Ȳ̃, Y̱", "Y"],
  ["ź, ž, ż, z̄, ẕ", "z"],
  ["Ź, Ž, Ż, Z̄, Ẕ", "Z"],
];

/**
 * Every entry in its composed and its decomposed spelling, so "Zoë" matches whether the ë is one
 * code point or e + U+0308, without normalising (and so changing) anything else in the string.
 */
export const DIACRITICS: ReadonlyMap<string, string> = new Map(
  TABLE.flatMap(([chars, plain]) =>
    chars
      .split(", ")
      .flatMap((c) => [c, c.normalize("NFC"), c.normalize("NFD")])
      .map((c): [string, string] => [c, plain]),
  ),
);
const LONGEST = Math.max(...[...DIACRITICS.keys()].map((k) => k.length));
/** The one-code-unit entries by code, for the usual case: a precomposed letter, no marks after. */
const SINGLE_END = 0x2000;
const SINGLE: string[] = new Array<string>(SINGLE_END).fill(""); // dense, so look-ups stay fast
for (const [key, plain] of DIACRITICS) {
  if (key.length === 1 && key.charCodeAt(0) < SINGLE_END) SINGLE[key.charCodeAt(0)] = plain;
}
const NON_ASCII = /[^\u0000-\u007f]/;
const isCombining = (code: number): boolean => code >= 0x300 && code <= 0x36f;

/** NormalizeDiacritics: each longest table entry found in the string becomes its plain letter(s). */
export function normalizeDiacritics(s: string): string {
  // Most names are plain ASCII; skip the look-ups for them.
  if (!NON_ASCII.test(s)) return s;
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length;) {
    const code = s.charCodeAt(i);
    if (!isCombining(s.charCodeAt(i + 1))) {
      // No combining mark follows: only a one-character entry can start here.
      const plain = code < 0x80 || code >= SINGLE_END ? "" : SINGLE[code];
      if (plain !== "") {
        out += s.slice(last, i) + plain;
        last = i + 1;
      }
      i++;
      continue;
    }
    let matched = 0;
    for (let n = Math.min(LONGEST, s.length - i); n > 0; n--) {
      const plain = DIACRITICS.get(s.slice(i, i + n));
      if (plain !== undefined) {
        out += s.slice(last, i) + plain;
        matched = n;
        break;
      }
    }
    i += matched || 1;
    if (matched) last = i;
  }
  return out + s.slice(last);
}

/** Titlecase of the Latin digraph letters that have one (.NET's ToTitleCase uses it). */
const TITLE: Record<string, string> = { ǆ: "ǅ", ǉ: "ǈ", ǌ: "ǋ", ǳ: "ǲ" };

/**
 * .NET's word separators for ToTitleCase: white space, control and format characters,
 * punctuation and symbols (the categories Microsoft Learn lists for PCase).
 */
const SEPARATOR = /[\p{Z}\p{Cc}\p{Cf}\p{P}\p{S}]/u;
const LETTER = /\p{L}/u;

/**
 * PCase: lower-cases the text and upper-cases the first letter of each word. With `separators`,
 * words split only at those characters. Without, this is TextInfo.ToTitleCase on the lower-cased
 * text: a word starts at a letter and runs over letters, marks, digits and the apostrophe (so
 * "o'neil" gives "O'neil", as Microsoft Learn says PCase calls ToTitleCase), up to a separator.
 */
export function properCase(s: string, separators?: string): string {
  const lower = s.toLowerCase();
  let out = "";
  let atStart = true;
  if (separators !== undefined) {
    for (const ch of lower) {
      if (separators.includes(ch)) {
        out += ch;
        atStart = true;
      } else {
        out += atStart ? (TITLE[ch] ?? ch.toUpperCase()) : ch;
        atStart = false;
      }
    }
    return out;
  }
  let inWord = false;
  for (const ch of lower) {
    if (inWord) {
      if (ch === "'" || !SEPARATOR.test(ch)) {
        out += ch;
        continue;
      }
      inWord = false;
    }
    if (LETTER.test(ch)) {
      out += TITLE[ch] ?? ch.toUpperCase();
      inWord = true;
    } else out += ch;
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
