/** `inbound diff`'s text report: risks first, then what Graph does with workflows, then changes. */
import type { SpecDiff } from "./diff";
import { describeUpdate } from "./workflows";

export const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

export function diffText(diff: SpecDiff, label: string): string {
  const lines = [`${label} (tenant ${diff.tenant}): ${summaryLine(diff)}`];
  for (const r of diff.risks) lines.push(`  risk ${r.code}: ${r.message} (${r.path})`);
  for (const w of diff.workflows) lines.push(`  ${describeUpdate(w)}`);
  for (const c of diff.changes) lines.push(`  ${c.path}: ${show(c.before)} -> ${show(c.after)}`);
  return lines.join("\n") + "\n";
}

export function summaryLine(diff: SpecDiff): string {
  if (diff.changes.length === 0) return "no change";
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
  return `${n(diff.changes.length, "change")}, ${n(diff.risks.length, "risk")}`;
}
