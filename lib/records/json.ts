/**
 * Streaming reader of HR records in JSON: an array of records, an object holding the array at a
 * JSON Pointer (`uploader.json.records`, RFC 6901), or JSON Lines (one record per line). The text
 * is scanned for each record's extent and the record alone is handed to `JSON.parse`, so memory
 * holds one chunk and one record, never the file, and the parse itself is the engine's native one.
 *
 * Hand-written rather than a streaming parser from npm (stream-json, @streamparser/json): those
 * build every value token by token in JavaScript, several times the cost of `JSON.parse` for the
 * same records, where the uploader's target is within 2x of it (bench/). The scanner only finds
 * where each record ends (strings, escapes, nesting); `JSON.parse` still checks each record.
 *
 * What cannot be read (bytes that are not UTF-8, text that is not JSON such as a sign-in page, a
 * file cut off in the middle) is a `RecordFileError`: the file as a whole must not be sent.
 */
import { createReadStream } from "fs";
import { Readable } from "stream";
import { TextDecoder } from "util";
import type { CsvInput } from "./csv";
import { RecordFileError } from "./fault";

/** One record of the file and the line it starts on. */
export interface JsonRecord {
  line: number;
  value: unknown;
}

export interface JsonOptions {
  /** JSON Pointer to the array of records; without it an array or JSON Lines. */
  records?: string;
}

/** A fault of the JSON file: nothing of it may be sent. */
export class JsonFileError extends RecordFileError {
  constructor(line: number, reason: string) {
    super(line, reason, `line ${line}: ${reason}`);
    this.name = "JsonFileError";
  }
}

/** The tokens of a JSON Pointer ("" is the whole document). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The value at `pointer` in `document`, or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  let node = document;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(token)) node = node[Number(token)];
    else if (node && typeof node === "object" && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else return undefined;
  }
  return node;
}

function open(source: CsvInput): AsyncIterable<Buffer | string> {
  if (typeof source === "string") return createReadStream(source, { highWaterMark: 1 << 16 });
  if (typeof source === "function") {
    const opened = source();
    return opened instanceof Readable ? opened : Readable.from(opened);
  }
  return source;
}

/** The text of `source` in chunks, checked to be UTF-8 (RFC 8259 section 8.1), its BOM dropped. */
async function* text(source: CsvInput, where: () => number): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const input = open(source);
  try {
    for await (const chunk of input) {
      if (typeof chunk === "string") {
        yield chunk;
        continue;
      }
      let decoded: string;
      try {
        decoded = decoder.decode(chunk, { stream: true });
      } catch {
        throw new JsonFileError(where(), "the text is not valid UTF-8, which JSON must be");
      }
      if (decoded !== "") yield decoded;
    }
    let last: string;
    try {
      last = decoder.decode();
    } catch {
      throw new JsonFileError(where(), "the file ends inside a character: is it truncated?");
    }
    if (last !== "") yield last;
  } finally {
    (input as Readable).destroy?.();
  }
}

const SPACE = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The index just past the JSON value that starts at `i` (no leading space), or -1 when `buf`
 * ends before the value does. Finds the extent only; `JSON.parse` checks the value.
 */
function valueEnd(buf: string, i: number): number {
  const first = buf.charCodeAt(i);
  if (first === 0x22) return stringEnd(buf, i);
  if (first !== 0x7b && first !== 0x5b) {
    // A number, true, false or null: up to the next delimiter.
    for (let k = i; k < buf.length; k++) {
      const c = buf.charCodeAt(k);
      if (c === 0x2c || c === 0x5d || c === 0x7d || SPACE(c)) return k;
    }
    return -1;
  }
  let depth = 0;
  for (let k = i; k < buf.length; k++) {
    const c = buf.charCodeAt(k);
    if (c === 0x22) {
      const end = stringEnd(buf, k);
      if (end === -1) return -1;
      k = end - 1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return -1;
}

/** The index just past the string whose opening quote is at `i`, or -1. */
function stringEnd(buf: string, i: number): number {
  for (let k = buf.indexOf('"', i + 1); k !== -1; k = buf.indexOf('"', k + 1)) {
    let backslashes = 0;
    while (buf.charCodeAt(k - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return k + 1;
  }
  return -1;
}

function newlines(buf: string, from: number, to: number): number {
  let n = 0;
  for (let k = buf.indexOf("\n", from); k !== -1 && k < to; k = buf.indexOf("\n", k + 1)) n++;
  return n;
}

/** What a file that is not JSON records looks like, for the message. */
function notRecords(start: string, options: JsonOptions): string {
  if (start === "<") {
    return "the file is HTML or XML, not JSON (a sign-in or error page saved in its place?)";
  }
  const want = options.records
    ? `an object holding the records at ${options.records}`
    : "a JSON array of records, or JSON Lines (one record per line)";
  return `the file starts with ${JSON.stringify(start)}; expected ${want}`;
}

interface Frame {
  kind: "object" | "array";
  /** The pointer's tokens matched so far lead here. */
  onPath: boolean;
  /** Elements seen (arrays) or whether a key is awaited (objects). */
  index: number;
  expect: "key" | "colon" | "value" | "comma";
  key?: string;
}

/**
 * Yields the records in batches (one per chunk read: a record costs no promise of its own).
 * Throws a `JsonFileError` for a fault of the file, before the records after it are yielded.
 */
export async function* readJsonBatches(
  source: CsvInput,
  options: JsonOptions = {},
): AsyncGenerator<JsonRecord[]> {
  let line = 1;
  const chunks = text(source, () => line);
  let buf = "";
  let pos = 0;
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buf = buf.slice(pos) + next.value;
    pos = 0;
    return true;
  };
  const advance = (to: number) => {
    line += newlines(buf, pos, to);
    pos = to;
  };
  /** Skips spaces; false at the end of the file. */
  const skipSpace = async (): Promise<boolean> => {
    for (;;) {
      while (pos < buf.length && SPACE(buf.charCodeAt(pos))) {
        if (buf.charCodeAt(pos) === 0x0a) line++;
        pos++;
      }
      if (pos < buf.length) return true;
      if (!(await more())) return false;
    }
  };
  /** The end of the value at `pos`, reading more as needed; -1 when the file ends first. */
  const endOfValue = async (): Promise<number> => {
    for (;;) {
      const end = valueEnd(buf, pos);
      // A scalar at the very end of the file ends with it.
      if (end !== -1) return end;
      if (!(await more())) {
        const c = buf.charCodeAt(pos);
        return c !== 0x22 && c !== 0x7b && c !== 0x5b && pos < buf.length ? buf.length : -1;
      }
    }
  };
  const truncated = () =>
    new JsonFileError(
      line,
      "the file ends in the middle of the JSON: is it truncated? Export it again",
    );

  const empty = () => new JsonFileError(1, "the file is empty: it holds no JSON");
  try {
    if (!(await skipSpace())) throw empty();
    if (buf.charCodeAt(0) === 0xfeff) {
      pos++;
      if (!(await skipSpace())) throw empty();
    }
    const first = buf[pos];
    if (options.records === undefined && first === "{") {
      yield* jsonLines();
      return;
    }
    if (first !== "[" && first !== "{") throw new JsonFileError(line, notRecords(first, options));
    const path = pointerTokens(options.records ?? "");
    if (path.length === 0 && first !== "[") {
      throw new JsonFileError(line, notRecords(first, options));
    }
    let found = false;
    const stack: Frame[] = [];
    /** Depth of the target array in `stack` once it is entered. */
    let target = -1;
    const open = (char: string, onPath: boolean) => {
      if (onPath && stack.length === path.length && char === "[") {
        found = true;
        target = stack.length;
      }
      stack.push({
        kind: char === "{" ? "object" : "array",
        onPath,
        index: 0,
        expect: char === "{" ? "key" : "value",
      });
      advance(pos + 1);
    };
    open(first, true);
    while (stack.length > 0) {
      if (!(await skipSpace())) throw truncated();
      const frame = stack[stack.length - 1];
      const c = buf[pos];
      const closing = frame.kind === "object" ? "}" : "]";
      if (c === closing && (frame.expect === "comma" || frame.index === 0)) {
        advance(pos + 1);
        stack.pop();
        if (stack.length > 0) stack[stack.length - 1].expect = "comma";
        if (stack.length === target) {
          // The records are all read; the rest of the document is still read to its end.
          target = -1;
        }
        continue;
      }
      if (frame.expect === "comma") {
        if (c !== ",") throw syntax(c);
        advance(pos + 1);
        frame.expect = frame.kind === "object" ? "key" : "value";
        continue;
      }
      if (frame.expect === "key") {
        if (c !== '"') throw syntax(c);
        const end = await endOfValue();
        if (end === -1) throw truncated();
        frame.key = JSON.parse(buf.slice(pos, end)) as string;
        advance(end);
        frame.expect = "colon";
        continue;
      }
      if (frame.expect === "colon") {
        if (c !== ":") throw syntax(c);
        advance(pos + 1);
        frame.expect = "value";
        continue;
      }
      // A value: records, a container on the pointer's path, or something to step over.
      const depth = stack.length;
      if (target !== -1 && depth - 1 === target) {
        // As many records as the buffer holds whole, without a promise each.
        const batch = recordsInBuffer(frame);
        if (batch.length > 0) yield batch;
        const closes =
          buf.charCodeAt(pos) === 0x5d &&
          ((frame.expect as Frame["expect"]) === "comma" || frame.index === 0);
        if (!closes && !(await more())) throw truncated();
        continue;
      }
      const token = frame.kind === "object" ? frame.key! : String(frame.index);
      frame.index++;
      const onPath = frame.onPath && depth <= path.length && path[depth - 1] === token;
      if (onPath && (c === "{" || c === "[")) {
        frame.expect = "comma";
        open(c, true);
        continue;
      }
      const end = await endOfValue();
      if (end === -1) throw truncated();
      advance(end);
      frame.expect = "comma";
    }
    if (await skipSpace()) throw new JsonFileError(line, "text after the end of the JSON document");
    if (!found) {
      throw new JsonFileError(
        1,
        `the file has no array of records at ${options.records} (uploader.json.records)`,
      );
    }
  } finally {
    await chunks.return(undefined);
  }

  /**
   * Reads the records of the target array that `buf` holds whole, from `pos`: stops at the end of
   * the buffer (`frame.expect` says what comes next), or at the array's closing bracket, which is
   * left for the caller.
   */
  function recordsInBuffer(frame: Frame): JsonRecord[] {
    const out: JsonRecord[] = [];
    for (;;) {
      while (pos < buf.length && SPACE(buf.charCodeAt(pos))) {
        if (buf.charCodeAt(pos) === 0x0a) line++;
        pos++;
      }
      if (pos >= buf.length) return out;
      const c = buf.charCodeAt(pos);
      if (frame.expect === "comma") {
        if (c === 0x5d) return out;
        if (c !== 0x2c) throw syntax(buf[pos]);
        pos++;
        frame.expect = "value";
        continue;
      }
      if (c === 0x5d && frame.index === 0) return out;
      const end = valueEnd(buf, pos);
      if (end === -1) return out;
      const start = line;
      let value: unknown;
      try {
        value = JSON.parse(buf.slice(pos, end));
      } catch (err) {
        throw new JsonFileError(
          start,
          `record ${frame.index + 1} is not valid JSON (${syntaxReason(err)})`,
        );
      }
      frame.index++;
      out.push({ line: start, value });
      advance(end);
      frame.expect = "comma";
    }
  }

  function syntax(c: string): JsonFileError {
    return new JsonFileError(line, `unexpected ${JSON.stringify(c)}: the file is not valid JSON`);
  }

  async function* jsonLines(): AsyncGenerator<JsonRecord[]> {
    for (;;) {
      const batch: JsonRecord[] = [];
      let newline = buf.indexOf("\n", pos);
      while (newline !== -1) {
        take(buf.slice(pos, newline), batch);
        pos = newline + 1;
        line++;
        newline = buf.indexOf("\n", pos);
      }
      if (batch.length > 0) yield batch;
      if (!(await more())) break;
    }
    const last: JsonRecord[] = [];
    take(buf.slice(pos), last, true);
    if (last.length > 0) yield last;
  }

  function take(text: string, out: JsonRecord[], atEnd = false): void {
    if (text.trim() === "") return;
    try {
      out.push({ line, value: JSON.parse(text) });
    } catch (err) {
      throw new JsonFileError(
        line,
        atEnd
          ? `the last line is not a whole JSON record (${syntaxReason(err)}): is the file truncated? Export it again`
          : `the line is not a JSON record (${syntaxReason(err)}); JSON Lines hold one record per line`,
      );
    }
  }
}

/** JSON.parse's reason without the text it quotes (a record's values). */
function syntaxReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/Unexpected end/i.test(message)) return "it ends too early";
  const at = /position (\d+)/.exec(message);
  return at ? `a syntax error at character ${Number(at[1]) + 1}` : "a syntax error";
}

/** A field of a record that is an object or a list where the expressions want text. */
export class NotText {
  constructor(readonly what: "an object" | "a list") {}
}

/** A record's field as the converter reads it: text, or a value that cannot be text. */
export type FieldValue = string | NotText;

const OBJECT = new NotText("an object");
const LIST = new NotText("a list");

/**
 * For each column a mapping reads, how to find it in a record: the key itself when the record
 * has it, else a dotted path into nested objects (`name.first`).
 */
export function fieldReader(columns: readonly string[]): (record: object) => FieldValue[] {
  const paths = columns.map((c) => c.split("."));
  return (record) => {
    const fields: FieldValue[] = new Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      // Own keys only: a column named "constructor" is not Object.prototype's.
      let value: unknown = Object.hasOwn(record, columns[i])
        ? (record as Record<string, unknown>)[columns[i]]
        : undefined;
      if (value === undefined && paths[i].length > 1) {
        value = record;
        for (const part of paths[i]) {
          if (value === null || typeof value !== "object" || Array.isArray(value)) {
            value = undefined;
            break;
          }
          value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
        }
      }
      fields[i] = textOf(value);
    }
    return fields;
  };
}

/**
 * A JSON value as a CSV cell holding the same would read: numbers and booleans as their JSON
 * text, null and absent as an empty cell.
 */
function textOf(value: unknown): FieldValue {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
      return String(value);
    case "object":
      return value === null ? "" : Array.isArray(value) ? LIST : OBJECT;
    default:
      return "";
  }
}

/**
 * The first record of a sample (`validate --sample`): one record, an array of them, an object
 * holding them at `pointer`, or JSON Lines.
 */
export function sampleRecord(text: string, pointer?: string): object | { error: string } {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // JSON Lines: the first line is the record.
    const first = text
      .replace(/^\uFEFF/, "")
      .trimStart()
      .split("\n", 1)[0];
    try {
      document = JSON.parse(first);
    } catch (err) {
      const start = text.trimStart()[0];
      return {
        error:
          start === "<"
            ? "the sample is HTML or XML, not JSON"
            : `the sample is not JSON (${syntaxReason(err)})`,
      };
    }
  }
  if (pointer !== undefined && !Array.isArray(document)) {
    const held = resolvePointer(document, pointer);
    if (Array.isArray(held)) document = held;
  }
  const record = Array.isArray(document) ? document[0] : document;
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    return { error: "the sample holds no record (a JSON object)" };
  }
  return record;
}

/** The text fields of a record by dotted path, as `[a.b]` addresses them: nested objects walked. */
export function textFields(record: object, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === "object") {
      if (!Array.isArray(value)) out.push(...textFields(value, `${prefix}${key}.`));
    } else out.push(`${prefix}${key}`);
  }
  return out;
}
