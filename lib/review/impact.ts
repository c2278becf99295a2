/**
 * What a change does to people: both specs of a diff run over one HR file, row by row, with the
 * engine `simulate` uses (lib/records compileSimulator), and the outcomes compared. The file is
 * read once, with the head spec's reading settings (it is the file the head will read); each
 * row's outcome under each spec is kept only when the two differ, so memory grows with the
 * people a change touches, not with the file.
 */
import type { Readable } from "stream";
import { workflowFirings } from "../lifecycle/simulate";
import { type ProvisioningApp, type TenantSpec, uploaderColumns } from "../model/schema";
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

/**
 * Per row, which differences it has, as bits: the four account bits, then one per attribute, then
 * per workflow one "becomes due" and one "no longer due". Rows are stored in chunks allocated
 * only where a row differs, so an unchanged file costs nothing, and a changed one a few bytes a
 * row, whatever the number of people touched.
 */
class RowBits {
  private readonly chunks: Uint32Array[] = [];
  private static readonly ROWS = 65_536;
  constructor(private readonly words: number) {}
  set(row: number, bit: number): void {
    const c = Math.floor(row / RowBits.ROWS);
    this.chunks[c] ??= new Uint32Array(RowBits.ROWS * this.words);
    const at = (row % RowBits.ROWS) * this.words + (bit >>> 5);
    this.chunks[c][at] |= 1 << (bit & 31);
  }
  get(row: number, bit: number): boolean {
    const chunk = this.chunks[Math.floor(row / RowBits.ROWS)];
    if (!chunk) return false;
    return (chunk[(row % RowBits.ROWS) * this.words + (bit >>> 5)] & (1 << (bit & 31))) !== 0;
  }
  any(row: number): boolean {
    const chunk = this.chunks[Math.floor(row / RowBits.ROWS)];
    if (!chunk) return false;
    const from = (row % RowBits.ROWS) * this.words;
    for (let i = from; i < from + this.words; i++) if (chunk[i] !== 0) return true;
    return false;
  }
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

const ENTERED = 0;
const LEFT = 1;
const DISABLED = 2;
const ENABLED = 3;

interface Layout {
  attributes: string[];
  workflows: string[];
  attributeBit: Map<string, number>;
  dueBit: Map<string, number>;
  notDueBit: Map<string, number>;
}

function layout(headApp: ProvisioningApp, base: TenantSpec, head: TenantSpec): Layout {
  const attributes = Object.keys(headApp.mappings).filter((a) => a !== "accountEnabled");
  const workflows = [
    ...new Set([...Object.keys(base.lifecycleWorkflows), ...Object.keys(head.lifecycleWorkflows)]),
  ];
  const attributeBit = new Map(attributes.map((a, i) => [a, 4 + i]));
  const dueBit = new Map(workflows.map((w, i) => [w, 4 + attributes.length + 2 * i]));
  const notDueBit = new Map(workflows.map((w, i) => [w, 5 + attributes.length + 2 * i]));
  return { attributes, workflows, attributeBit, dueBit, notDueBit };
}

/** Records one row's differences; the values of the first few, for --include-pii. */
function compare(
  row: number,
  base: SimulatedRecord,
  head: SimulatedRecord,
  context: {
    baseApp: ProvisioningApp;
    headApp: ProvisioningApp;
    specs: { base: TenantSpec; head: TenantSpec; sameWorkflows: boolean };
    now: Date;
    until: number;
    bits: RowBits;
    layout: Layout;
    values?: Map<string, { row: number; before: unknown; after: unknown }[]>;
  },
): void {
  const { bits, layout: l } = context;
  const b = outcome(context.baseApp, base);
  const h = outcome(context.headApp, head);
  if (!b.inScope && h.inScope) bits.set(row, ENTERED);
  if (b.inScope && !h.inScope) bits.set(row, LEFT);
  // Kept as it is (skipOutOfScopeDeletions) is no change from what the base left.
  if (h.state === "disabled" && b.state !== "disabled") bits.set(row, DISABLED);
  if (h.state === "enabled" && b.state !== "enabled") bits.set(row, ENABLED);
  let changed = false;
  if (b.inScope && h.inScope && b.user && h.user) {
    for (const [attribute, bit] of l.attributeBit) {
      // accountEnabled is counted as disabled / enabled; an onCreate mapping leaves existing
      // accounts alone.
      if (!(attribute in h.user) || h.onCreateOnly.includes(attribute)) continue;
      if (sameValue(b.user[attribute], h.user[attribute])) continue;
      bits.set(row, bit);
      changed = true;
      const kept = context.values?.get(attribute) ?? [];
      if (context.values && kept.length < 10) {
        kept.push({ row, before: b.user[attribute], after: h.user[attribute] });
        context.values.set(attribute, kept);
      }
    }
  }
  if (context.specs.sameWorkflows && b.inScope === h.inScope && !changed) return;
  const { now, until, specs } = context;
  const before = b.inScope ? dueWorkflows(specs.base, b.user, now, until) : new Set<string>();
  const after = h.inScope ? dueWorkflows(specs.head, h.user, now, until) : new Set<string>();
  for (const key of after) if (!before.has(key)) bits.set(row, l.dueBit.get(key)!);
  for (const key of before) if (!after.has(key)) bits.set(row, l.notDueBit.get(key)!);
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
  const l = layout(headApp, baseSpec, headSpec);
  const bits = new RowBits(Math.ceil((4 + l.attributes.length + 2 * l.workflows.length) / 32));
  const values = options.includePii
    ? new Map<string, { row: number; before: unknown; after: unknown }[]>()
    : undefined;
  const context = { baseApp, headApp, specs, now, until, bits, layout: l, values };
  // Every row's externalId under each spec, to withhold duplicates as upload does at the end;
  // one list when both specs read the same column. A row either spec cannot convert has none.
  const headIds: (string | undefined)[] = [];
  let baseIds: (string | undefined)[] | undefined;
  let skipped = 0;
  const reading = headApp.uploader?.csv ?? baseApp.uploader?.csv ?? {};
  const sameKey =
    JSON.stringify(uploaderColumns(baseApp.uploader).columns.externalId) ===
    JSON.stringify(uploaderColumns(headApp.uploader).columns.externalId);
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
        const row = headIds.length;
        if (!before.user || !after.user) {
          skipped++;
          headIds.push(undefined);
          baseIds?.push(undefined);
          continue;
        }
        headIds.push(after.externalId);
        baseIds?.push(before.externalId);
        compare(row, before, after, context);
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
  const withheldRow = (row: number) => {
    const h = headIds[row];
    const b = baseIds ? baseIds[row] : h;
    return (
      (h !== undefined && headCounts.get(h)! > 1) || (b !== undefined && baseCounts.get(b)! > 1)
    );
  };
  const impact: AppImpact = {
    records: 0,
    withheld: 0,
    skipped,
    scope: { entered: emptyCount(), left: emptyCount() },
    disabled: emptyCount(),
    enabled: emptyCount(),
    changed: {},
    workflows: {},
  };
  const changed = l.attributes.map(() => emptyCount());
  const due = l.workflows.map(() => emptyCount());
  const notDue = l.workflows.map(() => emptyCount());
  const shownValue = new Map<string, string>();
  for (const [attribute, kept] of values ?? []) {
    for (const v of kept)
      shownValue.set(`${attribute} ${v.row}`, `${shown(v.before)} -> ${shown(v.after)}`);
  }
  for (let row = 0; row < headIds.length; row++) {
    const id = headIds[row] ?? baseIds?.[row];
    if (id === undefined) continue;
    if (withheldRow(row)) {
      impact.withheld++;
      continue;
    }
    impact.records++;
    if (!bits.any(row)) continue;
    if (bits.get(row, ENTERED)) add(impact.scope.entered, id);
    if (bits.get(row, LEFT)) add(impact.scope.left, id);
    if (bits.get(row, DISABLED)) add(impact.disabled, id);
    if (bits.get(row, ENABLED)) add(impact.enabled, id);
    l.attributes.forEach((attribute, i) => {
      if (!bits.get(row, l.attributeBit.get(attribute)!)) return;
      const value = shownValue.get(`${attribute} ${row}`);
      add(changed[i], value === undefined ? id : `${id}: ${value}`);
    });
    l.workflows.forEach((key, i) => {
      if (bits.get(row, l.dueBit.get(key)!)) add(due[i], id);
      if (bits.get(row, l.notDueBit.get(key)!)) add(notDue[i], id);
    });
  }
  l.attributes.forEach((attribute, i) => {
    if (changed[i].count > 0) impact.changed[attribute] = changed[i];
  });
  l.workflows.forEach((key, i) => {
    if (due[i].count + notDue[i].count > 0)
      impact.workflows[key] = { due: due[i], notDue: notDue[i] };
  });
  impact.changed = Object.fromEntries(
    Object.entries(impact.changed).sort(([a], [b]) => a.localeCompare(b)),
  );
  impact.workflows = Object.fromEntries(
    Object.entries(impact.workflows).sort(([a], [b]) => a.localeCompare(b)),
  );
  return { impact, csvProblems };
}
