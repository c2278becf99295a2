/**
 * The report as one self-contained HTML file, to attach to a ticket or open from a share: no
 * script, style or font from anywhere else, and a Content-Security-Policy that forbids loading
 * any (the inline style and script are allowed by their hashes). The chart is inline SVG drawn
 * here, so it shows even where scripts are off; the few lines of script only filter the table of
 * failures. Every value is HTML-escaped: they come from the HR file and the service.
 */
import { createHash } from "crypto";
import type { EntraOutcome, Report, ReportRecord } from "./build";
import { ENTRA_OUTCOMES } from "./build";
import { ERROR_CODES_URL } from "./hints";
import { describeQuarantine, isFailure, SKIP_REASONS } from "./text";
import { CLEAR_QUARANTINE } from "../lifecycle/graphApi";

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
const esc = escapeHtml;

export const OUTCOME_COLOURS: Record<EntraOutcome, string> = {
  created: "#2e7d32",
  updated: "#1565c0",
  disabled: "#6d4c41",
  deleted: "#4e342e",
  staged: "#8e24aa",
  skipped: "#9e9e9e",
  failed: "#c62828",
  other: "#00838f",
  pending: "#f9a825",
};

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#5f5f5f}code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f3f3f3;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:90px}
.card b{display:block;font-size:20px}#needs-you li{margin:2px 0}details summary{cursor:pointer}#runs{padding-left:18px}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{text-align:left;border-bottom:1px solid #e5e5e5;padding:4px 8px;vertical-align:top}
th{background:#fafafa}input{font:inherit;padding:4px 8px;width:320px}
.legend span{margin-right:14px;white-space:nowrap}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
${ENTRA_OUTCOMES.map((o) => `.o-${o}{background:${OUTCOME_COLOURS[o]}}`).join("")}
`;

/** Filters the failures by what is typed (or by `#q=` in the address, to link to a filter). */
const SCRIPT = `
(function () {
  var input = document.getElementById("filter");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#failures tbody tr"));
  var shown = document.getElementById("shown");
  function apply() {
    var q = input.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var hit = !q || row.textContent.toLowerCase().indexOf(q) !== -1;
      row.hidden = !hit;
      if (hit) n++;
    });
    shown.textContent = n + " of " + rows.length + " shown";
  }
  var m = /^#q=(.*)$/.exec(location.hash);
  // A malformed escape (#q=%) throws, which stopped the whole script: it is taken as typed.
  if (m) {
    try {
      input.value = decodeURIComponent(m[1]);
    } catch (e) {
      input.value = m[1];
    }
  }
  input.addEventListener("input", apply);
  apply();
})();
`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** Stacked bars of Entra's outcomes per hour or day. */
export function timelineSvg(report: Report): string {
  const { slots, unit } = report.timeline;
  const width = 760;
  const height = 220;
  const left = 40;
  const bottom = 24;
  const plotWidth = width - left - 10;
  const plotHeight = height - bottom - 10;
  const totals = slots.map((s) => Object.values(s.counts).reduce((a, b) => a + (b ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = plotWidth / Math.max(1, slots.length);
  const barWidth = Math.min(48, Math.max(1, step * 0.8));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="timeline" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>Entra's outcomes per ${unit}</title>`,
    `<line x1="${left}" y1="${10 + plotHeight}" x2="${width - 10}" y2="${10 + plotHeight}" stroke="#999"/>`,
    `<text x="${left - 6}" y="16" text-anchor="end" font-size="11">${max}</text>`,
    `<text x="${left - 6}" y="${10 + plotHeight}" text-anchor="end" font-size="11">0</text>`,
  );
  slots.forEach((slot, i) => {
    let y = 10 + plotHeight;
    const x = left + i * step + (step - barWidth) / 2;
    const label = unit === "day" ? slot.start.slice(0, 10) : `${slot.start.slice(0, 13)}:00Z`;
    for (const outcome of ENTRA_OUTCOMES) {
      const n = slot.counts[outcome] ?? 0;
      if (n === 0) continue;
      const h = (n / max) * plotHeight;
      y -= h;
      parts.push(
        `<rect class="bar" data-outcome="${outcome}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${OUTCOME_COLOURS[outcome]}"><title>${esc(label)}: ${outcome} ${n}</title></rect>`,
      );
    }
  });
  const ticks = slots.length <= 1 ? [0] : [0, Math.floor((slots.length - 1) / 2), slots.length - 1];
  for (const i of [...new Set(ticks)]) {
    const slot = slots[i];
    if (!slot) continue;
    const label = unit === "day" ? slot.start.slice(0, 10) : `${slot.start.slice(5, 13)}h`;
    const x = left + i * step + step / 2;
    parts.push(
      `<text x="${x.toFixed(1)}" y="${height - 6}" text-anchor="middle" font-size="11">${esc(label)}</text>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}

const table = (head: string[], rows: string[][], id?: string) =>
  `<table${id ? ` id="${id}"` : ""}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;

const cards = (values: Record<string, number | undefined>) =>
  `<div class="cards">${Object.entries(values)
    .filter(([, n]) => n)
    .map(([k, n]) => `<div class="card"><b>${esc(n)}</b>${esc(k)}</div>`)
    .join("")}</div>`;

const durationOf = (from: string, to: string) =>
  `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;

/**
 * Rows each list shows: a file for a million-record run stays a few megabytes and opens in a
 * browser; `--json` has every record.
 */
export const HTML_LIST_LIMIT = 2000;

const more = (n: number) =>
  n > HTML_LIST_LIMIT
    ? `<p class="muted">The first ${HTML_LIST_LIMIT} of ${n}; <code>--json</code> lists them all.</p>`
    : "";

/** The withheld lines, one row per person and reason: a duplicated id is one row, with its lines. */
export function withheldPeople(
  report: Report,
): { run: string; lines: number[]; externalId?: string; reason: string }[] {
  const rows = new Map<
    string,
    { run: string; lines: number[]; externalId?: string; reason: string }
  >();
  for (const w of report.withheld) {
    // A line without an id (malformed) is its own row.
    const key = w.externalId === undefined ? `${w.run}\0${w.line}` : `${w.externalId}\0${w.reason}`;
    const seen = rows.get(key);
    if (seen) {
      if (!seen.lines.includes(w.line)) seen.lines.push(w.line);
    } else {
      rows.set(key, { run: w.run, lines: [w.line], externalId: w.externalId, reason: w.reason });
    }
  }
  return [...rows.values()];
}

/** The six answers to "did it work", in the order people read them. */
export const HEADLINE = [
  "created",
  "updated",
  "disabled",
  "failed",
  "pending",
  "withheld",
] as const;

/** What to do about a record that needs someone, after Microsoft's advice where there is some. */
export function adviceFor(r: ReportRecord, hints: Map<string, string | null>): string {
  if (r.entra === "failed") {
    return (
      (r.errorCode && hints.get(r.errorCode)) ||
      "no advice from Microsoft for this code: read the record's provisioning log entry"
    );
  }
  switch (r.upload) {
    case "duplicate":
      return "the HR file has this id on more than one row, and none was sent: keep one row per person";
    case "invalid":
      return "a value of this row does not convert (see the withheld lines): fix it in the HR file";
    case "failed":
      return "bulkUpload refused the request that carried it: see the run's failed requests, then upload again";
    case "notSent":
      return "the run stopped before sending it: upload again (nothing accepted is sent twice)";
    default:
      return "";
  }
}

export function renderHtml(report: Report, app: string): string {
  const failures = report.records.filter(isFailure);
  const pending = report.records.filter((r) => r.entra === "pending");
  const hints = new Map(report.errors.map((e) => [e.code, e.hint]));
  const withheld = withheldPeople(report);
  const headline: Record<(typeof HEADLINE)[number], number> = {
    created: report.byOutcome.created ?? 0,
    updated: report.byOutcome.updated ?? 0,
    disabled: report.byOutcome.disabled ?? 0,
    failed: report.records.filter((r) => r.entra === "failed" || r.upload === "failed").length,
    pending: report.byOutcome.pending ?? 0,
    withheld: withheld.length,
  };
  const quarantined = report.workflows?.quarantined ?? [];
  const verdict =
    (failures.length === 0
      ? "It worked: nobody needs you."
      : `${failures.length} ${failures.length === 1 ? "person needs" : "people need"} you.`) +
    (quarantined.length > 0
      ? ` ${quarantined.length} lifecycle ${quarantined.length === 1 ? "workflow is" : "workflows are"} in quarantine.`
      : "");
  const failureRow = (r: ReportRecord) => [
    `<code>${esc(r.externalId)}</code>`,
    esc(r.line ?? ""),
    esc(r.upload ?? ""),
    esc(r.entra ?? ""),
    esc(r.action ? `${r.action}/${r.status}` : ""),
    esc(r.errorCode ?? ""),
    esc((r.errorCode && hints.get(r.errorCode)) ?? ""),
    ...(report.includesPii ? [esc(r.displayName ?? ""), esc(r.reason ?? "")] : []),
  ];
  const legend = ENTRA_OUTCOMES.filter((o) => o !== "pending")
    .map((o) => `<span><i class="swatch o-${o}"></i>${o}</span>`)
    .join("");
  const skips: Record<string, number> = {};
  for (const r of report.records) {
    if (r.skipReason) {
      const why = SKIP_REASONS[r.skipReason] ?? r.skipReason;
      skips[why] = (skips[why] ?? 0) + 1;
    }
  }
  const body = [
    `<h1>inbound report: ${esc(app)}</h1>`,
    `<p class="muted">Provisioning logs from ${esc(report.window.since)} to ${esc(report.window.until)}${report.includesPii ? "; includes personal data (--include-pii)" : ""}.</p>`,
    `<p id="verdict"><b>${esc(verdict)}</b></p>`,
    `<div class="cards" id="headline">${HEADLINE.map(
      (k) => `<div class="card" data-outcome="${k}"><b>${esc(headline[k])}</b>${esc(k)}</div>`,
    ).join("")}</div>`,
    ...(report.workflows
      ? [
          `<h2>Lifecycle workflows in quarantine: ${esc(report.workflows.notRead !== undefined ? "not read" : quarantined.length)}</h2>`,
          report.workflows.notRead !== undefined
            ? `<p id="quarantined" class="muted">${esc(report.workflows.notRead)}</p>`
            : quarantined.length === 0
              ? `<p id="quarantined">None.</p>`
              : `<ul id="quarantined">${quarantined.map((q) => `<li>${esc(describeQuarantine(q))}</li>`).join("")}</ul><p>${esc(CLEAR_QUARANTINE.replace(/^it/, "Each"))}</p>`,
        ]
      : []),
    `<h2>Needs you: ${esc(failures.length)}</h2>`,
    failures.length === 0
      ? `<p id="needs-you">Nobody.</p>`
      : `<ul id="needs-you">${failures
          .slice(0, HTML_LIST_LIMIT)
          .map(
            (r) =>
              `<li><code>${esc(r.externalId)}</code>${r.line ? ` <span class="muted">line ${esc(r.line)}</span>` : ""}${report.includesPii && r.displayName ? ` ${esc(r.displayName)}` : ""}: ${esc(r.entra === "failed" ? `Entra: ${r.errorCode ?? "failed"}` : `uploader: ${r.upload}`)}. ${esc(adviceFor(r, hints))}</li>`,
          )
          .join("")}</ul>${more(failures.length)}` +
        `<p class="muted">Advice after Microsoft's <a href="${esc(ERROR_CODES_URL)}">provisioning error codes</a>.</p>`,
    `<h2>Runs</h2>`,
    report.runs.length === 0
      ? `<p>No upload run in this window: the provisioning logs alone.</p>`
      : `<ul id="runs">${report.runs
          .map(
            (run) =>
              `<li><details><summary>${esc(run.startedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC"))} <b>${esc(run.csv)}</b> ${esc(run.status)}: ${esc(run.summary.rows)} rows, ${esc(run.summary.accepted)} sent, ${esc(run.summary.unchanged)} unchanged, ${esc(run.summary.skipped)} withheld, ${esc(run.summary.failedRecords)} failed` +
              (run.overrides.length > 0 ? ` <b class="warn">safeguard overridden</b>` : "") +
              `</summary>` +
              `<p>run <code>${esc(run.runId)}</code>, ${esc(durationOf(run.startedAt, run.finishedAt))}</p><p><code>${esc(run.command)}</code></p>` +
              (run.error ? `<p class="muted">${esc(run.error)}</p>` : "") +
              run.overrides
                .map((o) => `<p class="muted">safeguard overridden: ${esc(o)}</p>`)
                .join("") +
              `</details></li>`,
          )
          .join("")}</ul>`,
    `<h2>Totals: ${esc(report.total)} records</h2>`,
    `<p>What Entra did</p>`,
    cards(report.byOutcome),
    Object.keys(skips).length > 0 ? `<p>Skipped because</p>${cards(skips)}` : "",
    `<p>What the uploader did</p>`,
    cards(report.byUpload),
    `<p>By status (Graph's <code>provisioningStatusInfo.status</code>) and action (<code>provisioningAction</code>)</p>`,
    cards({ ...report.byStatus }),
    cards({ ...report.byAction }),
    `<h2>Outcomes per ${esc(report.timeline.unit)}</h2>`,
    `<p class="legend">${legend}</p>`,
    timelineSvg(report),
    `<h2>Errors by code</h2>`,
    report.errors.length === 0
      ? `<p>None.</p>`
      : table(
          ["code", "records", "example externalId", "what to do"],
          report.errors.map((e) => [
            `<code>${esc(e.code)}</code>`,
            esc(e.count),
            `<code>${esc(e.example)}</code>`,
            esc(e.hint ?? "no advice from Microsoft for this code"),
          ]),
          "errors",
        ),
    `<h2>Failures</h2>`,
    `<p><input id="filter" type="search" placeholder="filter: id, code, outcome" aria-label="filter the failures"> <span id="shown" class="muted"></span></p>`,
    table(
      [
        "externalId",
        "line",
        "uploader",
        "entra",
        "action/status",
        "code",
        "what to do",
        ...(report.includesPii ? ["name", "reason"] : []),
      ],
      failures.slice(0, HTML_LIST_LIMIT).map(failureRow),
      "failures",
    ) + more(failures.length),
    `<h2>Not processed by Entra yet: ${esc(pending.length)}</h2>`,
    pending.length === 0
      ? `<p>None.</p>`
      : `<p class="muted">Logs appear 5-10 minutes after an upload; if they stay away, is the job running?</p><p id="pending">${pending
          .slice(0, HTML_LIST_LIMIT)
          .map((r) => `<code>${esc(r.externalId)}</code>`)
          .join(" ")}</p>${more(pending.length)}`,
    withheld.length === 0
      ? ""
      : `<h2>Withheld by the uploader: ${esc(withheld.length)}</h2>` +
        table(
          ["run", "lines", "externalId", "why"],
          withheld
            .slice(0, HTML_LIST_LIMIT)
            .map((w) => [
              `<code>${esc(w.run)}</code>`,
              esc(w.lines.join(", ")),
              `<code>${esc(w.externalId ?? "")}</code>`,
              esc(w.reason),
            ]),
          "withheld",
        ) +
        more(withheld.length),
  ].join("\n");
  const csp = [
    "default-src 'none'",
    `style-src ${hash(STYLE)}`,
    `script-src ${hash(SCRIPT)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inbound report: ${esc(app)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
