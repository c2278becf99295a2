/**
 * Sources other than a CSV file through the commands: `upload --json` against the Graph emulator,
 * `simulate --json-file`, `validate --sample`, `init --json`.
 */
import { writeFileSync } from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { EXIT } from "../../cli/io";
import { emulatorAppPerTest, JSON_COLUMNS, jsonPerson, makeSpecInput } from "./helpers";

const ctx = emulatorAppPerTest("inbound-sources-");

const person = jsonPerson;

function writeSpec(uploader: Record<string, unknown> = {}) {
  const input = makeSpecInput(JSON_COLUMNS, {
    source: "json",
    csv: {},
    columns: JSON_COLUMNS,
    ...uploader,
  });
  writeFileSync(path.join(ctx.dir, "tenant.yaml"), stringify(input));
}

const cli = (args: string[]) =>
  inbound(args, { cwd: ctx.dir, env: { INBOUND_GRAPH_TOKEN: ctx.emulator.token } });
const base = ["--spec", "tenant.yaml", "--app", "employees"];
const sentIds = () =>
  ctx.emulator.state.directory.bulkUploads.flatMap((u) =>
    (u.body as { Operations: { data: { externalId: string } }[] }).Operations.map(
      (o) => o.data.externalId,
    ),
  );

describe("upload --json", () => {
  it("sends the records of a JSON Lines file, then nothing when it is unchanged", async () => {
    writeSpec();
    const lines = [1, 2, 3].map((id) => JSON.stringify(person(id))).join("\n") + "\n";
    writeFileSync(path.join(ctx.dir, "hr.jsonl"), lines);
    const args = ["upload", ...base, "--json", "hr.jsonl", "--endpoint", ctx.app.endpoint];
    const first = await cli(args);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(sentIds()).toEqual(["1", "2", "3"]);
    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(second.out).toContain("nothing to send: 3 unchanged");
    expect(sentIds()).toHaveLength(3);
  });

  it("names the file and line of a record whose field is an object, and sends the rest", async () => {
    writeSpec({ json: { records: "/workers" } });
    const workers = [person(1), person(2, { JobTitle: { code: "ENG" } })];
    writeFileSync(path.join(ctx.dir, "hr.json"), JSON.stringify({ workers }, null, 1));
    const run = await cli(["upload", ...base, "--json", "hr.json", "--endpoint", ctx.app.endpoint]);
    expect(run.code).toBe(EXIT.partial);
    expect(run.err).toMatch(
      /^hr\.json:\d+: skipped: title \(column JobTitle\): \[JobTitle\] is an object in the record, where text is expected/m,
    );
    expect(sentIds()).toEqual(["1"]);
  });

  it("refuses a file that is not JSON records and sends nothing", async () => {
    writeSpec();
    writeFileSync(path.join(ctx.dir, "hr.json"), "<html><body>Sign in</body></html>");
    const run = await cli(["upload", ...base, "--json", "hr.json", "--endpoint", ctx.app.endpoint]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("hr.json: line 1: the file is HTML or XML, not JSON");
    expect(run.err).toContain("nothing was sent");
    expect(ctx.emulator.requests.filter((r) => r.method === "POST")).toEqual([]);
  });
});

describe("simulate --json-file, validate --sample, init --json", () => {
  it("checks the column expressions against a JSON record offline", async () => {
    writeSpec();
    writeFileSync(path.join(ctx.dir, "hr.json"), JSON.stringify([person(7)]));
    const simulated = await cli(["simulate", ...base, "--json-file", "hr.json", "--json"]);
    expect(simulated.code).toBe(0);
    const { records } = JSON.parse(simulated.out) as { records: { scim: { userName: string } }[] };
    expect(records[0].scim.userName).toBe("EMP7");

    const good = await cli(["validate", "tenant.yaml", "--sample", "hr.json"]);
    expect(good.err).toBe("");
    expect(good.code).toBe(0);
    writeFileSync(path.join(ctx.dir, "bad.json"), JSON.stringify({ ...person(7), name: "Ada" }));
    const bad = await cli(["validate", "tenant.yaml", "--sample", "bad.json"]);
    expect(bad.code).toBe(1);
    expect(bad.out + bad.err).toContain(
      'provisioning.employees.uploader.columns["name.givenName"]: [name.first] is not a text field of the sample record',
    );
  });

  it("init --json proposes uploader.columns from a saved API page's first record", async () => {
    writeFileSync(
      path.join(ctx.dir, "page.json"),
      JSON.stringify({
        employees: [{ employeeId: "1", firstName: "A", lastName: "B", workEmail: "a@b" }],
      }),
    );
    const init = await cli(["init", "--json", "page.json", "--out", "new.yaml"]);
    expect(init.err).toBe("");
    expect(init.code).toBe(0);
    const valid = await cli(["validate", "new.yaml", "--sample", "page.json"]);
    // Only the placeholders init writes on purpose (tenant id, domain, address) are warned of.
    const problems = valid.err.split("\n").filter((l) => l && !/: warning: .*placeholder/.test(l));
    expect(problems).toEqual([]);
    expect(valid.code).toBe(0);
  });
});
