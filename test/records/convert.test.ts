import { Readable } from "stream";
import { compileConverter } from "../../lib/records/convert";
import { readCsv } from "../../lib/records/csv";
import { convertValue, resolveScimTarget } from "../../lib/records/scim";
import { canonicalJson } from "./canonical";
import {
  COLUMNS,
  csvStream,
  EXT_URN,
  makeApp,
  SAMPLE_1000,
  SAMPLE_2,
  SAMPLE_5_CRLF,
} from "../upload/helpers";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async function rows(source: Parameters<typeof readCsv>[0], options = {}) {
  const problems: { line: number; message: string }[] = [];
  const out: unknown[] = [];
  for await (const item of readCsv(source, options, (p) => problems.push(p))) out.push(item);
  return { out, problems };
}

describe("readCsv", () => {
  it("reads CRLF lines and trims the trailing space of Microsoft's Logic Apps sample", async () => {
    const { out, problems } = await rows(SAMPLE_5_CRLF);
    expect(problems).toEqual([]);
    expect(out).toHaveLength(6);
    const last = out[5] as { line: number; fields: string[] };
    expect(last.line).toBe(6);
    expect(last.fields[0]).toBe("1895");
    expect(last.fields[23]).toBe("71677");
    expect((out[0] as { header: string[] }).header[23]).toBe("ZipCode");
  });

  it("skips a byte-order mark, keeps quoted delimiters and reports the start line of multi-line rows", async () => {
    const text = '\ufeffid;name\r\n1;"a;b"\r\n\r\n2;"two\nlines"\r\n3;x\r\n';
    const { out } = await rows(csvStream(text), { delimiter: ";" });
    expect(out).toEqual([
      { header: ["id", "name"] },
      { line: 2, fields: ["1", "a;b"] },
      { line: 4, fields: ["2", "two\nlines"] },
      { line: 6, fields: ["3", "x"] },
    ]);
  });

  it("decodes UTF-16LE with a BOM and latin1", async () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from("id,name\n7,Zoë\n", "utf16le"),
    ]);
    const a = await rows(Readable.from([utf16]), { encoding: "utf-16le" });
    expect(a.out).toEqual([{ header: ["id", "name"] }, { line: 2, fields: ["7", "Zoë"] }]);
    const latin = Buffer.from("id,name\n8,Zoë\n", "latin1");
    const b = await rows(Readable.from([latin]), { encoding: "latin1" });
    expect(b.out).toEqual([{ header: ["id", "name"] }, { line: 2, fields: ["8", "Zoë"] }]);
  });

  it("reports a row with the wrong number of fields and goes on", async () => {
    const { out, problems } = await rows(csvStream("a,b\n1,2\n3\n4,5,6\n7,8\n"));
    expect(problems).toEqual([
      { line: 3, message: "has 1 fields, the header has 2; check the delimiter and quoting" },
      { line: 4, message: "has 3 fields, the header has 2; check the delimiter and quoting" },
    ]);
    expect(out).toEqual([
      { header: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
      { line: 5, fields: ["7", "8"] },
    ]);
  });
});

describe("resolveScimTarget", () => {
  const extension = { urn: EXT_URN, attributes: { HireDate: "dateTime" as const } };
  it.each([
    [
      "name.givenName",
      { attribute: "name", sub: "givenName", type: "string", canonical: "name.givenName" },
    ],
    [
      'addresses[type eq "work"].locality',
      {
        attribute: "addresses",
        filter: { attribute: "type", value: "work" },
        sub: "locality",
        type: "string",
      },
    ],
    [
      "enterprise:manager.value",
      {
        urn: ENTERPRISE,
        attribute: "manager",
        sub: "value",
        canonical: `${ENTERPRISE}:manager.value`,
        short: "enterprise:manager.value",
      },
    ],
    [
      `${ENTERPRISE}:department`,
      { urn: ENTERPRISE, attribute: "department", short: "enterprise:department" },
    ],
    [
      "ext:HireDate",
      { urn: EXT_URN, attribute: "HireDate", type: "dateTime", canonical: `${EXT_URN}:HireDate` },
    ],
    [`${EXT_URN}:HireDate`, { urn: EXT_URN, attribute: "HireDate", short: "ext:HireDate" }],
    ["active", { attribute: "active", type: "boolean" }],
  ])("resolves %s", (key, expected) => {
    expect(resolveScimTarget(key, extension)).toMatchObject({ key, ...expected });
  });

  it.each([
    [
      "emails.value",
      '"emails.value": emails is multi-valued; address one element and sub-attribute, like emails[type eq "work"].value',
    ],
    [
      "name",
      '"name": name is complex; name a sub-attribute (formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)',
    ],
    ["ext:Grade", '"ext:Grade": Grade is not in scimExtension.attributes (known: HireDate)'],
    [
      "urn:foo:bar",
      '"urn:foo:bar" names an unknown schema; use a core attribute, enterprise:<attr>, or ext:<attr> of scimExtension.urn',
    ],
    [
      'addresses[type eq "work"].city',
      '"addresses[type eq "work"].city": city is not a sub-attribute of addresses (known: formatted, streetAddress, locality, region, postalCode, country, type, primary)',
    ],
    [
      "userNmae",
      '"userNmae": userNmae is not an attribute of the SCIM core User schema (known: externalId, userName, name, displayName, nickName, profileUrl, title, userType, preferredLanguage, locale, timezone, active, emails, phoneNumbers, ims, photos, addresses, entitlements, roles)',
    ],
  ])("rejects %s", (key, error) => {
    expect(resolveScimTarget(key, extension)).toEqual({ error });
  });

  it("rejects ext: without a scimExtension", () => {
    expect(resolveScimTarget("ext:HireDate")).toEqual({
      error:
        '"ext:HireDate" uses ext: but the app has no scimExtension; add scimExtension.urn and .attributes',
    });
  });
});

describe("convertValue", () => {
  it.each([
    ["True", "boolean", { value: true }],
    ["false", "boolean", { value: false }],
    ["1", "boolean", { value: true }],
    [true, "boolean", { value: true }],
    ["Yes", "boolean", { error: "expected a boolean (True or False)" }],
    ["42", "integer", { value: 42 }],
    ["-7", "integer", { value: -7 }],
    ["4.2", "integer", { error: "expected a whole number" }],
    ["2013-01-01", "dateTime", { value: "2013-01-01T00:00:00Z" }],
    ["2021-05-01T00:00:00-05:00", "dateTime", { value: "2021-05-01T00:00:00-05:00" }],
    ["2013-02-30", "dateTime", { error: "expected a real calendar date (yyyy-MM-dd)" }],
    [
      "01/02/2013",
      "dateTime",
      {
        error:
          'expected a date yyyy-MM-dd or an ISO 8601 date-time; convert other formats with FormatDateTime([column], , "<in>", "yyyy-MM-dd")',
      },
    ],
    [12, "string", { value: "12" }],
    ["", "string", undefined],
    [null, "boolean", undefined],
    [["a"], "string", { error: "expected a single string value, got a list or object" }],
  ])("%p as %s", (value, type, expected) => {
    expect(convertValue(value, type as never)).toEqual(expected);
  });
});

describe("compileConverter", () => {
  const header = [
    "WorkerID",
    "WorkerStatus",
    "WorkerType",
    "UserID",
    "FirstName",
    "LastName",
    "FullName",
    "GenderPronoun",
    "ManagerID",
    "HireDate",
    "OnLeave",
    "Department",
    "Division",
    "CostCenter",
    "Company",
    "Location",
    "JobTitle",
    "StreetAddress",
    "City",
    "CountryCode",
    "OfficePhone",
    "Custom01",
    "Custom02",
    "ZipCode",
  ];

  it("turns the first row of Microsoft's 2-record sample into the SCIM user", async () => {
    const { out } = await rows(SAMPLE_2);
    const converter = compileConverter(
      makeApp(),
      (out[0] as { header: string[] }).header,
    ).converter!;
    const first = out[1] as { line: number; fields: string[] };
    const result = converter.convert(first.fields, first.line);
    expect(result.errors).toEqual([]);
    expect(result.externalId).toBe("1222");
    expect(result.active).toBe(false);
    expect(canonicalJson(result.user)).toBe(
      canonicalJson({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, EXT_URN],
        externalId: "1222",
        userName: "EMP1222",
        active: false,
        name: { givenName: "Talya", familyName: "Fleeta" },
        displayName: "Talya Fleeta",
        title: "Sales Executive",
        userType: "Contractor",
        addresses: [{ type: "work", locality: "Chicago", postalCode: "85434" }],
        phoneNumbers: [{ type: "work", value: "259-915-1098" }],
        [ENTERPRISE]: { employeeNumber: "1222", department: "Sales", manager: { value: "1684" } },
        [EXT_URN]: { HireDate: "2013-01-01T00:00:00Z", OnLeave: true },
      }),
    );
  });

  it("omits empty cells and empty containers", () => {
    const converter = compileConverter(makeApp(), header).converter!;
    const fields = header.map((h) =>
      h === "WorkerID" ? "9" : h === "WorkerStatus" ? "Active" : "",
    );
    const result = converter.convert(fields, 5);
    expect(result.user).toEqual({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, EXT_URN],
      externalId: "9",
      active: true,
      [ENTERPRISE]: { employeeNumber: "9" },
    });
  });

  it("reports a type error with line, attribute and CSV column, without the value", () => {
    const converter = compileConverter(makeApp(), header).converter!;
    const fields = header.map((h) =>
      h === "WorkerID" ? "9" : h === "HireDate" ? "31/12/2020" : h === "OnLeave" ? "maybe" : "x",
    );
    const result = converter.convert(fields, 12);
    expect(result.user).toBeUndefined();
    expect(result.externalId).toBe("9");
    expect(result.errors.map((e) => [e.line, e.attribute, e.columns, e.message])).toEqual([
      [
        12,
        "ext:HireDate",
        ["HireDate"],
        'expected a date yyyy-MM-dd or an ISO 8601 date-time; convert other formats with FormatDateTime([column], , "<in>", "yyyy-MM-dd") (value hidden; --verbose shows it)',
      ],
      [
        12,
        "ext:OnLeave",
        ["OnLeave"],
        "expected a boolean (True or False) (value hidden; --verbose shows it)",
      ],
    ]);
    expect(result.errors[0].detail).toContain('got "31/12/2020"');
  });

  it("reports an empty externalId", () => {
    const converter = compileConverter(makeApp(), header).converter!;
    const result = converter.convert(
      header.map(() => ""),
      3,
    );
    expect(result.externalId).toBeUndefined();
    expect(result.errors.map((e) => e.message)).toEqual(["externalId is empty"]);
  });

  it("refuses columns that are not SCIM attributes, unknown CSV columns and a missing externalId", () => {
    const app = makeApp({
      userName: "[UserId]",
      "name.nick": "[FirstName]",
      title: 'Join(" ", [JobTitle]',
    });
    const { converter, problems } = compileConverter(app, header);
    expect(converter).toBeUndefined();
    expect(problems.map((p) => p.attribute)).toEqual([
      "externalId",
      "userName",
      "name.nick",
      "title",
    ]);
    expect(problems.slice(0, 3)).toEqual([
      {
        attribute: "externalId",
        message: 'columns must map externalId (the HR key, e.g. externalId: "[WorkerID]")',
      },
      {
        attribute: "userName",
        message: `expression [UserId] reads [UserId], not a column of the CSV (columns: ${header.join(", ")})`,
      },
      {
        attribute: "name.nick",
        message:
          '"name.nick": nick is not a sub-attribute of name (known: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)',
      },
    ]);
    expect(problems[3].message).toMatch(/^expression Join\(" ", \[JobTitle\] does not parse: /);
  });

  it("hashes the same whatever the order of the columns in the spec", () => {
    const reversed = Object.fromEntries(Object.entries(COLUMNS).reverse());
    const fields = header
      .map((h, i) => (h === "WorkerID" ? "9" : `v${i}`))
      .map((v, i) =>
        header[i] === "HireDate" ? "2020-01-01" : header[i] === "OnLeave" ? "True" : v,
      );
    const a = compileConverter(makeApp(), header).converter!.convert(fields, 2);
    const b = compileConverter(makeApp(reversed), header).converter!.convert(fields, 2);
    expect(canonicalJson(a.user)).toBe(canonicalJson(b.user));
  });

  it("writes, from the values, exactly the canonical JSON of the user it builds", async () => {
    // Lists with several elements, both orders of the columns, empty cells.
    const columns = {
      ...COLUMNS,
      'addresses[type eq "home"].locality': "[Location]",
      'addresses[type eq "home"].streetAddress': "[StreetAddress]",
      'emails[type eq "work"].value': 'Append([UserID], "@contoso.com")',
      "enterprise:costCenter": "[CostCenter]",
    };
    const { out } = await rows(SAMPLE_1000);
    const sampleHeader = (out[0] as { header: string[] }).header;
    const orders = [columns, Object.fromEntries(Object.entries(columns).reverse())];
    const [forward, backward] = orders.map((c) => {
      const { converter, problems } = compileConverter(makeApp(c), sampleHeader);
      expect(problems).toEqual([]);
      return converter!;
    });
    const records = out.slice(1) as { line: number; fields: string[] }[];
    records.push({ line: 9999, fields: sampleHeader.map((h) => (h === "WorkerID" ? "7" : "")) });
    let compared = 0;
    for (const { line, fields } of records) {
      const built = forward.convert(fields, line);
      const written = forward.convertJson(fields, line);
      expect(written.errors).toEqual(built.errors);
      if (!built.user) continue;
      const canonical = canonicalJson(built.user);
      expect(written.json).toBe(canonical);
      expect(JSON.stringify(built.user)).toBe(canonical);
      expect(backward.convertJson(fields, line).json).toBe(canonical);
      compared++;
    }
    expect(compared).toBe(1001);
  });
});
