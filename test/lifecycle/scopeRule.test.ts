import { evaluateRule, parseScopeRule, RULE_PROPERTIES } from "../../lib/lifecycle/scopeRule";

describe("rules Microsoft documents parse without problems", () => {
  test.each([
    "(department eq 'Marketing')",
    "(department in ('Marketing'))",
    "(accountEnabled eq true)",
    "(employeeOrgData/costCenter eq '100')",
    "(otherMails/any(p:startsWith(p, 'Av')))",
    "(department eq 'Marketing') and (accountEnabled in (true))",
    "(department eq 'Marketing') or (not (city eq 'Redmond'))",
    "(department eq 'Sales') and (employeeType eq 'Employee')",
    "(assignedPlans/any(a:a/servicePlanId eq '00000000-0000-0000-0000-000000000000'))",
    "(onPremisesExtensionAttributes/extensionAttribute15 ne 'x') and not (userType eq 'Guest')",
    "(extension_b7d8e648520f41d3b9c0fdeb91768a0a_jobGroup eq 'A')",
    "startswith(userPrincipalName, 'adm') or (companyName eq 'O''Neil')",
  ])("%s", (rule) => {
    expect(parseScopeRule(rule).problems).toEqual([]);
  });
});

describe("problems carry the column of the offending token", () => {
  test.each([
    ["(department eq 'IT'", [{ column: 20, message: 'expected ")", found the end of the rule' }]],
    ["(department = 'IT')", [{ column: 13, message: 'unexpected "="' }]],
    [
      '(department eq "IT")',
      [{ column: 16, message: "strings use single quotes in rules, like 'Sales'" }],
    ],
    [
      "(department in ['IT', 'HR'])",
      [
        {
          column: 16,
          message:
            "brackets are dynamic-group syntax; write a list in parentheses: department in ('Sales', 'IT')",
        },
      ],
    ],
    [
      "-not (department eq 'IT')",
      [
        {
          column: 1,
          message:
            '"-not" is dynamic-group syntax; Lifecycle Workflows rules use "not", e.g. (department eq \'Sales\')',
        },
      ],
    ],
    ["(department EQ 'IT')", [{ column: 13, message: 'write the operator "EQ" in lowercase: eq' }]],
    [
      "(department eq 'IT') and",
      [
        {
          column: 25,
          message:
            'expected a user property, startsWith(...), not or "(", found the end of the rule',
        },
      ],
    ],
    [
      "(country eq 'NL') xor (city eq 'A')",
      [{ column: 19, message: 'expected and, or, or the end of the rule, found "xor"' }],
    ],
    [
      "(managerId eq 'x') and (departmentName eq 'IT')",
      [
        {
          column: 2,
          message: `unknown user property "managerId" for a Lifecycle Workflows rule; use one of ${RULE_PROPERTIES.map((p) => p.replace(/^(\w+)\/any(.*)$/, (_m, c, rest) => `${c}/any(${c === "assignedPlans" ? "a" : "p"}:${c === "assignedPlans" ? "a" : "p"}${rest})`)).join(", ")}, or a directory extension attribute extension_<appId>_<name>`,
        },
        {
          column: 25,
          message:
            'unknown user property "departmentName" for a Lifecycle Workflows rule; did you mean "department"?',
        },
      ],
    ],
    [
      "(mail/any(p:p eq 'x'))",
      [
        {
          column: 2,
          message:
            '"mail" is not a collection a rule can use with any(); use otherMails, proxyAddresses or assignedPlans',
        },
      ],
    ],
    [
      "(otherMails/any(p:q eq 'x'))",
      [{ column: 19, message: 'inside any(p: ...) refer to the element as "p", found "q"' }],
    ],
  ])("%s", (rule, problems) => {
    expect(parseScopeRule(rule).problems).toEqual(problems);
  });
});

describe("evaluation against a user", () => {
  const user = {
    department: "Sales",
    employeeType: "Employee",
    accountEnabled: true,
    city: "Redmond",
    otherMails: ["Avery@contoso.com"],
    employeeOrgData: { costCenter: "100" },
  };
  test.each([
    ["(department eq 'sales') and (employeeType eq 'Employee')", true],
    ["(department ne 'Sales')", false],
    ["(department in ('IT', 'Sales'))", true],
    ["startsWith(city, 'red')", true],
    ["(department eq 'Marketing') or (not (city eq 'Redmond'))", false],
    ["(otherMails/any(p:startsWith(p, 'Av')))", true],
    ["(employeeOrgData/costCenter eq '100') and (accountEnabled eq true)", true],
    ["(country eq 'NL')", false],
  ])("%s → %s", (rule, expected) => {
    const { ast } = parseScopeRule(rule);
    expect(evaluateRule(ast!, user)).toBe(expected);
  });
});
