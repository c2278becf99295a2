/**
 * `inbound export` against the Graph emulator: the bundled examples are deployed through the
 * providers' own create (test/export/deploy.ts), exported, validated and compared with the
 * example after `extends`. This proves export inverts what inbound deploys and sends no write; it
 * does not prove the real service echoes every body as the emulator does.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import { parseExpression, printExpression } from "../../lib/expressions";
import { inbound } from "../cli/harness";
import { deploy, type Deployed } from "./deploy";

const ROOT = path.join(__dirname, "..", "..");
const example = (name: string) => path.join(ROOT, "config", "tenants", name);

let emulator: GraphEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-export-"));
});
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function loaded(file: string): TenantSpec {
  const result = loadSpec(file);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.spec!;
}

const canonical = (text: string) => printExpression(parseExpression(text).ast!);

/** A provisioning app as compared: expressions in canonical text, the uploader left out. */
function appView(app: TenantSpec["provisioning"][string]) {
  const { uploader: _uploader, ...rest } = app;
  return {
    ...rest,
    mappings: Object.fromEntries(
      Object.entries(app.mappings).map(([target, m]) => [
        target,
        typeof m === "string"
          ? { expression: canonical(m), apply: "always" }
          : {
              ...m,
              ...(m.expression !== undefined ? { expression: canonical(m.expression) } : {}),
            },
      ]),
    ),
  };
}

const byDisplayName = <T extends { displayName: string }>(record: Record<string, T>) =>
  Object.fromEntries(Object.values(record).map((v) => [v.displayName, v]));

/**
 * The example's workflows as export writes them: group names as the ids the deployment resolved
 * them to, extension keys as export names them (keys come from display names; Graph has no keys).
 */
function asExported(
  spec: TenantSpec,
  exported: TenantSpec,
  deployed: Deployed,
): TenantSpec["lifecycleWorkflows"] {
  const renames: [string, string][] = Object.entries(deployed.groups);
  for (const [key, extension] of Object.entries(spec.customTaskExtensions)) {
    const exportedKey = Object.entries(exported.customTaskExtensions).find(
      ([, e]) => e.displayName === extension.displayName,
    )![0];
    renames.push([key, exportedKey]);
  }
  return JSON.parse(
    renames.reduce(
      (text, [from, to]) => text.split(JSON.stringify(from)).join(JSON.stringify(to)),
      JSON.stringify(spec.lifecycleWorkflows),
    ),
  );
}

async function exportTo(file: string, ...args: string[]) {
  return inbound(["export", ...args, "--out", file], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
    cwd: dir,
  });
}

const writes = () => emulator.requests.filter((r) => r.method !== "GET");

test("the contoso example round-trips: deployed, exported with no write, valid, and equal after extends", async () => {
  const spec = loaded(example("contoso.yaml"));
  const deployed = await deploy(emulator, spec);
  emulator.requests.length = 0;
  const out = path.join(dir, "contoso.yaml");
  const result = await exportTo(
    out,
    ...["--tenant", spec.tenant.id, "--graph-url", emulator.url, "--location", "westeurope"],
  );
  expect(result.err).toContain(
    "exported 1 provisioning app(s), 2 workflow(s), 1 custom task extension(s)",
  );
  expect(result.code).toBe(0);
  expect(writes()).toEqual([]);

  const exported = loaded(out);
  expect(Object.values(exported.provisioning).map(appView)).toEqual(
    Object.values(spec.provisioning).map(appView),
  );
  expect(byDisplayName(exported.lifecycleWorkflows)).toEqual(
    byDisplayName(asExported(spec, exported, deployed)),
  );
  expect(Object.values(exported.customTaskExtensions)).toEqual(
    Object.values(spec.customTaskExtensions),
  );
  expect(exported.azure).toEqual(spec.azure);
  expect(exported.graph.baseUrl).toBe(emulator.url);
  // The group id is kept, with its display name beside it.
  const text = fs.readFileSync(out, "utf8");
  expect(text).toContain(`${deployed.groups["All Employees"]} is "All Employees"`);
});
