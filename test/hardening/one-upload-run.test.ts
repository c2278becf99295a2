/**
 * The CLI and the deployed Function run one upload orchestration, so they count a file the same
 * way: a row that is both a duplicate and invalid is one skipped row, not two.
 */
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { bufferDropFile, handleTrigger, UploaderRuntime } from "../../functions/src/adapter";
import { MemoryStateStore } from "../../lib/upload/state";
import { inbound } from "../cli/harness";
import { csvOf, graphFor, makeApp, makeSpecInput, row } from "../upload/helpers";

const CSV = csvOf([row("1"), row("1", { OnLeave: "maybe" }), row("2"), row("3", { OnLeave: "x" })]);

test("the CLI's skipped and the Function's withheld agree on a duplicate row that is also invalid", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "inbound-one-run-"));
  writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
  writeFileSync(path.join(dir, "hr.csv"), CSV);
  const cli = await inbound(
    ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv", "--dry-run"],
    { cwd: dir },
  );
  // Lines 2 and 3 (id 1 twice, line 3 also invalid) and line 5 (invalid): three rows.
  expect(cli.out).toContain("4 rows: 1 to send in 1 request, 0 unchanged, 3 skipped;");

  const runtime: UploaderRuntime = {
    appKey: "employees",
    app: makeApp(),
    tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
    state: new MemoryStateStore(),
    target: graphFor(async () => ({ status: 202 })),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const report = await handleTrigger(runtime, "blob", bufferDropFile("hr.csv", Buffer.from(CSV)));
  expect(report).toMatchObject({ rows: 4, toSend: 1, accepted: 1, withheld: 3 });
});
