/**
 * The header line of an HR file, read the one way `validate --csv-header`, `init` and the uploader
 * agree on: in the file's declared encoding (`uploader.csv.encoding`), its delimiter guessed by
 * `headerDelimiter`, and from a bounded read, so a huge export is never loaded for its first line.
 */
import * as fs from "fs";
import { parse } from "csv-parse/sync";
import type { Uploader } from "../model/schema";
import { headerDelimiter, NODE_ENCODING } from "./csv";

export type CsvEncoding = Uploader["csv"]["encoding"];

/** A header line longer than this is not a header: the file is not what it was said to be. */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface Header {
  columns: string[];
  delimiter: string;
  encoding: CsvEncoding;
}

export interface HeaderOptions {
  /** The declared encoding; without one, a UTF-16LE byte-order mark decides, else UTF-8. */
  encoding?: CsvEncoding;
  /** The configured delimiter (`uploader.csv.delimiter`); the header may show another. */
  delimiter?: string;
}

/** The first bytes of `file`, enough for its header line; or why they cannot be read. */
export function headerBytes(file: string, max = MAX_HEADER_BYTES): Buffer | { error: string } {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const bytes = Buffer.alloc(max);
      return bytes.subarray(0, fs.readSync(fd, bytes, 0, max, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return { error: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
}

/** The header held in `bytes` (the start of an HR file), or what stops it being read. */
export function parseHeader(
  bytes: Buffer,
  options: HeaderOptions = {},
): Header | { error: string } {
  // Excel's "Unicode text" export is UTF-16LE with a byte-order mark.
  const utf16Bom = bytes[0] === 0xff && bytes[1] === 0xfe;
  const encoding: CsvEncoding = options.encoding ?? (utf16Bom ? "utf-16le" : "utf-8");
  if (utf16Bom && encoding !== "utf-16le") {
    return {
      error: `line 1: the file starts with a UTF-16LE byte-order mark but is read as ${encoding}: set uploader.csv.encoding: utf-16le`,
    };
  }
  const text = bytes.toString(NODE_ENCODING[encoding]).replace(/^\uFEFF/, "");
  const end = text.search(/\r?\n/);
  if (end === -1 && bytes.length === MAX_HEADER_BYTES) {
    return { error: `line 1: no end of line in the first ${MAX_HEADER_BYTES} bytes; is it a CSV?` };
  }
  const line = end === -1 ? text : text.slice(0, end);
  if (line.trim() === "") return { error: "line 1: the header line is empty" };
  const delimiter = headerDelimiter(line, options.delimiter);
  try {
    const [columns] = parse(line, { delimiter, relax_quotes: true }) as string[][];
    return { columns: columns.map((c) => c.trim()), delimiter, encoding };
  } catch (err) {
    return { error: `line 1: ${(err as Error).message}` };
  }
}

/** The header line of `file`: `headerBytes` then `parseHeader`. */
export function readHeader(file: string, options: HeaderOptions = {}): Header | { error: string } {
  const bytes = headerBytes(file);
  return Buffer.isBuffer(bytes) ? parseHeader(bytes, options) : bytes;
}
