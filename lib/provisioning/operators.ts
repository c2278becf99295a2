/**
 * Scoping-filter operator names. The spec uses its own camelCase names; Entra's API spellings are
 * documented only for EQUALS
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationschema-filteroperators)
 * and undocumented for the others, so the real table is read at deploy time from
 * `GET .../jobs/{jobId}/schema/filterOperators`.
 */
import type { SCOPE_OPERATORS } from "../model/schema";

export type ScopeOperator = (typeof SCOPE_OPERATORS)[number];
export type OperatorNames = Partial<Record<ScopeOperator, string>>;

/**
 * BEST GUESS, for offline plans only: the portal's operator labels written as the one documented
 * API name (`EQUALS`) suggests. The plan's stand-in answer to `GET .../filterOperators` lists
 * them; deploys resolve names on the job's own list.
 */
export const BEST_GUESS_OPERATOR_NAMES: Record<ScopeOperator, string> = {
  equals: "EQUALS",
  notEquals: "NOT EQUALS",
  isTrue: "IS TRUE",
  isFalse: "IS FALSE",
  isNull: "IS NULL",
  isNotNull: "IS NOT NULL",
  regexMatch: "REGEX MATCH",
  notRegexMatch: "NOT REGEX MATCH",
  greaterThan: "Greater_Than",
  greaterThanOrEquals: "Greater_Than_OR_EQUALS",
  includes: "Includes",
  endsWith: "ENDS_WITH",
  lessThan: "Less_Than",
};

// "IS TRUE", "IS_TRUE", "IsTrue" and "isTrue" are the same operator: compare letters only.
const letters = (name: string) => name.toLowerCase().replace(/[^a-z]/g, "");

/** An operator name in the form two spellings of the same operator share. */
export const sameOperator = letters;

/**
 * One entry of `GET .../schema/filterOperators`. The filterOperatorSchema page documents `name`
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-filteroperatorschema),
 * but in the v1.0 metadata the type is an entity with an `id` and no `name`, so either may carry
 * the operator's spelling.
 */
export interface OperatorEntry {
  name?: string | null;
  id?: string | null;
}

/**
 * Maps each spec operator in `needed` to the API name in `available` (the `value` of
 * `GET .../schema/filterOperators`), read from `name` or else `id`. Throws, naming the operator
 * and listing what the job offers, when one cannot be matched.
 */
export function resolveOperatorNames(
  available: readonly OperatorEntry[],
  needed: readonly ScopeOperator[],
): OperatorNames {
  const byLetters = new Map<string, string>();
  for (const op of available) {
    const name = op.name || op.id;
    if (name && !byLetters.has(letters(name))) byLetters.set(letters(name), name);
  }
  const result: OperatorNames = {};
  const missing: string[] = [];
  for (const operator of needed) {
    const name = byLetters.get(letters(operator));
    if (name) result[operator] = name;
    else missing.push(operator);
  }
  if (missing.length > 0) {
    throw new Error(
      `scope operator(s) ${missing.join(", ")} are not offered by this provisioning job ` +
        `(GET .../schema/filterOperators returned: ${[...byLetters.values()].join(", ") || "nothing"}); ` +
        "use another operator in the spec's scope",
    );
  }
  return result;
}
