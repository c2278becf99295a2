/**
 * `inbound drift` on a spec whose only errors are lineage errors (a workflow scope reading an
 * attribute no mapping writes, as an older `inbound export` wrote them): the tenant is still
 * compared, the errors are printed as notes, and the exit code is drift's alone (docs/drift.md).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound } from "../cli/harness";
import { type GraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import { deploy, startDriftEmulator } from "./deploy";

const CONTOSO = path.join(__dirname, "..", "..", "examples", "tenants", "contoso.yaml");

let emulator: GraphEmulator;
let dir: string;
let specFile: string;

const drift = (...extra: string[]) =>
  inbound(["drift", "--spec", specFile, "--graph-url", emulator.url, ...extra], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
  });

beforeEach(async () => {
  emulator = await startDriftEmulator();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-drift-lineage-"));
  specFile = path.join(dir, "tenant.yaml");
  fs.writeFileSync(
    specFile,
    [
      `extends: ${JSON.stringify(CONTOSO)}`,
      "lifecycleWorkflows:",
      "  onboard-pre-hire:",
      `    scope: "(employeeType eq 'Employee')"`,
      "customTaskExtensions:",
      "  hybrid-offboarding:",
      "    callbackTimeout: PT30M",
      "",
    ].join("\n"),
  );
  const loaded = loadSpec(specFile, { lineageErrorsAsNotes: true });
  await deploy(emulator, loaded.spec!);
});
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  fs.rmSync(dir, { recursive: true, force: true });
  await emulator.close();
});

const NOTE =
  /^note: \S*tenant\.yaml:4:14: lifecycleWorkflows\.onboard-pre-hire\.scope: reads employeeType, which no provisioning app writes/;

test("the spec does not validate, but drift compares it: notes, and exit 0 without drift", async () => {
  const validate = await inbound(["validate", specFile]);
  expect(validate.code).toBe(1);

  const result = await drift("--json");
  expect(result.err).toMatch(NOTE);
  expect(result.err.trimEnd().split("\n")).toHaveLength(1);
  expect(JSON.parse(result.out)).toMatchObject({ drift: false });
  expect(result.code).toBe(0);
});

test("with drift the exit code is drift's (4), the notes still printed", async () => {
  const [extension] = [...emulator.state.lifecycle.customTaskExtensions.values()];
  (extension.callbackConfiguration as Record<string, unknown>).timeoutDuration = "PT1H";
  const result = await drift();
  expect(result.code).toBe(4);
  expect(result.err).toMatch(NOTE);
  expect(result.out).toContain("extension hybrid-offboarding: 1 difference");
});

test("--write accepts the live value into such a spec; the next drift exits 0", async () => {
  const [extension] = [...emulator.state.lifecycle.customTaskExtensions.values()];
  (extension.callbackConfiguration as Record<string, unknown>).timeoutDuration = "PT1H";
  const written = await drift("--write");
  expect(written.code).toBe(0);
  expect(fs.readFileSync(specFile, "utf8")).toContain("    callbackTimeout: PT1H\n");
  const again = await drift();
  expect(again.err).toMatch(NOTE);
  expect(again.code).toBe(0);
});
