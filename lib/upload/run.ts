/**
 * One upload run, the same for `inbound upload` and the deployed Function: take the state's lock,
 * prove the state can be written, plan, find the job and sign in, send, and sum up. The callers
 * only say where the file and the state are, how to reach Graph, and how to print what happened;
 * every guarantee of docs/uploader.md "What can go wrong" lives here or below.
 */
import type { Readable } from "stream";
import type { ProvisioningApp, Workflow } from "../model/schema";
import { BulkTarget, checkBulkTarget } from "./bulk";
import {
  addressedFields,
  type CsvInput,
  jsonSource,
  type MappingProblem,
  readRest,
  type RecordSource,
  type RestAccess,
  type RestRead,
  RestReadError,
} from "../records";
import {
  commitUnsent,
  DEFAULT_RATE,
  executePlan,
  outcome,
  planUpload,
  PlanOptions,
  Progress,
  RetryOptions,
  UploadPlan,
  UploadResult,
} from "./engine";
import { Clock, systemClock } from "./scheduler";
import { newRunId, writeRunRecord } from "./runRecord";
import { ownerProblem, recordOwner, StateOwner } from "./owner";
import { HeldLock, proveWritable, resetState, StateDamaged, StateStore } from "./state";

export interface RunInput {
  app: ProvisioningApp;
  /** A CSV read twice (plan, then send): a path or a function that opens the file afresh. */
  csv?: Exclude<CsvInput, Readable>;
  /** The records from another source (lib/records/source.ts), instead of `csv`. */
  source?: RecordSource;
  /**
   * Read the app's HR API (`uploader.rest`) with these secrets, instead of `csv` or `source`: every
   * page first, and nothing sent unless all of them were read.
   */
  rest?: RestAccess;
  /** The HR file as its user names it, for messages. */
  csvName: string;
  store: StateStore;
  options?: PlanOptions;
  /** The spec's lifecycle workflows, whose triggers and scopes the safeguard watches. */
  workflows?: Record<string, Workflow>;
  /**
   * Finds the job and signs in, and returns its bulkUpload URL and the Graph client to post
   * through. Called only when there is something to send, after the lock is held and the state
   * proved writable.
   */
  connect(): Promise<BulkTarget>;
  /** Plan only: no lock, no write, nothing sent; the caller shows the plan. */
  dryRun?: boolean;
  /**
   * The command line as its user would type it again (the CLI) or what triggered the run (the
   * Function): kept in the run record that `inbound report --run` reads.
   */
  command?: string;
  /**
   * Whom the run is for: a state recorded for another tenant, app or job is refused (see
   * owner.ts); the job is added from `connect`'s endpoint.
   */
  owner?: StateOwner;
  /** Set the state aside first (`--reset-state`): every record is sent again. */
  resetState?: boolean;
  /** How the caller's user recovers from damaged state, appended to the message. */
  recovery: string;
  /** The plan, once made and before anything is sent or refused. */
  onPlan?(plan: UploadPlan): void;
  /** Something the operator should know that is not an error (a stale lock taken over). */
  onNotice?(message: string): void;
  onProgress?(progress: Progress): void;
  retry?: Partial<RetryOptions>;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
}

/** The counts both callers report, computed in one place. */
export interface RunSummary {
  /** Data rows read. */
  rows: number;
  toSend: number;
  unchanged: number;
  /** Rows withheld: every copy of a duplicated id, rows that do not convert, malformed lines. */
  skipped: number;
  duplicateIds: number;
  invalidRows: number;
  malformedLines: number;
  accepted: number;
  failedRecords: number;
  failedRequests: number;
  notAttempted: number;
  unrecorded: number;
  calls: number;
  retries: number;
  elapsedMs: number;
}

export interface RunOutcome {
  status: "ok" | "partial" | "failed";
  /**
   * The run's id once its record (what it did with each record) is in the state: what
   * `inbound report --run` takes. Not set for a dry run, or when the record could not be written.
   */
  runId?: string;
  /** Another run holds the lock: nothing was read or sent. */
  heldBy?: string;
  /** Why the run failed or stopped, in one line (refusals are in `plan.refusals`). */
  error?: string;
  problems: MappingProblem[];
  plan?: UploadPlan;
  result?: UploadResult;
  summary: RunSummary;
  /**
   * A dry run of an HR API: the read is kept for the caller to show the requests from, and this
   * deletes it (it holds HR personal data). Other runs delete it themselves.
   */
  release?(): Promise<void>;
}

export function summarize(plan?: UploadPlan, result?: UploadResult): RunSummary {
  const lines = new Set<number>();
  for (const d of plan?.duplicates ?? []) d.lines.forEach((l) => lines.add(l));
  // A duplicate that also fails to convert is one skipped row, not two.
  const invalid = new Set((plan?.rowErrors ?? []).map((e) => e.line));
  for (const e of plan?.rowErrors ?? []) lines.add(e.line);
  const malformed = plan?.csvProblems.length ?? 0;
  return {
    rows: plan?.rows ?? 0,
    toSend: plan?.toSend ?? 0,
    unchanged: plan?.unchanged ?? 0,
    skipped: lines.size + malformed,
    duplicateIds: plan?.duplicates.length ?? 0,
    invalidRows: invalid.size,
    malformedLines: malformed,
    accepted: result?.accepted ?? 0,
    failedRecords: (result?.failed ?? []).reduce((n, f) => n + f.records, 0),
    failedRequests: result?.failed.length ?? 0,
    notAttempted: result?.notAttempted ?? 0,
    unrecorded: result?.unrecorded ?? 0,
    calls: result?.calls ?? 0,
    retries: result?.retries ?? 0,
    elapsedMs: result?.elapsedMs ?? 0,
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const failed = (error: string, patch: Partial<RunOutcome> = {}): RunOutcome => ({
  status: "failed",
  error,
  problems: [],
  summary: summarize(patch.plan, patch.result),
  ...patch,
});

export async function runUpload(input: RunInput): Promise<RunOutcome> {
  const clock = input.clock ?? systemClock;
  const { store } = input;
  const startedAt = clock.now();
  if (!input.app.uploader) return failed("the app has no uploader section");

  let held: HeldLock | undefined;
  if (!input.dryRun) {
    let attempt;
    try {
      attempt = await store.lock();
    } catch (err) {
      return failed(
        `the state at ${store.location} cannot be locked (${message(err)}); nothing was sent`,
      );
    }
    if ("heldBy" in attempt) {
      return failed(
        `another upload of this app is running: ${attempt.heldBy}; nothing was sent, run again when it has finished`,
        { heldBy: attempt.heldBy },
      );
    }
    held = attempt.lock;
    if (attempt.notice) input.onNotice?.(attempt.notice);
  }
  let read: RestRead | undefined;
  try {
    const run = await runHeld(input, clock, held?.lost, (r) => (read = r));
    if (input.dryRun) {
      const kept = read;
      read = undefined;
      return kept ? { ...run, release: () => kept.remove() } : run;
    }
    const runId = newRunId(startedAt, input.random);
    try {
      await writeRunRecord(store, {
        runId,
        command: input.command ?? "inbound upload",
        csv: input.csvName,
        startedAt,
        finishedAt: clock.now(),
        status: run.status,
        error: run.error,
        summary: run.summary,
        plan: run.plan,
        result: run.result,
      });
    } catch (err) {
      input.onNotice?.(
        `the run record could not be written to ${store.location} (${message(err)}); \`inbound report\` cannot show this run`,
      );
      return run;
    }
    return { ...run, runId };
  } finally {
    await read?.remove().catch(() => undefined);
    await held?.release();
  }
}

/** The run once the lock is held (or, for a dry run, without it). */
async function runHeld(
  input: RunInput,
  clock: Clock,
  lockLost: AbortSignal | undefined,
  onRead: (read: RestRead) => void,
): Promise<RunOutcome> {
  const { store } = input;
  const uploader = input.app.uploader!;
  // (A block, so the lines keep the indentation they had inside runUpload's try.)
  {
    if (!input.dryRun) {
      try {
        await proveWritable(store, clock.now());
        if (input.resetState) {
          const reset = await resetState(store, clock.now());
          input.onNotice?.(
            `--reset-state: ${reset.documents} state documents moved to ${reset.backup}; every record is sent again`,
          );
        }
      } catch (err) {
        return failed(
          `the state at ${store.location} cannot be written (${message(err)}); nothing was sent: free space or fix its permissions, then run again`,
        );
      }
    }
    try {
      const problem = input.owner && (await ownerProblem(store, input.owner));
      if (problem) return failed(problem);
      if (input.owner && !input.dryRun) await recordOwner(store, input.owner);
    } catch (err) {
      if (err instanceof StateDamaged) return failed(`${err.message}; ${input.recovery}`);
      return failed(
        `the state at ${store.location} cannot be written (${message(err)}); nothing was sent`,
      );
    }
    let source = input.source;
    if (input.rest) {
      if (!uploader.rest) return failed("the app's uploader has no rest section");
      try {
        const read = await readRest(uploader.rest, input.rest);
        onRead(read);
        // Numbered by record: line N of the read is the Nth record of the API.
        source = jsonSource(read.file, { fields: addressedFields(input.app) });
      } catch (err) {
        if (err instanceof RestReadError) {
          return failed(`${err.message}; the HR read is incomplete, nothing was sent`);
        }
        throw err;
      }
    }
    let planned;
    try {
      planned = await planUpload({
        app: input.app,
        csv: input.csv,
        source,
        store,
        options: input.options,
        workflows: input.workflows,
        clock,
      });
    } catch (err) {
      if (err instanceof StateDamaged) return failed(`${err.message}; ${input.recovery}`);
      throw err;
    }
    const { plan, problems, csvError } = planned;
    // A malformed file is found by the first pass, before anything is sent.
    if (csvError) return failed(`${input.csvName}: ${csvError.message}; nothing was sent`);
    if (!plan) return { ...failed("the column mapping does not fit the file"), problems };
    if (plan.state.callsAhead) {
      input.onNotice?.(
        `${plan.state.callsAhead} call times in the state at ${store.location} are in the future (this clock, or the one that wrote them, is wrong); they are counted as now`,
      );
    }
    input.onPlan?.(plan);
    if (plan.rows > 0 && plan.valid === 0 && plan.options.only === undefined) {
      return failed(
        `no row of ${input.csvName} can be sent (see the errors above); nothing was sent`,
        { plan },
      );
    }
    if (plan.refusals.length > 0) {
      return failed(`refused, nothing sent: ${plan.refusals.join("; ")}`, { plan });
    }
    const done = (result?: UploadResult): RunOutcome => ({
      status: outcome(plan, result),
      error: result?.stopped ? `stopped: ${result.stopped}` : undefined,
      problems: [],
      plan,
      result,
      summary: summarize(plan, result),
    });
    if (input.dryRun) return done();
    if (lockLost?.aborted) return failed(`${String(lockLost.reason)}; nothing was sent`, { plan });
    if (plan.toSend === 0) {
      try {
        await commitUnsent(plan, store, clock);
      } catch (err) {
        return failed(`the state could not be written (${message(err)}); nothing was sent`, {
          plan,
        });
      }
      return done();
    }
    let target: BulkTarget;
    try {
      target = await input.connect();
      checkBulkTarget(target);
    } catch (err) {
      return failed(message(err), { plan });
    }
    if (input.owner) {
      const owner = { ...input.owner, job: target.endpoint };
      try {
        const problem = await ownerProblem(store, owner);
        if (problem) return failed(problem, { plan });
        await recordOwner(store, owner);
      } catch (err) {
        return failed(`the state at ${store.location} cannot be written (${message(err)})`, {
          plan,
        });
      }
    }
    const result = await executePlan(plan, {
      ...target,
      timeoutMs: uploader.requests.timeoutSeconds * 1000,
      store,
      rate: { ...DEFAULT_RATE, ...uploader.rate },
      retry: {
        stopAfterRepeatedErrors: uploader.requests.stopAfterRepeatedErrors,
        ...input.retry,
      },
      clock,
      random: input.random,
      signal: input.signal,
      stop: lockLost,
      onProgress: input.onProgress,
    });
    return done(result);
  }
}
