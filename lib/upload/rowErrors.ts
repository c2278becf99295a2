/**
 * The rows a plan withholds for their content, grouped by kind, for `inbound upload` and the
 * deployed Function alike: a file whose 100 rows share one bad date says so once, not 100 times.
 */
import type { UploadPlan } from "./engine";

/** How many line numbers a group names before it says "…". */
export const GROUP_LINES_SHOWN = 5;

/**
 * One line per kind of fault (the same value-free message for the same column), with its count
 * and first five lines. `name` is the HR input as its user names it. The messages carry no HR
 * value: they are the engine's redacted ones.
 */
export function groupedRowErrors(name: string, plan: UploadPlan): string[] {
  const kinds = new Map<string, number[]>();
  const add = (kind: string, line: number) => {
    const lines = kinds.get(kind);
    if (lines) lines.push(line);
    else kinds.set(kind, [line]);
  };
  for (const p of plan.csvProblems) add(`the row ${p.message}`, p.line);
  for (const e of plan.rowErrors) {
    const columns = e.columns.length ? ` (column ${e.columns.join(", ")})` : "";
    add(`${e.attribute}${columns}: ${e.message}`, e.line);
  }
  const out: string[] = [];
  for (const [kind, lines] of kinds) {
    if (lines.length === 1) {
      out.push(`${name}:${lines[0]}: skipped: ${kind}`);
      continue;
    }
    const first =
      lines.slice(0, GROUP_LINES_SHOWN).join(", ") +
      (lines.length > GROUP_LINES_SHOWN ? ", …" : "");
    out.push(`${name}: ${lines.length} rows skipped: ${kind} (lines ${first})`);
  }
  return out;
}
