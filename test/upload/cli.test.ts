/**
 * The upload, simulate and logs commands, driven in-process against the shared Graph emulator
 * with an API-driven app instantiated in it (bulkUpload, the lookup by display name, the
 * provisioning logs).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import {
  bulkIds,
  COLUMNS,
  csvOf,
  makeSpecInput,
  row,
  SAMPLE_1000,
  emulatorAppPerTest,
} from "./helpers";

/** `inbound upload` of hr.csv to the spec's employees app. */
const UPLOAD = ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];

const ctx = emulatorAppPerTest("inbound-upload-");

const bulk = () => bulkIds(ctx.emulator);
/** The GETs the command made, as path and decoded query. */
const gets = () =>
  ctx.emulator.requests
    .filter((r) => r.method === "GET")
    .map((r) => decodeURIComponent(r.path + r.query));

function writeSpec(input = makeSpecInput()): string {
  const file = path.join(ctx.dir, "tenant.yaml");
  writeFileSync(file, stringify(input));
  return file;
}

const cli = (
  args: string[],
  isTTY = false,
  env: NodeJS.ProcessEnv = { INBOUND_GRAPH_TOKEN: ctx.emulator.token },
) => inbound(args, { cwd: ctx.dir, isTTY, env });

const endpoint = () => ctx.app.endpoint;
const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

describe("inbound upload", () => {
  it("refuses a sign-in for another tenant than the spec's before sending a record", async () => {
    writeSpec();
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(ids(3).map((id) => row(id))));
    const claims = { tid: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
    const env = {
      INBOUND_GRAPH_TOKEN: `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.x`,
    };
    const refusal =
      "the Azure sign-in gives tokens for tenant 72f988bf-86f1-41af-91ab-2d7cd011db47, but the spec is for tenant 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f";
    const base = ["--spec", "tenant.yaml", "--app", "employees"];
    const lookedUp = await cli(["upload", ...base, "--csv", "hr.csv"], false, env);
    expect(lookedUp.code).toBe(1);
    expect(lookedUp.err).toContain(refusal);
    const direct = ["upload", ...base, "--csv", "hr.csv", "--endpoint", endpoint()];
    const sent = await cli(direct, false, env);
    expect(sent.code).toBe(1);
    expect(sent.err).toContain(refusal);
    const logs = await cli(["logs", ...base, "--endpoint", endpoint()], false, env);
    expect(logs.code).toBe(1);
    expect(logs.err).toContain(refusal);
    expect(ctx.emulator.requests).toEqual([]);
  });

  it("sends, then sends nothing on a re-run, keeping state under .inbound-state/<tenant>/<app>", async () => {
    writeSpec();
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(ids(60).map((id) => row(id))));
    const args = [...UPLOAD, "--endpoint", endpoint()];
    const first = await cli(args);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    // Each request's send is recorded first, so the smaller one may arrive first.
    expect(
      bulk()
        .map((ids) => ids.length)
        .sort((a, b) => b - a),
    ).toEqual([50, 10]);
    const posts = ctx.emulator.requests.filter((r) => r.path.endsWith("/bulkUpload"));
    expect(posts.map((r) => r.headers["content-type"])).toEqual([
      "application/scim+json",
      "application/scim+json",
    ]);
    expect(first.out).toContain(
      "60 rows: 60 to send in 2 requests, 0 unchanged, 0 skipped; quota 2000 of 2000 calls left today\n",
    );
    expect(first.out).toContain("sent 60 records");
    const records = path.join(ctx.dir, ".inbound-state", "contoso", "employees", "records");
    expect(readdirSync(records).every((f) => /^[0-9a-f]{2}\.jsonl$/.test(f))).toBe(true);
    expect(
      readdirSync(records).flatMap((f) =>
        readFileSync(path.join(records, f), "utf8").trim().split("\n"),
      ),
    ).toHaveLength(60);

    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(second.out).toContain("nothing to send: 60 unchanged\n");
    expect(bulk()).toHaveLength(2);
  });

  it("shows a progress bar on a terminal only, and a summary either way", async () => {
    writeSpec();
    writeFileSync(
      path.join(ctx.dir, "hr.csv"),
      csvOf([...ids(60).map((id) => row(id)), row("61", { OnLeave: "maybe" })]),
    );
    const args = ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];
    args.push("--endpoint", endpoint(), "--state", "piped");
    ctx.emulator.faults.add({ path: /\/bulkUpload$/, status: 503, times: 1 });
    const piped = await cli(args);
    expect(piped.code).toBe(3);
    expect(piped.out).not.toContain("\r");
    expect(piped.out).toMatch(
      /sent 60 records \(accepted for processing; in 5-10 minutes see `inbound logs --spec tenant\.yaml --app employees --endpoint http:\/\/127\.0\.0\.1:\d+\/\S+\/bulkUpload`\)\nunchanged 0\nskipped 1 \(duplicates 0 ids, invalid rows 1, malformed lines 0\)\nfailed 0, not attempted 0\nrequests 3, retries 1, elapsed \d+\.\d s\nreport: inbound report --spec tenant\.yaml --app employees --state piped --endpoint http:\/\/127\.0\.0\.1:\d+\/\S+\/bulkUpload --run \d{8}T\d{6}Z-[a-z0-9]{4}\n$/,
    );
    expect(piped.err).toBe(
      "hr.csv:62: skipped: ext:OnLeave (column OnLeave): expected a boolean (True or False) (value hidden; --verbose shows it)\n",
    );

    const terminal = await cli([...args.slice(0, -1), "terminal"], true);
    // The smaller request may be answered first.
    expect(terminal.out).toMatch(
      /^61 rows: [^\r]*\n\r\[(#{25}\.{5}|#{5}\.{25})\] (50|10)\/60 records, 1\/2 requests\r\[/,
    );
    expect(terminal.out).toContain(
      "\r[##############################] 60/60 records, 2/2 requests\n",
    );
    expect(terminal.out).toContain("sent 60 records");
  });

  it("looks the endpoint up by display name when no --endpoint is given", async () => {
    writeSpec();
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(ids(3).map((id) => row(id))));
    const result = await cli([...UPLOAD, "--graph-url", ctx.emulator.url]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(gets()).toEqual([
      "/v1.0/servicePrincipals?$filter=displayName eq 'Contoso HR inbound - employees'&$select=id,displayName",
      `/v1.0/servicePrincipals/${ctx.app.servicePrincipalId}/synchronization/jobs`,
    ]);
    expect(bulk()).toEqual([["1", "2", "3"]]);
    expect(ctx.emulator.state.directory.bulkUploads[0].path).toBe(
      `/servicePrincipals/${ctx.app.servicePrincipalId}/synchronization/jobs/${ctx.app.jobId}/bulkUpload`,
    );
  });

  it("exits 3 on Microsoft's 1000-record sample, naming duplicate lines and sending the rest", async () => {
    writeSpec();
    copyFileSync(SAMPLE_1000, path.join(ctx.dir, "hr.csv"));
    const result = await cli([...UPLOAD, "--endpoint", endpoint()]);
    expect(result.code).toBe(3);
    expect(result.err).toContain(
      "hr.csv: externalId 1222 is on lines 2, 499, 709, 786: none of them is sent; keep one row per person\n",
    );
    expect(bulk().flat()).toHaveLength(359);
    expect(result.out).toContain(
      "skipped 641 (duplicates 265 ids, invalid rows 0, malformed lines 0)",
    );
  });

  it("prints the requests on --dry-run and sends nothing, keeps HR values out of messages unless --verbose", async () => {
    writeSpec();
    writeFileSync(
      path.join(ctx.dir, "hr.csv"),
      csvOf([row("1"), row("2", { HireDate: "31/12/2020" })]),
    );
    const args = [...UPLOAD, "--dry-run"];
    const dry = await cli(args);
    expect(dry.code).toBe(3);
    expect(bulk()).toEqual([]);
    expect(dry.out).toContain("# request 1: 1 records\nPOST <bulkUpload endpoint>\n");
    expect(dry.out).toContain('"externalId": "1"');
    expect(dry.out).toContain("dry run: 1 requests, 1 records, nothing sent\n");
    expect(dry.err).toContain("hr.csv:3: skipped: ext:HireDate (column HireDate): expected a date");
    expect(dry.err).not.toContain("31/12/2020");
    expect(existsSync(path.join(ctx.dir, ".inbound-state"))).toBe(false);
    const verbose = await cli([...args, "--verbose"]);
    expect(verbose.err).toContain('got "31/12/2020"');
  });

  it("refuses with exit 1 when the safeguard trips, and --allow-deletes overrides", async () => {
    writeSpec();
    const args = [...UPLOAD, "--endpoint", endpoint()];
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(ids(10).map((id) => row(id))));
    expect((await cli(args)).code).toBe(0);
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(ids(5).map((id) => row(id))));
    const refused = await cli(args);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "refused: safeguard: 5 of 10 known users are missing from the file",
    );
    expect(refused.err).toContain("nothing was sent\n");
    expect((await cli([...args, "--allow-deletes"])).code).toBe(0);
  });

  it("sends one record with --only", async () => {
    writeSpec();
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(ids(10).map((id) => row(id))));
    const result = await cli([...UPLOAD, "--endpoint", endpoint(), "--only", "7"]);
    expect(result.code).toBe(0);
    expect(bulk()).toEqual([["7"]]);
  });

  it("exits 1 with the spec path when a column does not map to SCIM", async () => {
    const input = makeSpecInput({ externalId: "[WorkerID]", "name.nick": "[FirstName]" });
    writeSpec(input);
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf([row("1")]));
    const result = await cli([...UPLOAD, "--dry-run"]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'tenant.yaml:29:22: provisioning.employees.uploader.csv.columns["name.nick"]: "name.nick": nick is not a sub-attribute of name (known: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)\n',
    );
  });

  it("exits 1 naming the apps when --app is wrong", async () => {
    writeSpec();
    const result = await cli([
      "upload",
      "--spec",
      "tenant.yaml",
      "--app",
      "nope",
      "--csv",
      "hr.csv",
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'tenant.yaml: no provisioning app "nope" (apps: employees); pass --app <key>\n',
    );
  });
});

describe("inbound simulate", () => {
  it("prints each record as JSON with its Entra user and scope", async () => {
    writeSpec(
      makeSpecInput(
        undefined,
        {},
        {
          scope: {
            anyOf: [
              { allOf: [{ attribute: "enterprise:department", operator: "equals", value: "IT" }] },
            ],
          },
        },
      ),
    );
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf([row("1"), row("2", { Department: "HR" })]));
    const result = await cli([
      "simulate",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--csv",
      "hr.csv",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out);
    expect(
      parsed.records.map((r: { externalId: string; scope: { inScope: boolean } }) => [
        r.externalId,
        r.scope.inScope,
      ]),
    ).toEqual([
      ["1", true],
      ["2", false],
    ]);
    expect(parsed.records[0].user.employeeId).toBe("1");
    const table = await cli([
      "simulate",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--csv",
      "hr.csv",
      "--details",
    ]);
    expect(table.out).toContain(
      'line 3  externalId 2  out of scope: group 1: enterprise:department equals "IT" is false (value "HR")\n',
    );
    expect(table.out).toContain("2 records: 1 in scope, 1 out of scope, 0 invalid\n");
  });
});

describe("inbound simulate: values Entra refuses", () => {
  it("flags a UPN outside ASCII and a usageLocation that is no ISO 3166-1 code, with the likely one", async () => {
    const input = makeSpecInput({ ...COLUMNS, "ext:UsageLocation": "[CountryCode]" });
    const mappings = input.provisioning.employees.mappings as Record<string, unknown>;
    mappings.usageLocation = "[ext:UsageLocation]";
    mappings.userPrincipalName =
      'Join("@", NormalizeDiacritics(Join(".", [name.givenName], [name.familyName])), "contoso.com")';
    writeSpec(input);
    writeFileSync(
      path.join(ctx.dir, "hr.csv"),
      csvOf([
        row("1", { FirstName: "Zoë", LastName: "Dvořák", CountryCode: "NL" }),
        row("2", { FirstName: "Zoë", LastName: "Ngọc", CountryCode: "UK" }),
      ]),
    );
    const args = ["simulate", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];
    const json = await cli([...args, "--json", "--verbose"]);
    const refused = (out: string) =>
      JSON.parse(out).records.map((r: { refused: { detail?: string; message: string }[] }) =>
        r.refused.map((e) => e.detail ?? e.message),
      );
    expect(refused(json.out)).toEqual([
      [],
      [
        'usageLocation "UK" is not an ISO 3166-1 alpha-2 country code, which Entra refuses; did you mean GB?',
        'userPrincipalName "Zoe.Ngọc@contoso.com" has characters outside ASCII (ọ), which Entra refuses; wrap the mapping in NormalizeDiacritics, and Replace what its table leaves',
      ],
    ]);
    // Without --verbose the HR values stay out of the messages.
    expect(refused((await cli([...args, "--json"])).out)[1]).toEqual([
      "usageLocation is not an ISO 3166-1 alpha-2 country code, which Entra refuses; did you mean GB?",
      "userPrincipalName has characters outside ASCII, which Entra refuses; wrap the mapping in NormalizeDiacritics, and Replace what its table leaves",
    ]);
    const dry = await cli([...UPLOAD, "--dry-run"]);
    expect(dry.err).toContain(
      "line 3 (externalId 2): usageLocation is not an ISO 3166-1 alpha-2 country code, which Entra refuses; did you mean GB?\n",
    );
    expect(dry.err).toContain(
      "line 3 (externalId 2): userPrincipalName has characters outside ASCII",
    );
    expect(dry.err).not.toContain("line 2 (");
    const table = await cli(args);
    expect(table.code).toBe(3);
    expect(table.out).toContain("did you mean GB?");
    expect(table.out).toContain(
      "2 records: 2 in scope, 0 out of scope, 0 invalid, 1 with values Entra refuses\n",
    );
  });
});

describe("inbound logs", () => {
  it("summarises provisioning logs per record", async () => {
    writeSpec();
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    ctx.emulator.state.directory.provisioningLogs.push(
      {
        jobId: ctx.app.jobId,
        activityDateTime: at(30),
        provisioningAction: "create",
        sourceIdentity: { id: "1" },
        provisioningStatusInfo: { status: "success" },
      },
      {
        jobId: ctx.app.jobId,
        activityDateTime: at(20),
        provisioningAction: "update",
        sourceIdentity: { id: "2" },
        provisioningStatusInfo: {
          status: "failure",
          errorInformation: { errorCode: "InvalidManager", reason: "The manager 9 was not found" },
        },
      },
      {
        jobId: ctx.app.jobId,
        activityDateTime: at(10),
        provisioningAction: "other",
        sourceIdentity: { id: "3" },
        provisioningStatusInfo: { status: "skipped" },
      },
      // Another job's entry and one older than --since: neither is counted.
      {
        jobId: "API2AAD.other",
        activityDateTime: at(5),
        sourceIdentity: { id: "4" },
        provisioningStatusInfo: { status: "success" },
      },
      {
        jobId: ctx.app.jobId,
        activityDateTime: at(3 * 24 * 60),
        sourceIdentity: { id: "5" },
        provisioningStatusInfo: { status: "success" },
      },
    );
    const result = await cli([
      "logs",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--endpoint",
      endpoint(),
      "--since",
      "2d",
      "--json",
    ]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out);
    expect(summary.counts).toEqual({ success: 1, failure: 1, skipped: 1 });
    expect(summary.records[1]).toMatchObject({
      externalId: "2",
      status: "failure",
      reason: "InvalidManager: The manager 9 was not found",
    });
    expect(gets()).toHaveLength(1);
    expect(gets()[0]).toMatch(
      new RegExp(
        `^/v1\\.0/auditLogs/provisioning\\?\\$filter=jobId eq '${ctx.app.jobId.replace(/\./g, "\\.")}' and activityDateTime ge \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$`,
      ),
    );
  });
});

describe("inbound simulate --workflows", () => {
  it("shows when each lifecycle workflow would run for a user in scope", async () => {
    const input = {
      ...makeSpecInput(),
      lifecycleWorkflows: {
        "onboard-pre-hire": {
          category: "joiner",
          displayName: "Onboard pre-hire employee",
          trigger: { attribute: "employeeHireDate", offsetDays: -3 },
          tasks: ["sendWelcomeEmail"],
        },
      },
    };
    writeSpec(input);
    writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf([row("1", { HireDate: "2030-06-10" })]));
    const result = await cli([
      "simulate",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--csv",
      "hr.csv",
      "--json",
      "--workflows",
    ]);
    expect(result.err).toBe("");
    expect(JSON.parse(result.out).records[0].workflows).toEqual([
      {
        workflow: "onboard-pre-hire",
        category: "joiner",
        date: "2030-06-07T00:00:00.000Z",
        reason: "3 days before employeeHireDate 2030-06-10T00:00:00.000Z",
      },
    ]);
  });
});
