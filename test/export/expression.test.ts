/**
 * expressionFromGraph, the inverse of the Graph compiler: a tree as Graph stores it (its own
 * parameter keys, omitted arguments, canonical attribute names) back to the spec's expression.
 */
import { compileExpressionText, expressionFromGraph } from "../../lib/expressions/graph";

const URN = "urn:ietf:params:scim:schemas:extension:contoso:1.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const attr = (name: string) => ({
  type: "Attribute",
  name,
  expression: `[${name}]`,
  parameters: [],
});
const constant = (name: string) => ({ type: "Constant", name, parameters: [] });

test.each([
  'Join(" ", [name.givenName], [name.familyName])',
  'Replace([userName], "-", , , "_", , )',
  'IIF([ext:HireDate] = "", "x", [enterprise:department])',
  'Switch([enterprise:department], "OU=Users", "IT", "OU=IT")',
  "[ext:HireDate]",
])("the offline compiler's tree of %s reads back as the same text", (text) => {
  expect(expressionFromGraph(compileExpressionText(text, URN), URN)).toBe(text);
});

test("a tree with Graph's own keys and no expression text is placed by its keys, omitted arguments kept", () => {
  // Graph's parseExpression sample keys Replace's parameters source/Find/Replacement.
  const tree = {
    type: "Function",
    name: "Replace",
    parameters: [
      { key: "source", value: attr(`${ENTERPRISE}:department`) },
      { key: "Find", value: constant("-") },
      { key: "Replacement", value: constant("_") },
    ],
  };
  expect(expressionFromGraph(tree as never, URN)).toBe(
    'Replace([enterprise:department], "-", , , "_")',
  );
});

test("attributes come back in the spec's short forms; an expression text that does not parse falls back to the nodes", () => {
  const tree = {
    type: "Function",
    name: "Join",
    expression: "Join( not parsable",
    parameters: [
      { key: "separator", value: constant(".") },
      { key: "source", value: attr(`${URN}:HireDate`) },
      { key: "source", value: attr("urn:ietf:params:scim:schemas:core:2.0:User:userName") },
    ],
  };
  expect(expressionFromGraph(tree as never, URN)).toBe('Join(".", [ext:HireDate], [userName])');
});
