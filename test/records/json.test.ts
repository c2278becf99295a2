/**
 * JSON records: the streaming reader (array, object with a JSON Pointer, JSON Lines; faults of
 * the file), and the same people as CSV and as JSON giving the same SCIM records.
 */
import { Readable } from "stream";
import {
  JsonFileError,
  type RecordSource,
  readJsonBatches,
  recordSource,
  sampleRecord,
  simulate,
  textFields,
} from "../../lib/records";
import { planBatches, planUpload, MemoryStateStore } from "../../lib/upload";
import { COLUMNS, csvOf, HEADER, makeApp, row } from "../upload/helpers";

/** The text as a stream cut into `size`-byte chunks, so records and characters straddle them. */
const chunked = (text: string, size: number) => () =>
  Readable.from(
    (function* () {
      const bytes = Buffer.from(text, "utf8");
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );

async function records(text: string, options = {}, size = 5) {
  const out: { line: number; value: unknown }[] = [];
  for await (const batch of readJsonBatches(chunked(text, size), options)) out.push(...batch);
  return out;
}

async function fault(text: string, options = {}): Promise<string> {
  try {
    await records(text, options);
  } catch (err) {
    if (err instanceof JsonFileError) return err.message;
    throw err;
  }
  throw new Error("no fault");
}

describe("readJsonBatches", () => {
  it("reads an array, an object holding one at a JSON Pointer, and JSON Lines, with each record's line", async () => {
    const array = '[\n  {"id": "1", "name": {"first": "Zoë \\"Z\\""}},\n  {"id": 2}\n]\n';
    expect(await records(array)).toEqual([
      { line: 2, value: { id: "1", name: { first: 'Zoë "Z"' } } },
      { line: 3, value: { id: 2 } },
    ]);
    const held =
      '{"meta": {"count": 2, "x": [1, {"y": "]"}]},\n "data": {"employees": [\n{"id": "1"},\n{"id": "2"}]}, "next": null}';
    expect(await records(held, { records: "/data/employees" })).toEqual([
      { line: 3, value: { id: "1" } },
      { line: 4, value: { id: "2" } },
    ]);
    expect(await records('{"id": "1"}\n\n{"id": "2"}\r\n{"id": "3"}')).toEqual([
      { line: 1, value: { id: "1" } },
      { line: 3, value: { id: "2" } },
      { line: 4, value: { id: "3" } },
    ]);
    expect(await records("[]")).toEqual([]);
    expect(await records('\uFEFF[{"a": "b"}]', {}, 1)).toEqual([{ line: 1, value: { a: "b" } }]);
  });

  it("refuses what is not whole JSON records: nothing of it may be sent", async () => {
    expect(await fault("<!DOCTYPE html><html>Sign in</html>")).toMatch(
      /^line 1: the file is HTML or XML, not JSON/,
    );
    expect(await fault('[{"id": "1"},\n{"id": "2"')).toMatch(/^line 2: .*is it truncated/);
    expect(await fault('{"id": "1"}\n{"id": "2"')).toMatch(/^line 2: the last line .*truncated/);
    expect(await fault('{"id": "1"}\n{"id" "2"}\n{"id": "3"}')).toMatch(
      /^line 2: the line is not a JSON record/,
    );
    expect(await fault('{"data": []}', { records: "/employees" })).toContain(
      "no array of records at /employees",
    );
    expect(await fault("")).toMatch(/the file is empty/);
    expect(await fault('[{"id": "1"}] x')).toMatch(/text after the end/);
    expect(await fault('[{"id": 01}]')).toMatch(/^line 1: record 1 is not valid JSON/);
    const latin1 = Buffer.concat([
      Buffer.from('[{"n": "'),
      Buffer.from([0xe9]),
      Buffer.from('"}]'),
    ]);
    await expect(
      (async () => {
        for await (const _ of readJsonBatches(() => Readable.from([latin1]))) void _;
      })(),
    ).rejects.toThrow(/not valid UTF-8/);
  });
});

describe("JSON and CSV sources", () => {
  /** The sample layout's rows as JSON records, the names nested and the ids as numbers. */
  const people = ["1001", "1002", "1003"].map((id, i) =>
    row(id, { FirstName: `Ada${i}`, OnLeave: i === 1 ? "True" : "False", Custom01: "" }),
  );
  const asRecords = () =>
    people.map((line) => {
      const values = line.split(",");
      const record: Record<string, unknown> = {};
      HEADER.split(",").forEach((column, i) => {
        if (values[i] !== "") record[column] = values[i];
      });
      record.WorkerID = Number(record.WorkerID);
      record.name = { first: record.FirstName, last: record.LastName };
      delete record.FirstName;
      delete record.LastName;
      return record;
    });
  const jsonColumns = {
    ...COLUMNS,
    "name.givenName": "[name.first]",
    "name.familyName": "[name.last]",
  };

  /** A JSON app: its mapping in `uploader.columns`, where a non-CSV source reads it. */
  const appOf = (uploader: Record<string, unknown> = {}) =>
    makeApp(jsonColumns, { source: "json", csv: {}, columns: jsonColumns, ...uploader });

  async function sent(app: ReturnType<typeof makeApp>, source: RecordSource) {
    const { plan, problems, csvError } = await planUpload({
      app,
      source,
      store: new MemoryStateStore(),
    });
    expect(problems).toEqual([]);
    expect(csvError).toBeUndefined();
    const out: string[] = [];
    for await (const batch of planBatches(plan!)) out.push(...batch.map((r) => r.json));
    return out;
  }

  it("give identical SCIM records for the same people as a CSV, a JSON array, an object holding one and JSON Lines", async () => {
    const csvApp = makeApp();
    const csv = await sent(csvApp, recordSource(csvApp, chunked(csvOf(people), 64)));
    expect(csv).toHaveLength(3);
    const jsonApp = appOf({ json: { records: "/employees" } });
    const array = JSON.stringify(asRecords(), null, 2);
    const held = JSON.stringify({ total: 3, employees: asRecords() });
    const lines = asRecords()
      .map((r) => JSON.stringify(r))
      .join("\n");
    const plain = appOf();
    expect(await sent(plain, recordSource(plain, chunked(array, 7)))).toEqual(csv);
    expect(await sent(jsonApp, recordSource(jsonApp, chunked(held, 7)))).toEqual(csv);
    expect(await sent(plain, recordSource(plain, chunked(lines, 3)))).toEqual(csv);
  });

  it("reports a field of the wrong type as a positioned error of that record, and a value that is not a record", async () => {
    const app = appOf();
    const records = asRecords();
    (records[1] as { name: unknown }).name = { first: { given: "Ada" }, last: "L" };
    records[2].Department = ["IT", "HR"];
    const text = `[\n${records.map((r) => JSON.stringify(r)).join(",\n")},\n"stray"\n]`;
    const result = await simulate(app, recordSource(app, chunked(text, 11)));
    expect(result.problems).toEqual([]);
    expect(result.csvProblems).toEqual([
      { line: 5, message: "is string, not a record (a JSON object)" },
    ]);
    const errors = result.records.flatMap((r) =>
      r.errors.map((e) => [e.line, e.attribute, e.message]),
    );
    expect(errors).toEqual([
      [
        3,
        "name.givenName",
        "[name.first] is an object in the record, where text is expected; address a field inside it (e.g. [name.first.name])",
      ],
      [
        4,
        "enterprise:department",
        "[Department] is a list in the record, where text is expected; address a field inside it (e.g. [Department.name])",
      ],
    ]);
    expect(result.records[0].scim).toBeDefined();
  });

  it("finds a sample's first record and its text fields for validate --sample and init --json", () => {
    const page = JSON.stringify({ employees: [{ id: 1, name: { first: "A" }, tags: ["x"] }] });
    const record = sampleRecord(page, "/employees");
    expect(record).toEqual({ id: 1, name: { first: "A" }, tags: ["x"] });
    expect(textFields(record)).toEqual(["id", "name.first"]);
    expect(sampleRecord('{"id": 1}\n{"id": 2}')).toEqual({ id: 1 });
    expect(sampleRecord("<html>")).toEqual({ error: "the sample is HTML or XML, not JSON" });
  });
});
