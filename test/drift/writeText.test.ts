/**
 * The text side of `drift --write`: a value replaced in place in every YAML form a spec may use,
 * every other byte kept, and a value that cannot be written in place refused.
 */
import { applyEdits, pathSegments, type SpecEdit } from "../../lib/drift/write";

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
