/**
 * What a change does to people: both specs of a diff run over one HR file, row by row, with the
 * engine `simulate` uses (lib/records compileSimulator), and the outcomes compared. The file is
 * read once, with the head spec's reading settings (it is the file the head will read); each
 * row's outcome under each spec is kept only when the two differ, so memory grows with the
 * people a change touches, not with the file.
 */
import type { Readable } from "stream";
import { workflowFirings } from "../lifecycle/simulate";
import type { ProvisioningApp, TenantSpec } from "../model/schema";
import {
  compileSimulator,
  CsvFileError,
  type CsvProblem,
  type MappingProblem,
  readCsvBatches,
  type SimulatedRecord,
} from "../records";

/** How many people, and up to three of them. */
export interface PeopleCount {
  count: number;
  /** Up to three externalIds (with `--include-pii`, each with the values before and after). */
  examples: string[];
}

export interface AppImpact {
  /** HR records evaluated: converted under both specs and not withheld. */
  records: number;
  /** Records withheld as duplicates of an externalId (upload sends none of them). */
  withheld: number;
  /** Records that do not convert under one of the specs (upload skips them). */
  skipped: number;
  scope: { entered: PeopleCount; left: PeopleCount };
  disabled: PeopleCount;
  enabled: PeopleCount;
  /** Per Entra attribute applied to existing accounts: people whose value changes. */
  changed: Record<string, PeopleCount>;
  /** Per workflow key: people who become due, or stop being due, within the window. */
  workflows: Record<string, { due: PeopleCount; notDue: PeopleCount }>;
}

export interface ImpactOptions {
  /** The window workflows are due within, in milliseconds (30 days by default). */
  upcomingMs?: number;
  now?: Date;
  /** Show HR values beside the examples' externalIds. */
  includePii?: boolean;
}

export type ImpactResult =
  | { impact: AppImpact; csvProblems: CsvProblem[] }
  | { problems: { side: "base" | "head"; problem: MappingProblem }[] }
  | { fileError: string };

/** Attributes whose change renames people: called out in the reports. */
export const IDENTITY_ATTRIBUTES = ["userPrincipalName", "mail"];

const DAY = 86_400_000;

type AccountState = "enabled" | "disabled" | "unknown";

interface Outcome {
  inScope: boolean;
  state: AccountState;
  user?: Record<string, unknown>;
  onCreateOnly: string[];
}

function truthy(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  return typeof value === "string" ? /^true$/i.test(value.trim()) : Boolean(value);
}

/**
 * The account state a spec gives a record: in scope, what `accountEnabled` says (an account
 * without that mapping is created enabled); out of scope, disabled, unless
 * skipOutOfScopeDeletions keeps it as it is (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/skip-out-of-scope-deletions).
 */
function outcome(app: ProvisioningApp, record: SimulatedRecord): Outcome {
  const inScope = record.scope?.inScope === true;
  const user = record.user;
  let state: AccountState;
  if (inScope) {
    state =
      user && "accountEnabled" in user && !truthy(user.accountEnabled) ? "disabled" : "enabled";
  } else {
    state = app.skipOutOfScopeDeletions ? "unknown" : "disabled";
  }
  return { inScope, state, user, onCreateOnly: record.onCreateOnly };
}

/** What one row's two outcomes differ in; kept until duplicates are known at the end. */
interface RowDifference {
  line: number;
  baseId?: string;
  headId?: string;
  entered: boolean;
  left: boolean;
  disabled: boolean;
  enabled: boolean;
  /** Attribute: [before, after]. */
  changed: [string, unknown, unknown][];
  due: string[];
  notDue: string[];
}

function dueWorkflows(
  spec: TenantSpec,
  user: Record<string, unknown> | undefined,
  now: Date,
  until: number,
): Set<string> {
  const due = new Set<string>();
  if (!user) return due;
  for (const f of workflowFirings(spec, user, now)) {
    const at = Date.parse(f.date);
    if (at >= now.getTime() && at <= until) due.add(f.workflow);
  }
  return due;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(
  line: number,
  base: SimulatedRecord,
  head: SimulatedRecord,
  baseApp: ProvisioningApp,
  headApp: ProvisioningApp,
  specs: { base: TenantSpec; head: TenantSpec; sameWorkflows: boolean },
  now: Date,
  until: number,
): RowDifference | undefined {
  const b = outcome(baseApp, base);
  const h = outcome(headApp, head);
  const diff: RowDifference = {
    line,
    baseId: base.externalId,
    headId: head.externalId,
    entered: !b.inScope && h.inScope,
    left: b.inScope && !h.inScope,
    // Kept as it is (skipOutOfScopeDeletions) is no change from what the base left.
    disabled: h.state === "disabled" && b.state !== "disabled",
    enabled: h.state === "enabled" && b.state !== "enabled",
    changed: [],
    due: [],
    notDue: [],
  };
  if (b.inScope && h.inScope && b.user && h.user) {
    for (const attribute of new Set([...Object.keys(b.user), ...Object.keys(h.user)])) {
      // accountEnabled is counted as disabled / enabled; an onCreate mapping leaves existing
      // accounts alone.
      if (attribute === "accountEnabled" || h.onCreateOnly.includes(attribute)) continue;
      if (!(attribute in h.user)) continue;
      if (!sameValue(b.user[attribute], h.user[attribute])) {
        diff.changed.push([attribute, b.user[attribute], h.user[attribute]]);
      }
    }
  }
  const workflowsMayDiffer =
    !specs.sameWorkflows || b.inScope !== h.inScope || diff.changed.length > 0;
  if (workflowsMayDiffer) {
    const before = b.inScope ? dueWorkflows(specs.base, b.user, now, until) : new Set<string>();
    const after = h.inScope ? dueWorkflows(specs.head, h.user, now, until) : new Set<string>();
    for (const key of after) if (!before.has(key)) diff.due.push(key);
    for (const key of before) if (!after.has(key)) diff.notDue.push(key);
  }
  const differs =
    diff.entered ||
    diff.left ||
    diff.disabled ||
    diff.enabled ||
    diff.changed.length > 0 ||
    diff.due.length > 0 ||
    diff.notDue.length > 0;
  return differs ? diff : undefined;
}

const emptyCount = (): PeopleCount => ({ count: 0, examples: [] });

function add(count: PeopleCount, example: string): void {
  count.count++;
  if (count.examples.length < 3) count.examples.push(example);
}

const shown = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/**
 * The impact on one app's people of going from `baseSpec` to `headSpec`, over the HR file `csv`.
 * Both specs must have the app (a removed or added app is a risk of its own, not an impact).
 */
export async function appImpact(
  baseSpec: TenantSpec,
  headSpec: TenantSpec,
  appKey: string,
  csv: string | Readable,
  options: ImpactOptions = {},
): Promise<ImpactResult> {
  const baseApp = baseSpec.provisioning[appKey];
  const headApp = headSpec.provisioning[appKey];
  const now = options.now ?? new Date();
  const until = now.getTime() + (options.upcomingMs ?? 30 * DAY);
  const specs = {
    base: baseSpec,
    head: headSpec,
    sameWorkflows:
      JSON.stringify(baseSpec.lifecycleWorkflows) === JSON.stringify(headSpec.lifecycleWorkflows),
  };
  const csvProblems: CsvProblem[] = [];
  const differences: RowDifference[] = [];
  // Every row's externalId under each spec, to withhold duplicates as upload does; one list
  // when both specs read the same column.
  const headIds: (string | undefined)[] = [];
  let baseIds: (string | undefined)[] | undefined;
  let skipped = 0;
  const reading = headApp.uploader?.csv ?? baseApp.uploader?.csv ?? {};
  const sameKey =
    JSON.stringify(baseApp.uploader?.csv.columns.externalId) ===
    JSON.stringify(headApp.uploader?.csv.columns.externalId);
  let base: ReturnType<typeof compileSimulator>["simulator"];
  let head: ReturnType<typeof compileSimulator>["simulator"];
  try {
    for await (const batch of readCsvBatches(csv, reading, (p) => csvProblems.push(p))) {
      for (const item of batch) {
        if ("header" in item) {
          const b = compileSimulator(baseApp, item.header);
          const h = compileSimulator(headApp, item.header);
          const problems = [
            ...h.problems.map((problem) => ({ side: "head" as const, problem })),
            ...b.problems.map((problem) => ({ side: "base" as const, problem })),
          ];
          if (problems.length > 0) return { problems };
          base = b.simulator;
          head = h.simulator;
          if (!sameKey) baseIds = [];
          continue;
        }
        const before = base!(item.fields, item.line);
        const after = head!(item.fields, item.line);
        headIds.push(after.externalId);
        baseIds?.push(before.externalId);
        if (!before.user || !after.user) {
          skipped++;
          headIds[headIds.length - 1] = undefined;
          if (baseIds) baseIds[baseIds.length - 1] = undefined;
          continue;
        }
        const d = compare(item.line, before, after, baseApp, headApp, specs, now, until);
        if (d) differences.push(d);
      }
    }
  } catch (err) {
    if (err instanceof CsvFileError) return { fileError: err.message };
    throw err;
  }
  const tally = (ids: (string | undefined)[]) => {
    const counts = new Map<string, number>();
    for (const id of ids) if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  };
  const headCounts = tally(headIds);
  const baseCounts = baseIds ? tally(baseIds) : headCounts;
  const duplicate = (baseId?: string, headId?: string) =>
    (headId !== undefined && headCounts.get(headId)! > 1) ||
    (baseId !== undefined && baseCounts.get(baseId)! > 1);
  let withheld = 0;
  let converted = 0;
  headIds.forEach((id, i) => {
    if (id === undefined && (!baseIds || baseIds[i] === undefined)) return;
    converted++;
    if (duplicate(baseIds ? baseIds[i] : id, id)) withheld++;
  });
  const impact: AppImpact = {
    records: converted - withheld,
    withheld,
    skipped,
    scope: { entered: emptyCount(), left: emptyCount() },
    disabled: emptyCount(),
    enabled: emptyCount(),
    changed: {},
    workflows: {},
  };
  for (const d of differences) {
    if (duplicate(d.baseId, d.headId)) continue;
    const id = d.headId ?? d.baseId ?? `line ${d.line}`;
    if (d.entered) add(impact.scope.entered, id);
    if (d.left) add(impact.scope.left, id);
    if (d.disabled) add(impact.disabled, id);
    if (d.enabled) add(impact.enabled, id);
    for (const [attribute, before, after] of d.changed) {
      impact.changed[attribute] ??= emptyCount();
      add(
        impact.changed[attribute],
        options.includePii ? `${id}: ${shown(before)} -> ${shown(after)}` : id,
      );
    }
    for (const key of [...d.due, ...d.notDue]) {
      impact.workflows[key] ??= { due: emptyCount(), notDue: emptyCount() };
    }
    for (const key of d.due) add(impact.workflows[key].due, id);
    for (const key of d.notDue) add(impact.workflows[key].notDue, id);
  }
  impact.changed = Object.fromEntries(
    Object.entries(impact.changed).sort(([a], [b]) => a.localeCompare(b)),
  );
  impact.workflows = Object.fromEntries(
    Object.entries(impact.workflows).sort(([a], [b]) => a.localeCompare(b)),
  );
  return { impact, csvProblems };
}
