import * as fs from "fs";
import * as path from "path";
import { DOCS_FILE, tenantSpecDocs } from "../../lib/loader/docs";
import { tenantSpecJsonSchema } from "../../lib/loader/jsonSchema";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";

const ROOT = path.resolve(__dirname, "..", "..");
const docs = tenantSpecDocs();
const rows = docs
  .slice(docs.indexOf("\n## Fields\n"))
  .split("\n")
  .filter((line) => line.startsWith("| `"));
const row = (field: string) => rows.find((r) => r.startsWith(`| \`${field}\` |`));

describe("docs/tenant-spec.md", () => {
  it("is in sync with lib/model/schema.ts", () => {
    const committed = fs.readFileSync(path.join(ROOT, DOCS_FILE), "utf8");
    if (committed !== docs) {
      throw new Error(`${DOCS_FILE} is out of date with lib/model/schema.ts: run npm run schema`);
    }
  });

  it("has a row with type, default and description for each field", () => {
    expect(row("tenant.domain")).toBe(
      "| `tenant.domain` | string, pattern `^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$` | required | Primary domain; available in strings as ${tenant.domain}. |",
    );
    expect(row("provisioning.<app>.deletionThreshold")).toBe(
      "| `provisioning.<app>.deletionThreshold` | integer, at least 1 | `500` | Accidental-deletion guard: a cycle that would delete more accounts than this stops. |",
    );
    expect(row("provisioning.<app>.actions")).toBe(
      '| `provisioning.<app>.actions` | list of (`create` \\| `update` \\| `delete`), at least 1 item | `["create","update"]` | Target object actions. `delete` is off unless asked for. |',
    );
    expect(row("provisioning.<app>.mappings.<attribute>.apply")).toBe(
      '| `provisioning.<app>.mappings.<attribute>.apply` | `always` \\| `onCreate` | `"always"` | When the mapping applies: `always` or `onCreate` (Entra flowType Always / ObjectAddOnly). |',
    );
    expect(row("lifecycleWorkflows.<workflow>.trigger")).toBe(
      "| `lifecycleWorkflows.<workflow>.trigger` | map | required | When the workflow runs for a user. One of: Time-based trigger; Attribute-change trigger (movers); Group-membership trigger. |",
    );
    expect(row("lifecycleWorkflows.<workflow>.tasks")).toBe(
      "| `lifecycleWorkflows.<workflow>.tasks` | list of (string or map), 1 to 25 items | required | Tasks in order (at most 25). |",
    );
    expect(row("azure")).toBe(
      "| `azure` | map | - | Where the uploader's and extensions' Azure resources live. |",
    );
  });

  it("documents every property of the schema", () => {
    const names = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(collect);
      if (typeof node !== "object" || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.properties) {
        Object.keys(schema.properties).forEach((n) => names.add(n));
        Object.values(schema.properties).forEach(collect);
      }
      ["items", "additionalProperties", "anyOf"].forEach((k) => collect(schema[k]));
    };
    collect(tenantSpecJsonSchema());
    const documented = new Set(
      rows.map((r) => /^\| `([^`]+)` \|/.exec(r)![1].split(".").pop()!.replace(/\[\]$/, "")),
    );
    expect([...names].filter((n) => !documented.has(n))).toEqual([]);
    expect(names.size).toBeGreaterThan(60);
  });

  it("introduces extends, variables, short forms and the error format", () => {
    for (const heading of [
      "## `extends`: base files",
      "## Variables",
      "## Short forms",
      "## Errors",
      "## Checks beyond the fields",
    ]) {
      expect(docs).toContain(`\n${heading}\n`);
    }
    for (const variable of ["tenant.name", "tenant.id", "tenant.domain", "azure.location"]) {
      expect(docs).toContain(`| \`\${${variable}}\` | \`${variable}\` |`);
    }
    expect(docs).toContain(
      "| `enterprise:department` | `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department` |",
    );
  });

  it("shows the errors the loader really gives", () => {
    const example = path.join(ROOT, "examples/tenants/contoso.yaml");
    const edited = fs
      .readFileSync(example, "utf8")
      .replace("notificationEmail: iam-alerts@contoso.com", "notificationEmail: iam-alerts")
      .replace("deletionThreshold: 25", "deletionTreshold: 25");
    const { diagnostics } = loadSpec("examples/tenants/contoso.yaml", {
      cwd: ROOT,
      readFile: (f) => (f === example ? Buffer.from(edited) : fs.readFileSync(f)),
    });
    const shown = diagnostics.map((d) =>
      formatDiagnostic(d).replace(/\(allowed: [^)]*\)$/, "(allowed: ...)"),
    );
    expect(shown).toHaveLength(2);
    expect(docs).toContain("```text\n" + shown.join("\n") + "\n```");
  });
});
