/**
 * The bundled examples pass the pack: what `pulumi up` would create for each of them, as the
 * offline plan of the real program lists it, meets every mandatory rule. Each plan runs in its own
 * process, as Pulumi's runtime runs one program per process.
 */
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { checkPolicies } from "../../policies/offline";

const ROOT = path.join(__dirname, "..", "..");

const APP = [
  "azure-native:storage:StorageAccount",
  "pulumi-nodejs:dynamic/inbound-synchronization-schema:Resource",
  "pulumi-nodejs:dynamic/inbound-synchronization-secrets:Resource",
];

it.each([
  ["config/tenants/contoso.yaml", [...APP, "azure-native:logic:Workflow"]],
  ["config/tenants/fabrikam.yaml", APP],
  ["config/tenants/contoso-ad.yaml", APP],
])("%s meets every mandatory rule", async (spec, checked) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "bin", "inbound.js"), "plan", spec, "--json"],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const { resources } = JSON.parse(stdout) as { resources: Parameters<typeof checkPolicies>[0] };
  const types = new Set(resources.map((r) => r.type));
  // The rules have something to look at.
  for (const type of checked) expect(types).toContain(type);
  const found = await checkPolicies(resources);
  expect(found.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
});
