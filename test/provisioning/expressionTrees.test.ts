/**
 * What the deploy path sends to and takes from Graph's parseExpression, and how trees are compared
 * for drift (lib/expressions/graph), and what the secrets write sends (lib/provisioning/secrets).
 */
import {
  compileExpressionText,
  graphExpressionText,
  sourceExpressionKey,
  sourceShape,
} from "../../lib/expressions/graph";
import { isMaskedSecret, MaskedSecretsError, secretsToWrite } from "../../lib/provisioning/secrets";
import { CONTOSO_URN } from "./helpers";

describe("the text sent to parseExpression", () => {
  test("short attribute forms expanded, function names in documented casing, canonical spacing", () => {
    expect(
      graphExpressionText('join(" ",[ext:HireDate],  [enterprise:department])', CONTOSO_URN),
    ).toBe(
      `Join(" ", [${CONTOSO_URN}:HireDate], [urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department])`,
    );
    expect(graphExpressionText('Replace([a], "-", , , "_", , )')).toBe(
      'Replace([a], "-", , , "_", , )',
    );
  });

  test("text that does not parse is an error with the column", () => {
    expect(() => graphExpressionText("Join(")).toThrow(/^column \d+: /);
  });

  test("the offline compiler from text is compileToGraph of its parse (what a plan answers)", () => {
    expect(compileExpressionText("[ext:HireDate]", CONTOSO_URN)).toEqual({
      type: "Attribute",
      name: `${CONTOSO_URN}:HireDate`,
      expression: `[${CONTOSO_URN}:HireDate]`,
      parameters: [],
    });
    // The text a deployment sends compiles to the same tree as the spec's own text.
    const spec = 'Join(" ", [ext:HireDate], [title])';
    expect(compileExpressionText(graphExpressionText(spec, CONTOSO_URN))).toEqual(
      compileExpressionText(spec, CONTOSO_URN),
    );
  });
});

describe("comparing trees", () => {
  const offline = compileExpressionText('Replace([a], "-", , , "_", , )');
  const graph = {
    ...offline,
    parameters: offline.parameters!.map((p, i) => ({ ...p, key: ["Source", "X", "Y"][i] })),
  };

  test("keys do not matter, the expression does", () => {
    expect(sourceExpressionKey(graph)).toBe(sourceExpressionKey(offline));
    expect(sourceShape(graph)).toEqual(sourceShape(offline));
    // Re-spaced text from Graph is the same expression.
    expect(sourceExpressionKey({ ...graph, expression: 'Replace( [a],"-",,,"_",,)' })).toBe(
      sourceExpressionKey(offline),
    );
    expect(
      sourceExpressionKey({ ...graph, expression: 'Replace([a], , "-", , "_", , )' }),
    ).not.toBe(sourceExpressionKey(offline));
  });

  test("a tree whose text does not parse is printed from its nodes, positionally", () => {
    expect(sourceExpressionKey({ ...graph, expression: "not ( an expression" })).toBe(
      'Replace([a], "-", "_")',
    );
    expect(sourceExpressionKey(null)).toBe("");
  });

  test("a different tree shape is told apart", () => {
    const nested = { ...graph, parameters: graph.parameters!.slice(0, 2) };
    expect(sourceShape(nested)).not.toEqual(sourceShape(offline));
  });
});

describe("secretsToWrite", () => {
  const ours = [{ key: "SkipOutOfScopeDeletions", value: "True" }];

  test("the mask is recognised", () => {
    expect(isMaskedSecret("*****")).toBe(true);
    expect(isMaskedSecret("*")).toBe(true);
    expect(isMaskedSecret("a*")).toBe(false);
    expect(isMaskedSecret("")).toBe(false);
  });

  test("nothing to write when the live collection holds the spec's values", () => {
    expect(secretsToWrite([...ours, { key: "SecretToken", value: "*****" }], ours)).toBeUndefined();
  });

  test("other live keys are carried unchanged, ours written over", () => {
    expect(
      secretsToWrite(
        [
          { key: "SyncAll", value: "True" },
          { key: "SkipOutOfScopeDeletions", value: "False" },
        ],
        ours,
      ),
    ).toEqual([{ key: "SyncAll", value: "True" }, ...ours]);
  });

  test("a masked key we own is overwritten with our value; one we are removing is dropped", () => {
    expect(
      secretsToWrite(
        [
          { key: "SkipOutOfScopeDeletions", value: "*****" },
          { key: "Password", value: "*****" },
        ],
        ours,
        ["Password"],
      ),
    ).toEqual(ours);
  });

  test("a masked key of someone else's is never sent back: nothing is written", () => {
    const live = [
      { key: "SecretToken", value: "*****" },
      { key: "SkipOutOfScopeDeletions", value: "False" },
    ];
    expect(() => secretsToWrite(live, ours)).toThrow(MaskedSecretsError);
    expect(() => secretsToWrite(live, ours)).toThrow(
      "include SecretToken, which Graph returns masked",
    );
  });
});
