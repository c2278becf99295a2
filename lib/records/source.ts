/**
 * Where the HR records come from, behind one interface that the uploader (lib/upload), `simulate`
 * and `validate --sample` read: a CSV file (csv.ts) or a JSON file (json.ts; an HR API is read
 * into one first, rest.ts). Each yields a header, the record fields the column expressions
 * address, then each record's values in that order, so one converter serves every source.
 */
import type { Readable } from "stream";
import { parseExpression } from "../expressions";
import { type ProvisioningApp, uploaderColumns } from "../model/schema";
import { referencedAttributes } from "./convert";
import { type CsvInput, type CsvOptions, type CsvProblem, readCsvBatches } from "./csv";
import { type FieldValue, fieldReader, type JsonOptions, readJsonBatches } from "./json";

/** One record: the line it starts on, its values in header order. */
export interface RecordRow {
  line: number;
  fields: readonly FieldValue[];
}

export type RecordItem = { header: string[] } | RecordRow;

export interface RecordSource {
  /** What the records are read from, for messages: "CSV" or "JSON". */
  readonly format: "CSV" | "JSON";
  /**
   * The header, then every record, a chunk of the input at a time. A record that cannot be read
   * on its own (a CSV row with the wrong field count, a JSON value that is not an object) goes to
   * `onProblem`; a fault of the whole input is thrown as a `RecordFileError`. Read once per
   * pass: the uploader reads a source twice, so it must open its input afresh each time.
   */
  batches(onProblem: (problem: CsvProblem) => void): AsyncGenerator<RecordItem[]>;
}

/** A path, or a function that opens the input afresh for each pass. */
export type SourceInput = Exclude<CsvInput, Readable>;

export function csvSource(input: CsvInput, options: CsvOptions): RecordSource {
  return { format: "CSV", batches: (onProblem) => readCsvBatches(input, options, onProblem) };
}

/**
 * The record fields the app's column expressions address (`[WorkerID]`, `[name.first]`), in the
 * order first written: a JSON source's header.
 */
export function addressedFields(app: ProvisioningApp): string[] {
  const found = new Set<string>();
  for (const text of Object.values(uploaderColumns(app.uploader).columns)) {
    const { ast } = parseExpression(text);
    if (ast) for (const name of referencedAttributes(ast)) found.add(name);
  }
  return [...found];
}

export function jsonSource(
  input: CsvInput,
  options: JsonOptions & { fields: readonly string[] },
): RecordSource {
  const header = [...options.fields];
  const read = fieldReader(header);
  return {
    format: "JSON",
    async *batches(onProblem) {
      yield [{ header }];
      for await (const records of readJsonBatches(input, options)) {
        const rows: RecordRow[] = [];
        for (const { line, value } of records) {
          if (value === null || typeof value !== "object" || Array.isArray(value)) {
            const what = value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;
            onProblem({ line, message: `is ${what}, not a record (a JSON object)` });
            continue;
          }
          rows.push({ line, fields: read(value) });
        }
        if (rows.length > 0) yield rows;
      }
    },
  };
}

/** The source the app's uploader reads `input` as: its `source` (csv or json) decides. */
export function recordSource(
  app: ProvisioningApp,
  input: CsvInput,
  format: "csv" | "json" = app.uploader?.source === "csv" || !app.uploader ? "csv" : "json",
): RecordSource {
  const uploader = app.uploader;
  if (format === "csv") {
    return csvSource(input, {
      delimiter: uploader?.csv.delimiter,
      encoding: uploader?.csv.encoding,
    });
  }
  return jsonSource(input, { records: uploader?.json?.records, fields: addressedFields(app) });
}
