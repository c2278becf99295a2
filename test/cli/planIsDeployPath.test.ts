/**
 * The property that makes `inbound plan` trustworthy: it prints what the deploy code sends, not a
 * description kept beside it. A copy of the project whose Graph calls are edited in lib's
 * graphApi.ts files, and nowhere else, plans differently in exactly those requests.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const ROOT = path.join(__dirname, "..", "..");
const COPIED = [
  "bin",
  "cli",
  "components",
  "examples",
  "lib",
  "policies",
  "index.ts",
  "program.ts",
  "package.json",
  "tsconfig.json",
];

interface Request {
  resource: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

async function plan(root: string): Promise<Request[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(root, "bin", "inbound.js"), "plan", "examples/tenants/contoso.yaml", "--json"],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { graphRequests: Request[] }).graphRequests;
}

/** Replaces `from` (which must occur exactly once) in a file of the copy. */
function edit(root: string, file: string, from: string, to: string): void {
  const full = path.join(root, file);
  const text = fs.readFileSync(full, "utf8");
  expect(text.split(from)).toHaveLength(2);
  fs.writeFileSync(full, text.replace(from, to));
}

let copy: string;
beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-plan-edit-"));
  for (const entry of COPIED) {
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
});
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

test("editing a request body or header in a graphApi.ts changes the plan there and only there", async () => {
  edit(
    copy,
    "lib/provisioning/graphApi.ts",
    "= { templateId };",
    '= { templateId, description: "edited" } as typeof body;',
  );
  edit(
    copy,
    "lib/lifecycle/graphApi.ts",
    'const headers = { Prefer: "include-unknown-enum-members" };',
    'const headers = { Prefer: "edited" };',
  );
  const [before, after] = await Promise.all([plan(ROOT), plan(copy)]);

  expect(after).toHaveLength(before.length);
  const changed = before.flatMap((request, i) =>
    JSON.stringify(request) === JSON.stringify(after[i])
      ? []
      : [{ i, resource: request.resource, method: request.method, path: request.path }],
  );
  const jobs = before.findIndex((r) => r.method === "POST" && r.path.endsWith("/jobs"));
  const lifecycle = before.flatMap((r, i) => (r.path.includes("/lifecycleWorkflows/") ? [i] : []));
  expect(changed.map((c) => c.i)).toEqual([jobs, ...lifecycle].sort((a, b) => a - b));
  expect(after[jobs].body).toEqual({ ...(before[jobs].body as object), description: "edited" });
  for (const i of lifecycle) expect(after[i].headers?.Prefer).toBe("edited");
}, 120_000);
