/**
 * The package `pulumi up` ships to Flex Consumption (lib/upload/functionPackage.ts), unzipped in a
 * directory of its own and loaded by Node the way the Functions worker loads it: both functions
 * register, with their triggers, and every module the code requires is in the archive.
 */
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { unzipSync } from "fflate";
import {
  buildFunctionPackage,
  functionSourceHash,
  zipFunctionPackage,
} from "../../lib/upload/functionPackage";
import { FUNCTION_NAMES } from "../../components/uploader/azure";
import { functionApp } from "./fixtures";

/**
 * Stands in for @azure/functions-core, which the Functions worker provides to the app: records
 * each registration and prints them when the process ends.
 */
const WORKER_SHIM = `
const Module = require("module");
const registered = [];
const core = new Proxy({}, {
  get: (_, name) => name === "registerFunction"
    ? (metadata) => { registered.push(metadata); return { dispose() {} }; }
    : () => ({ dispose() {} }),
});
const load = Module._load;
Module._load = function (request) {
  if (request === "@azure/functions-core") return core;
  return load.apply(this, arguments);
};
process.on("exit", () => process.stdout.write(JSON.stringify(registered)));
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "inbound-function-package-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the archive holds host.json, its package.json's main, and loads both functions with no missing module", () => {
  const pkg = buildFunctionPackage();
  const zip = zipFunctionPackage(pkg);
  // The same files make the same bytes, whenever they are zipped (fixed entry times).
  const small = { ...pkg, files: new Map([...pkg.files].filter(([n]) => n.endsWith(".json"))) };
  expect(
    Buffer.from(zipFunctionPackage(small)).equals(Buffer.from(zipFunctionPackage(small))),
  ).toBe(true);
  expect(functionSourceHash()).toMatch(/^[0-9a-f]{64}$/);

  const root = path.join(dir, "wwwroot");
  for (const [name, content] of Object.entries(unzipSync(zip))) {
    const file = path.join(root, ...name.split("/"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  expect(manifest.main).toBe("dist/functions/src/index.js");
  expect(Object.keys(manifest.dependencies)).toEqual(
    expect.arrayContaining(["@azure/functions", "@azure/identity", "@azure/storage-blob", "zod"]),
  );
  expect(JSON.parse(readFileSync(path.join(root, "host.json"), "utf8")).version).toBe("2.0");
  // Nothing the runtime does not load: no TypeScript, no tests.
  expect(Object.keys(unzipSync(zip)).filter((n) => /\.ts$|\.test\./.test(n))).toEqual([]);

  const shim = path.join(dir, "worker-shim.js");
  writeFileSync(shim, WORKER_SHIM);
  // Every package the code names, loaded from the archive alone (the lazy ones included).
  const loadAll = `require("./"); for (const name of Object.keys(require("./package.json").dependencies)) require(name);`;
  const run = spawnSync(process.execPath, ["-r", shim, "-e", loadAll], {
    cwd: root,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      INBOUND_APP_KEY: "employees",
      INBOUND_TENANT_ID: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      INBOUND_SPEC_JSON: JSON.stringify(
        functionApp({ csv: { columns: { externalId: "[WorkerID]", userName: "[UserID]" } } }),
      ),
      INBOUND_BULK_UPLOAD_URL:
        "https://graph.microsoft.com/v1.0/servicePrincipals/sp/synchronization/jobs/j/bulkUpload",
      INBOUND_GRAPH_BASE_URL: "https://graph.microsoft.com",
      INBOUND_DROP_CONTAINER_URL: "https://acct.blob.core.windows.net/drop",
      INBOUND_STATE_CONTAINER_URL: "https://acct.blob.core.windows.net/state",
      INBOUND_SCHEDULE: "0 30 1 * * *",
      INBOUND_WORKFLOWS_JSON: "{}",
    },
  });
  expect(run.stderr).not.toMatch(/Cannot find module|Error/);
  expect(run.status).toBe(0);
  const registered = JSON.parse(run.stdout) as {
    name: string;
    bindings: Record<string, Record<string, unknown>>;
  }[];
  expect(registered.map((r) => r.name).sort()).toEqual(
    [FUNCTION_NAMES.blob, FUNCTION_NAMES.timer].sort(),
  );
  const bindings = (name: string) =>
    Object.values(registered.find((r) => r.name === name)!.bindings);
  expect(bindings(FUNCTION_NAMES.blob)).toEqual([
    expect.objectContaining({
      type: "blobTrigger",
      direction: "in",
      path: "drop/{name}",
      source: "EventGrid",
      connection: "AzureWebJobsStorage",
    }),
  ]);
  expect(bindings(FUNCTION_NAMES.timer)).toEqual([
    expect.objectContaining({
      type: "timerTrigger",
      direction: "in",
      schedule: "%INBOUND_SCHEDULE%",
    }),
  ]);
}, 120_000);
