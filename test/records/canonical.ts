/**
 * Canonical JSON: object keys sorted by code unit at every level, no whitespace. Two users that
 * differ only in the order their columns are listed in the spec hash the same, so reordering the
 * spec does not resend the whole population. The converter writes this form directly
 * (convert.ts, compileShape); this is its definition, which the tests hold it to.
 */

export function canonicalJson(value: unknown): string {
  // Rebuilding with sorted keys and letting the native JSON.stringify write it is faster than
  // concatenating by hand, and yields flat strings rather than ropes that hold memory.
  return JSON.stringify(sorted(value)) ?? "null";
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(sorted);
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) out[key] = sorted(record[key]);
  }
  return out;
}
