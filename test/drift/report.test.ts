/**
 * The drift report's renderings, from reports built here: the Markdown stays under its limit and
 * says what it left out, and tenant values cannot break its tables.
 */
import type { DriftReport } from "../../lib/drift";
import { leafDifferences } from "../../lib/drift";
import { MARKDOWN_LIMIT, renderMarkdown, renderText } from "../../lib/drift/report";

const report = (objects: number, differences: number, value = "x".repeat(200)): DriftReport => ({
  drift: true,
  objects: Array.from({ length: objects }, (_, o) => ({
    kind: "workflow" as const,
    name: `workflow-${o}`,
    differences: Array.from({ length: differences }, (_, d) => ({
      path: `tasks[${d}].arguments.value`,
      spec: value,
      live: `${value}-${d}`,
    })),
  })),
});

test("a large report's Markdown stays under 60,000 characters and counts what it left out", () => {
  const markdown = renderMarkdown(report(200, 30), "tenant.yaml");
  expect(markdown.length).toBeLessThan(MARKDOWN_LIMIT);
  expect(MARKDOWN_LIMIT).toBe(60_000);
  const shown = (markdown.match(/^\| <code>tasks/gm) ?? []).length;
  expect(shown).toBeGreaterThan(50);
  expect(markdown).toContain(
    `**Left out to stay under 60,000 characters:** ${200 * 30 - shown} differences`,
  );
  expect(markdown).toContain("Run `inbound drift --json` for the full list.");
  expect(markdown.trimEnd().endsWith("(it comes from the Logic App in Azure)._")).toBe(true);
});

test("a small report's Markdown leaves nothing out", () => {
  const markdown = renderMarkdown(report(2, 2, "v"), "tenant.yaml");
  expect(markdown).not.toContain("Left out");
  expect(markdown).toContain("**Drift found** in 2 of 2 objects (4 differences)");
  expect(markdown).toContain(
    '| <code>tasks[0].arguments.value</code> | <code>"v"</code> | <code>"v-0"</code> |',
  );
});

test("a tenant value with a pipe, a backtick, a newline or HTML stays inside its cell", () => {
  const markdown = renderMarkdown(report(1, 1, "a|b`c\n<d>"), "tenant.yaml");
  expect(markdown).toContain(
    '| <code>"a&#124;b&#96;c\\n&lt;d&gt;"</code> | <code>"a&#124;b&#96;c\\n&lt;d&gt;-0"</code> |',
  );
});

test("no drift: one line, and the objects compared", () => {
  const clean: DriftReport = {
    drift: false,
    objects: [{ kind: "app", name: "employees", differences: [] }],
  };
  expect(renderText(clean, "t.yaml").split("\n").slice(0, 3)).toEqual([
    "t.yaml: no drift (1 object compared)",
    "",
    "no drift: app employees",
  ]);
  expect(renderMarkdown(clean, "t.yaml")).toContain(
    "**No drift**: 1 object compared, all as the spec describes.",
  );
});

test("leafDifferences names the leaves that differ, and a key that reads as a path is quoted", () => {
  expect(
    leafDifferences(
      "mappings",
      { "a.b": { x: 1, y: [1, 2] }, c: "same" },
      { "a.b": { x: 2, y: [1, 3] }, c: "same", d: true },
    ),
  ).toEqual([
    { path: 'mappings["a.b"].x', spec: 1, live: 2 },
    { path: 'mappings["a.b"].y[1]', spec: 2, live: 3 },
    { path: "mappings.d", spec: null, live: true },
  ]);
});
