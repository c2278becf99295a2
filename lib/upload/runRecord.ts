/**
 * What one upload run did with each record, kept in the state so that `inbound report` can later
 * join it with what Entra did. The engine's own documents say only what was last accepted (the
 * shards) and, during a run, what was acknowledged (checkpoints, deleted once the run commits):
 * neither says which records a finished run sent, withheld or failed.
 *
 * A run is `runs/<run id>/run.json` (id, timings, command line, counts, withheld lines) and its
 * records in `runs/<run id>/records-NNNN.jsonl`, one `[externalId, outcome, line]` per line and
 * `RECORDS_PER_DOCUMENT` per document, so a million-row run never builds one 30 MB string (the
 * uploader's memory target is 200 MB for such a file) and a blob store writes it in parts. Only
 * ids, outcomes, line numbers and the engine's value-free row messages are written: no HR value.
 */
import { listLines } from "../records";
import type { RunSummary } from "./run";
import type { UploadPlan, UploadResult } from "./engine";
import { CONVERTED, DUPLICATE, IN_FILE, RESUMED, SAME, SEND, ACCEPTED } from "./recordTable";
import { LineBuffer, StateDamaged, StateStore } from "./state";

/** What the uploader did with a record in one run. */
export type UploadOutcome =
  /** Accepted by bulkUpload (202) in this run. */
  | "sent"
  /** Accepted by an interrupted run before this one and not sent again. */
  | "resumed"
  /** The same as last accepted: not sent. */
  | "unchanged"
  /** On more than one line: every copy withheld. */
  | "duplicate"
  /** The row does not convert: withheld. */
  | "invalid"
  /** Its bulk request was refused or never answered. */
  | "failed"
  /** Planned, but the run stopped or was refused before it was accepted. */
  | "notSent";

export const UPLOAD_OUTCOMES: readonly UploadOutcome[] = [
  "sent",
  "resumed",
  "unchanged",
  "duplicate",
  "invalid",
  "failed",
  "notSent",
];

export interface RunRecordEntry {
  externalId: string;
  outcome: UploadOutcome;
  /** First CSV line of the record (header is line 1). */
  line: number;
}

/** A line withheld from the run, with why (the engine's messages carry no HR value). */
export interface WithheldLine {
  line: number;
  externalId?: string;
  reason: string;
}

export interface RunRecord {
  version: 1;
  runId: string;
  /** The command that ran, as its user would type it again (no secret is ever on it). */
  command: string;
  /** The HR file as its user names it. */
  csv: string;
  startedAt: string;
  finishedAt: string;
  status: "ok" | "partial" | "failed";
  error?: string;
  summary: RunSummary;
  /** Bulk requests that failed: which lines they carried and Graph's answer. */
  failedRequests: {
    request: number;
    status?: number;
    error: string;
    requestId?: string;
    lines: number[];
  }[];
  withheld: WithheldLine[];
  /**
   * Safeguard checks this run was allowed past (`--allow-leavers`, `--allow-changes`,
   * `--allow-deletes`), each with its counts; absent in records written before they were kept.
   */
  overrides?: string[];
  /** Documents holding the records, in order. */
  recordDocuments: number;
}

export const RUNS_PREFIX = "runs/";
/** How many run records are kept: about a month of daily runs. */
export const RUNS_KEPT = 31;
export const RECORDS_PER_DOCUMENT = 50_000;

/** `20261205T123606Z-k3f9`: sorts by start time, unique enough for one app's runs. */
export const RUN_ID = /^\d{8}T\d{6}Z-[a-z0-9]{4}$/;

export function newRunId(now: number, random: () => number = Math.random): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const suffix = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, "0");
  return `${stamp}-${suffix}`;
}

const headerKey = (runId: string) => `${RUNS_PREFIX}${runId}/run.json`;
const recordsKey = (runId: string, part: number) =>
  `${RUNS_PREFIX}${runId}/records-${String(part).padStart(4, "0")}.jsonl`;

/**
 * Each record of the file and what this run did with it, in table order (file order for new
 * records). Records the state knows but the file no longer has are not the run's; with `--only`
 * the other rows were not considered and are left out too.
 */
export function* runEntries(plan: UploadPlan, result?: UploadResult): Generator<RunRecordEntry> {
  const { table } = plan.state;
  const failedLines = new Set<number>();
  for (const f of result?.failed ?? []) f.lines.forEach((l) => failedLines.add(l));
  const only = plan.options.only;
  for (let index = 0; index < table.size; index++) {
    const file = table.file(index);
    if (!(file & IN_FILE)) continue;
    const externalId = table.id(index);
    if (only !== undefined && externalId !== only) continue;
    const line = table.line(index);
    let outcome: UploadOutcome;
    if (file & DUPLICATE) outcome = "duplicate";
    else if (!(file & CONVERTED)) outcome = "invalid";
    else if (file & SEND) {
      outcome = file & ACCEPTED ? "sent" : failedLines.has(line) ? "failed" : "notSent";
    } else if (table.known(index) & RESUMED && file & SAME) outcome = "resumed";
    else outcome = "unchanged";
    yield { externalId, outcome, line };
  }
}

function withheldLines(plan: UploadPlan): WithheldLine[] {
  const byLine = new Map<number, WithheldLine>();
  const add = (line: number, reason: string, externalId?: string) => {
    const seen = byLine.get(line);
    if (seen) seen.reason += `; ${reason}`;
    else byLine.set(line, { line, ...(externalId === undefined ? {} : { externalId }), reason });
  };
  for (const p of plan.csvProblems) add(p.line, `the row ${p.message}`);
  // A row error names its line only; the table knows which id that line had, if any.
  const invalid = new Set(plan.rowErrors.map((e) => e.line));
  const idAt = new Map<number, string>();
  const { table } = plan.state;
  for (let index = 0; index < table.size && idAt.size < invalid.size; index++) {
    const flags = table.file(index);
    if (flags & IN_FILE && !(flags & DUPLICATE) && invalid.has(table.line(index))) {
      idAt.set(table.line(index), table.id(index));
    }
  }
  for (const e of plan.rowErrors) add(e.line, `${e.attribute}: ${e.message}`, idAt.get(e.line));
  for (const d of plan.duplicates) {
    // One reason per group, shared by its lines.
    const reason = `externalId on lines ${listLines(d.lines)}: every copy withheld`;
    for (const line of d.lines) add(line, reason, d.externalId);
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line);
}

export interface RunRecordInput {
  runId: string;
  command: string;
  csv: string;
  startedAt: number;
  finishedAt: number;
  status: RunRecord["status"];
  error?: string;
  summary: RunSummary;
  plan?: UploadPlan;
  result?: UploadResult;
}

/**
 * Writes the run's record (records first, the header last: a run is listed only once all of it is
 * there), then removes the oldest runs beyond `RUNS_KEPT`.
 */
export async function writeRunRecord(store: StateStore, input: RunRecordInput): Promise<void> {
  let part = 0;
  if (input.plan) {
    const lines = new LineBuffer();
    const flush = async () => {
      await store.put(recordsKey(input.runId, ++part), lines.bytes());
      lines.clear();
    };
    for (const e of runEntries(input.plan, input.result)) {
      lines.add(JSON.stringify([e.externalId, e.outcome, e.line]));
      if (lines.lines === RECORDS_PER_DOCUMENT) await flush();
    }
    if (lines.lines > 0) await flush();
  }
  const record: RunRecord = {
    version: 1,
    runId: input.runId,
    command: input.command,
    csv: input.csv,
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(input.finishedAt).toISOString(),
    status: input.status,
    ...(input.error ? { error: input.error } : {}),
    summary: input.summary,
    failedRequests: (input.result?.failed ?? []).map((f) => ({
      request: f.request,
      status: f.status,
      error: f.error,
      requestId: f.requestId,
      lines: f.lines,
    })),
    withheld: input.plan ? withheldLines(input.plan) : [],
    ...(input.plan && input.plan.overrides.length > 0 ? { overrides: input.plan.overrides } : {}),
    recordDocuments: part,
  };
  await store.put(headerKey(input.runId), JSON.stringify(record, null, 2) + "\n");
  const runs = await listRuns(store);
  for (const old of runs.slice(0, Math.max(0, runs.length - RUNS_KEPT))) {
    for (const key of await store.list(`${RUNS_PREFIX}${old}/`)) await store.delete(key);
  }
}

/** Run ids with a complete record, oldest first. */
export async function listRuns(store: StateStore): Promise<string[]> {
  const ids = new Set<string>();
  for (const key of await store.list(RUNS_PREFIX)) {
    const match = /^runs\/([^/]+)\/run\.json$/.exec(key);
    if (match && RUN_ID.test(match[1])) ids.add(match[1]);
  }
  return [...ids].sort();
}

const where = (store: StateStore, key: string, line?: number) =>
  `${store.location}/${key}${line === undefined ? "" : `:${line}`}`;

/** The run's header, or undefined when there is no such run. */
export async function readRunHeader(
  store: StateStore,
  runId: string,
): Promise<RunRecord | undefined> {
  if (!RUN_ID.test(runId)) return undefined;
  const key = headerKey(runId);
  const text = await store.get(key);
  if (text === undefined) return undefined;
  let parsed: Partial<RunRecord>;
  try {
    parsed = JSON.parse(text) as Partial<RunRecord>;
  } catch (err) {
    throw new StateDamaged(where(store, key), `is not valid JSON (${(err as Error).message})`);
  }
  if (parsed?.version !== 1) {
    throw new StateDamaged(
      where(store, key),
      `has version ${String(parsed?.version)}; this inbound reads run records of version 1`,
    );
  }
  for (const field of ["runId", "command", "csv", "startedAt", "finishedAt", "status"] as const) {
    if (typeof parsed[field] !== "string") {
      throw new StateDamaged(where(store, key), `has no ${field}`);
    }
  }
  if (
    !Number.isInteger(parsed.recordDocuments) ||
    !Array.isArray(parsed.withheld) ||
    !Array.isArray(parsed.failedRequests) ||
    typeof parsed.summary !== "object" ||
    parsed.summary === null
  ) {
    throw new StateDamaged(
      where(store, key),
      "is not a run record (expected recordDocuments, withheld, failedRequests and summary)",
    );
  }
  const problem = runRecordProblem(parsed as RunRecord, runId);
  if (problem) throw new StateDamaged(where(store, key), problem);
  return parsed as RunRecord;
}

const isLine = (n: unknown) => Number.isInteger(n) && (n as number) > 0;

/**
 * What is wrong inside a run record that has the right fields, or undefined: its id must be the
 * run's (it becomes a path: `../../x` must not), and each failed request and withheld line must
 * have the shape the report reads (a `null` among them ended `report` in exit 70).
 */
function runRecordProblem(record: RunRecord, runId: string): string | undefined {
  if (record.runId !== runId) {
    return `names run ${JSON.stringify(record.runId)}, not ${runId}`;
  }
  for (const [i, f] of record.failedRequests.entries()) {
    const ok =
      typeof f === "object" &&
      f !== null &&
      Number.isInteger(f.request) &&
      typeof f.error === "string" &&
      (f.status === undefined || Number.isInteger(f.status)) &&
      (f.requestId === undefined || typeof f.requestId === "string") &&
      Array.isArray(f.lines) &&
      f.lines.every(isLine);
    if (!ok) return `has a malformed failed request (failedRequests[${i}])`;
  }
  for (const [i, w] of record.withheld.entries()) {
    const ok =
      typeof w === "object" &&
      w !== null &&
      isLine(w.line) &&
      typeof w.reason === "string" &&
      (w.externalId === undefined || typeof w.externalId === "string");
    if (!ok) return `has a malformed withheld line (withheld[${i}])`;
  }
  for (const [name, value] of Object.entries(record.summary)) {
    if (typeof value !== "number") return `has a malformed summary (${name})`;
  }
  return undefined;
}

/** The run's records in file order, checked line by line. */
export async function readRunEntries(
  store: StateStore,
  record: RunRecord,
): Promise<RunRecordEntry[]> {
  const out: RunRecordEntry[] = [];
  for (let part = 1; part <= record.recordDocuments; part++) {
    const key = recordsKey(record.runId, part);
    const text = await store.get(key);
    if (text === undefined) {
      throw new StateDamaged(
        where(store, key),
        `is missing (run ${record.runId} wrote ${record.recordDocuments} record documents)`,
      );
    }
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(lines[i]);
      } catch (err) {
        throw new StateDamaged(
          where(store, key, i + 1),
          `is not valid JSON (${(err as Error).message})`,
        );
      }
      if (
        !Array.isArray(value) ||
        value.length !== 3 ||
        typeof value[0] !== "string" ||
        !UPLOAD_OUTCOMES.includes(value[1] as UploadOutcome) ||
        !Number.isInteger(value[2])
      ) {
        throw new StateDamaged(
          where(store, key, i + 1),
          "is not a run entry (expected [externalId, outcome, line])",
        );
      }
      out.push({ externalId: value[0], outcome: value[1] as UploadOutcome, line: value[2] });
    }
  }
  // Written in the state's order (known records first); read in the file's.
  return out.sort((a, b) => a.line - b.line);
}
