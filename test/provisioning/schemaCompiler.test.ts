/**
 * lib/provisioning/schema.ts on whole schemas: which rule and directory it edits, exactly what it
 * writes there (with the real lib/expressions compiler), what it leaves alone, and the
 * normalisation and per-mapping diff that drift detection relies on.
 */
import type { SynchronizationSchema } from "@microsoft/microsoft-graph-types";
import { provisioningApp } from "../../lib/model/schema";
import { attr, customAttribute } from "./helpers";
import {
  apiSourceRule,
  compileSchema,
  diffSchemas,
  normalizeSchema,
  type CompileOptions,
} from "../../lib/provisioning/schema";

const URN = "urn:ietf:params:scim:schemas:extension:contoso:1.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
// Operator spellings as a tenant's filterOperators might return them; deliberately not the
// best-guess table, so the test proves the table given is the one used.
const OPERATORS: CompileOptions = { operatorNames: { equals: "EQUALS", isTrue: "IS_TRUE" } };

/** The contoso example's `employees` section (design/tenant-spec.md), defaults applied. */
const contoso = provisioningApp.parse({
  displayName: "Contoso HR inbound - employees",
  notificationEmail: "iam-alerts@contoso.com",
  deletionThreshold: 25,
  actions: ["create", "update"],
  scimExtension: { urn: URN, attributes: { HireDate: "dateTime", UsageLocation: "string" } },
  matching: [{ source: "externalId", target: "employeeId" }],
  scope: {
    anyOf: [
      {
        allOf: [
          { attribute: "enterprise:department", operator: "equals", value: "IT" },
          { attribute: "active", operator: "isTrue" },
        ],
      },
    ],
  },
  mappings: {
    employeeId: "[externalId]",
    displayName: 'Join(" ", [name.givenName], [name.familyName])',
    employeeHireDate: "[ext:HireDate]",
    usageLocation: { expression: "[ext:UsageLocation]", default: "NL" },
    mailNickname: { expression: "[userName]", apply: "onCreate" },
    companyName: { default: "Contoso" },
  },
});

/**
 * A template-like schema. The target directory comes first, so code that took `directories[0]`
 * as the API source would write to the wrong place.
 */
function template(): SynchronizationSchema {
  return {
    id: "API2AAD",
    version: "Date:2026-01-01~###~Version:1",
    directories: [
      {
        id: "t",
        name: "Microsoft Entra ID",
        version: "1",
        objects: [{ name: "User", attributes: [{ name: "employeeId", type: "String" }] }],
      },
      {
        id: "s",
        name: "SCIM source",
        version: "1",
        objects: [
          {
            name: "User",
            attributes: [
              { name: "externalId", type: "String", anchor: true },
              { name: `${ENTERPRISE}:department`, type: "String" },
              { name: "urn:ietf:params:scim:schemas:extension:old:1.0:User:Gone", type: "String" },
            ],
          },
        ],
      },
    ],
    synchronizationRules: [
      {
        id: "API2AAD",
        name: "API2AAD",
        sourceDirectoryName: "SCIM source",
        targetDirectoryName: "Microsoft Entra ID",
        objectMappings: [
          {
            name: "Provision users",
            enabled: true,
            flowTypes: "Add, Update, Delete" as never,
            sourceObjectName: "User",
            targetObjectName: "User",
            scope: null,
            attributeMappings: [
              { targetAttributeName: "surname", source: attr("name.familyName") as never },
            ],
          },
        ],
      },
    ],
  };
}

const userMappingOf = (schema: SynchronizationSchema) =>
  schema.synchronizationRules![0].objectMappings![0];
const sourceUser = (schema: SynchronizationSchema) => schema.directories![1].objects![0];

describe("compileSchema", () => {
  const compiled = compileSchema(template(), contoso, OPERATORS);

  test("writes exactly the spec's mappings, ordered by target, and nothing from the template", () => {
    expect(userMappingOf(compiled).attributeMappings).toEqual([
      {
        defaultValue: "Contoso",
        exportMissingReferences: false,
        flowBehavior: "FlowWhenChanged",
        flowType: "Always",
        matchingPriority: 0,
        source: null,
        targetAttributeName: "companyName",
      },
      {
        defaultValue: null,
        exportMissingReferences: false,
        flowBehavior: "FlowWhenChanged",
        flowType: "Always",
        matchingPriority: 0,
        source: {
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
        },
        targetAttributeName: "displayName",
      },
      {
        defaultValue: null,
        exportMissingReferences: false,
        flowBehavior: "FlowWhenChanged",
        flowType: "Always",
        matchingPriority: 0,
        source: attr(`${URN}:HireDate`),
        targetAttributeName: "employeeHireDate",
      },
      {
        defaultValue: null,
        exportMissingReferences: false,
        flowBehavior: "FlowWhenChanged",
        flowType: "Always",
        matchingPriority: 1,
        source: attr("externalId"),
        targetAttributeName: "employeeId",
      },
      {
        defaultValue: null,
        exportMissingReferences: false,
        flowBehavior: "FlowWhenChanged",
        flowType: "ObjectAddOnly",
        matchingPriority: 0,
        source: attr("userName"),
        targetAttributeName: "mailNickname",
      },
      {
        defaultValue: "NL",
        exportMissingReferences: false,
        flowBehavior: "FlowWhenChanged",
        flowType: "Always",
        matchingPriority: 0,
        source: attr(`${URN}:UsageLocation`),
        targetAttributeName: "usageLocation",
      },
    ]);
  });

  test("target object actions and scope, with the operator names given", () => {
    expect(userMappingOf(compiled).flowTypes).toBe("Add, Update");
    expect(userMappingOf(compiled).scope).toEqual({
      groups: [
        {
          name: "Scope 1",
          clauses: [
            {
              operatorName: "EQUALS",
              sourceOperandName: `${ENTERPRISE}:department`,
              targetOperand: { values: ["IT"] },
            },
            { operatorName: "IS_TRUE", sourceOperandName: "active", targetOperand: { values: [] } },
          ],
        },
      ],
    });
  });

  test("custom attributes replace earlier extension attributes of the API source only", () => {
    expect(sourceUser(compiled).attributes).toEqual([
      { name: "externalId", type: "String", anchor: true },
      { name: `${ENTERPRISE}:department`, type: "String" },
      customAttribute(`${URN}:HireDate`, "DateTime"),
      customAttribute(`${URN}:UsageLocation`, "String"),
    ]);
    expect(compiled.directories![0]).toEqual(template().directories![0]);
  });

  test("keeps the rest of the schema and does not modify its input", () => {
    const input = template();
    const out = compileSchema(input, contoso, OPERATORS);
    expect(input).toEqual(template());
    expect(out.id).toBe("API2AAD");
    expect(out.version).toBe("Date:2026-01-01~###~Version:1");
    expect(userMappingOf(out).name).toBe("Provision users");
  });

  test("is idempotent: compiling its own output changes nothing", () => {
    expect(compileSchema(compiled, contoso, OPERATORS)).toEqual(compiled);
  });

  test("matching precedence follows the order of `matching`", () => {
    const app = {
      ...contoso,
      matching: [
        { source: "userName", target: "mailNickname" },
        { source: "externalId", target: "employeeId" },
      ],
    };
    const priorities = userMappingOf(compileSchema(template(), app, OPERATORS))
      .attributeMappings!.filter((m) => m.matchingPriority! > 0)
      .map((m) => [m.targetAttributeName, m.matchingPriority]);
    expect(priorities).toEqual([
      ["employeeId", 2],
      ["mailNickname", 1],
    ]);
  });

  test("a matching target without a mapping is an error that says what to add", () => {
    const app = { ...contoso, matching: [{ source: "externalId", target: "employeeNumber" }] };
    expect(() => compileSchema(template(), app, OPERATORS)).toThrow(
      'matching.target "employeeNumber" has no mapping; add `mappings.employeeNumber` (the matching attribute must be mapped)',
    );
  });

  test("an operator missing from the deploy-time table is an error naming the clause", () => {
    expect(() =>
      compileSchema(template(), contoso, { operatorNames: { equals: "EQUALS" } }),
    ).toThrow('scope.anyOf[0].allOf[1]: no Graph operator name is known for "isTrue"');
  });

  test("a bad expression names the mapping", () => {
    const app = { ...contoso, mappings: { ...contoso.mappings, jobTitle: "Join(" } };
    expect(() => compileSchema(template(), app, OPERATORS)).toThrow(
      /^mappings\.jobTitle: column 6: /,
    );
  });

  test("actions map to Graph's flow types in Graph's order; values and defaults become strings", () => {
    const app = {
      ...contoso,
      actions: ["delete", "create"] as ("create" | "update" | "delete")[],
      scope: {
        anyOf: [
          {
            name: "Numbers",
            allOf: [{ attribute: "ext:HireDate", operator: "equals" as const, value: [1, "2"] }],
          },
        ],
      },
      mappings: {
        ...contoso.mappings,
        accountEnabled: { default: true, apply: "always" as const },
      },
    };
    const out = userMappingOf(compileSchema(template(), app, OPERATORS));
    expect(out.flowTypes).toBe("Add, Delete");
    expect(out.scope!.groups).toEqual([
      {
        name: "Numbers",
        clauses: [
          {
            operatorName: "EQUALS",
            sourceOperandName: `${URN}:HireDate`,
            targetOperand: { values: ["1", "2"] },
          },
        ],
      },
    ]);
    expect(out.attributeMappings!.at(0)).toMatchObject({
      targetAttributeName: "accountEnabled",
      defaultValue: "True",
      source: null,
    });
  });

  test("the body does not depend on the order of the spec's maps", () => {
    // Pulumi hands a provider its inputs through protobuf structs, which do not keep key order.
    const reversed = {
      ...contoso,
      mappings: Object.fromEntries(Object.entries(contoso.mappings).reverse()),
      scimExtension: {
        urn: URN,
        attributes: Object.fromEntries(Object.entries(contoso.scimExtension!.attributes).reverse()),
      },
    };
    expect(compileSchema(template(), reversed, OPERATORS)).toEqual(compiled);
  });

  test("no scope in the spec clears a scope the job had", () => {
    const scoped = compileSchema(template(), contoso, OPERATORS);
    const { scope: _scope, ...unscoped } = contoso;
    expect(userMappingOf(compileSchema(scoped, unscoped, OPERATORS)).scope).toBeNull();
  });

  test("only scope.groups is the spec's: the template's other filter groups stay", () => {
    const shipped = template();
    const theirs = [{ name: "template", clauses: [] }];
    userMappingOf(shipped).scope = { inputFilterGroups: theirs, categoryFilterGroups: [] };
    expect(userMappingOf(compileSchema(shipped, contoso, OPERATORS)).scope).toEqual({
      inputFilterGroups: theirs,
      categoryFilterGroups: [],
      groups: userMappingOf(compiled).scope!.groups,
    });
    const { scope: _scope, ...unscoped } = contoso;
    expect(userMappingOf(compileSchema(shipped, unscoped, OPERATORS)).scope).toEqual({
      inputFilterGroups: theirs,
      categoryFilterGroups: [],
      groups: [],
    });
  });
});

describe("apiSourceRule", () => {
  const twoRules = (): SynchronizationSchema => {
    const schema = template();
    schema.synchronizationRules!.push({
      id: "Other",
      sourceDirectoryName: "Second source",
      targetDirectoryName: "Microsoft Entra ID",
      objectMappings: [],
    });
    return schema;
  };

  test("ignores rules that read from a target directory", () => {
    const schema = template();
    schema.synchronizationRules!.unshift({
      id: "Writeback",
      sourceDirectoryName: "Microsoft Entra ID",
      targetDirectoryName: "SCIM source",
    });
    expect(apiSourceRule(schema).id).toBe("API2AAD");
  });

  test("two candidate rules are an error listing them, unless the source is named", () => {
    expect(() => apiSourceRule(twoRules())).toThrow(
      "cannot tell which synchronization rule reads from the API (2 candidates); the schema has: " +
        "API2AAD: SCIM source → Microsoft Entra ID; Other: Second source → Microsoft Entra ID. " +
        "Pass the API source directory name explicitly",
    );
    expect(apiSourceRule(twoRules(), "Second source").id).toBe("Other");
    expect(() => apiSourceRule(twoRules(), "Nope")).toThrow(
      'no synchronization rule has source directory "Nope"',
    );
  });
});

describe("normalizeSchema and diffSchemas", () => {
  const compiled = compileSchema(template(), contoso, OPERATORS);

  /** The same schema as the service might return it: new versions, other order, nulls dropped. */
  function asReturned(): SynchronizationSchema {
    const copy = structuredClone(compiled);
    copy.version = "Date:2026-02-02~###~Version:7";
    copy.directories!.reverse();
    copy.directories![0].version = "99";
    const mapping = userMappingOf(copy);
    mapping.attributeMappings!.reverse();
    for (const m of mapping.attributeMappings!) if (m.defaultValue === null) delete m.defaultValue;
    (copy as Record<string, unknown>)["@odata.context"] = "https://graph/$metadata#schema";
    return copy;
  }

  test("server-bumped versions, ordering and absent nulls are not differences", () => {
    expect(normalizeSchema(asReturned())).toEqual(normalizeSchema(compiled));
    expect(diffSchemas(compiled, asReturned())).toEqual([]);
  });

  test("each changed, added or removed mapping is named", () => {
    const live = asReturned();
    const mapping = userMappingOf(live);
    mapping.attributeMappings = mapping.attributeMappings!.filter(
      (m) => m.targetAttributeName !== "mailNickname",
    );
    mapping.attributeMappings.find((m) => m.targetAttributeName === "employeeId")!.source = attr(
      "userName",
    ) as never;
    mapping.attributeMappings.push({
      targetAttributeName: "jobTitle",
      source: attr("title") as never,
    });
    mapping.flowTypes = "Add, Update, Delete" as never;
    mapping.scope = null;
    expect(diffSchemas(compiled, live)).toEqual([
      { mapping: "mappings.employeeId", change: "changed" },
      { mapping: "mappings.mailNickname", change: "removed" },
      { mapping: "mappings.jobTitle", change: "added" },
      { mapping: "scope", change: "removed" },
      { mapping: "flowTypes", change: "changed" },
    ]);
  });

  test("API attributes are compared one by one, other directories and rules as a whole", () => {
    const live = asReturned();
    const source = live.directories!.find((d) => d.name === "SCIM source")!;
    source.objects![0].attributes!.pop();
    const target = live.directories!.find((d) => d.name === "Microsoft Entra ID")!;
    target.objects![0].attributes!.push({ name: "mail", type: "String" });
    live.synchronizationRules![0].priority = 5;
    expect(diffSchemas(compiled, live)).toEqual([
      { mapping: "rules.API2AAD", change: "changed" },
      { mapping: `attributes.${URN}:UsageLocation`, change: "removed" },
      { mapping: "directories.Microsoft Entra ID", change: "changed" },
    ]);
  });
});
