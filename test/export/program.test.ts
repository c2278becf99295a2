/**
 * The Pulumi program itself (index.ts) under mocks, as `inbound plan` runs it: the stack config
 * `inbound:adopt` that `inbound export --adopt` writes reaches the components. adopt.test.ts
 * covers what each adopted resource does, and the refusal of a misspelt name; this covers the
 * wiring from the config (the program module runs once per test file).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runUnderMocks } from "../../cli/plan/mockRun";
import { offlineInvokes } from "../../cli/plan/offline";
import { computedOutputs } from "../../cli/commands/plan";
import { LIFECYCLE_WORKFLOW_TYPE } from "../../components/graph/lifecycleWorkflow";
import { LIFECYCLE_SETTINGS_TYPE } from "../../components/graph/lifecycleSettings";
import { startGraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import { inbound } from "../cli/harness";
import { deploy } from "./deploy";

const ROOT = path.join(__dirname, "..", "..");
let dir: string;
let specFile: string;
let adopt: Record<string, string>;

beforeAll(async () => {
  const emulator = await startGraphEmulator();
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-program-"));
  try {
    const example = loadSpec(path.join(ROOT, "examples", "tenants", "contoso.yaml")).spec!;
    await deploy(emulator, example);
    specFile = path.join(dir, "spec.yaml");
    const script = path.join(dir, "adopt.sh");
    await inbound(
      [
        ...["export", "--tenant", example.tenant.id, "--graph-url", emulator.url],
        ...["--location", "westeurope", "--out", specFile, "--adopt", script],
      ],
      { env: { INBOUND_GRAPH_TOKEN: emulator.token }, cwd: dir },
    );
    adopt = {};
    for (const m of fs
      .readFileSync(script, "utf8")
      .matchAll(/inbound:adopt\["([^"]+)"\]' '([^']+)'/g)) {
      adopt[m[1]] = m[2];
    }
  } finally {
    delete process.env.INBOUND_GRAPH_TOKEN;
    await emulator.close();
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (adoptConfig: Record<string, string>) =>
  runUnderMocks({
    program: path.join(ROOT, "index.ts"),
    config: { "inbound:spec": specFile, "inbound:adopt": JSON.stringify(adoptConfig) },
    stack: "contoso",
    invoke: offlineInvokes(loadSpec(specFile).spec!),
    computedOutputs,
  });

test("inbound:adopt reaches the workflows and the settings of the program", async () => {
  const { resources } = await run(adopt);
  const workflows = resources
    .filter((r) => r.type === LIFECYCLE_WORKFLOW_TYPE)
    .map((r) => [r.name, r.inputs.adoptId]);
  expect(workflows.sort()).toEqual(
    Object.entries(adopt)
      .filter(([name]) => name.includes("-lifecycle-workflow-"))
      .sort(),
  );
  expect(resources.find((r) => r.type === LIFECYCLE_SETTINGS_TYPE)?.inputs.adopt).toBe(true);
});
