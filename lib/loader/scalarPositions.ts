/**
 * Where each character of a YAML string value sits in the file, so that an error inside an
 * expression (column 29 of the string) points at the exact line and column of the YAML source,
 * whatever the scalar's style: plain, single- or double-quoted with escapes, or a literal or
 * folded block spanning several lines.
 *
 * Rather than re-implementing YAML's folding rules, the source between the delimiters is decoded
 * (escapes, `''`) into characters tagged with their offsets and aligned with the value the YAML
 * parser produced: equal characters map to each other, and source white space the parser folded
 * or dropped (indentation, line breaks) is skipped. If the alignment fails the caller falls back
 * to an approximate position.
 */

export type ScalarStyle =
  "PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE" | "BLOCK_LITERAL" | "BLOCK_FOLDED";

interface SourceChar {
  ch: string;
  offset: number;
}

const DOUBLE_ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

function body(text: string, style: ScalarStyle, start: number, end: number): [number, number] {
  if (style === "QUOTE_DOUBLE" || style === "QUOTE_SINGLE") {
    const quote = style === "QUOTE_DOUBLE" ? '"' : "'";
    return [start + 1, text[end - 1] === quote ? end - 1 : end];
  }
  if (style === "BLOCK_LITERAL" || style === "BLOCK_FOLDED") {
    // The header line (`|-`, `>2 # comment`) holds no content.
    const newline = text.indexOf("\n", start);
    return [newline < 0 || newline > end ? end : newline + 1, end];
  }
  return [start, end];
}

function decode(text: string, style: ScalarStyle, from: number, to: number): SourceChar[] {
  const out: SourceChar[] = [];
  let i = from;
  while (i < to) {
    const c = text[i];
    if (style === "QUOTE_SINGLE" && c === "'" && text[i + 1] === "'") {
      out.push({ ch: "'", offset: i });
      i += 2;
    } else if (style === "QUOTE_DOUBLE" && c === "\\") {
      const next = text[i + 1] ?? "";
      if (next === "\n" || next === "\r") {
        // An escaped line break joins the lines without a space.
        i += 2;
        while (i < to && /[ \t\r\n]/.test(text[i])) i++;
      } else if (next in HEX_ESCAPES) {
        const digits = HEX_ESCAPES[next];
        const code = parseInt(text.slice(i + 2, i + 2 + digits), 16);
        const decoded = Number.isNaN(code) ? "" : String.fromCodePoint(code);
        // Offsets count UTF-16 units, as the value's do: an astral character is two entries.
        for (let k = 0; k < decoded.length; k++) out.push({ ch: decoded[k], offset: i });
        i += 2 + digits;
      } else {
        out.push({ ch: DOUBLE_ESCAPES[next] ?? next, offset: i });
        i += 2;
      }
    } else {
      out.push({ ch: c, offset: i });
      i++;
    }
  }
  return out;
}

/**
 * The source offset of every character of `value` (the parsed string of the scalar spanning
 * `start`..`end` in `text`), plus one entry past the end; undefined when they cannot be aligned.
 */
export function scalarSourceOffsets(
  text: string,
  style: ScalarStyle,
  start: number,
  end: number,
  value: string,
): number[] | undefined {
  const [from, to] = body(text, style, start, end);
  const source = decode(text, style, from, to);
  const offsets: number[] = [];
  let j = 0;
  for (let i = 0; i < value.length;) {
    const s = source[j];
    if (!s) return undefined;
    const v = value[i];
    if (s.ch === v || (s.ch === "\n" && (v === " " || v === "\n"))) {
      offsets.push(s.offset);
      i++;
      j++;
    } else if (s.ch === " " || s.ch === "\t" || s.ch === "\n" || s.ch === "\r") {
      j++;
    } else {
      return undefined;
    }
  }
  offsets.push(value.length > 0 ? offsets[offsets.length - 1] + 1 : from);
  return offsets;
}
