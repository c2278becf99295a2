import {
  canonicalAttributeName,
  checkExpression,
  checkMappingExpressions,
  compileToGraph,
  csvColumnCatalog,
  parseExpression,
  scimAttributeCatalog,
} from "../../lib/expressions";
import type { TenantSpec } from "../../lib/model/schema";

const EXT = "urn:ietf:params:scim:schemas:extension:contoso:1.0:User";
const catalog = scimAttributeCatalog({
  urn: EXT,
  attributes: { HireDate: "dateTime", JobCode: "string" },
});

const messages = (text: string, options = {}): string[] =>
  checkExpression(text, options).map((d) => d.message);

describe("checkExpression", () => {
  it("accepts valid expressions", () => {
    expect(
      messages('Join(" ", [name.givenName], [name.familyName])', { attributes: catalog }),
    ).toEqual([]);
    expect(
      messages(
        'IIF([enterprise:department]="Sales", [ext:HireDate], [addresses[type eq "work"].locality])',
        {
          attributes: catalog,
          extensionUrn: EXT,
        },
      ),
    ).toEqual([]);
    expect(messages('switch([a], , "x", "y")')).toEqual([]);
  });

  it("suggests the closest function", () => {
    const d = checkExpression("Jion([a], [b])");
    expect(d).toEqual([
      {
        message: "unknown function Jion; did you mean Join?",
        offset: 0,
        length: 4,
        line: 1,
        column: 1,
      },
    ]);
    expect(messages("Frobnicate([a])")).toEqual(["unknown function Frobnicate"]);
  });

  it("checks argument counts", () => {
    expect(messages("Mid([a], 1)")).toEqual([
      "Mid takes 3 arguments, got 2: Mid(source, start, length)",
    ]);
    expect(messages('Join(",")')).toEqual([
      "Join takes at least 2 arguments, got 1: Join(separator, source, ...)",
    ]);
    expect(messages('Switch([a], "d", "k")')).toEqual([
      "Switch takes at least 4 arguments, got 3: Switch(source, [defaultValue], key, value, ...)",
    ]);
    expect(messages('Switch([a], "d", "k", "v", "k2")')).toEqual([
      "Switch needs key/value pairs after source and defaultValue, but the last key has no value: Switch(source, [defaultValue], key, value, ...)",
    ]);
    expect(messages('FormatDateTime([a], , , "yyyy")')).toEqual([
      "argument 3 (inputFormat) of FormatDateTime is required: FormatDateTime(source, [dateTimeStyles], inputFormat, outputFormat)",
    ]);
    expect(messages("Guid(1)")).toEqual(["Guid takes 0 arguments, got 1: Guid()"]);
  });

  it("checks attributes against the catalog with suggestions", () => {
    expect(checkExpression("Len([name.givenNme])", { attributes: catalog })).toEqual([
      {
        message: "unknown attribute [name.givenNme]; did you mean [name.givenName]?",
        offset: 4,
        length: 15,
        line: 1,
        column: 5,
      },
    ]);
    expect(messages("[ext:HireDat]", { attributes: catalog, extensionUrn: EXT })).toEqual([
      "unknown attribute [ext:HireDat]; did you mean [ext:HireDate]?",
    ]);
    expect(messages("[ext:Other]", { attributes: scimAttributeCatalog() })[0]).toMatch(
      /^\[ext:Other\] refers to the custom SCIM extension, but no extension URN is known/,
    );
    const columns = { attributes: csvColumnCatalog(["WorkerID", "ext:Name"]) };
    expect(messages("[WorkerId]", columns)).toEqual([
      "unknown attribute [WorkerId]; did you mean [WorkerID]?",
    ]);
    // In the uploader, names are CSV columns: matched exactly, short forms not expanded.
    const uploader = { ...columns, context: "uploader" as const };
    expect(messages('Join(" ", [WorkerId], [ext:Name], [ext:Other])', uploader)).toEqual([
      "[WorkerId] is not a column of the CSV; did you mean [WorkerID]? (columns: WorkerID, ext:Name)",
      "[ext:Other] is not a column of the CSV (columns: WorkerID, ext:Name)",
    ]);
  });

  it("rejects misplaced comparisons and bare names", () => {
    expect(messages('Join(",", [a] = "x")')).toEqual([
      "a comparison (=) is only allowed as the condition of IIF or the argument of CBool",
    ]);
    expect(messages("Len(Sales)")).toEqual([
      'unknown name Sales: string constants need double quotes ("Sales")',
    ]);
    expect(messages('InStr("a", "b", 1, vbFoo)')).toEqual([
      "compareType of InStr must be vbBinaryCompare or vbTextCompare, not vbFoo",
    ]);
  });

  it("reports the documented unsupported forms in provisioning mappings", () => {
    expect(messages('IIF(IgnoreFlowIfNullOrEmpty([country]),[country],"Other")')).toEqual([
      "IgnoreFlowIfNullOrEmpty can't be the condition of IIF: wrap the whole IIF instead, e.g. IgnoreFlowIfNullOrEmpty(IIF(...))",
    ]);
    const nullTest =
      "IIF can't test for a null or empty attribute (Entra's condition check fails on an empty value): " +
      'use Switch([country], [country], "", "value if empty") instead';
    expect(messages('IIF([country]="","Other",[country])')).toEqual([nullTest]);
    expect(messages('IIF(IsNullOrEmpty([country]),"Other",[country])')).toEqual([nullTest]);
    expect(messages('IIF(IsPresent([country]),[country],"Other")')).toEqual([nullTest]);
    expect(messages('Switch(IsPresent([a]), "d", "True", [a])')).toEqual([
      'don\'t use IsPresent as the source of Switch: switch on the attribute and add a "" key for the empty case, e.g. Switch([attribute], "default", "", "value if empty")',
    ]);
    expect(messages('Join(",", SelectUniqueValue([a], [b]))')).toEqual([
      "SelectUniqueValue must be the whole expression: it can't be nested in another function",
    ]);
    // Our own evaluator (the uploader) handles these correctly.
    expect(
      messages('IIF(IsPresent([country]),[country],"Other")', { context: "uploader" }),
    ).toEqual([]);
  });

  it("rejects provisioning-only functions in uploader columns", () => {
    expect(messages('Join("@", [a], DefaultDomain())', { context: "uploader" })).toEqual([
      "DefaultDomain needs the target directory or tenant, so it works only in provisioning mappings, not in uploader columns",
    ]);
  });

  it("checks literal arguments", () => {
    expect(messages('DateAdd("q", 1, Now())')).toEqual([
      'unknown interval "q" for DateAdd: use one of yyyy, m, d, ww, h, n, s',
    ]);
    expect(messages("RandomString(2, 3, 0, 0, 0)")).toEqual([
      "RandomString length 2 is less than minimumNumbers + minimumSpecialCharacters + minimumCapital (3)",
    ]);
    expect(messages('Replace([a], "x", "y", , "z", , )')).toEqual([
      "Replace takes either oldValue (argument 2) or regexPattern (argument 3), not both",
    ]);
    expect(messages('Replace([a], , , , "z", , )')).toEqual([
      "Replace needs oldValue (argument 2) or regexPattern (argument 3)",
    ]);
    expect(messages('Replace([a], , "(", , "z", , )')[0]).toMatch(/^invalid regexPattern: /);
  });

  it("enforces the 10,000-character limit", () => {
    const text = `Join(",", ${Array.from({ length: 2000 }, () => "[ab]").join(", ")})`;
    const d = checkExpression(text);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      message: `the expression is ${text.length} characters long; Entra allows at most 10000`,
      offset: 10000,
      column: 10001,
    });
  });

  it("returns parse diagnostics for text that does not parse", () => {
    expect(messages("Len(")).toEqual([
      'expected a function, [attribute], "string" or number, found the end of the expression',
    ]);
  });
});

describe("attribute names", () => {
  it("expands short forms", () => {
    expect(canonicalAttributeName("enterprise:department")).toBe(
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    );
    expect(canonicalAttributeName("ext:HireDate", EXT)).toBe(`${EXT}:HireDate`);
    expect(canonicalAttributeName("urn:ietf:params:scim:schemas:core:2.0:User:userName")).toBe(
      "userName",
    );
    expect(canonicalAttributeName("name.givenName")).toBe("name.givenName");
    expect(() => canonicalAttributeName("ext:HireDate")).toThrow(
      "[ext:HireDate] refers to the custom SCIM extension, but no extension URN is known: set scimExtension.urn on the provisioning app (or pass --extension-urn)",
    );
  });

  it("catalogs short and canonical forms", () => {
    for (const name of [
      "userName",
      "urn:ietf:params:scim:schemas:core:2.0:User:userName",
      'emails[type eq "work"].value',
      "enterprise:manager",
      "title",
      "userType",
      "displayName",
      "enterprise:division",
      "enterprise:costCenter",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
      "ext:JobCode",
      `${EXT}:JobCode`,
    ]) {
      expect(catalog.has(name)).toBe(true);
    }
    expect(catalog.has("ext:Nope")).toBe(false);
    // Only what Microsoft documents for the API source object (lib/expressions/apiSource.ts).
    expect(catalog.has('phoneNumbers[type eq "mobile"].value')).toBe(false);
    expect(catalog.has("profileUrl")).toBe(false);
    expect([...csvColumnCatalog(["A", "B"])]).toEqual(["A", "B"]);
  });
});

describe("compileToGraph", () => {
  it("matches Graph's parseExpression sample", () => {
    const ast = parseExpression('Replace([preferredLanguage], "-", , , "_", ,  )').ast!;
    expect(compileToGraph(ast)).toEqual({
      expression: 'Replace([preferredLanguage], "-", , , "_", , )',
      name: "Replace",
      parameters: [
        {
          key: "source",
          value: {
            expression: "[preferredLanguage]",
            name: "preferredLanguage",
            parameters: [],
            type: "Attribute",
          },
        },
        { key: "Find", value: { expression: '"-"', name: "-", parameters: [], type: "Constant" } },
        {
          key: "Replacement",
          value: { expression: '"_"', name: "_", parameters: [], type: "Constant" },
        },
      ],
      type: "Function",
    });
  });

  it("turns numbers into quoted constants and expands short forms", () => {
    const ast = parseExpression("mid([ext:JobCode], 1, 8)").ast!;
    expect(compileToGraph(ast, { extensionUrn: EXT })).toEqual({
      type: "Function",
      name: "Mid",
      expression: `Mid([${EXT}:JobCode], 1, 8)`,
      parameters: [
        {
          key: "source",
          value: {
            type: "Attribute",
            name: `${EXT}:JobCode`,
            expression: `[${EXT}:JobCode]`,
            parameters: [],
          },
        },
        { key: "start", value: { type: "Constant", name: "1", expression: '"1"', parameters: [] } },
        {
          key: "length",
          value: { type: "Constant", name: "8", expression: '"8"', parameters: [] },
        },
      ],
    });
    expect(compileToGraph(parseExpression("[enterprise:department]").ast!)).toEqual({
      type: "Attribute",
      name: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
      expression: "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]",
      parameters: [],
    });
  });

  it("keys repeated parameters and escapes constants", () => {
    const g = compileToGraph(parseExpression('Switch([a], , "k\\"", "v")').ast!);
    expect(g.parameters?.map((p) => [p.key, p.value?.expression])).toEqual([
      ["source", "[a]"],
      ["key", '"k\\""'],
      ["value", '"v"'],
    ]);
    expect(g.parameters?.[1].value?.name).toBe('k"');
  });

  it("fails for ext: without a URN", () => {
    expect(() => compileToGraph(parseExpression("[ext:X]").ast!)).toThrow(
      /no extension URN is known/,
    );
  });
});

describe("checkMappingExpressions", () => {
  const spec = {
    provisioning: {
      hr: {
        target: "entra",
        scimExtension: { urn: EXT, attributes: { HireDate: "dateTime" } },
        mappings: {
          displayName: 'Join(" ", [name.givenName], [name.familyNam])',
          employeeHireDate: { expression: "[ext:HireDate]", apply: "always" },
          userPrincipalName: {
            expression: 'SelectUniqueValue([userName], Join("", [userName], "1"))',
            apply: "always",
          },
          department: { default: "none", apply: "always" },
        },
        uploader: {
          csv: {
            columns: {
              externalId: "[WorkerID]",
              userName: 'Join("@", [Id], DefaultDomain())',
              bad: "Len(",
            },
          },
        },
      },
    },
  } as unknown as TenantSpec;

  it("reports each problem at its spec path", () => {
    const reports: [string, string, number?][] = [];
    checkMappingExpressions({
      spec,
      warn: (p: (string | number)[], m: string) => {
        throw new Error(`unexpected warning at ${p.join(".")}: ${m}`);
      },
      report: (p, m, offset) =>
        reports.push(offset === undefined ? [p.join("."), m] : [p.join("."), m, offset]),
    });
    expect(reports).toEqual([
      [
        "provisioning.hr.mappings.displayName",
        "unknown attribute [name.familyNam]; did you mean [name.familyName]?",
        28,
      ],
      [
        "provisioning.hr.mappings.userPrincipalName",
        "SelectUniqueValue is supported only when provisioning to on-premises Active Directory (target: activeDirectory)",
      ],
      [
        "provisioning.hr.mappings.userPrincipalName",
        "SelectUniqueValue mappings must apply only on creation: set apply: onCreate",
      ],
      [
        "provisioning.hr.uploader.csv.columns.userName",
        "DefaultDomain needs the target directory or tenant, so it works only in provisioning mappings, not in uploader columns",
        16,
      ],
    ]);
  });
});
