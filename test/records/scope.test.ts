import { evaluateClause, evaluateScope, scopeClauseProblem } from "../../lib/records/scope";
import { simulate } from "../../lib/records/simulate";
import { ScopeClause, tenantSpec } from "../../lib/model/schema";
import { checkUploaderColumns } from "../../lib/records/checks";
import { csvOf, csvStream, EXT_URN, makeApp, makeSpecInput, row } from "../upload/helpers";

const c = (operator: ScopeClause["operator"], value?: ScopeClause["value"]): ScopeClause =>
  ({ attribute: "x", operator, value }) as ScopeClause;

describe("evaluateClause", () => {
  it.each([
    [c("equals", "IT"), "IT", true],
    [c("equals", "IT"), "it", false],
    [c("equals", ["HR", "IT"]), "IT", true],
    [c("notEquals", "IT"), "HR", true],
    [c("notEquals", "IT"), null, false],
    [c("isTrue"), true, true],
    [c("isTrue"), "True", true],
    [c("isTrue"), "yes", false],
    [c("isFalse"), "false", true],
    [c("isNull"), "", true],
    [c("isNull"), "a", false],
    [c("isNotNull"), "a", true],
    [c("regexMatch", "^EMP[0-9]+$"), "EMP12", true],
    [c("regexMatch", "1[0-9]"), "x15y", true],
    [c("notRegexMatch", "^EMP"), "CON1", true],
    [c("notRegexMatch", "^EMP"), "", false],
    [c("greaterThan", 10), "11", true],
    [c("greaterThan", 10), "10", false],
    [c("greaterThan", 10), "abc", false],
    [c("greaterThanOrEquals", 10), 10, true],
    [c("lessThan", 10), "9", true],
    [c("includes", "Eng"), "Engineering", true],
    [c("includes", "eng"), "Engineering", false],
    [c("endsWith", "@contoso.com"), "a@contoso.com", true],
  ])("%j on %p is %p", (clause, value, expected) => {
    expect(evaluateClause(clause, value)).toBe(expected);
  });
});

/**
 * Issue 16: scoping clauses' regexMatch / notRegexMatch run through the same guard as Replace
 * (lib/expressions/regex.ts): `^(a+)+$` against a 35-character value hung simulate before.
 */
describe("scope clause regular expressions cannot hang", () => {
  const evil = c("regexMatch", "^(a+)+$");
  it("refuse a pattern that backtracks catastrophically, at once", () => {
    const start = Date.now();
    expect(() => evaluateClause(evil, "a".repeat(34) + "!")).toThrow(
      'regular expression "^(a+)+$" is refused at character 2: a repeat inside a repeat',
    );
    expect(Date.now() - start).toBeLessThan(5000);
    expect(scopeClauseProblem(evil)).toMatch(
      /^regular expression "\^\(a\+\)\+\$" is refused at character 2/,
    );
    expect(scopeClauseProblem(c("notRegexMatch", ["^EMP", "("]))).toMatch(
      /^invalid regular expression "\(": Invalid regular expression/,
    );
    expect(scopeClauseProblem(c("regexMatch", "^EMP[0-9]+$"))).toBeUndefined();
    expect(scopeClauseProblem(c("equals", "(a+)+"))).toBeUndefined();
  });
  it("refuse a value longer than the bound", () => {
    expect(() => evaluateClause(c("regexMatch", "^E"), "E".repeat(5000))).toThrow(
      "the value is 5000 characters long; regular expressions run on at most 1024",
    );
  });
  it("leave the record out of scope, saying why, instead of crashing simulate", () => {
    const out = evaluateScope({ anyOf: [{ allOf: [evil] }] }, () => "a".repeat(34) + "!");
    expect(out.inScope).toBe(false);
    expect(out.groups[0].clauses[0].error).toMatch(/is refused at character 2/);
    expect(out.reason).toMatch(
      /^out of scope: group 1: x regexMatch "\^\(a\+\)\+\$" cannot be evaluated: regular expression/,
    );
  });
});

describe("evaluateScope", () => {
  const scope = {
    anyOf: [
      {
        name: "IT staff",
        allOf: [c("equals", "IT"), { attribute: "y", operator: "isTrue" } as ScopeClause],
      },
      { allOf: [{ attribute: "y", operator: "isNull" } as ScopeClause] },
    ],
  };
  it("ORs groups and ANDs clauses, naming the deciding group", () => {
    expect(evaluateScope(scope, (a) => ({ x: "IT", y: true })[a]).reason).toBe(
      "in scope by IT staff",
    );
    expect(evaluateScope(scope, (a) => ({ x: "HR", y: null })[a]).reason).toBe(
      "in scope by group 2",
    );
    const out = evaluateScope(scope, (a) => ({ x: "HR", y: false })[a]);
    expect(out.inScope).toBe(false);
    expect(out.reason).toBe(
      'out of scope: IT staff: x equals "IT" is false (value "HR"); group 2: y isNull is false (value false)',
    );
  });
  it("takes every record without a scope", () => {
    expect(evaluateScope(undefined, () => undefined)).toEqual({
      inScope: true,
      reason: "no scoping filter: every record is in scope",
      groups: [],
    });
  });
});

describe("simulate", () => {
  it("shows each record's SCIM user, Entra user and scope", async () => {
    const app = makeApp(
      undefined,
      {},
      {
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
      },
    );
    const csv = csvOf([
      row("1"),
      row("2", { Department: "Sales" }),
      row("3", { HireDate: "soon" }),
    ]);
    const result = await simulate(app, csvStream(csv));
    expect(result.problems).toEqual([]);
    const [first, second, third] = result.records;
    expect(first.user).toEqual({
      employeeId: "1",
      accountEnabled: true,
      givenName: "Ada",
      department: "IT",
      employeeHireDate: "2020-01-02T00:00:00Z",
      usageLocation: "NL",
    });
    expect(first.scim?.[EXT_URN]).toEqual({ HireDate: "2020-01-02T00:00:00Z", OnLeave: false });
    expect(first.scope?.reason).toBe("in scope by group 1");
    expect(second.scope?.reason).toBe(
      'out of scope: group 1: enterprise:department equals "IT" is false (value "Sales")',
    );
    expect(third.user).toBeUndefined();
    expect(third.errors.map((e) => [e.line, e.attribute])).toEqual([[4, "ext:HireDate"]]);
  });
});

describe("checkUploaderColumns", () => {
  it("reports keys that are not SCIM attributes, a missing externalId and duplicate targets", () => {
    const spec = tenantSpec.parse(
      makeSpecInput({
        userName: "[UserID]",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "[UserID]",
        "name.nick": "[FirstName]",
      }),
    );
    const reports: [string, string][] = [];
    checkUploaderColumns({
      spec,
      report: (p, m) => reports.push([p.join("."), m]),
      warn: (p, m) => reports.push([p.join("."), `warning: ${m}`]),
    });
    expect(reports).toEqual([
      [
        "provisioning.employees.uploader.csv.columns",
        'must map externalId, the HR key (e.g. externalId: "[WorkerID]")',
      ],
      [
        "provisioning.employees.uploader.csv.columns.urn:ietf:params:scim:schemas:core:2.0:User:userName",
        'sets the same attribute as "userName"',
      ],
      [
        "provisioning.employees.uploader.csv.columns.name.nick",
        '"name.nick": nick is not a sub-attribute of name (known: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)',
      ],
    ]);
  });
});
