/**
 * Streaming reader of the HR export. HR systems write CRLF or LF, quote some fields, leave
 * trailing spaces (Microsoft's own Logic Apps sample does) and sometimes a byte-order mark; all
 * of that is absorbed here so the converter sees clean fields.
 */
import { createReadStream } from "fs";
import type { Readable } from "stream";
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

export function openCsv(source: string | Readable): Readable {
  return typeof source === "string" ? createReadStream(source) : source;
}

/**
 * Yields the header, then each data row. Rows whose field count differs from the header are
 * reported through `onProblem` and not yielded: a shifted row would put values in the wrong
 * attributes.
 */
export async function* readCsv(
  source: string | Readable,
  options: CsvOptions,
  onProblem: (problem: CsvProblem) => void,
): AsyncGenerator<{ header: string[] } | CsvRow> {
  const parser = openCsv(source).pipe(
    parse({
      delimiter: options.delimiter ?? ",",
      encoding: NODE_ENCODING[options.encoding ?? "utf-8"],
      bom: true,
      // Spaces around a field are noise from the export; spaces inside quotes are kept.
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  );
  let header: string[] | undefined;
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const fields = item.record;
    let line = item.info.lines;
    // csv-parse reports the line a record ends on; a quoted field may span several.
    for (const field of fields) {
      for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) line--;
    }
    if (!header) {
      header = fields;
      yield { header };
      continue;
    }
    if (fields.length !== header.length) {
      onProblem({
        line,
        message: `has ${fields.length} fields, the header has ${header.length}; check the delimiter and quoting`,
      });
      continue;
    }
    yield { line, fields };
  }
}
