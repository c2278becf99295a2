/**
 * The text side of `drift --write`: a value replaced in place in every YAML form a spec may use,
 * every other byte kept, and a value that cannot be written in place refused.
 */
import * as path from "path";
import { applyEdits, pathSegments, planDriftWrite, type SpecEdit } from "../../lib/drift/write";
import type { Difference, DriftKind } from "../../lib/drift";
import { loadSpec } from "../../lib/loader/load";
import { formatPath } from "../../lib/model/diagnostics";

const edit = (path: (string | number)[], to: unknown): SpecEdit => ({
  kind: "app",
  name: "a",
  difference: "d",
  file: "t.yaml",
  line: 1,
  column: 1,
  path,
  from: null,
  to,
});

function written(text: string, ...edits: SpecEdit[]): string {
  const result = applyEdits(text, edits);
  if (!("text" in result)) throw new Error(result.problem);
  return result.text;
}

test.each([
  ["a plain value, its comment kept", "a: 25   # why\nb: 1\n", ["a"], 40, "a: 40   # why\nb: 1\n"],
  ["a double-quoted string", 'a: "[x]" # c\n', ["a"], "[title]", 'a: "[title]" # c\n'],
  ["a single-quoted string", "a: 'x'\n", ["a"], "it's", "a: 'it''s'\n"],
  ["a plain string that would read as a number", "a: x\n", ["a"], "60", "a: '60'\n"],
  ["a plain string with `: `", "a: x\n", ["a"], "k: v", "a: 'k: v'\n"],
  ["a value in a flow map", "t: { n: 1, m: x }\n", ["t", "m"], "a, b", "t: { n: 1, m: 'a, b' }\n"],
  [
    "a value in a list item's map",
    "l:\n  - g: { n: 1 }\n",
    ["l", 0, "g", "n"],
    2,
    "l:\n  - g: { n: 2 }\n",
  ],
  ["a flow list", "a: [x, y]  # c\n", ["a"], ["x", "y", "z"], "a: [x, y, z]  # c\n"],
  ["a block list", "a:\n  - x\n  - y\nb: 1\n", ["a"], ["z"], "a:\n  - z\nb: 1\n"],
  ["a block list, longer", "a:\n  - x\nb: 1\n", ["a"], ["x", "y"], "a:\n  - x\n  - y\nb: 1\n"],
  ["a literal block", "a: |\n  x\n  y\nb: 1\n", ["a"], "z\n", 'a: "z\\n"\nb: 1\n'],
  ["a boolean", "a: false\n", ["a"], true, "a: true\n"],
  [
    "CRLF line ends",
    "a:\r\n  - x\r\nb: 1\r\n",
    ["a"],
    ["x", "y"],
    "a:\r\n  - x\r\n  - y\r\nb: 1\r\n",
  ],
] as const)("%s", (_title, before, path, to, after) => {
  expect(written(before, edit([...path], to))).toBe(after);
});

test("several values in one file: each in place, whatever the order given", () => {
  const before = "# head\na: 1 # one\nb:\n  c: 'x' # two\nd: [p]\n";
  expect(written(before, edit(["a"], 2), edit(["d"], ["q", "r"]), edit(["b", "c"], "y"))).toBe(
    "# head\na: 2 # one\nb:\n  c: 'y' # two\nd: [q, r]\n",
  );
});

test("a value reached through an alias, or carrying an anchor, is refused", () => {
  const viaAlias = applyEdits("x: &m { n: 1 }\ny: *m\n", [edit(["y", "n"], 2)]);
  expect(viaAlias).toMatchObject({ problem: expect.stringMatching(/YAML alias or merge key/) });
  const anchored = applyEdits("x: &v 1\ny: *v\n", [edit(["x"], 2)]);
  expect(anchored).toMatchObject({ problem: expect.stringMatching(/YAML anchor &v/) });
});

test("a map where a value is expected is refused", () => {
  expect(applyEdits("a:\n  b: 1\n", [edit(["a"], 2)])).toMatchObject({
    problem: "the spec holds a map or list there, not a value",
  });
});

test("drift's paths split into the spec's segments", () => {
  expect(pathSegments("mappings.department.source")).toEqual(["mappings", "department", "source"]);
  expect(pathSegments('scimExtension.attributes["urn:x:1.0:User:HireDate"].type')).toEqual([
    "scimExtension",
    "attributes",
    "urn:x:1.0:User:HireDate",
    "type",
  ]);
  expect(pathSegments("tasks[0].arguments.tapLifetimeMinutes")).toEqual([
    "tasks",
    0,
    "arguments",
    "tapLifetimeMinutes",
  ]);
});

describe("which differences are traced to a value to write", () => {
  const CONTOSO = path.join(__dirname, "..", "..", "examples", "tenants", "contoso.yaml");
  const loaded = loadSpec(CONTOSO);
  const plan = (kind: DriftKind, name: string, ...differences: Difference[]) =>
    planDriftWrite(
      { drift: true, objects: [{ kind, name, differences }] },
      loaded.spec!,
      loaded.sources!,
      CONTOSO,
      process.cwd(),
    );
  const reasons = (p: ReturnType<typeof plan>) => p.notWritten.map((n) => n.reason);

  test("objects on one side only are listed, never written", () => {
    const p = plan(
      "app",
      "employees",
      { path: "mappings.companyName", spec: null, live: { source: "[x]" } },
      { path: "mappings.jobTitle", spec: { source: "[title]" }, live: null },
    );
    expect(p.edits).toEqual([]);
    expect(reasons(p)).toEqual([
      "the tenant has a mapping for companyName the spec does not; add it by hand (`inbound export` shows it in the spec's terms)",
      "the tenant has no mapping for jobTitle; remove it from the spec by hand if that is meant",
    ]);
  });

  test("a scope, group ids and an expression the language does not read are listed", () => {
    const app = plan(
      "app",
      "employees",
      { path: "scope.groups[0].clauses[0].targetOperand", spec: "IT", live: "HR" },
      { path: "mappings.department.source", spec: "[x]", live: "Nope(" },
    );
    expect(reasons(app)[0]).toMatch(/^the scope is compared as Graph's filter clauses/);
    expect(reasons(app)[1]).toMatch(
      /^the live expression "Nope\(" is not one the spec's language reads/,
    );
    const workflow = plan("workflow", "onboard-pre-hire", {
      path: "tasks[2].arguments.groupID",
      spec: "5c2e8a4f-0d1b-4e6a-9f3c-2b7d8e1a0c4f",
      live: "0e5c9a1b-0000-4000-8000-000000000001",
    });
    expect(reasons(workflow)).toEqual([
      "the tenant holds group ids where the spec names groups; change the names by hand",
    ]);
  });

  test("a task argument is written under its spec name, in its spec type", () => {
    const p = plan(
      "workflow",
      "onboard-pre-hire",
      { path: "tasks[0].arguments.tapLifetimeMinutes", spec: "4320", live: "60" },
      { path: "tasks[0].arguments.tapIsUsableOnce", spec: "false", live: "True" },
      { path: "executionConditions.trigger.offsetInDays", spec: -3, live: -7 },
    );
    expect(p.notWritten).toEqual([]);
    expect(p.edits.map((e) => [formatPath(e.path), e.from, e.to, e.line])).toEqual([
      [
        "lifecycleWorkflows.onboard-pre-hire.tasks[0].generateTemporaryAccessPass.lifetimeMinutes",
        4320,
        60,
        82,
      ],
      [
        "lifecycleWorkflows.onboard-pre-hire.tasks[0].generateTemporaryAccessPass.usableOnce",
        false,
        true,
        82,
      ],
      ["lifecycleWorkflows.onboard-pre-hire.trigger.offsetDays", -3, -7, 79],
    ]);
  });
});

test("the values of another task in a task's place are not written into it", () => {
  const CONTOSO = path.join(__dirname, "..", "..", "examples", "tenants", "contoso.yaml");
  const loaded = loadSpec(CONTOSO);
  const p = planDriftWrite(
    {
      drift: true,
      objects: [
        {
          kind: "workflow",
          name: "onboard-pre-hire",
          differences: [
            { path: "tasks[0].arguments.tapLifetimeMinutes", spec: "4320", live: null },
            { path: "tasks[0].taskDefinitionId", spec: "1b555e50", live: "70b29d51" },
          ],
        },
      ],
    },
    loaded.spec!,
    loaded.sources!,
    CONTOSO,
    process.cwd(),
  );
  expect(p.edits).toEqual([]);
  expect(p.notWritten.map((n) => n.reason)).toEqual([
    "the tenant has another task at tasks[0]; change the task list by hand",
    "the tenant has another task at tasks[0]; change the task list by hand",
  ]);
});
