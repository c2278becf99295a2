/**
 * The uploader in two streaming passes over the HR file, so that memory depends on the number of
 * record ids (a few dozen bytes each, see recordTable.ts) and never on the size of the records.
 *
 * `planUpload` reads the file once and decides everything that can be decided before the first
 * call: which records are new or changed (a 16-byte digest per id against the state), which are
 * withheld (duplicate keys, rows that do not convert), whether the safeguard or the daily quota
 * refuses the run. `executePlan` reads the file again, converts only the lines the plan chose,
 * checks each is still what was planned, and sends them in bulk requests, paced, retried and
 * checkpointed; at most the requests in flight are held in memory.
 *
 * Each attempt is one `send` of the project's Graph client, and each wait before a retry is that
 * client's retry policy's: the engine decides only what the API's quotas add (a rate slot per
 * attempt, a shared pause on 429, when to stop rather than retry).
 */
import { createHash } from "crypto";
import type { Readable } from "stream";
import type { ProvisioningApp, Workflow } from "../model/schema";
import { retryAfterMs } from "../graph/retry";
import {
  BulkRecord,
  BulkTarget,
  bulkBody,
  checkBulkTarget,
  DEFAULT_TIMEOUT_MS,
  describeFailure,
  MAX_OPERATIONS,
  SCIM_CONTENT_TYPE,
} from "./bulk";
import {
  compileConverter,
  Converter,
  MappingProblem,
  RowError,
  CsvFileError,
  CsvInput,
  CsvProblem,
  compileWatch,
  type Watch,
  csvSource,
  RecordFileError,
  RecordSource,
} from "../records";
import {
  ACCEPTED,
  CONVERTED,
  DIGEST_BYTES,
  DUPLICATE,
  FILE_ACTIVE,
  FILE_INACTIVE,
  IN_FILE,
  KNOWN,
  KNOWN_ACTIVE,
  RESUMED,
  SAME,
  SEND,
  DIRTY,
} from "./recordTable";
import { encodeWatch, LEAVING } from "./watchTable";
import {
  ManagerLinks,
  managerLevels,
  managerReader,
  unknownManagers,
  type UnknownManagers,
} from "./managers";
import { Clock, RateScheduler, systemClock } from "./scheduler";
import {
  CHECKPOINT_PREFIX,
  commitState,
  encodeDigest,
  SENT_PREFIX,
  SendJournal,
  loadState,
  RecordEntry,
  StateStore,
  UploaderState,
} from "./state";

export interface PlanOptions {
  /** Send every record, changed or not. */
  full?: boolean;
  /** Send only this record (even when unchanged). */
  only?: string;
  /** Override the safeguard. */
  allowDeletes?: boolean;
  /** Override the safeguard's leave-date check (maxLeaverPercent). */
  allowLeavers?: boolean;
  /** Override the safeguard's check of watched attributes (maxChangePercent). */
  allowChanges?: boolean;
}

/** A watched value that this run changes for known records (lib/records/watch.ts). */
export interface WatchedChange {
  attribute: string;
  readBy: string[];
  count: number;
  /** Up to five externalIds, in table order. */
  examples: string[];
}

/** What the safeguard sees of the lifecycle road: leave dates and the attributes workflows read. */
export interface LifecycleCounts {
  /** Known records whose leave date is newly set, or moved, to a day within the window. */
  leavers: number;
  leaverExamples: string[];
  leaverWindowDays: number;
  /** Watched values changed for at least one known record, most changes first. */
  changes: WatchedChange[];
  /** The values watched, whether changed or not. */
  watched: string[];
}

export interface Duplicate {
  externalId: string;
  lines: number[];
}

export interface UploadPlan {
  header: string[];
  /** Data rows read (rows with a wrong field count included). */
  rows: number;
  /** Records that converted and are on one line only: what could be sent. */
  valid: number;
  /** Records to send. */
  toSend: number;
  unchanged: number;
  /** Accepted by an interrupted run and not sent again. */
  alreadyAccepted: number;
  duplicates: Duplicate[];
  rowErrors: RowError[];
  csvProblems: CsvProblem[];
  /** Records in the state before the run. */
  known: number;
  /** Known records no longer in the file. */
  lost: number;
  /** Records that go from active to inactive. */
  disables: number;
  lifecycle: LifecycleCounts;
  /** Safeguard checks that would refuse the run and were overridden, with their counts. */
  overrides: string[];
  /** Manager ids of records sent that are neither in the file nor known from earlier runs. */
  unknownManagers: UnknownManagers;
  /**
   * Per record sent (table index), how many of its managers above it this run sends too: the
   * sending pass sends level 0 first, then 1, … so that a manager goes in an earlier request.
   */
  managerLevels?: Uint8Array;
  requests: number;
  quota: { daily: number; used: number; remaining: number };
  /**
   * A load larger than what is left of the daily quota, every record of it new to the state (a
   * first load, or its continuation): this run sends what fits and stops; each next run sends the
   * next part, never what was accepted. `days` counts today.
   */
  load?: { requests: number; days: number };
  /** Why the run must not go ahead; empty when it may. */
  refusals: string[];
  state: UploaderState;
  options: PlanOptions;
  /** What the sending pass needs to read the file again. */
  source: {
    records: RecordSource;
    convert: Converter["convertJson"];
  };
}

export interface PlanInput {
  app: ProvisioningApp;
  /**
   * A CSV file path, or a function that opens the file: it is read twice, so a one-shot stream
   * will not do (the Function re-reads the blob it was handed). Ignored when `source` is given.
   */
  csv?: Exclude<CsvInput, Readable>;
  /** The records, from any source (lib/records/source.ts); read twice as well. */
  source?: RecordSource;
  store: StateStore;
  options?: PlanOptions;
  /**
   * The spec's lifecycle workflows: the attributes their triggers and scopes read are watched by
   * the safeguard. Without them only the leave date and the provisioning scope are.
   */
  workflows?: Record<string, Workflow>;
  clock?: Clock;
}

export const DEFAULT_RATE = { requestsPerWindow: 40, windowSeconds: 5, dailyQuota: 2000 };

/** The delta digest: sha256 of the canonical SCIM JSON, truncated (see DIGEST_BYTES). */
function contentDigest(json: string): Buffer {
  return createHash("sha256").update(json).digest().subarray(0, DIGEST_BYTES);
}

/**
 * `problems` are faults of the column mapping (spec paths); `csvError` is a fault of the file
 * itself (bad bytes, a stray quote, a duplicate column, a truncated last record), found in this
 * first pass so that nothing of such a file is ever sent.
 */
export interface PlanOutcome {
  plan?: UploadPlan;
  problems: MappingProblem[];
  csvError?: RecordFileError;
}

/** The batches up to a fault of the file, which goes to `onFault` instead of being thrown. */
async function* untilFault<T>(
  batches: AsyncGenerator<T>,
  onFault: (err: RecordFileError) => void,
): AsyncGenerator<T> {
  try {
    yield* batches;
  } catch (err) {
    if (!(err instanceof RecordFileError)) throw err;
    onFault(err);
  }
}

export async function planUpload(input: PlanInput): Promise<PlanOutcome> {
  const { app } = input;
  const options = input.options ?? {};
  const clock = input.clock ?? systemClock;
  const uploader = app.uploader;
  if (!uploader) {
    return { problems: [{ attribute: "uploader", message: "the app has no uploader section" }] };
  }
  const watch = compileWatch(app, input.workflows);
  const state = await loadState(
    input.store,
    clock.now(),
    watch.values.map((v) => v.name),
  );
  const { table } = state;
  let readWatch: ReturnType<Watch["bind"]> | undefined;
  let readManager: ReturnType<typeof managerReader>;
  const links = new ManagerLinks();
  const safeguard = uploader.safeguard;
  const leaveFrom = clock.now() - DAY_MS;
  const leaveUntil = clock.now() + safeguard.leaverWindowDays * DAY_MS;
  const csvProblems: CsvProblem[] = [];
  const rowErrors: RowError[] = [];
  const duplicateLines = new Map<string, number[]>();
  let header: string[] = [];
  let convert: Converter["convertJson"] | undefined;
  let rows = 0;

  const records =
    input.source ??
    csvSource(input.csv!, { delimiter: uploader.csv.delimiter, encoding: uploader.csv.encoding });
  let csvError: RecordFileError | undefined;
  const csv = untilFault(
    records.batches((p) => {
      rows++;
      csvProblems.push(p);
    }),
    (err) => (csvError = err),
  );
  for await (const batch of csv) {
    for (const item of batch) {
      if ("header" in item) {
        header = item.header;
        const compiled = compileConverter(app, header);
        if (!compiled.converter) return { problems: compiled.problems };
        convert = compiled.converter.convertJson;
        if (watch.values.length > 0) readWatch = watch.bind(compiled.converter.targets);
        if (options.only === undefined) {
          readManager = managerReader(app, compiled.converter.targets);
        }
        continue;
      }
      rows++;
      const row = convert!(item.fields, item.line);
      rowErrors.push(...row.errors);
      const id = row.externalId;
      if (id === undefined) continue;
      const index = table.add(id);
      const flags = table.file(index);
      if (flags & IN_FILE) {
        // Every copy is withheld: which one HR meant cannot be known here.
        const lines = duplicateLines.get(id);
        if (lines) lines.push(item.line);
        else duplicateLines.set(id, [table.line(index), item.line]);
        table.setFile(index, flags | DUPLICATE);
        continue;
      }
      table.setLine(index, item.line);
      if (row.json === undefined || (options.only !== undefined && id !== options.only)) {
        table.setFile(index, IN_FILE);
        continue;
      }
      const digest = contentDigest(row.json);
      table.setFileCheck(index, digest.readUInt32LE(0));
      const active = row.active === true ? FILE_ACTIVE : row.active === false ? FILE_INACTIVE : 0;
      const same = table.known(index) & KNOWN && table.isKnownDigest(index, digest) ? SAME : 0;
      table.setFile(index, IN_FILE | CONVERTED | active | same);
      if (readWatch) watchRow(state, index, row.json, readWatch, same !== 0, leaveFrom, leaveUntil);
      if (readManager && (!same || options.full)) {
        const manager = readManager(row.json);
        if (manager !== undefined) links.set(index, table.add(manager));
      }
    }
  }
  if (csvError) return { problems: [], csvError };
  if (!convert) {
    return {
      problems: [],
      csvError: new CsvFileError(1, "the file is empty: it has no header row"),
    };
  }

  let known = 0;
  let lost = 0;
  let disables = 0;
  let toSend = 0;
  let unchanged = 0;
  let alreadyAccepted = 0;
  let valid = 0;
  let newToSend = 0;
  for (let index = 0; index < table.size; index++) {
    const was = table.known(index);
    const file = table.file(index);
    if (was & KNOWN) known++;
    if (file & CONVERTED && !(file & DUPLICATE)) valid++;
    if (options.only !== undefined) continue;
    if (was & KNOWN && !(file & IN_FILE)) lost++;
    if (!(file & CONVERTED) || file & DUPLICATE) continue;
    if (was & RESUMED && file & SAME) alreadyAccepted++;
    else if (!options.full && file & SAME) unchanged++;
    else {
      table.setFile(index, file | SEND);
      toSend++;
      if (!(was & KNOWN)) newToSend++;
      if (file & FILE_INACTIVE && was & KNOWN_ACTIVE) disables++;
    }
  }

  const lifecycle = lifecycleCounts(state, watch, options, safeguard.leaverWindowDays);
  const managers = readManager
    ? { unknown: unknownManagers(table, links), levels: managerLevels(table, links) }
    : undefined;
  const refusals: string[] = [];
  const overrides: string[] = [];
  if (options.only !== undefined) {
    const index = table.find(options.only);
    const file = index === -1 ? 0 : table.file(index);
    if (!(file & IN_FILE)) refusals.push(`externalId ${options.only} is not in the file`);
    else if (file & DUPLICATE) {
      const lines = duplicateLines.get(options.only)!;
      refusals.push(`externalId ${options.only} is on more than one line (${lines.join(", ")})`);
    } else if (!(file & CONVERTED)) {
      refusals.push(
        `externalId ${options.only} (line ${table.line(index)}) does not convert; see the errors above`,
      );
    } else {
      table.setFile(index, file | SEND);
      toSend = 1;
    }
  }
  const max = uploader.safeguard.maxDisablePercent;
  if (known > 0 && !options.allowDeletes && options.only === undefined) {
    const disablePercent = (disables / known) * 100;
    if (disablePercent > max) {
      refusals.push(
        `safeguard: the run would disable ${disables} of ${known} known users (${disablePercent.toFixed(1)}%, more than maxDisablePercent ${max}%); check the HR file, or pass --allow-deletes if this is intended`,
      );
    }
    const lostPercent = (lost / known) * 100;
    if (lostPercent > max) {
      refusals.push(
        `safeguard: ${lost} of ${known} known users are missing from the file (${lostPercent.toFixed(1)}%, more than maxDisablePercent ${max}%); is the file truncated? Pass --allow-deletes if this is intended`,
      );
    }
  }
  if (known > 0 && options.only === undefined) {
    const checks = lifecycleSafeguard(lifecycle, known, safeguard);
    for (const check of checks) {
      const allowed = check.kind === "leavers" ? options.allowLeavers : options.allowChanges;
      if (allowed) overrides.push(`${check.flag}: ${check.summary}`);
      else refusals.push(check.refusal);
    }
    if (options.allowDeletes) {
      if ((disables / known) * 100 > max) {
        overrides.push(
          `--allow-deletes: ${disables} of ${known} known users disabled (maxDisablePercent ${max}%)`,
        );
      }
      if ((lost / known) * 100 > max) {
        overrides.push(
          `--allow-deletes: ${lost} of ${known} known users missing from the file (maxDisablePercent ${max}%)`,
        );
      }
    }
  }
  const rate = { ...DEFAULT_RATE, ...uploader.rate };
  // Each level of managers goes in requests of its own.
  const requests = managers
    ? levelCounts(table, managers.levels).reduce((n, c) => n + Math.ceil(c / MAX_OPERATIONS), 0)
    : Math.ceil(toSend / MAX_OPERATIONS);
  const used = state.calls.length;
  const remaining = Math.max(0, rate.dailyQuota - used);
  let load: UploadPlan["load"];
  const loading = newToSend === toSend && remaining > 0 && options.only === undefined;
  if (requests > remaining && loading) {
    load = { requests, days: 1 + Math.ceil((requests - remaining) / rate.dailyQuota) };
  } else if (requests > remaining) {
    refusals.push(
      `daily quota: the run needs ${requests} bulkUpload calls but only ${remaining} of ${rate.dailyQuota} remain (${used} made by this uploader in the last 24 h); wait, raise rate.dailyQuota if the tenant has ID Governance (6,000), or send part with --only`,
    );
  }
  const duplicates = [...duplicateLines]
    .map(([externalId, lines]) => ({ externalId, lines }))
    .sort((a, b) => a.lines[0] - b.lines[0]);

  return {
    plan: {
      header,
      rows,
      valid,
      toSend,
      unchanged,
      alreadyAccepted,
      duplicates,
      rowErrors,
      csvProblems,
      known,
      lost,
      disables,
      lifecycle,
      overrides,
      unknownManagers: managers?.unknown ?? { ids: 0, examples: [], records: 0 },
      ...(managers ? { managerLevels: managers.levels } : {}),
      requests,
      quota: { daily: rate.dailyQuota, used, remaining },
      ...(load ? { load } : {}),
      refusals,
      state,
      options,
      source: { records, convert },
    },
    problems: [],
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reads the watched values of a converted row. An unchanged record (`same`) has the values last
 * accepted: they become the known digests where the state has none (a state from before version
 * 3, or a value newly watched), so that the next change to them is seen.
 */
function watchRow(
  state: UploaderState,
  index: number,
  json: string,
  read: ReturnType<Watch["bind"]>,
  same: boolean,
  leaveFrom: number,
  leaveUntil: number,
): void {
  const { watch, table } = state;
  if (same && watch.hasKnown(index)) {
    watch.setFile(index, watch.knownDigests(index));
    return;
  }
  const { digests, leaveAt } = read(json);
  watch.setFile(index, digests);
  const leaving = leaveAt !== undefined && leaveAt >= leaveFrom && leaveAt <= leaveUntil;
  watch.setFlags(index, leaving ? LEAVING : 0);
  if (same) {
    const known = watch.knownDigests(index);
    const filled = Uint16Array.from(known, (d, i) => (d === 0 ? digests[i] : d));
    watch.setKnown(index, filled);
    table.setKnown(index, table.known(index) | DIRTY);
  }
}

/** The watched values this run changes for known records that it sends. */
function lifecycleCounts(
  state: UploaderState,
  watch: Watch,
  options: PlanOptions,
  leaverWindowDays: number,
): LifecycleCounts {
  const { table } = state;
  const width = state.watch.width;
  const counts = new Array<number>(width).fill(0);
  // The first five by line: the state is read shard by shard, not in file order.
  const examples: number[][] = Array.from({ length: width }, () => []);
  let leavers = 0;
  const leaverExamples: number[] = [];
  const byLine = (a: number, b: number) => table.line(a) - table.line(b);
  const keep = (list: number[], index: number) => {
    if (list.length === 5 && table.line(index) > table.line(list[4])) return;
    list.push(index);
    list.sort(byLine);
    if (list.length > 5) list.pop();
  };
  const idsOf = (list: number[]) => list.map((index) => table.id(index));
  if (width > 0 && options.only === undefined) {
    for (let index = 0; index < table.size; index++) {
      if (!(table.known(index) & KNOWN) || !(table.file(index) & SEND)) continue;
      for (let value = 0; value < width; value++) {
        const was = state.watch.known(index, value);
        if (was === 0 || was === state.watch.file(index, value)) continue;
        counts[value]++;
        keep(examples[value], index);
        if (value === watch.leaveDate && state.watch.flags(index) & LEAVING) {
          leavers++;
          keep(leaverExamples, index);
        }
      }
    }
  }
  const changes = watch.values
    .map((v, i) => ({
      attribute: v.name,
      readBy: v.readBy,
      count: counts[i],
      examples: idsOf(examples[i]),
      checked: v.changeChecked,
    }))
    .filter((c) => c.count > 0 && c.checked)
    .map(({ checked: _checked, ...change }) => change)
    .sort((a, b) => b.count - a.count);
  return {
    leavers,
    leaverExamples: idsOf(leaverExamples),
    leaverWindowDays,
    changes,
    watched: watch.values.map((v) => v.name),
  };
}

interface SafeguardCheck {
  kind: "leavers" | "changes";
  flag: "--allow-leavers" | "--allow-changes";
  summary: string;
  refusal: string;
}

/** The lifecycle checks over their thresholds: each a refusal, or an override when allowed. */
function lifecycleSafeguard(
  lifecycle: LifecycleCounts,
  known: number,
  safeguard: { maxLeaverPercent: number; maxChangePercent: number; leaverWindowDays: number },
): SafeguardCheck[] {
  const checks: SafeguardCheck[] = [];
  const percent = (n: number) => ((n / known) * 100).toFixed(1);
  const ids = (list: string[], n: number) =>
    `${list.join(", ")}${n > list.length ? `, … (${n - list.length} more)` : ""}`;
  if ((lifecycle.leavers / known) * 100 > safeguard.maxLeaverPercent) {
    const summary = `${lifecycle.leavers} of ${known} known users get a leave date within ${safeguard.leaverWindowDays} days (${percent(lifecycle.leavers)}%, maxLeaverPercent ${safeguard.maxLeaverPercent}%)`;
    checks.push({
      kind: "leavers",
      flag: "--allow-leavers",
      summary,
      refusal: `safeguard: ${summary}, more than allowed: the leaver workflows disable them on that date (externalId ${ids(lifecycle.leaverExamples, lifecycle.leavers)}); check the HR file, or pass --allow-leavers if this is intended`,
    });
  }
  for (const change of lifecycle.changes) {
    if ((change.count / known) * 100 <= safeguard.maxChangePercent) continue;
    const summary = `${change.attribute} changes for ${change.count} of ${known} known users (${percent(change.count)}%, maxChangePercent ${safeguard.maxChangePercent}%)`;
    checks.push({
      kind: "changes",
      flag: "--allow-changes",
      summary,
      refusal: `safeguard: ${summary}, more than allowed: ${change.readBy.join(", ")} read${change.readBy.length > 1 ? "" : "s"} it (externalId ${ids(change.examples, change.count)}); check the HR file, or pass --allow-changes if this is intended`,
    });
  }
  return checks;
}

/** A record as its checkpoint keeps it: with the watched values' digests as planned. */
function checkpointEntry(state: UploaderState, record: BulkRecord): RecordEntry {
  const entry: RecordEntry = [record.externalId, record.hash, record.active];
  if (state.watch.width === 0) return entry;
  return [...entry, encodeWatch(state.watch.fileDigests(state.table.find(record.externalId)))];
}

/**
 * What the safeguard counted, in lines for an operator: the same for `upload` (dry run or not)
 * and `simulate`. Names only externalIds and attributes, never an HR value.
 */
export function safeguardLines(plan: UploadPlan): string[] {
  const lines: string[] = [];
  if (plan.lost > 0) {
    lines.push(
      `${plan.lost} known records are no longer in the file (the uploader cannot delete; they are forgotten)`,
    );
  }
  if (plan.disables > 0) lines.push(`${plan.disables} users go from active to inactive`);
  const { lifecycle } = plan;
  if (lifecycle.leavers > 0) {
    lines.push(
      `${lifecycle.leavers} of ${plan.known} known users get a leave date within ${lifecycle.leaverWindowDays} days (externalId ${lifecycle.leaverExamples.join(", ")}${lifecycle.leavers > 5 ? ", …" : ""})`,
    );
  }
  for (const c of lifecycle.changes) {
    lines.push(
      `${c.attribute} changes for ${c.count} of ${plan.known} known users; read by ${c.readBy.join(", ")} (externalId ${c.examples.join(", ")}${c.count > 5 ? ", …" : ""})`,
    );
  }
  for (const o of plan.overrides) lines.push(`safeguard overridden: ${o}`);
  if (plan.load) {
    lines.push(
      `this load of ${plan.toSend} new records needs ${plan.load.requests} bulkUpload calls, more than the ${plan.quota.remaining} left of the daily quota of ${plan.quota.daily}: it takes about ${plan.load.days} days (retries count too). This run sends what fits and stops; run again on each next day (the schedule does) to send the next part: what was accepted is never sent again`,
    );
  }
  const unknown = plan.unknownManagers;
  if (unknown.ids > 0) {
    lines.push(
      `${unknown.ids} manager id${unknown.ids > 1 ? "s are" : " is"} neither in the file nor known from earlier runs: ${unknown.examples.join(", ")}${unknown.ids > 5 ? ", …" : ""} (manager of ${unknown.records} record${unknown.records === 1 ? "" : "s"} sent); Entra leaves their manager empty until a record with that id is sent`,
    );
  }
  return lines;
}

/** How many records are sent at each manager level. */
function levelCounts(table: UploadPlan["state"]["table"], levels: Uint8Array): number[] {
  const counts: number[] = [];
  for (let index = 0; index < table.size; index++) {
    if (!(table.file(index) & SEND)) continue;
    counts[levels[index]] = (counts[levels[index]] ?? 0) + 1;
  }
  return Array.from(counts, (c) => c ?? 0);
}

/** The file changed between the planning pass and the sending pass. */
class SourceChanged extends Error {}

/**
 * The sending pass: the records the plan chose, in file order, in bulk-sized groups. Each is
 * converted again and must still be what was planned: the safeguard judged that content. When
 * managers are sent with their reports, the file is read once per level of managers: the top
 * managers first, each level in requests of its own, so that a manager is in an earlier request
 * than its reports.
 */
export async function* planBatches(plan: UploadPlan): AsyncGenerator<BulkRecord[]> {
  const { table } = plan.state;
  if (plan.toSend === 0) return;
  const levels = plan.managerLevels;
  // One byte per CSV line, its level + 1 (0: not sent): 1 MB for a million lines, where a
  // sorted list would take 4 MB.
  let lastLine = 0;
  let deepest = 0;
  for (let index = 0; index < table.size; index++) {
    if (!(table.file(index) & SEND)) continue;
    lastLine = Math.max(lastLine, table.line(index));
    if (levels) deepest = Math.max(deepest, levels[index]);
  }
  const chosen = new Uint8Array(lastLine + 1);
  for (let index = 0; index < table.size; index++) {
    if (table.file(index) & SEND) chosen[table.line(index)] = (levels ? levels[index] : 0) + 1;
  }
  let found = 0;
  for (let level = 0; level <= deepest; level++) {
    found += yield* levelBatches(plan, chosen, level + 1, lastLine);
  }
  if (found < plan.toSend) {
    throw new SourceChanged(
      `the CSV file changed while it was being sent (${plan.toSend - found} planned rows are gone); run again to send the rest`,
    );
  }
}

/** One reading of the file: the chosen lines marked `mark`, in bulk-sized groups; their count. */
async function* levelBatches(
  plan: UploadPlan,
  chosen: Uint8Array,
  mark: number,
  lastLine: number,
): AsyncGenerator<BulkRecord[], number> {
  const { table } = plan.state;
  const changed = (line: number) =>
    new SourceChanged(
      `the CSV file changed while it was being sent (line ${line} is not what was planned); run again to send the rest`,
    );
  let found = 0;
  let batch: BulkRecord[] = [];
  // The first pass read the whole file through the same reader, so a fault here means the file
  // changed: it stops the run like any other change, keeping every checkpoint.
  const file = untilFault(
    plan.source.records.batches(() => undefined),
    (err) => {
      throw new SourceChanged(
        `the CSV file changed while it was being sent (${err.message}); run again to send the rest`,
      );
    },
  );
  reading: for await (const items of file) {
    for (const item of items) {
      if ("header" in item) {
        // The converter reads columns by position in the planned header.
        if (item.header.join("\n") !== plan.header.join("\n")) {
          throw new SourceChanged(
            "the CSV file changed while it was being sent (its header is not the one planned); run again",
          );
        }
        continue;
      }
      if (item.line > lastLine) break reading;
      if (chosen[item.line] !== mark) continue;
      found++;
      const row = plan.source.convert(item.fields, item.line);
      const index = row.externalId === undefined ? -1 : table.find(row.externalId);
      const json = row.json;
      if (json === undefined || index === -1 || table.line(index) !== item.line) {
        throw changed(item.line);
      }
      if (!(table.file(index) & SEND)) throw changed(item.line);
      const digest = contentDigest(json);
      if (digest.readUInt32LE(0) !== table.fileCheck(index)) throw changed(item.line);
      batch.push({
        externalId: row.externalId!,
        line: item.line,
        json,
        hash: encodeDigest(digest),
        active: row.active ?? null,
      });
      if (batch.length === MAX_OPERATIONS) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
  return found;
}

/**
 * When the run stops rather than retries. How often and after how long a request is retried is
 * the Graph client's policy (`graph.retry`), the same for every Graph call of the project.
 */
export interface RetryOptions {
  /** A longer `Retry-After` stops the run: the daily quota is probably spent. */
  maxRetryAfterMs: number;
  /**
   * This many requests in a row answered with the same 400 or 404 stop the run: the rest would
   * be refused the same way, and each costs a call of the daily quota. (401 and 403 stop at once.)
   */
  stopAfterRepeatedErrors: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxRetryAfterMs: 10 * 60_000,
  stopAfterRepeatedErrors: 3,
};

/**
 * Answers that no retry and no other batch will turn into a success; so is any answer below 400
 * that is not a 202 (a redirect, a proxy's page).
 */
const HOPELESS = new Set([400, 401, 403, 404]);

export interface ExecuteOptions extends BulkTarget {
  /** How long one attempt may wait for its answer. Default 100 s (DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  store: StateStore;
  rate: { requestsPerWindow: number; windowSeconds: number };
  retry?: Partial<RetryOptions>;
  clock?: Clock;
  /** For the run id. */
  random?: () => number;
  /** Extra milliseconds added to the rate window (default none: it is counted from each answer). */
  marginMs?: number;
  signal?: AbortSignal;
  /**
   * The run lock was lost (lib/upload/blob.ts): no further request starts, those in flight finish
   * and keep their checkpoints, and the state is not committed, since another run may hold the
   * lock now; the next run folds the checkpoints in. Its reason is the run's `stopped`.
   */
  stop?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  acceptedRecords: number;
  failedRecords: number;
  totalRecords: number;
  requestsDone: number;
  requestsTotal: number;
}

export interface FailedRequest {
  /** 1-based number of the request in the run. */
  request: number;
  status?: number;
  error: string;
  requestId?: string;
  records: number;
  lines: number[];
}

export interface UploadResult {
  accepted: number;
  failed: FailedRequest[];
  /** Records not sent because the run stopped early. */
  notAttempted: number;
  /**
   * Records Graph accepted whose checkpoint could not be written: the next run sends them again
   * (harmless: bulkUpload creates or updates by externalId).
   */
  unrecorded: number;
  calls: number;
  retries: number;
  stopped?: string;
  /** A state write failed: the run stopped, and the state is as its checkpoints left it. */
  stateFailed?: true;
  elapsedMs: number;
}

class Stop extends Error {}

export async function executePlan(
  plan: UploadPlan,
  options: ExecuteOptions,
): Promise<UploadResult> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  checkBulkTarget(options);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const policy = options.graph.retry;
  const started = clock.now();
  const scheduler = new RateScheduler({
    requestsPerWindow: options.rate.requestsPerWindow,
    windowMs: options.rate.windowSeconds * 1000,
    marginMs: options.marginMs ?? 0,
    clock,
  });
  // A run that starts seconds after the last one shares the service's window with it.
  scheduler.seed(plan.state.calls);
  const { table } = plan.state;
  const runId = `${started.toString(36)}-${Math.floor(random() * 36 ** 4).toString(36)}`;
  const failed: FailedRequest[] = [];
  const callTimes: number[] = [];
  let retries = 0;
  let stopped: string | undefined;
  let done = 0;
  let acceptedRecords = 0;
  let failedRecords = 0;
  let unrecorded = 0;
  /** The status of the last requests that ended in a hopeless answer, and how many in a row. */
  let repeated = { status: 0, count: 0 };
  /**
   * Slow start: until a request is accepted, one is sent at a time, so that a wrong endpoint or a
   * token without the permission costs one or two calls of the daily quota, not a window's worth.
   */
  let opened = false;
  let refusedBeforeOpen = 0;
  /** A state write failed: nothing more is sent, and the state is left as the checkpoints have it. */
  let stateFailed = false;
  const stateFailure = (key: string, err: unknown, what: string) => {
    stateFailed = true;
    stopped ??= `the state could not be written (${options.store.location}/${key}: ${(err as Error).message}); ${what}`;
  };

  const progress = () =>
    options.onProgress?.({
      acceptedRecords,
      failedRecords,
      totalRecords: plan.toSend,
      requestsDone: done,
      requestsTotal: plan.requests,
    });

  // An abort is a simulated kill: stop at once and write nothing more, checkpoints stay for resume.
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => {
      stopped = "aborted";
      reject(new Error("upload aborted; run again to resume from the last checkpoint"));
    };
    if (options.signal?.aborted) fail();
    options.signal?.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);
  let lockLost = false;
  const stop = () => {
    lockLost = true;
    stopped ??= String(options.stop?.reason ?? "the run lock was lost");
  };
  if (options.stop?.aborted) stop();
  else options.stop?.addEventListener("abort", stop, { once: true });

  /** One HTTP call in a slot already acquired; the slot is released whatever happens. */
  const journal = new SendJournal(options.store, `${SENT_PREFIX}${runId}.json`);
  /** Calls started, including those whose journal write is still under way. */
  let reserved = 0;
  const call = async (body: string, calls: number[]) => {
    try {
      if (stopped) throw new Stop(stopped);
      // Counted before the journal write is awaited: calls that start meanwhile see it.
      if (reserved >= plan.quota.remaining) {
        stopped = `the daily quota of ${plan.quota.daily} calls is reached; the rest is sent by the next run`;
        throw new Stop(stopped);
      }
      reserved++;
      const now = clock.now();
      // Recorded before it is sent: a call that cannot be counted is not made.
      try {
        await journal.record(now);
      } catch (err) {
        stateFailure(journal.key, err, "the requests not yet sent were not sent");
        throw new Stop(stopped!);
      }
      calls.push(now);
      callTimes.push(now);
      return await options.graph.send<unknown>("POST", options.endpoint, body, {
        contentType: SCIM_CONTENT_TYPE,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
    } finally {
      scheduler.release();
    }
  };

  const sendBatch = async (records: BulkRecord[], number: number) => {
    const body = bulkBody(records);
    // Only what the checkpoint and a failure report need outlives the body: a request may be in
    // flight for seconds, and the users' JSON is in the body already.
    const entries: RecordEntry[] = records.map((r) => checkpointEntry(plan.state, r));
    const lines = records.map((r) => r.line);
    records = [];
    const calls: number[] = [];
    const name = `${runId}-${String(number).padStart(6, "0")}.json`;
    let failure: Omit<FailedRequest, "request" | "records" | "lines"> | undefined;
    for (let attempt = 0; ; attempt++) {
      // The first attempt uses the slot the sending loop acquired for this request.
      if (attempt > 0) await scheduler.acquire();
      let delay: number | undefined;
      try {
        const response = await call(body, calls);
        // Only Graph's documented answer acknowledges the records: 202 Accepted, its body empty
        // or JSON (the client makes anything else an error). A proxy's 200 login page counted as
        // sent was never sent again.
        if (response.status === 202 && !response.error) {
          failure = undefined;
          break;
        }
        failure = {
          status: response.status,
          error: response.error
            ? describeFailure(response.error)
            : `bulkUpload answered ${response.status}, not 202 Accepted`,
          requestId: response.error?.requestId,
        };
        if (response.status === 401 || response.status === 403) {
          stopped = `bulkUpload answered ${response.status}: ${failure.error}; check the token and the SynchronizationData-User.Upload permission`;
          break;
        }
        if (!policy.isTransient(response.status)) break;
        const header = response.headers.get("retry-after");
        const asked = retryAfterMs(header, clock.now());
        if (asked !== undefined && asked > retry.maxRetryAfterMs) {
          stopped = `bulkUpload asked to wait ${Math.round(asked / 1000)} s; the daily quota is probably spent, run again later`;
          break;
        }
        delay = policy.delay(attempt, header, clock.now());
        // Throttling is per tenant: the siblings wait as long as this request does.
        if (response.status === 429 && asked !== undefined) {
          scheduler.pauseUntil(clock.now() + delay);
        }
      } catch (err) {
        if (err instanceof Stop) return;
        // `send` answers every status, so only a call that got no answer (or a sign-in that
        // failed) lands here. The service may have taken it; it is sent again like any unanswered
        // request, and bulkUpload upserts by externalId, so a second delivery changes nothing.
        failure = { error: `no response: ${(err as Error).message}` };
        delay = policy.delay(attempt);
      }
      if (attempt >= policy.maxRetries || stopped) break;
      retries++;
      await clock.sleep(delay);
    }
    if (options.signal?.aborted) return;
    if (failure) {
      failedRecords += entries.length;
      failed.push({ request: number, records: entries.length, lines, ...failure });
      if (failure.status !== undefined && (HOPELESS.has(failure.status) || failure.status < 400)) {
        if (!opened && ++refusedBeforeOpen >= 2) {
          stopped ??= `bulkUpload refused the first ${refusedBeforeOpen} requests (${failure.status} ${failure.error}) and has accepted none; the rest would be refused the same way, so the run stops instead of spending the daily quota: check the endpoint, the token's SynchronizationData-User.Upload permission and the records`;
        }
        repeated =
          repeated.status === failure.status
            ? { status: failure.status, count: repeated.count + 1 }
            : { status: failure.status, count: 1 };
        if (repeated.count >= retry.stopAfterRepeatedErrors) {
          stopped ??= `bulkUpload answered ${failure.status} to ${repeated.count} requests in a row (${failure.error}); the rest would be refused the same way, so the run stops instead of spending the daily quota`;
        }
      } else {
        repeated = { status: 0, count: 0 };
      }
    } else {
      repeated = { status: 0, count: 0 };
      opened = true;
      // Written before counting the records as accepted: a crash after this line resends nothing.
      try {
        await options.store.put(
          `${CHECKPOINT_PREFIX}${name}`,
          JSON.stringify({
            records: entries,
            calls,
            ...(plan.state.watch.width > 0 ? { watch: plan.state.watch.names } : {}),
          }),
        );
      } catch (err) {
        unrecorded += entries.length;
        stateFailure(
          `${CHECKPOINT_PREFIX}${name}`,
          err,
          `request ${number} (lines ${lines[0]}-${lines[lines.length - 1]}) was accepted but not recorded and is sent again next run`,
        );
        done++;
        progress();
        return;
      }
      for (const [externalId, digest] of entries) {
        const index = table.find(externalId);
        table.setKnownDigest(index, Buffer.from(digest, "base64url"));
        table.setFile(index, table.file(index) | ACCEPTED);
      }
      acceptedRecords += entries.length;
    }
    done++;
    progress();
  };

  const running = new Set<Promise<unknown>>();
  const batches = planBatches(plan);
  const loop = async () => {
    try {
      for (let number = 1; !stopped; number++) {
        // The next records, then a slot for them: only the requests in flight and the one
        // waiting for a slot are ever in memory.
        let next: IteratorResult<BulkRecord[]>;
        try {
          next = await batches.next();
        } catch (err) {
          if (!(err instanceof SourceChanged)) throw err;
          stopped = err.message;
          break;
        }
        if (next.done) break;
        await scheduler.acquire();
        if (stopped) {
          scheduler.release();
          break;
        }
        const task = sendBatch(next.value, number);
        running.add(task);
        task.finally(() => running.delete(task)).catch(() => undefined);
        // Slow start: the next request waits for this one's answer until one is accepted.
        if (!opened) await task.catch(() => undefined);
      }
    } finally {
      await batches.return(undefined);
    }
    // Surface the first error of a request (a failed checkpoint write) instead of hiding it.
    while (running.size > 0) await Promise.all([...running]);
  };
  await Promise.race([loop(), aborted]);

  options.stop?.removeEventListener("abort", stop);
  if (!options.signal?.aborted && !stateFailed && !lockLost) {
    try {
      await commitState(
        options.store,
        plan.state,
        plan.options.only === undefined,
        callTimes,
        clock.now(),
      );
    } catch (err) {
      stateFailed = true;
      stopped ??= `the state could not be written at the end of the run (${(err as Error).message}); every accepted request has its checkpoint, which the next run folds in`;
    }
  }
  const notAttempted = plan.toSend - acceptedRecords - failedRecords - unrecorded;
  failed.sort((a, b) => a.request - b.request);
  return {
    accepted: acceptedRecords,
    failed,
    notAttempted,
    unrecorded,
    calls: callTimes.length,
    retries,
    stopped,
    ...(stateFailed ? { stateFailed: true as const } : {}),
    elapsedMs: clock.now() - started,
  };
}

/**
 * Records a run that had nothing to send: records that left the file are forgotten and an
 * interrupted run's checkpoints are folded in.
 */
export async function commitUnsent(
  plan: UploadPlan,
  store: StateStore,
  clock: Clock = systemClock,
) {
  await commitState(store, plan.state, plan.options.only === undefined, [], clock.now());
}

/** EXIT codes of cli/io.ts, decided from a plan and its result. */
export function outcome(plan: UploadPlan, result?: UploadResult): "ok" | "partial" | "failed" {
  if (plan.refusals.length > 0) return "failed";
  const withheld =
    plan.duplicates.length > 0 || plan.rowErrors.length > 0 || plan.csvProblems.length > 0;
  if (!result) return withheld ? "partial" : "ok";
  if (result.stateFailed || (result.accepted === 0 && plan.toSend > 0)) return "failed";
  if (result.failed.length > 0 || result.notAttempted > 0 || result.unrecorded > 0 || withheld) {
    return "partial";
  }
  return "ok";
}
