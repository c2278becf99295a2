/**
 * The uploader in two steps. `planUpload` reads the whole file once and decides everything that
 * can be decided before the first call: which records are new or changed, which are withheld
 * (duplicate keys, rows that do not convert), whether the safeguard or the daily quota refuses
 * the run. `executePlan` then sends, paced, retried and checkpointed.
 *
 * Planning keeps only the records to send (as JSON) and one small entry per key, so a steady-state
 * delta run of a large population stays small in memory.
 */
import type { Readable } from "stream";
import type { ProvisioningApp } from "../spec/schema";
import {
  BulkRecord,
  BulkTransport,
  bulkBody,
  chunk,
  describeErrorBody,
  MAX_OPERATIONS,
} from "./bulk";
import { contentHash } from "./canonical";
import { compileConverter, Converter, MappingProblem, RowError, serializeUser } from "./convert";
import { CsvProblem, readCsv } from "./csv";
import { backoffDelay, Clock, parseRetryAfter, RateScheduler, systemClock } from "./scheduler";
import {
  CHECKPOINT_PREFIX,
  commitState,
  loadState,
  RecordState,
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
}

export interface Duplicate {
  externalId: string;
  lines: number[];
}

export interface UploadPlan {
  header: string[];
  /** Data rows read (rows with a wrong field count included). */
  rows: number;
  toSend: BulkRecord[];
  unchanged: number;
  /** Accepted by an interrupted run and not sent again. */
  alreadyAccepted: number;
  duplicates: Duplicate[];
  rowErrors: RowError[];
  csvProblems: CsvProblem[];
  /** Records in the state before the run. */
  known: number;
  /** Known records no longer in the file. */
  lost: string[];
  /** Records that go from active to inactive. */
  disables: string[];
  requests: number;
  quota: { daily: number; used: number; remaining: number };
  /** Why the run must not go ahead; empty when it may. */
  refusals: string[];
  state: UploaderState;
  options: PlanOptions;
}

export interface PlanInput {
  app: ProvisioningApp;
  csv: string | Readable;
  store: StateStore;
  options?: PlanOptions;
  clock?: Clock;
}

export const DEFAULT_RATE = { requestsPerWindow: 40, windowSeconds: 5, dailyQuota: 2000 };

export async function planUpload(
  input: PlanInput,
): Promise<{ plan?: UploadPlan; problems: MappingProblem[] }> {
  const { app } = input;
  const options = input.options ?? {};
  const clock = input.clock ?? systemClock;
  const uploader = app.uploader;
  if (!uploader) {
    return { problems: [{ attribute: "uploader", message: "the app has no uploader section" }] };
  }
  const state = await loadState(input.store, clock.now());
  const csvProblems: CsvProblem[] = [];
  const rowErrors: RowError[] = [];
  const seen = new Map<string, number[]>();
  const pending = new Map<string, BulkRecord>();
  let header: string[] = [];
  let convert: Converter["convert"] | undefined;
  let rows = 0;
  let unchanged = 0;
  let alreadyAccepted = 0;

  const csv = readCsv(input.csv, uploader.csv, (p) => {
    rows++;
    csvProblems.push(p);
  });
  for await (const item of csv) {
    if ("header" in item) {
      header = item.header;
      const compiled = compileConverter(app, header);
      if (!compiled.converter) return { problems: compiled.problems };
      convert = compiled.converter.convert;
      continue;
    }
    rows++;
    const row = convert!(item.fields, item.line);
    const id = row.externalId;
    if (id === undefined) {
      rowErrors.push(...row.errors);
      continue;
    }
    const lines = seen.get(id);
    if (lines) {
      // Every copy is withheld: which one HR meant cannot be known here.
      lines.push(item.line);
      pending.delete(id);
      rowErrors.push(...row.errors);
      continue;
    }
    seen.set(id, [item.line]);
    if (!row.user) {
      rowErrors.push(...row.errors);
      continue;
    }
    if (options.only !== undefined && id !== options.only) continue;
    const json = serializeUser(row.user);
    const hash = contentHash(json);
    const record: BulkRecord = {
      externalId: id,
      line: item.line,
      json,
      hash,
      active: row.active ?? null,
    };
    if (options.only === undefined) {
      if (state.resumed.get(id)?.[0] === hash) {
        alreadyAccepted++;
        continue;
      }
      if (!options.full && state.records.get(id)?.[0] === hash) {
        unchanged++;
        continue;
      }
    }
    pending.set(id, record);
  }
  if (!convert) {
    return {
      problems: [{ attribute: "csv", message: "the CSV file is empty: it has no header row" }],
    };
  }

  const duplicates: Duplicate[] = [];
  for (const [externalId, lines] of seen) {
    if (lines.length > 1) duplicates.push({ externalId, lines });
  }
  const toSend = [...pending.values()];
  const known = new Map(state.records);
  for (const [id, entry] of state.resumed) known.set(id, entry);
  const lost = options.only === undefined ? [...known.keys()].filter((id) => !seen.has(id)) : [];
  const disables = toSend
    .filter((r) => r.active === false && known.get(r.externalId)?.[1] === true)
    .map((r) => r.externalId);

  const refusals: string[] = [];
  if (options.only !== undefined) {
    const lines = seen.get(options.only);
    if (!lines) refusals.push(`externalId ${options.only} is not in the file`);
    else if (lines.length > 1) {
      refusals.push(`externalId ${options.only} is on more than one line (${lines.join(", ")})`);
    } else if (toSend.length === 0) {
      refusals.push(
        `externalId ${options.only} (line ${lines[0]}) does not convert; see the errors above`,
      );
    }
  }
  const max = uploader.safeguard.maxDisablePercent;
  if (known.size > 0 && !options.allowDeletes && options.only === undefined) {
    const disablePercent = (disables.length / known.size) * 100;
    if (disablePercent > max) {
      refusals.push(
        `safeguard: the run would disable ${disables.length} of ${known.size} known users (${disablePercent.toFixed(1)}%, more than maxDisablePercent ${max}%); check the HR file, or pass --allow-deletes if this is intended`,
      );
    }
    const lostPercent = (lost.length / known.size) * 100;
    if (lostPercent > max) {
      refusals.push(
        `safeguard: ${lost.length} of ${known.size} known users are missing from the file (${lostPercent.toFixed(1)}%, more than maxDisablePercent ${max}%); is the file truncated? Pass --allow-deletes if this is intended`,
      );
    }
  }
  const rate = { ...DEFAULT_RATE, ...uploader.rate };
  const requests = Math.ceil(toSend.length / MAX_OPERATIONS);
  const used = state.calls.length;
  const remaining = Math.max(0, rate.dailyQuota - used);
  if (requests > remaining) {
    refusals.push(
      `daily quota: the run needs ${requests} bulkUpload calls but only ${remaining} of ${rate.dailyQuota} remain (${used} made by this uploader in the last 24 h); wait, raise rate.dailyQuota if the tenant has ID Governance (6,000), or send part with --only`,
    );
  }

  return {
    plan: {
      header,
      rows,
      toSend,
      unchanged,
      alreadyAccepted,
      duplicates,
      rowErrors,
      csvProblems,
      known: known.size,
      lost,
      disables,
      requests,
      quota: { daily: rate.dailyQuota, used, remaining },
      refusals,
      state,
      options,
    },
    problems: [],
  };
}

export interface RetryOptions {
  /** Retries per request after the first attempt. */
  maxRetries: number;
  baseMs: number;
  capMs: number;
  /** A longer `Retry-After` stops the run: the daily quota is probably spent. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxRetries: 5,
  baseMs: 1000,
  capMs: 60_000,
  maxRetryAfterMs: 10 * 60_000,
};

export interface ExecuteOptions {
  transport: BulkTransport;
  store: StateStore;
  rate: { requestsPerWindow: number; windowSeconds: number };
  retry?: Partial<RetryOptions>;
  clock?: Clock;
  random?: () => number;
  /** Extra milliseconds added to the rate window (default 250). */
  marginMs?: number;
  signal?: AbortSignal;
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
  calls: number;
  retries: number;
  stopped?: string;
  elapsedMs: number;
}

class Stop extends Error {}

export async function executePlan(
  plan: UploadPlan,
  options: ExecuteOptions,
): Promise<UploadResult> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const started = clock.now();
  const scheduler = new RateScheduler({
    requestsPerWindow: options.rate.requestsPerWindow,
    windowMs: options.rate.windowSeconds * 1000,
    marginMs: options.marginMs ?? 250,
    clock,
  });
  const batches = chunk(plan.toSend);
  const runId = `${started.toString(36)}-${Math.floor(random() * 36 ** 4).toString(36)}`;
  const accepted = new Map<string, RecordState>();
  const failed: FailedRequest[] = [];
  const callTimes: number[] = [];
  let retries = 0;
  let stopped: string | undefined;
  let done = 0;
  let acceptedRecords = 0;
  let failedRecords = 0;

  const progress = () =>
    options.onProgress?.({
      acceptedRecords,
      failedRecords,
      totalRecords: plan.toSend.length,
      requestsDone: done,
      requestsTotal: batches.length,
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

  /** One HTTP call in a slot already acquired; the slot is released whatever happens. */
  const call = async (body: string, calls: number[]) => {
    try {
      if (stopped) throw new Stop(stopped);
      if (callTimes.length >= plan.quota.remaining) {
        stopped = `the daily quota of ${plan.quota.daily} calls is reached; the rest is sent by the next run`;
        throw new Stop(stopped);
      }
      const now = clock.now();
      callTimes.push(now);
      calls.push(now);
      return await options.transport(body);
    } finally {
      scheduler.release();
    }
  };

  const sendBatch = async (records: BulkRecord[], number: number, firstSlot: boolean) => {
    const body = bulkBody(records);
    const calls: number[] = [];
    let failure: Omit<FailedRequest, "request" | "records" | "lines"> | undefined;
    for (let attempt = 0; ; attempt++) {
      if (!(attempt === 0 && firstSlot)) await scheduler.acquire();
      let delay: number | undefined;
      try {
        const response = await call(body, calls);
        if (response.status >= 200 && response.status < 300) {
          failure = undefined;
          break;
        }
        failure = {
          status: response.status,
          error: describeErrorBody(response.body),
          requestId: response.requestId,
        };
        if (response.status === 401 || response.status === 403) {
          stopped = `bulkUpload answered ${response.status}: ${failure.error}; check the token and the SynchronizationData-User.Upload permission`;
          break;
        }
        if (response.status !== 429 && response.status < 500) break;
        const retryAfter = parseRetryAfter(response.retryAfter, clock.now());
        if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) {
          stopped = `bulkUpload asked to wait ${Math.round(retryAfter / 1000)} s; the daily quota is probably spent, run again later`;
          break;
        }
        delay = retryAfter ?? backoffDelay(attempt + 1, { ...retry, random });
        if (response.status === 429 && retryAfter !== undefined) {
          scheduler.pauseUntil(clock.now() + retryAfter);
        }
      } catch (err) {
        if (err instanceof Stop) {
          failure = undefined;
          return false;
        }
        failure = { error: `no response: ${(err as Error).message}` };
        delay = backoffDelay(attempt + 1, { ...retry, random });
      }
      if (attempt >= retry.maxRetries || stopped) break;
      retries++;
      await clock.sleep(delay);
    }
    if (options.signal?.aborted) return false;
    done++;
    if (failure) {
      failedRecords += records.length;
      failed.push({
        request: number,
        records: records.length,
        lines: records.map((r) => r.line),
        ...failure,
      });
    } else {
      const entries: [string, string, boolean | null][] = records.map((r) => [
        r.externalId,
        r.hash,
        r.active,
      ]);
      // Written before counting the records as accepted: a crash after this line resends nothing.
      await options.store.put(
        `${CHECKPOINT_PREFIX}${runId}-${String(number).padStart(6, "0")}.json`,
        JSON.stringify({ records: entries, calls }),
      );
      for (const [id, hash, active] of entries) accepted.set(id, [hash, active]);
      acceptedRecords += records.length;
    }
    progress();
    return true;
  };

  const running = new Set<Promise<unknown>>();
  const loop = async () => {
    for (let i = 0; i < batches.length; i++) {
      await scheduler.acquire();
      if (stopped) {
        scheduler.release();
        break;
      }
      const task = sendBatch(batches[i], i + 1, true);
      running.add(task);
      task.finally(() => running.delete(task)).catch(() => undefined);
    }
    // Surface the first error of a request (a failed checkpoint write) instead of hiding it.
    while (running.size > 0) await Promise.all([...running]);
  };
  await Promise.race([loop(), aborted]);

  const sentOrFailed = acceptedRecords + failedRecords;
  if (!options.signal?.aborted) {
    await commitState(
      options.store,
      plan.state,
      accepted,
      plan.options.only === undefined ? plan.lost : [],
      callTimes,
      clock.now(),
    );
  }
  const notAttempted = plan.toSend.length - sentOrFailed;
  failed.sort((a, b) => a.request - b.request);
  return {
    accepted: acceptedRecords,
    failed,
    notAttempted,
    calls: callTimes.length,
    retries,
    stopped,
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
  const lost = plan.options.only === undefined ? plan.lost : [];
  await commitState(store, plan.state, new Map(), lost, [], clock.now());
}

/** EXIT codes of cli/io.ts, decided from a plan and its result. */
export function outcome(plan: UploadPlan, result?: UploadResult): "ok" | "partial" | "failed" {
  if (plan.refusals.length > 0) return "failed";
  const withheld =
    plan.duplicates.length > 0 || plan.rowErrors.length > 0 || plan.csvProblems.length > 0;
  if (!result) return withheld ? "partial" : "ok";
  if (result.accepted === 0 && plan.toSend.length > 0) return "failed";
  if (result.failed.length > 0 || result.notAttempted > 0 || withheld) return "partial";
  return "ok";
}
