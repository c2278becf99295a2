/**
 * Issue 16, reading the HR CSV: a file that is not what it claims to be is refused before the
 * first request, with the line and column and what to do; the messages of a run never carry a
 * field's value unless --verbose; `logs` keeps terminal control sequences from the service and
 * the HR file off the terminal.
 */
import { existsSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Readable } from "stream";
import { stringify } from "yaml";
import { bufferDropFile, handleTrigger } from "../../functions/src/adapter";
import { readCsv } from "../../lib/records/csv";
import { executePlan, planUpload } from "../../lib/upload/engine";
import { MemoryStateStore } from "../../lib/upload/state";
import { inbound } from "../cli/harness";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import {
  COLUMNS,
  csvOf,
  FakeClock,
  graphFor,
  HEADER,
  makeApp,
  makeSpecInput,
  recordingGraph,
  row,
  seedApiDrivenApp,
} from "../upload/helpers";

let emulator: GraphEmulator;
let endpoint: string;
let jobId: string;
let dir: string;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  ({ endpoint, jobId } = await seedApiDrivenApp(emulator, "Contoso HR inbound - employees"));
  dir = mkdtempSync(path.join(tmpdir(), "inbound-hardening-csv-"));
});
afterEach(() => emulator.close());

function writeSpec(input = makeSpecInput()): void {
  writeFileSync(path.join(dir, "tenant.yaml"), stringify(input));
}

function writeCsv(content: string | Buffer): void {
  writeFileSync(path.join(dir, "hr.csv"), content);
}

const cli = (args: string[]) =>
  inbound(args, { cwd: dir, env: { INBOUND_GRAPH_TOKEN: emulator.token } });
const base = ["--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];
const upload = (...extra: string[]) => cli(["upload", ...base, "--endpoint", endpoint, ...extra]);
const simulate = (...extra: string[]) => cli(["simulate", ...base, ...extra]);
const sentIds = () =>
  emulator.state.directory.bulkUploads.flatMap((u) =>
    (u.body as { Operations: { data: { externalId: string } }[] }).Operations.map(
      (o) => o.data.externalId,
    ),
  );
const sentUsers = () =>
  emulator.state.directory.bulkUploads.flatMap((u) =>
    (u.body as { Operations: { data: Record<string, unknown> }[] }).Operations.map((o) => o.data),
  );

async function read(chunks: Buffer[], options = {}) {
  const out: unknown[] = [];
  for await (const item of readCsv(Readable.from(chunks), options, () => undefined)) {
    out.push(item);
  }
  return out;
}

describe("encoding", () => {
  const latin1 = Buffer.from(csvOf([row("1"), row("2", { FirstName: "Zoë" })]), "latin1");

  it("refuses a Latin-1 file read as UTF-8 with the line, column and setting, and sends nothing", async () => {
    writeSpec();
    writeCsv(latin1);
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      "hr.csv: line 3, column 5 (FirstName): byte 0xEB is not valid UTF-8 (uploader.csv.encoding is utf-8); if the file is a Latin-1 (ISO 8859-1) export, set uploader.csv.encoding: latin1; nothing was sent\n",
    );
    expect(emulator.state.directory.bulkUploads).toEqual([]);
    const simulated = await simulate();
    expect(simulated.code).toBe(1);
    expect(simulated.out).not.toContain("\ufffd");
    expect(simulated.err).toContain("hr.csv: line 3, column 5 (FirstName): byte 0xEB");

    writeSpec(makeSpecInput(COLUMNS, { csv: { columns: COLUMNS, encoding: "latin1" } }));
    const sent = await upload();
    expect(sent.code).toBe(0);
    expect(sentUsers().map((u) => (u.name as { givenName: string }).givenName)).toEqual([
      "Ada",
      "Zoë",
    ]);
  });

  it("finds a bad byte cut by a chunk boundary, and passes characters cut by one", async () => {
    const text = Buffer.from("id,name\n1,Zoë 日本 😀\n", "utf8");
    const bytes = [...text].map((b) => Buffer.from([b]));
    expect(await read(bytes)).toEqual([
      { header: ["id", "name"] },
      { line: 2, fields: ["1", "Zoë 日本 😀"] },
    ]);
    // A three-byte character whose last byte is missing, split across chunks.
    const bad = Buffer.concat([Buffer.from("id,name\n1,ok\n2,a"), Buffer.from([0xe6, 0x97])]);
    const split = [bad.subarray(0, bad.length - 1), bad.subarray(bad.length - 1)];
    await expect(read([...split, Buffer.from(",b\n")])).rejects.toThrow(
      "line 3, column 2 (name): byte 0xE6 is not valid UTF-8",
    );
    // A file that ends inside a character.
    await expect(read(split)).rejects.toThrow("line 3, column 2 (name): byte 0xE6");
    // UTF-16LE: a lone surrogate; a UTF-16 file read as UTF-8 is told its encoding.
    const utf16 = Buffer.from("id,name\n1,a\udc00\n", "utf16le");
    await expect(read([utf16], { encoding: "utf-16le" })).rejects.toThrow(
      "line 2, column 2 (name): the text is not valid UTF-16LE",
    );
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("id\n1\n", "utf16le")]);
    await expect(read([bom])).rejects.toThrow("set uploader.csv.encoding: utf-16le");
  });
});

describe("the deployed Function", () => {
  it("refuses a file in the wrong encoding with its position, sending nothing", async () => {
    const bodies: string[] = [];
    const runtime = {
      appKey: "employees",
      app: makeApp(),
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      state: new MemoryStateStore(),
      target: graphFor(async (body) => {
        bodies.push(body);
        return { status: 202 };
      }),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      clock: new FakeClock(),
    };
    const latin1 = Buffer.from(csvOf([row("1"), row("2", { City: "Malmö" })]), "latin1");
    const report = await handleTrigger(
      runtime,
      "blob",
      bufferDropFile("hr.csv", latin1, new Date()),
    );
    expect(report.status).toBe("failed");
    expect(report.reason).toBe(
      "hr.csv: line 3, column 19 (City): byte 0xF6 is not valid UTF-8 (uploader.csv.encoding is utf-8); if the file is a Latin-1 (ISO 8859-1) export, set uploader.csv.encoding: latin1; nothing was sent",
    );
    expect(bodies).toEqual([]);
  });
});

describe("header", () => {
  it("refuses a header naming a column twice, with both positions", async () => {
    writeSpec();
    writeCsv(csvOf([row("1"), row("2")]).replace(HEADER, `${HEADER},Department`));
    const result = await upload();
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'hr.csv: line 1, column 25 (Department): the header names column "Department" twice, columns 12 and 25; rename one in the export; nothing was sent\n',
    );
    expect(emulator.state.directory.bulkUploads).toEqual([]);
  });
});

describe("a truncated last line", () => {
  it("refuses a last record cut short, or cut inside a quoted field, like a truncated file", async () => {
    writeSpec();
    const whole = csvOf([row("1"), row("2"), row("3")]);
    writeCsv(whole.slice(0, whole.lastIndexOf("Paris")));
    const short = await upload();
    expect(short.code).toBe(1);
    expect(short.err).toBe(
      "hr.csv: line 4: the last row has 19 of the header's 24 fields: the file ends in the middle of a record; is it truncated? Export it again; nothing was sent\n",
    );
    writeCsv(csvOf([row("1"), row("2")]) + row("3", { JobTitle: '"Head, Sales' }).slice(0, -30));
    const quoted = await upload();
    expect(quoted.code).toBe(1);
    expect(quoted.err).toBe(
      "hr.csv: line 4, column 17 (JobTitle): a quoted field is not closed before the end of the file; is the file truncated, or is a quote missing?; nothing was sent\n",
    );
    expect(emulator.state.directory.bulkUploads).toEqual([]);
    // A short row that is not the last is skipped as before.
    writeCsv(csvOf([row("1"), "9,Active", row("2")]));
    const middle = await upload();
    expect(middle.code).toBe(3);
    expect(middle.err).toContain("hr.csv:3: skipped: the row has 2 fields, the header has 24");
    expect(sentIds()).toEqual(["1", "2"]);
  });
});

describe("quoting", () => {
  it("refuses a stray quote in the first pass, at its line and column, before sending", async () => {
    writeSpec();
    const rows = Array.from({ length: 120 }, (_, i) => row(String(i + 1)));
    rows[99] = row("100", { LastName: 'O"Brien' });
    writeCsv(csvOf(rows));
    const result = await upload();
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'hr.csv: line 101, column 6 (LastName): a quote inside an unquoted field; quote the whole field and double each quote in it (""); nothing was sent\n',
    );
    expect(result.err).not.toContain("Brien");
    expect(emulator.state.directory.bulkUploads).toEqual([]);
  });

  it("stops a run whose file gains a bad quote after planning, keeping every checkpoint", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const rows = Array.from({ length: 120 }, (_, i) => row(String(i + 1)));
    const good = csvOf(rows);
    const broken = csvOf([...rows.slice(0, 79), row("80", { LastName: 'O"Brien' })]);
    // The broken file arrives in two chunks: the first request is on its way before the fault.
    const cut = broken.indexOf(row("61"));
    let opened = 0;
    const csv = () =>
      Readable.from(
        opened++ === 0 ? [Buffer.from(good)] : [broken.slice(0, cut), broken.slice(cut)],
      );
    const { plan } = await planUpload({ app: makeApp(), csv, store, clock });
    expect(plan!.toSend).toBe(120);
    const transport = recordingGraph(clock);
    const result = await executePlan(plan!, {
      ...transport,
      store,
      rate: { requestsPerWindow: 40, windowSeconds: 5 },
      clock,
    });
    expect(result.stopped).toBe(
      'the CSV file changed while it was being sent (line 81, column 6 (LastName): a quote inside an unquoted field; quote the whole field and double each quote in it ("")); run again to send the rest',
    );
    expect(result.accepted).toBe(50);
    // The 50 accepted records are in the state: a run on the good file sends only the rest.
    const next = await planUpload({
      app: makeApp(),
      csv: () => Readable.from([good]),
      store,
      clock,
    });
    expect(next.plan!.unchanged).toBe(50);
    expect(next.plan!.toSend).toBe(70);
  });
});

describe("privacy", () => {
  it("keeps values out of messages, transformed ones too, unless --verbose", async () => {
    const columns = {
      ...COLUMNS,
      "ext:HireDate": "ToUpper([HireDate])",
      "ext:OnLeave": "[OnLeave]",
    };
    writeSpec(makeSpecInput(columns));
    // "e" is inside every English message: redacting it by search would mangle them.
    writeCsv(csvOf([row("1"), row("2", { HireDate: "soon" }), row("3", { OnLeave: "e" })]));
    const quiet = await upload("--dry-run");
    expect(quiet.code).toBe(3);
    expect(quiet.err).toBe(
      [
        'hr.csv:3: skipped: ext:HireDate (column HireDate): expected a date yyyy-MM-dd or an ISO 8601 date-time; convert other formats with FormatDateTime([column], , "<in>", "yyyy-MM-dd") (value hidden; --verbose shows it)',
        "hr.csv:4: skipped: ext:OnLeave (column OnLeave): expected a boolean (True or False) (value hidden; --verbose shows it)",
        "",
      ].join("\n"),
    );
    const loud = await upload("--dry-run", "--verbose");
    expect(loud.err).toContain('got "SOON"');
    expect(loud.err).toContain('expected a boolean (True or False), got "e"');

    const simulated = await simulate();
    expect(simulated.code).toBe(3);
    expect(simulated.out).not.toMatch(/soon|SOON/);
    expect(simulated.out).toContain("(value hidden; --verbose shows it)");
    const json = await simulate("--json");
    expect(json.out).not.toMatch(/soon|SOON/);
    expect((await simulate("--verbose")).out).toContain('got "SOON"');
  });

  it("hides the values an expression quotes when it fails", async () => {
    const columns = {
      ...COLUMNS,
      "ext:HireDate": 'FormatDateTime([HireDate], , "dd.MM.yyyy", "yyyy-MM-dd")',
    };
    writeSpec(makeSpecInput(columns));
    writeCsv(csvOf([row("1", { HireDate: "31.12.2020" }), row("2", { HireDate: "someday" })]));
    const quiet = await upload("--dry-run");
    expect(quiet.err).toBe(
      "hr.csv:3: skipped: ext:HireDate (column HireDate): expression failed in FormatDateTime (details hidden; --verbose shows them)\n",
    );
    expect((await upload("--dry-run", "--verbose")).err).toContain("someday");
  });

  it("logs and report strip terminal control sequences from the service's and the HR file's text", async () => {
    writeSpec();
    emulator.state.directory.provisioningLogs.push({
      jobId,
      activityDateTime: new Date().toISOString(),
      provisioningAction: "update\u001b[2J",
      sourceIdentity: { id: "7\u001b]0;pwned\u0007" },
      provisioningStatusInfo: {
        status: "failure",
        errorInformation: {
          errorCode: "Bad\u009b31m",
          reason: "line one\r\u001b[1A\u001b[2Kfaked\u0000",
        },
      },
    });
    const args = ["logs", "--spec", "tenant.yaml", "--app", "employees", "--endpoint", endpoint];
    const table = await cli(args);
    expect(table.code).toBe(0);
    expect(table.out).toContain("7           failure   update    Bad: line onefaked\n");
    const json = await cli([...args, "--json"]);
    expect(`${table.out}${json.out}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(json.out).records[0]).toMatchObject({
      externalId: "7",
      reason: "Bad: line onefaked",
    });

    // report, in text and --json, with the service's texts that --include-pii adds.
    const reportArgs = ["report", ...args.slice(1), "--include-pii"];
    const report = await cli(reportArgs);
    const reportJson = await cli([...reportArgs, "--json"]);
    expect([report.code, reportJson.code]).toEqual([0, 0]);
    expect(`${report.out}${reportJson.out}`).toContain("line onefaked");
    expect(`${report.out}${reportJson.out}`).not.toMatch(
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/,
    );
  });
});

describe("values that would forge a line (issue 26, case 14)", () => {
  it("upload, logs and report show a newline and U+202E in an externalId escaped", async () => {
    writeSpec();
    const forged = "1\nhr.csv: all records sent \u202eok";
    const quoted = `"${forged}"`;
    writeCsv(csvOf([row(quoted, { UserID: "EMP1" }), row(quoted, { UserID: "EMP1" })]));
    const sent = await upload();
    expect(sent.err).toBe(
      "hr.csv: externalId 1\\nhr.csv: all records sent \\u{202e}ok is on lines 2, 4: none of them is sent; keep one row per person\n" +
        "no row of hr.csv can be sent (see the errors above); nothing was sent\n",
    );
    emulator.state.directory.provisioningLogs.push({
      jobId,
      activityDateTime: new Date().toISOString(),
      provisioningAction: "create",
      sourceIdentity: { id: forged },
      provisioningStatusInfo: {
        status: "failure",
        errorInformation: { errorCode: "X", reason: "r" },
      },
    });
    const args = ["--spec", "tenant.yaml", "--app", "employees", "--endpoint", endpoint];
    const logs = await cli(["logs", ...args]);
    expect(logs.out).toContain("1\\nhr.csv: all records sent \\u{202e}ok  failure");
    const report = await cli(["report", ...args]);
    expect(report.code).toBe(0);
    for (const out of [logs.out, report.out]) {
      expect(out).not.toMatch(/\u202e|\nhr\.csv: all/);
    }
  });
});

describe("delimiter", () => {
  const semicolons = (text: string) => text.replace(/,/g, ";");

  it("reads a ;-delimited export (Excel's default in much of Europe) with the spec's default", async () => {
    writeSpec();
    writeCsv(semicolons(csvOf([row("1"), row("2")])));
    const result = await upload();
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(sentIds()).toEqual(["1", "2"]);
  });

  it("says once that the header is one column when no delimiter splits it", async () => {
    writeSpec();
    writeCsv(csvOf([row("1"), row("2")]).replace(/,/g, "#"));
    const result = await simulate();
    expect(result.code).toBe(1);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).toContain(
      'the file\'s header is one column ("WorkerID#WorkerStatus#WorkerType#UserID#FirstName#LastName#F…"), so the columns the mappings read are not found: the file is not delimited by "," nor by any of , ; tab |; set uploader.csv.delimiter (or --delimiter) to the file\'s',
    );
  });

  it("takes --delimiter over the spec's and over what the header suggests", async () => {
    const columns = { ...COLUMNS, displayName: "[Full, Name]" };
    writeSpec(makeSpecInput(columns));
    const text = semicolons(csvOf([row("1", { FullName: "Ada, Countess" })]))
      .replace("FullName", "Full, Name")
      .replace("Ada; Countess", "Ada, Countess");
    writeCsv(text);
    const guessed = await upload("--dry-run");
    expect(guessed.code).toBe(1);
    const given = await upload("--dry-run", "--delimiter", ";");
    expect(given.err).toBe("");
    expect(given.out).toContain('"displayName": "Ada, Countess"');
    const bad = await upload("--delimiter", ";;");
    expect(bad.code).toBe(2);
  });
});

describe("an externalId on 5,000 lines (issue 26, case 1)", () => {
  it("is one grouped line for upload and simulate, in bounded output, and the lock is released", async () => {
    writeSpec();
    writeCsv(csvOf(Array.from({ length: 5_000 }, () => row("1"))));
    const sent = await upload();
    // No row can be sent: the run refuses (exit 1) after the one grouped line.
    expect(sent.err).toBe(
      "hr.csv: externalId 1 is on lines 2, 3, 4, 5, 6 and 4,995 more: none of them is sent; keep one row per person\n" +
        "no row of hr.csv can be sent (see the errors above); nothing was sent\n",
    );
    expect(sent.out).toMatch(/^5000 rows: 0 to send in 0 requests, 0 unchanged, 5000 skipped/);
    expect(sent.code).toBe(1);
    expect(emulator.state.directory.bulkUploads).toHaveLength(0);
    const state = path.join(dir, ".inbound-state", "contoso", "employees");
    expect(existsSync(path.join(state, "lock"))).toBe(false);

    const simulated = await simulate();
    expect(simulated.out).toContain(
      "withheld: externalId also on lines 3, 4, 5, 6, 7 and 4,994 more: upload sends none of them",
    );
    // One short line per row, not every other line number on each (5,000 x 5,000).
    expect(simulated.out.length).toBeLessThan(5_000 * 200);
  });
});

describe("a field longer than Entra takes (issue 26, case 10)", () => {
  it("is a row error, and the row is not sent", async () => {
    writeSpec();
    writeCsv(csvOf([row("1", { JobTitle: "x".repeat(2_000_000) }), row("2")]));
    const result = await upload();
    expect(result.err).toBe(
      "hr.csv:2: skipped: title (column JobTitle): the value is 2,000,000 characters long, more than the 1,024 any Entra user attribute takes\n",
    );
    expect(sentIds()).toEqual(["2"]);
  });
});
