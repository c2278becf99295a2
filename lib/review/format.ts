/**
 * `inbound diff`'s reports. Text: risks first, then what Graph does with workflows, then changes.
 * Markdown: the same, for one pull-request comment.
 */
import type { Change, SpecDiff } from "./diff";
import { describeUpdate } from "./workflows";
import { fitMarkdown, MarkdownPart } from "./budget";
import type { TenantReview } from "./fleet";
import { type AppImpact, IDENTITY_ATTRIBUTES, type PeopleCount } from "./impact";

export const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/** One changed field, or one item of a list added, removed or moved, as a line of text. */
export function describeChange(c: Change): string {
  switch (c.change) {
    case "added":
    case "removed":
      return `${c.path}: ${c.change}: ${c.item}`;
    case "moved":
      return `${c.path}: moved: ${c.item} (position ${show(c.before)} -> ${show(c.after)})`;
    default:
      return `${c.path}: ${show(c.before)} -> ${show(c.after)}`;
  }
}

interface ImpactRow {
  what: string;
  people: PeopleCount;
}

/** An impact's lines: scope and account state always, the rest where someone is touched. */
export function impactRows(impact: AppImpact): ImpactRow[] {
  const rows: ImpactRow[] = [
    { what: "scope.entered", people: impact.scope.entered },
    { what: "scope.left", people: impact.scope.left },
    { what: "disabled", people: impact.disabled },
    { what: "enabled", people: impact.enabled },
  ];
  for (const [attribute, people] of Object.entries(impact.changed)) {
    const renames = IDENTITY_ATTRIBUTES.includes(attribute)
      ? " (renames: sign-in name or address)"
      : "";
    rows.push({ what: `changed.${attribute}${renames}`, people });
  }
  for (const [key, w] of Object.entries(impact.workflows)) {
    if (w.due.count > 0) rows.push({ what: `workflows.${key}: becomes due`, people: w.due });
    if (w.notDue.count > 0)
      rows.push({ what: `workflows.${key}: no longer due`, people: w.notDue });
  }
  return rows;
}

const n = (k: number) => k.toLocaleString("en-US");

function impactHeadline(app: string, impact: AppImpact): string {
  return `impact on the people of ${app}: ${n(impact.records)} HR record${impact.records === 1 ? "" : "s"} evaluated (${n(impact.withheld)} withheld as duplicate externalIds, ${n(impact.skipped)} not converted)`;
}

function impactText(impacts: Record<string, AppImpact>): string[] {
  const lines: string[] = [];
  for (const [app, impact] of Object.entries(impacts)) {
    lines.push(`  ${impactHeadline(app, impact)}`);
    const rows = impactRows(impact);
    const width = Math.max(...rows.map((r) => r.what.length));
    for (const r of rows) {
      const examples = r.people.examples.length > 0 ? `  e.g. ${r.people.examples.join(", ")}` : "";
      lines.push(`    ${r.what.padEnd(width)}  ${n(r.people.count).padStart(9)}${examples}`);
    }
  }
  return lines;
}

export function diffText(review: TenantReview): string {
  const { diff } = review;
  if (!diff) return `${review.file} (tenant ${review.tenant}): ${review.status}\n`;
  const lines = [`${review.file} (tenant ${diff.tenant}): ${summaryLine(diff)}`];
  for (const r of diff.risks) lines.push(`  risk ${r.code}: ${r.message} (${r.path})`);
  if (review.impact) lines.push(...impactText(review.impact));
  for (const w of diff.workflows) lines.push(`  ${describeUpdate(w)}`);
  for (const c of diff.changes) lines.push(`  ${describeChange(c)}`);
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

function changeRow(c: Change): string {
  const where = `<code>${escape(c.path)}</code>`;
  if (c.change === "moved") {
    return `| ${where} | moved: <code>${escape(c.item ?? "")}</code> from position ${c.before} | to position ${c.after} |`;
  }
  if (c.change)
    return `| ${where} | ${c.change}: <code>${escape(c.item ?? "")}</code> | ${cell(c.after ?? c.before)} |`;
  return `| ${where} | ${cell(c.before)} | ${cell(c.after)} |`;
}

function impactParts(tenants: TenantReview[]): MarkdownPart[] {
  const withImpact = tenants.filter((t) => t.impact && Object.keys(t.impact).length > 0);
  if (withImpact.length === 0) return [];
  const lines = ["#### Impact on people", ""];
  for (const t of withImpact) {
    for (const [app, impact] of Object.entries(t.impact!)) {
      lines.push(`**${escape(t.tenant)}**, ${escape(impactHeadline(app, impact))}`, "");
      lines.push("| what | people | examples |", "| --- | ---: | --- |");
      for (const r of impactRows(impact)) {
        // With --include-pii an example carries HR values: shortened like any cell.
        const examples = r.people.examples
          .map(
            (e) =>
              `<code>${escape(e.length > CELL_MAX ? `${e.slice(0, CELL_MAX - 1)}…` : e)}</code>`,
          )
          .join(", ");
        lines.push(`| ${escape(r.what)} | ${n(r.people.count)} | ${examples} |`);
      }
      lines.push("");
    }
  }
  return [{ name: "the impact on people", lines }];
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
    ...impactParts(tenants),
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
                ...diff.changes.map(changeRow),
              ],
              close: ["", "</details>", ""],
            },
          ]
        : [],
    ),
  ];
  return fitMarkdown(parts, budget);
}
