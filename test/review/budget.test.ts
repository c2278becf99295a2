import * as path from "path";
import { COMMENT_BUDGET, fitMarkdown } from "../../lib/review/budget";
import { diffSpecs } from "../../lib/review/diff";
import { diffMarkdown, singleReview } from "../../lib/review/format";
import { loadSide } from "../../lib/review/source";
import { renderMarkdown, type Plan } from "../../cli/commands/plan";
import type { TenantSpec } from "../../lib/model/schema";

const fixtures = path.resolve(__dirname, "../fixtures/review");
const base = loadSide("base.yaml", fixtures).spec!;

/** Balanced `<details>` and code fences: a cut never leaves a block open. */
function expectClosed(markdown: string) {
  expect((markdown.match(/<details>/g) ?? []).length).toBe(
    (markdown.match(/<\/details>/g) ?? []).length,
  );
  expect((markdown.match(/^```/gm) ?? []).length % 2).toBe(0);
}

describe("fitMarkdown", () => {
  const part = (name: string, n: number) => ({
    name,
    open: ["<details>"],
    lines: Array.from({ length: n }, (_, i) => `${name} line ${i} ${"x".repeat(80)}`),
    close: ["</details>"],
  });

  test("what fits is written whole, with no note", () => {
    const text = fitMarkdown([part("a", 3), part("b", 3)]);
    expect(text).not.toContain("Left out");
    expect(text.split("\n")).toHaveLength(11);
  });

  test("what does not fit is cut at a line, closed, and named", () => {
    const text = fitMarkdown([part("a", 10), part("b", 100), part("c", 10)], 5_000);
    expect(text.length).toBeLessThanOrEqual(5_000);
    expect(text).toContain("a line 9");
    expect(text).toContain("b line 0");
    expect(text).not.toContain("c line 0");
    expect(text).toMatch(
      /Left out to fit one comment \(5,000 characters\):\*\* the rest of b; c \(\d+ lines\)/,
    );
    expectClosed(text);
  });
});

test("the Markdown diff of a 300-mapping tenant stays under the budget and says what it left out", () => {
  const widen = (spec: TenantSpec, value: (i: number) => string): TenantSpec => {
    const app = spec.provisioning.employees;
    const mappings = { ...app.mappings };
    for (let i = 0; i < 300; i++) mappings[`extension_attr${i}`] = value(i);
    return { ...spec, provisioning: { employees: { ...app, mappings } } };
  };
  const long = 'Replace([Department], , "(?<x>[a-z]+)", , "${x}", , )';
  const before = widen(base, (i) => `Join("|", [ext:A${i}], ${long})`);
  const after = widen(
    {
      ...base,
      provisioning: {
        employees: { ...base.provisioning.employees, actions: ["create", "update", "delete"] },
      },
    },
    (i) => `Join("-", [ext:B${i}], ${long}, "${"z".repeat(100)}")`,
  );
  const diff = diffSpecs(before, after);
  expect(diff.changes.length).toBeGreaterThan(300);
  const markdown = diffMarkdown([singleReview("config/tenants/northwind.yaml", diff)]);
  expect(markdown.length).toBeLessThanOrEqual(COMMENT_BUDGET);
  // The summary and the risks come first, whole; the details are what is cut.
  expect(markdown.startsWith("### inbound diff\n")).toBe(true);
  expect(markdown).toContain(
    "| northwind | <code>config/tenants/northwind.yaml</code> | 301 | 1 |",
  );
  expect(markdown).toContain("| northwind | `delete-enabled` |");
  expect(markdown).toMatch(/Left out to fit one comment .*the rest of the details of northwind/);
  expectClosed(markdown);
});

test("plan --markdown follows the same budget", () => {
  const body = { big: "y".repeat(2_000) };
  const plan: Plan = {
    resources: [{ name: "t", type: "inbound:index:Tenant", parent: "", inputs: {} }],
    policyViolations: [],
    graphRequests: Array.from({ length: 300 }, (_, i) => ({
      resource: `r${i}`,
      method: "POST",
      path: `/v1.0/things/<r${i}.id>`,
      body,
    })) as Plan["graphRequests"],
  };
  const markdown = renderMarkdown("config/tenants/northwind.yaml", plan);
  expect(markdown.length).toBeLessThanOrEqual(COMMENT_BUDGET);
  expect(markdown).toContain("**Policy pack:** no violations");
  expect(markdown).toContain("**300 Microsoft Graph requests**");
  expect(markdown).toMatch(
    /Left out to fit one comment .*POST \/v1\.0\/things\/<r\d+\.id>; .* and \d+ more parts/,
  );
  expectClosed(markdown);
});
