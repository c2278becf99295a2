/**
 * What `inbound init --csv` proposes for an HR file's columns: the SCIM attribute each column
 * feeds (the uploader's `csv.columns`), and the Entra attributes those SCIM attributes then set
 * (the app's `mappings`). A proposal only: the written file says which columns it could not place.
 */

/** One rule: column names it recognises (compared without case, spaces or punctuation). */
interface ColumnRule {
  names: string[];
  /** The SCIM attribute, in the tenant spec's short form. */
  scim: string;
  /** The expression over the column, when it is more than the column itself. */
  expression?: (column: string) => string;
  /** A custom SCIM attribute to declare under `scimExtension.attributes`, with its type. */
  extension?: "string" | "dateTime" | "boolean";
  note?: string;
}

const column = (name: string) => `[${name}]`;

/**
 * In order of precedence: a column takes the first rule it matches, and each SCIM attribute is fed
 * by the first column that matches it. Names follow Microsoft's CSV2SCIM sample (WorkerID,
 * FirstName...) and the usual HR export names (EmployeeID, Surname, Termination Date...).
 */
const RULES: ColumnRule[] = [
  {
    names: ["workerid", "employeeid", "personid", "personnelnumber", "staffid", "empid", "hrid"],
    scim: "externalId",
  },
  {
    names: ["userid", "username", "login", "loginname", "samaccountname", "accountname"],
    scim: "userName",
  },
  {
    names: ["workerstatus", "employeestatus", "employmentstatus", "status"],
    scim: "active",
    expression: (c) => `IIF(${column(c)}="Active", "True", "False")`,
    note: 'check the value your HR system uses for an active worker ("Active" here)',
  },
  { names: ["active", "isactive", "enabled"], scim: "active" },
  {
    names: ["firstname", "givenname", "forename", "preferredfirstname", "preferredname"],
    scim: "name.givenName",
  },
  { names: ["lastname", "familyname", "surname", "preferredlastname"], scim: "name.familyName" },
  { names: ["middlename"], scim: "name.middleName" },
  { names: ["fullname", "displayname", "name", "preferredfullname"], scim: "displayName" },
  {
    names: ["jobtitle", "title", "position", "positiontitle", "jobname", "businesstitle"],
    scim: "title",
  },
  {
    names: ["workertype", "employeetype", "employmenttype", "usertype", "contracttype"],
    scim: "userType",
  },
  { names: ["employeenumber", "personnelno"], scim: "enterprise:employeeNumber" },
  { names: ["department", "dept", "departmentname"], scim: "enterprise:department" },
  { names: ["division", "businessunit"], scim: "enterprise:division" },
  { names: ["costcenter", "costcentre", "costcentercode"], scim: "enterprise:costCenter" },
  {
    names: ["company", "companyname", "organization", "organisation", "legalentity", "employer"],
    scim: "enterprise:organization",
  },
  {
    names: [
      "managerid",
      "manager",
      "managerworkerid",
      "manageremployeeid",
      "supervisorid",
      "reportsto",
    ],
    scim: "enterprise:manager.value",
    note: "the manager's externalId, as sent for the manager's own record",
  },
  {
    names: [
      "hiredate",
      "startdate",
      "dateofhire",
      "joindate",
      "joiningdate",
      "originalhiredate",
      "contractstartdate",
      "employmentstartdate",
    ],
    scim: "ext:HireDate",
    extension: "dateTime",
  },
  {
    names: [
      "leavedate",
      "terminationdate",
      "enddate",
      "leavingdate",
      "lastday",
      "lastworkingday",
      "exitdate",
      "contractenddate",
      "separationdate",
      "employmentenddate",
    ],
    scim: "ext:LeaveDate",
    extension: "dateTime",
    note: "a date without a time reaches Entra as midnight UTC, the start of the last day (docs/lifecycle-workflows.md)",
  },
  {
    names: ["email", "emailaddress", "workemail", "mail", "businessemail"],
    scim: 'emails[type eq "work"].value',
  },
  {
    names: [
      "officephone",
      "workphone",
      "phone",
      "telephone",
      "businessphone",
      "phonenumber",
      "telephonenumber",
    ],
    scim: 'phoneNumbers[type eq "work"].value',
  },
  {
    names: ["mobile", "mobilephone", "cellphone", "mobilenumber"],
    // The API source object has only the work phone number (lib/expressions/apiSource.ts).
    scim: "ext:MobilePhone",
    extension: "string",
  },
  {
    names: ["streetaddress", "street", "address", "addressline1"],
    scim: 'addresses[type eq "work"].streetAddress',
  },
  { names: ["city", "town", "locality"], scim: 'addresses[type eq "work"].locality' },
  {
    names: ["zipcode", "zip", "postalcode", "postcode"],
    scim: 'addresses[type eq "work"].postalCode',
  },
  { names: ["state", "region", "province"], scim: 'addresses[type eq "work"].region' },
  { names: ["country", "countryname"], scim: 'addresses[type eq "work"].country' },
  {
    names: ["usagelocation", "countrycode", "countryiso", "isocountrycode"],
    scim: "ext:UsageLocation",
    extension: "string",
    note: "Entra's usageLocation takes a two-letter ISO 3166 code (GB, not UK)",
  },
  { names: ["preferredlanguage", "language"], scim: "preferredLanguage" },
];

/** Entra attributes set from the SCIM attributes sent, in the order the written file lists them. */
const ENTRA: [target: string, from: string[], expression: string, apply?: "onCreate"][] = [
  ["employeeId", ["externalId"], "[externalId]"],
  ["accountEnabled", ["active"], "[active]"],
  ["givenName", ["name.givenName"], "[name.givenName]"],
  ["surname", ["name.familyName"], "[name.familyName]"],
  ["displayName", ["displayName"], "[displayName]"],
  ["jobTitle", ["title"], "[title]"],
  ["employeeType", ["userType"], "[userType]"],
  ["department", ["enterprise:department"], "[enterprise:department]"],
  ["companyName", ["enterprise:organization"], "[enterprise:organization]"],
  ["employeeHireDate", ["ext:HireDate"], "[ext:HireDate]"],
  ["employeeLeaveDateTime", ["ext:LeaveDate"], "[ext:LeaveDate]"],
  ["mobilePhone", ["ext:MobilePhone"], "[ext:MobilePhone]"],
  [
    "streetAddress",
    ['addresses[type eq "work"].streetAddress'],
    '[addresses[type eq "work"].streetAddress]',
  ],
  ["city", ['addresses[type eq "work"].locality'], '[addresses[type eq "work"].locality]'],
  [
    "postalCode",
    ['addresses[type eq "work"].postalCode'],
    '[addresses[type eq "work"].postalCode]',
  ],
  ["state", ['addresses[type eq "work"].region'], '[addresses[type eq "work"].region]'],
  ["country", ['addresses[type eq "work"].country'], '[addresses[type eq "work"].country]'],
  ["usageLocation", ["ext:UsageLocation"], "[ext:UsageLocation]"],
  ["preferredLanguage", ["preferredLanguage"], "[preferredLanguage]"],
  [
    "userPrincipalName",
    ["name.givenName", "name.familyName"],
    'Join("@", NormalizeDiacritics(StripSpaces(Join(".", [name.givenName], [name.familyName]))), "${tenant.domain}")',
    "onCreate",
  ],
  ["mailNickname", ["userName"], "[userName]", "onCreate"],
];

export interface PlacedColumn {
  column: string;
  scim: string;
  expression: string;
  note?: string;
}

export interface UnplacedColumn {
  column: string;
  /** Why it was left out: nothing recognised it, or another column already feeds its attribute. */
  reason: string;
}

export interface EntraMapping {
  target: string;
  expression: string;
  apply?: "onCreate";
}

export interface Proposal {
  placed: PlacedColumn[];
  unplaced: UnplacedColumn[];
  /** Custom SCIM attributes the placed columns send, with their types. */
  extension: Record<string, string>;
  mappings: EntraMapping[];
  /** Set when no column looks like a worker id and the first column stands in for it. */
  guessedExternalId?: string;
}

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * Column names an expression's `[Column]` reference can carry: a `]` would end the reference
 * and a line break would end the YAML line.
 */
const referable = (name: string) => name.trim() !== "" && !/[\]\r\n]/.test(name);

export function proposeMappings(header: readonly string[]): Proposal {
  const placed: PlacedColumn[] = [];
  const unplaced: UnplacedColumn[] = [];
  const extension: Record<string, string> = {};
  const fedBy = new Map<string, string>();
  const seen = new Set<string>();
  for (const name of header) {
    if (!referable(name)) {
      unplaced.push({ column: name, reason: "its name cannot be read by an expression" });
      continue;
    }
    if (seen.has(name)) {
      unplaced.push({ column: name, reason: "the header names this column twice" });
      continue;
    }
    seen.add(name);
    const rule = RULES.find((r) => r.names.includes(normalise(name)));
    if (!rule) {
      unplaced.push({ column: name, reason: "no SCIM attribute recognised for it" });
      continue;
    }
    const taken = fedBy.get(rule.scim);
    if (taken !== undefined) {
      unplaced.push({ column: name, reason: `${rule.scim} is already sent from ${taken}` });
      continue;
    }
    fedBy.set(rule.scim, name);
    placed.push({
      column: name,
      scim: rule.scim,
      expression: rule.expression ? rule.expression(name) : column(name),
      note: rule.note,
    });
    if (rule.extension) extension[rule.scim.slice("ext:".length)] = rule.extension;
  }
  let guessedExternalId: string | undefined;
  if (!fedBy.has("externalId")) {
    // Every record needs an externalId; the first readable column is the usual place for it.
    const stand = unplaced.find((u) => referable(u.column) && !u.reason.includes("twice"));
    if (stand) {
      guessedExternalId = stand.column;
      unplaced.splice(unplaced.indexOf(stand), 1);
      placed.unshift({
        scim: "externalId",
        column: stand.column,
        expression: column(stand.column),
      });
      fedBy.set("externalId", stand.column);
    }
  }
  const sent = new Set(fedBy.keys());
  const mappings: EntraMapping[] = [];
  for (const [target, from, expression, apply] of ENTRA) {
    if (!from.every((f) => sent.has(f))) continue;
    mappings.push({ target, expression, ...(apply ? { apply } : {}) });
  }
  if (!sent.has("displayName") && sent.has("name.givenName") && sent.has("name.familyName")) {
    mappings.splice(mappings.findIndex((m) => m.target === "surname") + 1, 0, {
      target: "displayName",
      expression: 'Join(" ", [name.givenName], [name.familyName])',
    });
  }
  return { placed, unplaced, extension, mappings, guessedExternalId };
}
