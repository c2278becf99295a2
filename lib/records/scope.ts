/**
 * Evaluates a provisioning app's scoping filter against one incoming record, the way Entra does
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts):
 * clauses in a group are ANDed, groups are ORed, every comparison is case-sensitive, and a clause
 * on a null or empty value is false (except isNull / isNotNull / notRegexMatch's documented "false
 * when empty"). Regular expressions are JavaScript's, matched anywhere in the value like .NET's
 * Regex.IsMatch, and refused where they could backtrack catastrophically (see
 * lib/expressions/regex.ts).
 */
import { ExpressionError } from "../expressions/ast";
import { regexInputProblem, safeRegExp } from "../expressions/regex";
import type { ProvisioningApp, ScopeClause } from "../model/schema";

export interface ClauseResult {
  clause: ScopeClause;
  holds: boolean;
  /** The value the clause looked at. */
  value: unknown;
  /** Why the clause could not be evaluated (it then does not hold). */
  error?: string;
}

export interface ScopeResult {
  inScope: boolean;
  /** One line saying why, naming the group and clause that decided. */
  reason: string;
  groups: { name: string; holds: boolean; clauses: ClauseResult[] }[];
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === "";

function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^true$/i.test(v)) return true;
  if (typeof v === "string" && /^false$/i.test(v)) return false;
  return undefined;
}

function asInteger(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^[+-]?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

function values(clause: ScopeClause): (string | number | boolean)[] {
  const v = clause.value;
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/**
 * A clause's pattern, through the expression language's guard against catastrophic
 * backtracking (lib/expressions/regex.ts), so an HR value cannot hang `simulate`. Throws
 * ExpressionError naming the pattern and the problem.
 */
function scopeRegex(pattern: string, text: string): RegExp {
  const re = safeRegExp(pattern);
  if (!(re instanceof RegExp)) {
    throw new ExpressionError(
      re.kind === "syntax"
        ? `invalid regular expression ${JSON.stringify(pattern)}: ${re.message}`
        : `regular expression ${JSON.stringify(pattern)} is refused at character ${re.offset + 1}: ${re.message}`,
    );
  }
  const tooLong = regexInputProblem(text);
  if (tooLong) throw new ExpressionError(tooLong);
  return re;
}

/**
 * Why a scoping clause can never be evaluated (an invalid or unsafe regular expression), for
 * `validate` to report before anything runs; undefined when it can.
 */
export function scopeClauseProblem(clause: ScopeClause): string | undefined {
  if (clause.operator !== "regexMatch" && clause.operator !== "notRegexMatch") return undefined;
  for (const e of values(clause)) {
    const re = safeRegExp(String(e));
    if (re instanceof RegExp) continue;
    return re.kind === "syntax"
      ? `invalid regular expression ${JSON.stringify(String(e))}: ${re.message}`
      : `regular expression ${JSON.stringify(String(e))} is refused at character ${re.offset + 1}: ${re.message}`;
  }
  return undefined;
}

/** Whether one clause holds for `value`; throws ExpressionError for a clause that cannot run. */
export function evaluateClause(clause: ScopeClause, value: unknown): boolean {
  switch (clause.operator) {
    case "isNull":
      return isEmpty(value);
    case "isNotNull":
      return !isEmpty(value);
    case "isTrue":
      return asBoolean(value) === true;
    case "isFalse":
      return asBoolean(value) === false;
  }
  if (isEmpty(value)) return false;
  const text = String(value);
  const expected = values(clause);
  switch (clause.operator) {
    case "equals":
      return expected.some((e) => String(e) === text);
    case "notEquals":
      return expected.every((e) => String(e) !== text);
    case "includes":
      return expected.some((e) => text.includes(String(e)));
    case "endsWith":
      return expected.some((e) => text.endsWith(String(e)));
    case "regexMatch":
      return expected.some((e) => scopeRegex(String(e), text).test(text));
    case "notRegexMatch":
      return expected.every((e) => !scopeRegex(String(e), text).test(text));
    case "greaterThan":
    case "greaterThanOrEquals":
    case "lessThan": {
      const number = asInteger(value);
      const bound = asInteger(expected[0]);
      if (number === undefined || bound === undefined) return false;
      if (clause.operator === "greaterThan") return number > bound;
      if (clause.operator === "greaterThanOrEquals") return number >= bound;
      return number < bound;
    }
  }
  return false;
}

/**
 * Scopes a record. `lookup` returns an attribute's value by the name written in the clause
 * (short forms `enterprise:` / `ext:` or canonical names).
 */
export function evaluateScope(
  scope: ProvisioningApp["scope"],
  lookup: (attribute: string) => unknown,
): ScopeResult {
  if (!scope)
    return { inScope: true, reason: "no scoping filter: every record is in scope", groups: [] };
  const groups = scope.anyOf.map((group, i) => {
    const clauses = group.allOf.map((clause) => {
      const value = lookup(clause.attribute);
      try {
        return { clause, value, holds: evaluateClause(clause, value) };
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        return { clause, value, holds: false, error: err.message };
      }
    });
    return { name: group.name ?? `group ${i + 1}`, holds: clauses.every((c) => c.holds), clauses };
  });
  const match = groups.find((g) => g.holds);
  if (match) return { inScope: true, reason: `in scope by ${match.name}`, groups };
  const why = groups
    .map((g) => {
      const first = g.clauses.find((c) => !c.holds)!;
      if (first.error)
        return `${g.name}: ${describeClause(first.clause)} cannot be evaluated: ${first.error}`;
      return `${g.name}: ${describeClause(first.clause)} is false (value ${JSON.stringify(first.value ?? null)})`;
    })
    .join("; ");
  return { inScope: false, reason: `out of scope: ${why}`, groups };
}

export function describeClause(clause: ScopeClause): string {
  const value = clause.value === undefined ? "" : ` ${JSON.stringify(clause.value)}`;
  return `${clause.attribute} ${clause.operator}${value}`;
}

/** Records out of scope for one reason: a scoping group's first clause that does not hold. */
export interface ScopeFailure {
  group: string;
  /** The clause, as `describeClause` writes it. */
  clause: string;
  /** Whether the clause could not be evaluated, rather than being false. */
  error: boolean;
  records: number;
  /** The first few records' externalIds (or `line N` without one). */
  examples: string[];
}

/**
 * Why records are out of scope, per scoping group: for each group and the first clause of it that
 * does not hold, how many records and a few of them. Its size grows with the groups, not with
 * groups times records as each record's own reason does (1,000 groups over 3,000 rows).
 */
export function scopeFailures(
  records: Iterable<{ line: number; externalId?: string; scope?: ScopeResult }>,
  examples = 3,
): ScopeFailure[] {
  const found = new Map<string, ScopeFailure>();
  for (const record of records) {
    if (!record.scope || record.scope.inScope) continue;
    for (const group of record.scope.groups) {
      const first = group.clauses.find((c) => !c.holds);
      if (!first) continue;
      const clause = describeClause(first.clause);
      const error = first.error !== undefined;
      const key = JSON.stringify([group.name, clause, error]);
      let failure = found.get(key);
      if (!failure) {
        failure = { group: group.name, clause, error, records: 0, examples: [] };
        found.set(key, failure);
      }
      failure.records += 1;
      if (failure.examples.length < examples) {
        failure.examples.push(record.externalId ?? `line ${record.line}`);
      }
    }
  }
  return [...found.values()];
}
