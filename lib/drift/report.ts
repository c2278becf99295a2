/**
 * Renderings of a drift report: text for a terminal, and Markdown for a scheduled pipeline's
 * issue or chat message. The JSON form is the report itself.
 */
import {
  CLEAR_QUARANTINE,
  NOT_COMPARED,
  quarantinedObjects,
  type DriftObject,
  type DriftReport,
} from "./index";

/** GitHub refuses an issue or comment body over 65,536 characters; stay well under it. */
export const MARKDOWN_LIMIT = 60_000;

/** A value as shown: JSON, with null read as "nothing". */
function shown(value: unknown, max = Infinity): string {
  const text = value === null || value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const objectLabel = (o: DriftObject) => `${o.kind} ${o.name}`;

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** `"Display name" since <when>, <type>: <reason>` for a quarantined workflow. */
function quarantineLine(o: DriftObject): string {
  const q = o.quarantine!;
  const parts = [`${JSON.stringify(q.displayName)} since ${q.quarantinedDateTime ?? "(unknown)"}`];
  if (q.quarantineType) parts.push(`, ${q.quarantineType}`);
  if (q.quarantineReason) parts.push(`: ${q.quarantineReason}`);
  return parts.join("");
}

export function renderText(report: DriftReport, specFile: string): string {
  const drifted = report.objects.filter((o) => o.differences.length > 0);
  const clean = report.objects.filter((o) => o.differences.length === 0);
  const lines: string[] = [];
  lines.push(
    report.drift
      ? `${specFile}: drift in ${drifted.length} of ${count(report.objects.length, "object")}`
      : `${specFile}: no drift (${count(report.objects.length, "object")} compared)`,
  );
  for (const o of drifted) {
    lines.push("", `${objectLabel(o)}: ${count(o.differences.length, "difference")}`);
    for (const d of o.differences) {
      lines.push(`  ${d.path}`, `    spec: ${shown(d.spec)}`, `    live: ${shown(d.live)}`);
    }
  }
  if (clean.length > 0) lines.push("", `no drift: ${clean.map(objectLabel).join(", ")}`);
  const quarantined = quarantinedObjects(report);
  if (quarantined.length > 0) {
    lines.push("", `in quarantine: ${count(quarantined.length, "workflow")}`);
    for (const o of quarantined) lines.push(`  ${objectLabel(o)}: ${quarantineLine(o)}`);
    lines.push(`  ${CLEAR_QUARANTINE}`);
  }
  lines.push("", `not compared: ${NOT_COMPARED.join("; ")}`);
  return lines.join("\n") + "\n";
}

/** Text for a Markdown table cell: no pipe, backtick or newline can break the table. */
function cell(value: string): string {
  const escaped = value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "&#124;")
    .replace(/`/g, "&#96;")
    .replace(/\r?\n/g, " ");
  return `<code>${escaped}</code>`;
}

/**
 * Markdown under MARKDOWN_LIMIT characters. Objects are listed in order until the next one would
 * not fit; what is left out is counted at the end, with how to see it all.
 */
export function renderMarkdown(report: DriftReport, specFile: string): string {
  const drifted = report.objects.filter((o) => o.differences.length > 0);
  const clean = report.objects.filter((o) => o.differences.length === 0);
  const total = drifted.reduce((n, o) => n + o.differences.length, 0);
  const quarantined = quarantinedObjects(report);
  const head = [
    `### inbound drift: \`${specFile.replace(/`/g, "'")}\``,
    "",
    (report.drift
      ? `**Drift found** in ${drifted.length} of ${count(report.objects.length, "object")} (${count(total, "difference")}): the tenant no longer matches the spec. \`pulumi up\` would change it back; or change the spec to what the tenant has.`
      : `**No drift**: ${count(report.objects.length, "object")} compared, all as the spec describes.`) +
      (quarantined.length > 0
        ? ` **${count(quarantined.length, "workflow")} in quarantine**: no deploy clears it (below).`
        : ""),
  ].join("\n");
  const quarantine =
    quarantined.length > 0
      ? [
          `#### In quarantine: ${count(quarantined.length, "workflow")}`,
          "",
          ...quarantined.map(
            (o) => `- workflow \`${o.name}\`: ${cell(quarantineLine(o).slice(0, 600))}`,
          ),
          "",
          CLEAR_QUARANTINE.replace(/^it/, "Each"),
        ].join("\n")
      : undefined;
  const tail = [
    quarantine,
    clean.length > 0
      ? `No drift: ${clean.map((o) => `${o.kind} \`${o.name}\``).join(", ")}.`
      : undefined,
    `_Not compared: ${NOT_COMPARED.join("; ")}._`,
  ]
    .filter((l): l is string => l !== undefined)
    .join("\n\n");
  // Room kept for the tail and the note on what was left out.
  const budget = MARKDOWN_LIMIT - head.length - tail.length - 400;
  const sections: string[] = [];
  let used = 0;
  let leftObjects = 0;
  let leftDifferences = 0;
  for (const o of drifted) {
    const rows: string[] = [];
    let size = 0;
    const top = `#### ${o.kind} \`${o.name}\`\n\n| path | spec | live |\n| --- | --- | --- |`;
    for (const d of o.differences) {
      const row = `| ${cell(d.path)} | ${cell(shown(d.spec, 300))} | ${cell(shown(d.live, 300))} |`;
      if (used + top.length + size + row.length + 2 > budget) break;
      rows.push(row);
      size += row.length + 1;
    }
    if (rows.length === 0) {
      leftObjects += 1;
      leftDifferences += o.differences.length;
      continue;
    }
    leftDifferences += o.differences.length - rows.length;
    const section = [top, ...rows].join("\n");
    sections.push(section);
    used += section.length + 2;
  }
  const omitted =
    leftDifferences > 0
      ? `**Left out to stay under ${MARKDOWN_LIMIT.toLocaleString("en-US")} characters:** ${count(leftDifferences, "difference")}${leftObjects > 0 ? ` (${leftObjects} whole objects)` : ""}. Run \`inbound drift --json\` for the full list.`
      : undefined;
  return (
    [head, ...sections, omitted, tail].filter((s): s is string => s !== undefined).join("\n\n") +
    "\n"
  );
}
