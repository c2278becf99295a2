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
import type { ProvisioningApp } from "../model/schema";
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
} from "./recordTable";
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
}

export interface Duplicate {
  externalId: string;
  lines: number[];
}

export interface UploadPlan {
  header: string[];
  /** Data rows read (rows with a wrong field count included). */
  rows: number;
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
  requests: number;
  quota: { daily: number; used: number; remaining: number };
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
  const state = await loadState(input.store, clock.now());
  const { table } = state;
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
  for (let index = 0; index < table.size; index++) {
    const was = table.known(index);
    const file = table.file(index);
    if (was & KNOWN) known++;
    if (options.only !== undefined) continue;
    if (was & KNOWN && !(file & IN_FILE)) lost++;
    if (!(file & CONVERTED) || file & DUPLICATE) continue;
    if (was & RESUMED && file & SAME) alreadyAccepted++;
    else if (!options.full && file & SAME) unchanged++;
    else {
      table.setFile(index, file | SEND);
      toSend++;
      if (file & FILE_INACTIVE && was & KNOWN_ACTIVE) disables++;
    }
  }

  const refusals: string[] = [];
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
  const rate = { ...DEFAULT_RATE, ...uploader.rate };
  const requests = Math.ceil(toSend / MAX_OPERATIONS);
  const used = state.calls.length;
  const remaining = Math.max(0, rate.dailyQuota - used);
  if (requests > remaining) {
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
      toSend,
      unchanged,
      alreadyAccepted,
      duplicates,
      rowErrors,
      csvProblems,
      known,
      lost,
      disables,
      requests,
      quota: { daily: rate.dailyQuota, used, remaining },
      refusals,
      state,
      options,
      source: { records, convert },
    },
    problems: [],
  };
}

/** The file changed between the planning pass and the sending pass. */
class SourceChanged extends Error {}

/**
 * The sending pass: the records the plan chose, in file order, in bulk-sized groups. Each is
 * converted again and must still be what was planned: the safeguard judged that content.
 */
export async function* planBatches(plan: UploadPlan): AsyncGenerator<BulkRecord[]> {
  const { table } = plan.state;
  if (plan.toSend === 0) return;
  // One bit per CSV line: 125 KB for a million lines, where a sorted list would take 4 MB.
  let lastLine = 0;
  for (let index = 0; index < table.size; index++) {
    if (table.file(index) & SEND) lastLine = Math.max(lastLine, table.line(index));
  }
  const chosen = new Uint8Array((lastLine >> 3) + 1);
  for (let index = 0; index < table.size; index++) {
    if (table.file(index) & SEND) chosen[table.line(index) >> 3] |= 1 << (table.line(index) & 7);
  }
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
      if (!(chosen[item.line >> 3] & (1 << (item.line & 7)))) continue;
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
  if (found < plan.toSend) {
    throw new SourceChanged(
      `the CSV file changed while it was being sent (${plan.toSend - found} planned rows are gone); run again to send the rest`,
    );
  }
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

/** Answers that no retry and no other batch will turn into a success. */
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

  /** One HTTP call in a slot already acquired; the slot is released whatever happens. */
  const journal = new SendJournal(options.store, `${SENT_PREFIX}${runId}.json`);
  const call = async (body: string, calls: number[]) => {
    try {
      if (stopped) throw new Stop(stopped);
      if (callTimes.length >= plan.quota.remaining) {
        stopped = `the daily quota of ${plan.quota.daily} calls is reached; the rest is sent by the next run`;
        throw new Stop(stopped);
      }
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
    const entries: RecordEntry[] = records.map((r) => [r.externalId, r.hash, r.active]);
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
        if (response.status >= 200 && response.status < 300) {
          failure = undefined;
          break;
        }
        failure = {
          status: response.status,
          error: describeFailure(response.error),
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
      if (failure.status !== undefined && HOPELESS.has(failure.status)) {
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
      // Written before counting the records as accepted: a crash after this line resends nothing.
      try {
        await options.store.put(
          `${CHECKPOINT_PREFIX}${name}`,
          JSON.stringify({ records: entries, calls }),
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
      }
    } finally {
      await batches.return(undefined);
    }
    // Surface the first error of a request (a failed checkpoint write) instead of hiding it.
    while (running.size > 0) await Promise.all([...running]);
  };
  await Promise.race([loop(), aborted]);

  if (!options.signal?.aborted && !stateFailed) {
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
