/**
 * What `monitoring:` needs besides its shape, and the values derived from the rest of the spec.
 */
import type { CheckContext } from "../model/checks";
import type { TenantSpec } from "../model/schema";

/** Who the action group mails: the spec's list, else each provisioning app's address once. */
export function monitoringEmails(spec: TenantSpec): string[] {
  const listed = spec.monitoring?.notificationEmails;
  if (listed) return [...new Set(listed)];
  return [...new Set(Object.values(spec.provisioning).map((app) => app.notificationEmail))];
}

export function monitoringChecks(ctx: CheckContext): void {
  const { spec } = ctx;
  if (!spec.monitoring) return;
  if (!spec.azure) {
    ctx.report(
      ["monitoring"],
      "monitoring deploys a workspace, alert rules and an action group in Azure: add `azure: { subscriptionId, resourceGroup, location }`",
    );
  }
  if (monitoringEmails(spec).length === 0) {
    ctx.report(
      ["monitoring"],
      "nobody would receive the alerts: add `notificationEmails: [...]` (without provisioning apps there is no notificationEmail to default to)",
    );
  }
}

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTH_NAMES = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
];

/** The values one NCRONTAB field allows, within [min, max]; names of days and months too. */
function fieldValues(field: string, min: number, max: number, names?: string[]): Set<number> {
  const value = (text: string) => {
    const named = names?.indexOf(text.toLowerCase()) ?? -1;
    return named >= 0 ? named + min : Number(text);
  };
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const [range, step] = part.split("/");
    const [from, to] =
      range === "*"
        ? [min, max]
        : range.includes("-")
          ? range.split("-").map(value)
          : [value(range), step ? max : value(range)];
    for (let n = from; n <= to; n += step ? Number(step) : 1) values.add(n);
  }
  return values;
}

/**
 * The longest time between two runs of an NCRONTAB schedule (validated already), in hours, over
 * two years from 2025-01-01 UTC; undefined when both day fields are restricted, since whether
 * Azure Functions then wants both or either is not documented.
 */
export function longestGapHours(schedule: string): number | undefined {
  const [seconds, minutes, hours, days, months, weekdays] = schedule.trim().split(/\s+/);
  if (days !== "*" && weekdays !== "*") return undefined;
  if (fieldValues(seconds, 0, 59).size === 0) return undefined;
  const minuteSet = fieldValues(minutes, 0, 59);
  const hourSet = fieldValues(hours, 0, 23);
  const daySet = fieldValues(days, 1, 31);
  const monthSet = fieldValues(months, 1, 12, MONTH_NAMES);
  const weekdaySet = fieldValues(weekdays, 0, 6, DAY_NAMES);
  let last: number | undefined;
  let longest = 0;
  const start = Date.UTC(2025, 0, 1);
  for (let day = 0; day < 731; day++) {
    const date = new Date(start + day * 86_400_000);
    if (
      !monthSet.has(date.getUTCMonth() + 1) ||
      !daySet.has(date.getUTCDate()) ||
      !weekdaySet.has(date.getUTCDay())
    ) {
      continue;
    }
    for (const hour of [...hourSet].sort((a, b) => a - b)) {
      for (const minute of [...minuteSet].sort((a, b) => a - b)) {
        const at = day * 1440 + hour * 60 + minute;
        if (last !== undefined) longest = Math.max(longest, at - last);
        last = at;
      }
    }
  }
  return last === undefined ? undefined : longest / 60;
}

/** A missed-run alert shorter than the schedule's longest gap would fire between normal runs. */
export function missedRunChecks(ctx: CheckContext): void {
  const hours = ctx.spec.monitoring?.alerts.uploaderMissedRunHours;
  if (!hours) return;
  for (const [appKey, app] of Object.entries(ctx.spec.provisioning)) {
    if (app.uploader?.kind !== "function") continue;
    const gap = longestGapHours(app.uploader.schedule);
    if (gap === undefined || gap < hours) continue;
    ctx.warn(
      ["monitoring", "alerts", "uploaderMissedRunHours"],
      `the ${appKey} uploader's schedule "${app.uploader.schedule}" leaves up to ${gap} h between runs, not less than uploaderMissedRunHours ${hours}: the missed-run alert would fire between normal runs; ${gap < 48 ? `set it to ${Math.min(48, Math.ceil(gap) + 2)}` : "set it to 0 (off), since a rule reads at most 48 h"}`,
    );
  }
}
