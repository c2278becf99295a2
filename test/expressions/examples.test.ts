/**
 * Microsoft's documented examples (test/fixtures/expressions/expression-examples.json, copied from
 * the Learn pages) as a table. `exact` and `constructed-from-table` rows must evaluate to the
 * documented output, except the deviations below, each listed with its reason in
 * docs/expressions.md. Every other row must at least parse.
 */
import * as fs from "fs";
import * as path from "path";
import {
  checkExpression,
  compileExpression,
  evaluateExpression,
  parseExpression,
} from "../../lib/expressions";

interface Example {
  function: string;
  expression: string;
  inputs: Record<string, unknown>;
  expected: unknown;
  kind: string;
  notes?: string;
}

const examples: Example[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../fixtures/expressions/expression-examples.json"), "utf8"),
);

/** Documented output we deliberately do not reproduce: expression -> what we return instead. */
const DEVIATIONS: Record<string, { inputs?: Record<string, unknown>; expected: unknown }> = {
  // The doc gives no input; the implied input is the DN it prints.
  "CStr([dn])": {
    inputs: { dn: "cn=Joe,dc=contoso,dc=com" },
    expected: "cn=Joe,dc=contoso,dc=com",
  },
  // "+" is not in the character class [()\s-], so a literal regex evaluation keeps it.
  'Replace([mobile], , "[()\\\\s-]+", , "", , )': { expected: "+19998887777" },
  // The doc drops the leading space after the comma; Split does not trim.
  'Split([extensionAttribute5], ",")': { expected: ["PermissionSetOne", " PermissionSetTwo"] },
};

const exact = examples.filter((e) => e.kind === "exact" || e.kind === "constructed-from-table");

describe("documented examples", () => {
  it("has the fixture's examples", () => {
    expect(examples).toHaveLength(100);
    expect(exact).toHaveLength(57);
  });

  it.each(exact.map((e) => [e.expression.replace(/\s+/g, " "), e] as const))("%s", (_name, e) => {
    const deviation = DEVIATIONS[e.expression];
    const inputs = deviation?.inputs ?? e.inputs;
    const expected = deviation ? deviation.expected : e.expected;
    const result = evaluateExpression(e.expression, inputs);
    // Graph's parseExpression returns every result as a string collection.
    if (Array.isArray(expected) && !Array.isArray(result)) expect([result]).toEqual(expected);
    else expect(result).toEqual(expected);
  });

  it("lists every deviation in docs/expressions.md, with the documented and our output", () => {
    const doc = fs.readFileSync(path.join(__dirname, "../../docs/expressions.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Deviations from the documented examples"));
    const shown = (v: unknown) => "`" + (typeof v === "string" ? v : JSON.stringify(v)) + "`";
    const rows = section.split("\n").filter((l) => l.startsWith("| `"));
    for (const [expression, deviation] of Object.entries(DEVIATIONS)) {
      const documented = exact.find((e) => e.expression === expression)!.expected;
      const row = rows.find(
        (r) =>
          r.startsWith("| `" + expression.split("(")[0] + "(") && r.includes(shown(documented)),
      );
      expect([expression, row !== undefined]).toEqual([expression, true]);
      if (JSON.stringify(deviation.expected) !== JSON.stringify(documented)) {
        expect(row).toContain(shown(deviation.expected));
      }
    }
    // The doc-inconsistent rows too.
    for (const e of examples.filter((x) => x.kind === "doc-inconsistent")) {
      expect(rows.some((r) => r.startsWith("| `" + e.function + "("))).toBe(true);
    }
  });

  it.each(
    examples
      .filter((e) => e.kind === "unsupported" || e.kind === "superseded")
      .map((e) => [e.kind, e.expression] as const),
  )("the checker refuses the %s form %s", (_kind, expression) => {
    expect(checkExpression(expression, { context: "provisioning" })).not.toEqual([]);
  });

  it("uses every deviation", () => {
    for (const key of Object.keys(DEVIATIONS)) {
      expect(exact.some((e) => e.expression === key)).toBe(true);
    }
  });

  it.each(examples.map((e) => [e.kind, e.expression.replace(/\s+/g, " ")] as const))(
    "%s example parses: %s",
    (_kind, expression) => {
      const original = examples.find((e) => e.expression.replace(/\s+/g, " ") === expression)!;
      const parsed = parseExpression(original.expression);
      expect(parsed.diagnostics).toEqual([]);
      expect(() => compileExpression(parsed.ast!)).not.toThrow();
    },
  );

  it("reproduces the doc-inconsistent Join examples literally", () => {
    const tourLead = examples.find((e) => e.expression.includes("JobCode"))!;
    expect(evaluateExpression(tourLead.expression, tourLead.inputs)).toBe("Tour Lead(TL-1001)");
    const objectId = examples.find((e) => e.expression.includes("[objectId]"))!;
    expect(evaluateExpression(objectId.expression, objectId.inputs)).toBe(
      "100030306161303061612626231312636332322646433332343465653434656534346565",
    );
  });
});
