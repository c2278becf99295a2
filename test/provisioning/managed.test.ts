/**
 * The spec's part of the schema: compiled from the contoso fixture with exact expected JSON, put
 * into a template schema, read back, and compared per mapping.
 */
import {
  compileManaged,
  diffManaged,
  extractManaged,
  normalizeManaged,
  operatorsUsed,
  schemaSpecOf,
} from "../../lib/provisioning/managed";
import type { AttributeMappingSource } from "@microsoft/microsoft-graph-types";
import { resolveOperatorNames } from "../../lib/provisioning/operators";
import { compileSchema } from "../../lib/provisioning/schema";
import {
  attr,
  CONTOSO_URN,
  contosoSpec,
  customAttribute,
  mapping,
  templateSchemaFixture,
} from "./helpers";

const spec = contosoSpec();
const employees = spec.provisioning.employees;
const stores = spec.provisioning.stores;
const operatorNames = { equals: "EQUALS", isTrue: "IS_TRUE" };

describe("compileManaged", () => {
  test("compiles the contoso employees app exactly", () => {
    expect(compileManaged(employees, operatorNames, "employees")).toEqual({
      flowTypes: "Add, Update",
      scope: {
        groups: [
          {
            name: "Scope 1",
            clauses: [
              {
                operatorName: "EQUALS",
                sourceOperandName:
                  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                targetOperand: { values: ["IT"] },
              },
              {
                operatorName: "IS_TRUE",
                sourceOperandName: "active",
                targetOperand: { values: [] },
              },
            ],
          },
        ],
      },
      // Ordered by target attribute (the protobuf transport does not keep key order).
      attributeMappings: [
        mapping("accountEnabled", attr("active")),
        mapping(
          "department",
          attr("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
        ),
        mapping("displayName", {
          type: "Function",
          name: "Join",
          expression: 'Join(" ", [name.givenName], [name.familyName])',
          parameters: [
            {
              key: "separator",
              value: { type: "Constant", name: " ", expression: '" "', parameters: [] },
            },
            { key: "source", value: attr("name.givenName") },
            { key: "source", value: attr("name.familyName") },
          ],
        }),
        mapping("employeeHireDate", attr(`${CONTOSO_URN}:HireDate`)),
        mapping("employeeId", attr("externalId"), { matchingPriority: 1 }),
        mapping("givenName", attr("name.givenName")),
        mapping("mailNickname", attr("userName"), { flowType: "ObjectAddOnly" }),
        mapping("usageLocation", attr(`${CONTOSO_URN}:UsageLocation`), { defaultValue: "NL" }),
      ],
      customAttributes: ["HireDate", "LeaveDate", "UsageLocation"].map((name) =>
        customAttribute(`${CONTOSO_URN}:${name}`, name === "UsageLocation" ? "String" : "DateTime"),
      ),
    });
  });

  test("gives matching precedence 1, 2 in list order; a default-only mapping has no source", () => {
    const managed = compileManaged(stores, {}, "stores");
    expect(managed.scope).toBeNull();
    expect(managed.flowTypes).toBe("Add, Update");
    expect(
      managed.attributeMappings.map((m) => [
        m.targetAttributeName,
        m.matchingPriority,
        m.source?.name ?? null,
        m.defaultValue,
      ]),
    ).toEqual([
      ["company", 0, null, "Contoso"],
      ["employeeID", 1, "externalId", null],
      ["sAMAccountName", 2, "Left", null],
    ]);
  });

  test("names the input when a matching target has no mapping", () => {
    const app = { ...stores, matching: [{ source: "externalId", target: "employeeNumber" }] };
    expect(() => compileManaged(app, {}, "stores")).toThrow(
      /^provisioning\.stores\.matching\.target "employeeNumber" has no mapping/,
    );
  });

  test("names the input when a scope operator has no Entra name", () => {
    expect(() => compileManaged(employees, { equals: "EQUALS" }, "employees")).toThrow(
      /^provisioning\.employees\.scope\.anyOf\[0\]\.allOf\[1\]: no Graph operator name is known for "isTrue"/,
    );
  });

  test("lists the operators the scope uses", () => {
    expect(operatorsUsed(employees)).toEqual(["equals", "isTrue"]);
    expect(operatorsUsed(stores)).toEqual([]);
  });

  test("schemaSpecOf keeps only the schema-deciding fields", () => {
    expect(Object.keys(schemaSpecOf(employees)).sort()).toEqual([
      "actions",
      "mappings",
      "matching",
      "scimExtension",
      "scope",
    ]);
    expect(Object.keys(schemaSpecOf(stores)).sort()).toEqual(["actions", "mappings", "matching"]);
  });
});

describe("resolveOperatorNames", () => {
  test("matches spellings by letters only", () => {
    const available = [{ name: "EQUALS" }, { name: "IS_TRUE" }, { name: "Greater_Than_OR_EQUALS" }];
    expect(resolveOperatorNames(available, ["equals", "isTrue", "greaterThanOrEquals"])).toEqual({
      equals: "EQUALS",
      isTrue: "IS_TRUE",
      greaterThanOrEquals: "Greater_Than_OR_EQUALS",
    });
  });

  test("reads an operator's spelling from id when the list has no name (the v1.0 metadata)", () => {
    const available = [{ id: "EQUALS" }, { id: "IS_TRUE" }, { name: "", id: "NOT_EQUALS" }];
    expect(resolveOperatorNames(available, ["equals", "isTrue", "notEquals"])).toEqual({
      equals: "EQUALS",
      isTrue: "IS_TRUE",
      notEquals: "NOT_EQUALS",
    });
    expect(() => resolveOperatorNames([{ id: "EQUALS" }, { id: "IS_TRUE" }], ["lessThan"])).toThrow(
      "(GET .../schema/filterOperators returned: EQUALS, IS_TRUE)",
    );
  });

  test("names the missing operator and lists what the job offers", () => {
    expect(() => resolveOperatorNames([{ name: "EQUALS" }], ["equals", "lessThan"])).toThrow(
      "scope operator(s) lessThan are not offered by this provisioning job (GET .../schema/filterOperators returned: EQUALS); use another operator in the spec's scope",
    );
  });
});

describe("extract, normalise and diff", () => {
  const compiled = compileSchema(templateSchemaFixture(), employees, { operatorNames });

  test("what was put in reads back unchanged", () => {
    const wanted = compileManaged(employees, operatorNames, "employees");
    expect(normalizeManaged(extractManaged(compiled))).toEqual(normalizeManaged(wanted));
    expect(diffManaged(extractManaged(compiled), wanted)).toEqual([]);
  });

  test("server echo differences (order, nulls, defaults) are not drift", () => {
    const echoed = structuredClone(compiled);
    const objectMapping = echoed.synchronizationRules[0].objectMappings[0];
    objectMapping.attributeMappings.reverse();
    for (const m of objectMapping.attributeMappings) {
      delete m.flowBehavior;
      delete m.exportMissingReferences;
      if (m.defaultValue === null) delete m.defaultValue;
    }
    objectMapping.flowTypes = "Update, Add";
    objectMapping.scope.groups[0].clauses.reverse();
    expect(diffManaged(extractManaged(compiled), extractManaged(echoed))).toEqual([]);
  });

  test("a null operand on a one-sided clause, enum echoes in another case and another operator spelling are not drift", () => {
    const echoed = structuredClone(compiled);
    const objectMapping = echoed.synchronizationRules[0].objectMappings[0];
    const isTrue = objectMapping.scope.groups[0].clauses.find(
      (c: { operatorName: string }) => c.operatorName === "IS_TRUE",
    );
    isTrue.targetOperand = null;
    isTrue.operatorName = "IsTrue";
    for (const m of objectMapping.attributeMappings) {
      m.flowType = String(m.flowType).toLowerCase();
      m.flowBehavior = String(m.flowBehavior).toLowerCase();
    }
    for (const a of echoed.directories[0].objects[0].attributes)
      a.type = String(a.type).toUpperCase();
    expect(diffManaged(extractManaged(compiled), extractManaged(echoed))).toEqual([]);
  });

  test("reports each edited, added and removed mapping, the scope and attributes", () => {
    const edited = structuredClone(compiled);
    const objectMapping = edited.synchronizationRules[0].objectMappings[0];
    const byTarget = (t: string) =>
      objectMapping.attributeMappings.find(
        (m: { targetAttributeName: string }) => m.targetAttributeName === t,
      );
    byTarget("givenName").source = attr("userName");
    objectMapping.attributeMappings = objectMapping.attributeMappings.filter(
      (m: { targetAttributeName: string }) => m.targetAttributeName !== "department",
    );
    objectMapping.attributeMappings.push(mapping("city", attr("addresses.locality")));
    objectMapping.scope = null;
    edited.directories[0].objects[0].attributes.pop();
    expect(diffManaged(extractManaged(compiled), extractManaged(edited))).toEqual([
      // Mappings in target-name order.
      { mapping: "mappings.department", change: "removed" },
      { mapping: "mappings.givenName", change: "changed" },
      { mapping: "mappings.city", change: "added" },
      { mapping: "scope", change: "removed" },
      { mapping: `attributes.${CONTOSO_URN}:UsageLocation`, change: "removed" },
    ]);
  });

  test("a tree Graph keyed its own way is the same expression, not drift", () => {
    const app = {
      ...employees,
      mappings: {
        ...employees.mappings,
        mailNickname: 'Replace([userName], "@", , , "_", , )',
        jobTitle: 'IIF([title] = "", "Staff", [title])',
      },
    };
    const wanted = compileManaged(app, operatorNames, "employees");
    const rekeyed = structuredClone(wanted);
    // Every parameter renamed, as Graph's parseExpression stores its own keys.
    const rename = (source: AttributeMappingSource | null | undefined): void => {
      for (const [i, p] of (source?.parameters ?? []).entries()) {
        p.key = `GraphKey${i}`;
        rename(p.value);
      }
    };
    for (const m of rekeyed.attributeMappings) rename(m.source);
    expect(JSON.stringify(rekeyed)).not.toEqual(JSON.stringify(wanted));
    expect(diffManaged(rekeyed, wanted)).toEqual([]);

    // Moving an argument to another (omitted) position is a change, though the keys are gone.
    const moved = structuredClone(rekeyed);
    const nickname = moved.attributeMappings.find((m) => m.targetAttributeName === "mailNickname")!;
    nickname.source!.expression = 'Replace([userName], , "@", , "_", , )';
    expect(diffManaged(moved, wanted)).toEqual([
      { mapping: "mappings.mailNickname", change: "changed" },
    ]);
  });

  test("input and category filter groups are the template's: not managed, not drift", () => {
    const template = templateSchemaFixture();
    const objectMapping = template.synchronizationRules[0].objectMappings[0];
    const theirs = [{ name: "portal", clauses: [] }];
    objectMapping.scope = { inputFilterGroups: theirs, categoryFilterGroups: theirs, groups: [] };
    const withTheirs = compileSchema(template, employees, { operatorNames });
    const scope = withTheirs.synchronizationRules[0].objectMappings[0].scope;
    expect(scope.inputFilterGroups).toEqual(theirs);
    expect(scope.categoryFilterGroups).toEqual(theirs);
    expect(scope.groups).toHaveLength(1);
    expect(extractManaged(withTheirs).scope).toEqual({ groups: scope.groups });
    expect(diffManaged(extractManaged(withTheirs), extractManaged(compiled))).toEqual([]);
  });
});
