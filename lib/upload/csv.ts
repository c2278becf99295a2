/**
 * Streaming reader of the HR export. HR systems write CRLF or LF, quote some fields, leave
 * trailing spaces (Microsoft's own Logic Apps sample does) and sometimes a byte-order mark; all
 * of that is absorbed here so the converter sees clean fields.
 */
import { createReadStream } from "fs";
import { Readable } from "stream";
import { parse } from "csv-parse";
import type { Uploader } from "../spec/schema";

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

const NODE_ENCODING = { "utf-8": "utf8", "utf-16le": "utf16le", latin1: "latin1" } as const;

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
 */
export async function* readCsvBatches(
  source: CsvInput,
  options: CsvOptions,
  onProblem: (problem: CsvProblem) => void,
): AsyncGenerator<Item[]> {
  const parser = parse({
    delimiter: options.delimiter ?? ",",
    encoding: NODE_ENCODING[options.encoding ?? "utf-8"],
    bom: true,
    // Spaces around a field are noise from the export; spaces inside quotes are kept.
    trim: true,
    // Blank lines come through as [""] and are skipped below: csv-parse's own skipping and its
    // `info` (a new object per record, a fifth of the parse) would be the only way to number
    // the lines otherwise.
    relax_column_count: true,
  });
  let failure: Error | undefined;
  parser.on("error", (err: Error) => (failure ??= err));
  let header: string[] | undefined;
  /** The line the next record starts on. */
  let nextLine = 1;
  const handle = (fields: string[], out: Item[]) => {
    const line = nextLine;
    nextLine++;
    // A quoted field may span lines.
    for (const field of fields) {
      for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) nextLine++;
    }
    if (fields.length === 1 && fields[0] === "") return;
    if (!header) {
      header = fields;
      out.push({ header });
    } else if (fields.length !== header.length) {
      onProblem({
        line,
        message: `has ${fields.length} fields, the header has ${header.length}; check the delimiter and quoting`,
      });
    } else {
      out.push({ line, fields });
    }
  };
  const input = openCsv(source);
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      parser.write(chunk);
      const batch: Item[] = [];
      for (let fields = parser.read() as string[] | null; fields !== null; fields = parser.read()) {
        handle(fields, batch);
      }
      if (failure) throw failure;
      if (batch.length > 0) yield batch;
    }
    // The last record (no final newline) comes after the end, in a later tick.
    parser.end();
    const tail: Item[] = [];
    for await (const fields of parser as AsyncIterable<string[]>) handle(fields, tail);
    if (failure) throw failure;
    if (tail.length > 0) yield tail;
  } finally {
    input.destroy();
    parser.destroy();
  }
}
