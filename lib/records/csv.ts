/**
 * Streaming reader of the HR export. HR systems write CRLF or LF, quote some fields, leave
 * trailing spaces (Microsoft's own Logic Apps sample does) and sometimes a byte-order mark; all
 * of that is absorbed here so the converter sees clean fields. What cannot be absorbed (bytes
 * that are not text in the declared encoding, a stray quote, a header naming a column twice, a
 * file cut off in its last record) is a `CsvFileError`: the file as a whole must not be sent.
 */
import { createReadStream } from "fs";
import { Readable } from "stream";
import { TextDecoder } from "util";
import { CsvError, parse } from "csv-parse";
import type { Uploader } from "../model/schema";
import { RecordFileError } from "./fault";

export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvOptions {
  delimiter?: string;
  encoding?: Uploader["csv"]["encoding"];
}

/**
 * A fault of the file, not of one row: nothing of it may be sent. The message names the line and
 * the column, never a field's value (csv-parse's own messages quote the value, so they are not
 * passed on).
 */
export class CsvFileError extends RecordFileError {
  constructor(
    /** 1-based physical line, as an editor counts it. */
    line: number,
    reason: string,
    /** 1-based CSV column, and its header name when the header is known. */
    readonly column?: { index: number; name?: string },
  ) {
    const name = column?.name ? ` (${column.name})` : "";
    super(
      line,
      reason,
      `line ${line}${column ? `, column ${column.index}${name}` : ""}: ${reason}`,
    );
    this.name = "CsvFileError";
  }
}

export const NODE_ENCODING = { "utf-8": "utf8", "utf-16le": "utf16le", latin1: "latin1" } as const;

/** A file path, a stream, or a function that opens the file (for readers that pass twice). */
export type CsvInput = string | Readable | (() => Readable | AsyncIterable<Buffer | string>);

function openCsv(source: CsvInput): Readable {
  if (typeof source === "string") return createReadStream(source);
  if (typeof source === "function") {
    const opened = source();
    return opened instanceof Readable ? opened : Readable.from(opened);
  }
  return source;
}

/**
 * Yields the header, then each data row. Rows whose field count differs from the header are
 * reported through `onProblem` and not yielded: a shifted row would put values in the wrong
 * attributes.
 */
export async function* readCsv(
  source: CsvInput,
  options: CsvOptions,
  onProblem: (problem: CsvProblem) => void,
): AsyncGenerator<{ header: string[] } | CsvRow> {
  for await (const batch of readCsvBatches(source, options, onProblem)) yield* batch;
}

type Item = { header: string[] } | CsvRow;

/**
 * `readCsv` a chunk of the file at a time: the parser is fed and drained synchronously, so a row
 * costs no promise of its own (on a 100k-row file, awaiting each row costs a third of the parse).
 * Throws a `CsvFileError` for a fault of the whole file, before the rows after it are yielded.
 */
export async function* readCsvBatches(
  source: CsvInput,
  options: CsvOptions,
  onProblem: (problem: CsvProblem) => void,
): AsyncGenerator<Item[]> {
  const encoding = options.encoding ?? "utf-8";
  const input = openCsv(source);
  const chunks = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  // The header line decides the delimiter; the chunks read to find it are parsed first.
  const head: (Buffer | string)[] = [];
  let headIsAll: boolean;
  try {
    headIsAll = await readHead(chunks, head);
  } catch (err) {
    input.destroy();
    throw err;
  }
  const delimiter = headerDelimiter(firstLine(head, encoding), options.delimiter ?? ",");
  async function* all(): AsyncGenerator<Buffer | string> {
    yield* head;
    if (headIsAll) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  const parser = parse({
    delimiter,
    encoding: NODE_ENCODING[encoding],
    bom: true,
    // Spaces around a field are noise from the export; spaces inside quotes are kept.
    trim: true,
    // Blank lines come through as [""] and are skipped below: csv-parse's own skipping and its
    // `info` (a new object per record, a fifth of the parse) would be the only way to number
    // the lines otherwise.
    relax_column_count: true,
  });
  // The parser is fed synchronously, so its error is read from `errored` right after a write;
  // the listener only keeps the event from being unhandled.
  parser.on("error", () => undefined);
  const text = TextCheck.for(encoding, delimiter);
  let header: string[] | undefined;
  /** The line the next record starts on. */
  let nextLine = 1;
  /**
   * The latest row when it had fewer fields than the header. It is reported once another row
   * follows: a short last row is a file cut off in the middle of a record.
   */
  let short: (CsvProblem & { fields: number }) | undefined;
  const handle = (fields: string[], out: Item[]) => {
    const line = nextLine;
    nextLine++;
    // A quoted field may span lines.
    for (const field of fields) {
      for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) nextLine++;
    }
    if (fields.length === 1 && fields[0] === "") return;
    if (short) {
      onProblem({ line: short.line, message: short.message });
      short = undefined;
    }
    if (!header) {
      header = checkHeader(fields, line);
      text?.setHeader(header);
      out.push({ header });
    } else if (fields.length !== header.length) {
      const problem = {
        line,
        message: `has ${fields.length} fields, the header has ${header.length}; check the delimiter and quoting`,
      };
      if (fields.length < header.length) short = { ...problem, fields: fields.length };
      else onProblem(problem);
    } else {
      out.push({ line, fields });
    }
  };
  const failed = (): CsvFileError | undefined => {
    const err = parser.errored;
    return err ? parseFailure(err, nextLine, header) : undefined;
  };
  try {
    for await (const chunk of all()) {
      text?.check(chunk);
      parser.write(chunk);
      const batch: Item[] = [];
      for (let fields = parser.read() as string[] | null; fields !== null; fields = parser.read()) {
        handle(fields, batch);
      }
      const failure = failed();
      if (failure) throw failure;
      if (batch.length > 0) yield batch;
    }
    text?.end();
    // The last record (no final newline) comes after the end, in a later tick.
    parser.end();
    const tail: Item[] = [];
    try {
      for await (const fields of parser as AsyncIterable<string[]>) handle(fields, tail);
    } catch (err) {
      throw failed() ?? err;
    }
    const failure = failed();
    if (failure) throw failure;
    if (short) {
      throw new CsvFileError(
        short.line,
        `the last row has ${short.fields} of the header's ${header!.length} fields: the file ends in the middle of a record; is it truncated? Export it again`,
      );
    }
    if (tail.length > 0) yield tail;
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Delimiters HR exports use: Excel writes `;` where the decimal separator is a comma. */
const DELIMITERS = [",", ";", "\t", "|"];

/** Reads chunks into `head` until the first line is in it; true when that was the whole input. */
async function readHead(
  chunks: AsyncIterator<Buffer | string>,
  head: (Buffer | string)[],
): Promise<boolean> {
  let bytes = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done) return true;
    head.push(next.value);
    bytes += next.value.length;
    const newline =
      typeof next.value === "string" ? next.value.indexOf("\n") : next.value.indexOf(10);
    // A header longer than this is not one; the parser will say what it is.
    if (newline !== -1 || bytes > 1 << 20) return false;
  }
}

function firstLine(head: (Buffer | string)[], encoding: NonNullable<CsvOptions["encoding"]>) {
  const text = Buffer.concat(head.map((c) => (typeof c === "string" ? Buffer.from(c) : c)))
    .toString(NODE_ENCODING[encoding])
    .replace(/^\ufeff/, "");
  const end = text.indexOf("\n");
  return (end === -1 ? text : text.slice(0, end)).replace(/\r$/, "");
}

/**
 * The delimiter the header is written with: the configured one when the header contains it,
 * otherwise the candidate that splits it most; quoted names (`"Name, given"`) do not count. A
 * header read as one column is never what a mapping of several columns means, and every row
 * would then be reported on its own. `upload`, `simulate`, `validate --csv-header` and `init`
 * all read a header this way.
 */
export function headerDelimiter(header: string, configured = ","): string {
  const unquoted = header.replace(/"[^"]*"/g, "");
  if (unquoted.includes(configured)) return configured;
  let best = configured;
  let most = 0;
  for (const candidate of DELIMITERS) {
    const count = unquoted.split(candidate).length - 1;
    if (count > most) {
      best = candidate;
      most = count;
    }
  }
  return best;
}

/** The header, refused when it names a column twice: an expression would read one of the two. */
function checkHeader(names: string[], line: number): string[] {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    // Unnamed columns (trailing delimiters of a spreadsheet export) cannot be read anyway.
    if (name === "") return;
    const first = seen.get(name);
    if (first !== undefined) {
      throw new CsvFileError(
        line,
        `the header names column "${name}" twice, columns ${first + 1} and ${i + 1}; rename one in the export`,
        { index: i + 1, name },
      );
    }
    seen.set(name, i);
  });
  return names;
}

/** csv-parse's error as a positioned reason; its own message quotes the field, so it is dropped. */
function parseFailure(err: Error, recordLine: number, header: string[] | undefined): CsvFileError {
  if (!(err instanceof CsvError)) {
    return new CsvFileError(recordLine, `the file cannot be read as CSV (${err.message})`);
  }
  const index = typeof err.column === "number" ? err.column : undefined;
  const column = index === undefined ? undefined : { index: index + 1, name: header?.[index] };
  const at = typeof err.lines === "number" && err.lines > 0 ? err.lines : recordLine;
  switch (err.code) {
    case "INVALID_OPENING_QUOTE":
      return new CsvFileError(
        at,
        'a quote inside an unquoted field; quote the whole field and double each quote in it ("")',
        column,
      );
    case "CSV_INVALID_CLOSING_QUOTE":
      return new CsvFileError(
        at,
        'a quoted field goes on after its closing quote; double each quote inside a quoted field ("")',
        column,
      );
    case "CSV_QUOTE_NOT_CLOSED":
      // `lines` is where the file ended; the record with the open quote starts here.
      return new CsvFileError(
        recordLine,
        "a quoted field is not closed before the end of the file; is the file truncated, or is a quote missing?",
        column,
      );
    default:
      return new CsvFileError(at, `the file cannot be read as CSV (${err.code})`, column);
  }
}

/**
 * Checks, chunk by chunk, that the bytes are text in the declared encoding: csv-parse and
 * Buffer decoding would put U+FFFD in place of a bad byte, and that would be sent as the
 * person's name. A fatal streaming TextDecoder finds the fault; only then is the chunk walked
 * again to say where. Latin-1 needs no check: every byte is a character.
 */
class TextCheck {
  private readonly decoder: TextDecoder;
  /** Lines ended before the current chunk. */
  private lines = 0;
  /** The text of the current line before the current chunk (for the column of a fault). */
  private lineHead = "";
  /** Bytes the decoder holds from earlier chunks: the start of a character cut by a chunk. */
  private carry: Buffer = Buffer.alloc(0);
  private header: string[] | undefined;
  /** The first line, for the column names of a fault found before the parser reads the header. */
  private firstLine: string | undefined;

  static for(encoding: NonNullable<CsvOptions["encoding"]>, delimiter: string) {
    return encoding === "latin1" ? undefined : new TextCheck(encoding, delimiter);
  }

  private constructor(
    private readonly encoding: "utf-8" | "utf-16le",
    private readonly delimiter: string,
  ) {
    this.decoder = new TextDecoder(encoding, { fatal: true });
  }

  setHeader(header: string[]): void {
    this.header = header;
  }

  check(chunk: Buffer | string): void {
    // A string was decoded by whoever made the stream.
    if (typeof chunk === "string") return;
    let decoded: string;
    try {
      decoded = this.decoder.decode(chunk, { stream: true });
    } catch {
      throw this.fault(Buffer.concat([this.carry, chunk]), false);
    }
    this.advance(decoded);
    const pending = this.pending(chunk);
    const held = pending <= chunk.length ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = Buffer.from(held.subarray(held.length - pending));
  }

  end(): void {
    try {
      this.decoder.decode();
    } catch {
      throw this.fault(this.carry, true);
    }
  }

  private advance(decoded: string): void {
    let last = -1;
    for (let i = decoded.indexOf("\n"); i !== -1; i = decoded.indexOf("\n", i + 1)) {
      if (this.lines === 0) this.firstLine = this.lineHead + decoded.slice(0, i);
      this.lines++;
      last = i;
    }
    this.lineHead = last === -1 ? this.lineHead + decoded : decoded.slice(last + 1);
  }

  /**
   * How many bytes at the end of a chunk that decoded start a character the next chunk ends.
   * With the bytes before them valid, only the last few can.
   */
  private pending(chunk: Buffer): number {
    const bytes = Buffer.concat([this.carry.subarray(-3), chunk.subarray(-4)]);
    const n = bytes.length;
    if (this.encoding === "utf-16le") {
      const odd = (this.carry.length + chunk.length) % 2;
      const unitEnd = n - odd;
      const last = unitEnd >= 2 ? bytes.readUInt16LE(unitEnd - 2) : 0;
      return odd + (last >= 0xd800 && last <= 0xdbff ? 2 : 0);
    }
    for (let back = 1; back <= Math.min(3, n); back++) {
      const b = bytes[n - back];
      if (b < 0x80) return 0;
      if (b >= 0xc0) return utf8Length(b) > back ? back : 0;
    }
    return 0;
  }

  /** The error for the first bad character of `bytes`, which start where the line head ends. */
  private fault(bytes: Buffer, atEnd: boolean): CsvFileError {
    const offset =
      this.encoding === "utf-8" ? firstBadUtf8(bytes, atEnd) : firstBadUtf16(bytes, atEnd);
    this.advance(
      bytes.subarray(0, offset).toString(this.encoding === "utf-8" ? "utf8" : "utf16le"),
    );
    const column = this.columnOf(this.lineHead);
    const what =
      this.encoding === "utf-8" && offset < bytes.length
        ? `byte 0x${bytes[offset].toString(16).toUpperCase().padStart(2, "0")} is not valid UTF-8`
        : `the text is not valid ${this.encoding === "utf-8" ? "UTF-8" : "UTF-16LE"}`;
    const start = this.lines === 0 && this.lineHead === "" ? bytes : undefined;
    const suggestion =
      this.encoding === "utf-8"
        ? start && start[0] === 0xff && start[1] === 0xfe
          ? "the file starts with a UTF-16LE byte-order mark: set uploader.csv.encoding: utf-16le"
          : "if the file is a Latin-1 (ISO 8859-1) export, set uploader.csv.encoding: latin1"
        : "set uploader.csv.encoding to the file's encoding (utf-8 or latin1)";
    return new CsvFileError(
      this.lines + 1,
      `${what} (uploader.csv.encoding is ${this.encoding}); ${suggestion}`,
      column,
    );
  }

  /** The CSV column the end of `line` is in: delimiters outside quotes, counted from its start. */
  private columnOf(line: string): { index: number; name?: string } {
    let index = 0;
    let quoted = false;
    for (const c of line) {
      if (c === '"') quoted = !quoted;
      else if (c === this.delimiter && !quoted) index++;
    }
    // A fault in the header line itself gets no name.
    if (this.lines === 0) return { index: index + 1 };
    const header =
      this.header ??
      this.firstLine
        ?.replace(/^\ufeff/, "")
        .split(this.delimiter)
        .map((name) => name.trim().replace(/^"(.*)"$/, "$1"));
    return { index: index + 1, name: header?.[index] };
  }
}

/** Bytes in a UTF-8 sequence that starts with `lead` (0: not a lead byte). */
function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (WHATWG's rules). */
function firstBadUtf8(bytes: Buffer, atEnd: boolean): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const length = utf8Length(lead);
    if (length === 0) return i;
    if (length === 1) {
      i++;
      continue;
    }
    // The second byte's range excludes overlong forms and surrogates.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return atEnd ? i : bytes.length;
      const b = bytes[i + k];
      if (k === 1 ? b < low || b > high : b < 0x80 || b > 0xbf) return i;
    }
    i += length;
  }
  return bytes.length;
}

/** Offset of the first code unit (or odd last byte) that is not valid UTF-16LE. */
function firstBadUtf16(bytes: Buffer, atEnd: boolean): number {
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const unit = bytes.readUInt16LE(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 3 >= bytes.length) return atEnd ? i : bytes.length;
      const next = bytes.readUInt16LE(i + 2);
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 2;
    }
  }
  return i;
}
