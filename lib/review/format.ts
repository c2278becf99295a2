/**
 * `inbound diff`'s reports. Text: risks first, then what Graph does with workflows, then changes.
 * Markdown: the same, for one pull-request comment.
 */
import type { SpecDiff } from "./diff";
import { describeUpdate } from "./workflows";
import { fitMarkdown, MarkdownPart } from "./budget";
import type { TenantReview } from "./fleet";

export const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

export function diffText(review: TenantReview): string {
  const { diff } = review;
  if (!diff) return `${review.file} (tenant ${review.tenant}): ${review.status}\n`;
  const lines = [`${review.file} (tenant ${diff.tenant}): ${summaryLine(diff)}`];
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

/** A tenant's part of the report: see lib/review/fleet.ts. */
export type { TenantReview } from "./fleet";

/** The review of the one tenant `inbound diff <base> <head>` compares. */
export function singleReview(file: string, diff: SpecDiff): TenantReview {
  return {
    file,
    tenant: diff.tenant,
    status: diff.changes.length === 0 ? "unchanged" : "changed",
    diff,
  };
}

/**
 * Text from a spec or a tenant, made inert in a GitHub comment: table cells are HTML (a pipe ends
 * the cell and `<` opens a tag, whatever the backticks say), and Markdown still works inside
 * `<code>` there, so an image (`![t](http://…/track.png)`), a link, an autolinked URL, emphasis or
 * an `@org/team` mention in a value rendered, fetched or notified. Every character that Markdown
 * or HTML reads is written as a character reference, which renders as itself.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, " ")
    .replace(/[&<>|[\]()!@*_`~\\:]/g, (c) => `&#${c.charCodeAt(0)};`);
}
const escape = escapeMarkdown;

/** A value in a cell: shortened, since the whole value is in `--json`. */
const CELL_MAX = 200;
function cell(value: unknown): string {
  const text = show(value);
  const short = text.length > CELL_MAX ? `${text.slice(0, CELL_MAX - 1)}…` : text;
  return `<code>${escape(short)}</code>`;
}

function workflowsCell(diff: SpecDiff): string {
  if (diff.workflows.length === 0) return "";
  return diff.workflows
    .map((w) => `${escape(w.key)}: ${w.via === "createNewVersion" ? "**new version**" : w.via}`)
    .join(", ");
}

function countCell(t: TenantReview, what: "changes" | "risks"): string {
  return t.diff ? String(t.diff[what].length) : t.status;
}

/**
 * The review of one or more tenants as one pull-request comment: a summary table per tenant, the
 * risks, then per changed tenant its workflow updates and changed fields in a collapsed section.
 */
export function diffMarkdown(tenants: TenantReview[], budget?: number): string {
  const changed = tenants.filter((t) => t.status !== "unchanged");
  const risks = tenants.flatMap((t) => t.diff?.risks ?? []);
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const parts: MarkdownPart[] = [
    {
      name: "the summary",
      lines: [
        "### inbound diff",
        "",
        `${changed.length} of ${plural(tenants.length, "tenant")} changed, ${plural(risks.length, "risk")}.`,
        "",
        "| tenant | file | changes | risks | workflows |",
        "| --- | --- | ---: | ---: | --- |",
        ...tenants.map(
          (t) =>
            `| ${escape(t.tenant)} | <code>${escape(t.file)}</code> | ${countCell(t, "changes")} | ${countCell(t, "risks")} | ${t.diff ? workflowsCell(t.diff) : ""} |`,
        ),
        "",
      ],
    },
    {
      name: "the risks",
      lines:
        risks.length === 0
          ? ["No risky change.", ""]
          : [
              "#### Risks",
              "",
              "| tenant | risk | where | what |",
              "| --- | --- | --- | --- |",
              ...risks.map(
                (r) =>
                  `| ${escape(r.tenant)} | \`${r.code}\` | <code>${escape(r.path)}</code> | ${escape(r.message)} |`,
              ),
              "",
            ],
    },
    ...changed.flatMap(({ file, diff }) =>
      diff
        ? [
            {
              name: `the details of ${diff.tenant}`,
              open: [
                `<details><summary>${escape(diff.tenant)} (<code>${escape(file)}</code>): ${summaryLine(diff)}</summary>`,
                "",
              ],
              lines: [
                ...diff.workflows.map((w) => `- ${escape(describeUpdate(w))}`),
                ...(diff.workflows.length > 0 ? [""] : []),
                "| path | before | after |",
                "| --- | --- | --- |",
                ...diff.changes.map(
                  (c) =>
                    `| <code>${escape(c.path)}</code> | ${cell(c.before)} | ${cell(c.after)} |`,
                ),
              ],
              close: ["", "</details>", ""],
            },
          ]
        : [],
    ),
  ];
  return fitMarkdown(parts, budget);
}
