/** The schema's issues as messages a person can act on: what was expected, did-you-mean. */
import { z } from "zod";
import { formatPath, suggest } from "../model/diagnostics";
import { tenantSpec } from "../model/schema";
import { lowerFirst } from "./parse";
import { Collector, Origin, SpecPath, keyOf } from "./positions";

export function reportIssue(
  issue: z.core.$ZodIssue,
  value: unknown,
  where: (p: SpecPath) => Origin,
  out: Collector,
): void {
  const at = issue.path as SpecPath;
  const actual = valueAt(value, at);
  const put = (p: SpecPath, message: string, useKey = false) => {
    const origin = where(p);
    const offset = useKey && origin.keyOffset !== undefined ? origin.keyOffset : origin.valueOffset;
    out.at(origin.file, origin.lineCounter, offset, formatPath(p), message);
  };
  switch (issue.code) {
    case "invalid_type":
      if (actual === undefined) {
        const field = at[at.length - 1];
        put(
          at.slice(0, -1),
          `missing required field \`${String(field)}\` (${describeExpected(issue.expected)})`,
        );
      } else {
        put(at, `expected ${describeExpected(issue.expected)}, got ${describeValue(actual)}`);
      }
      return;
    case "unrecognized_keys":
      for (const key of issue.keys) {
        const allowed = allowedKeys(at);
        const hint = suggest(key, allowed);
        put(
          [...at, key],
          `unknown key \`${key}\`${hint ? `; did you mean \`${hint}\`?` : ""}${allowed.length ? ` (allowed: ${allowed.join(", ")})` : ""}`,
          true,
        );
      }
      return;
    case "invalid_value":
      put(
        at,
        `must be one of ${issue.values.map((v) => String(v)).join(", ")}; got ${describeValue(actual)}`,
      );
      return;
    case "invalid_union": {
      const branches = issue.errors;
      const expected = branches.flatMap((b) =>
        b
          .filter((i) => i.code === "invalid_type" && i.path.length === 0)
          .map((i) => (i as z.core.$ZodIssueInvalidType).expected),
      );
      if (expected.length === branches.length) {
        put(
          at,
          `expected ${[...new Set(expected.map(describeExpected))].join(" or ")}, got ${describeValue(actual)}`,
        );
        return;
      }
      // The branch that got furthest into the value is the one the user meant.
      const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
      for (const inner of best)
        reportIssue(
          { ...inner, path: [...at, ...inner.path] } as z.core.$ZodIssue,
          value,
          where,
          out,
        );
      return;
    }
    case "invalid_key": {
      // The key itself is wrong: point at it and say what a key must look like.
      const key = String(at[at.length - 1]);
      const why = issue.issues.map((i) => lowerFirst(i.message)).join("; ");
      put(at, `the key \`${key}\` ${why}`, true);
      return;
    }
    case "too_small":
      put(
        at,
        issue.origin === "array"
          ? `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`
          : issue.origin === "string"
            ? `must not be shorter than ${issue.minimum} characters`
            : `must be at least ${issue.minimum}; got ${describeValue(actual)}`,
      );
      return;
    case "too_big":
      put(
        at,
        issue.origin === "array"
          ? `may have at most ${issue.maximum} items`
          : issue.origin === "string"
            ? `must not be longer than ${issue.maximum} characters`
            : `must be at most ${issue.maximum}; got ${describeValue(actual)}`,
      );
      return;
    default:
      put(at, lowerFirst(issue.message));
  }
}

/**
 * A misspelt required key is one mistake, not two: when an unknown key's did-you-mean names a
 * missing required field of the same map, only the unknown key is reported.
 */
export function withoutTypoEchoes(issues: z.core.$ZodIssue[], value: unknown): z.core.$ZodIssue[] {
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const allowed = allowedKeys(issue.path as SpecPath);
    for (const key of issue.keys) {
      const hint = suggest(key, allowed);
      if (hint) meant.add(keyOf([...(issue.path as SpecPath), hint]));
    }
  }
  return issues.filter(
    (issue) =>
      !(
        issue.code === "invalid_type" &&
        meant.has(keyOf(issue.path as SpecPath)) &&
        valueAt(value, issue.path as SpecPath) === undefined
      ),
  );
}

function valueAt(value: unknown, at: SpecPath): unknown {
  return at.reduce<unknown>(
    (v, k) =>
      v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined,
    value,
  );
}

const depth = (issues: z.core.$ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

function describeExpected(expected: string): string {
  return expected === "object" || expected === "record"
    ? "a map"
    : expected === "array"
      ? "a list"
      : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value);
  return `${typeof value} ${String(value)}`;
}

/** The keys a strict object in the schema allows at a path, for "did you mean" hints. */
function allowedKeys(at: SpecPath): string[] {
  let schema: z.ZodType | undefined = tenantSpec;
  for (const part of at) {
    schema = schema && step(unwrap(schema), part);
  }
  const shape = schema && (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as { def: Record<string, unknown> };
  for (;;) {
    const def = current.def;
    const inner = (def.innerType ?? (def.type === "pipe" ? def.in : undefined)) as
      typeof current | undefined;
    if (!inner) return current as unknown as z.ZodType;
    current = inner;
  }
}

function step(schema: z.ZodType, part: string | number): z.ZodType | undefined {
  const def = (schema as unknown as { def: Record<string, unknown> }).def;
  switch (def.type) {
    case "object":
      return (def.shape as Record<string, z.ZodType>)[part as string];
    case "record":
      return def.valueType as z.ZodType;
    case "array":
      return def.element as z.ZodType;
    case "union":
      for (const option of def.options as z.ZodType[]) {
        const found = step(unwrap(option), part);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}
