/**
 * The deployed uploader: runs lib/upload's engine on one HR export, the way `inbound upload`
 * does, with the state in blob storage and a lock so a blob-triggered run and a timer run never
 * write the state at the same time. Nothing here knows the Functions SDK (functions/src/index.ts
 * does the registration), so all of it is unit-tested.
 */
import { provisioningApp, type ProvisioningApp } from "../../lib/spec/schema";
import { type BulkTransport, fetchTransport } from "../../lib/upload/bulk";
import { graphTokenProvider } from "../../lib/upload/endpoint";
import {
  commitUnsent,
  DEFAULT_RATE,
  executePlan,
  outcome,
  planUpload,
} from "../../lib/upload/engine";
import { type Clock, systemClock } from "../../lib/upload/scheduler";
import type { StateStore } from "../../lib/upload/state";
import type { CsvSource, Lock } from "./blob";

export interface FunctionSettings {
  appKey: string;
  app: ProvisioningApp;
  bulkUploadUrl: string;
  graphBaseUrl: string;
  dropContainerUrl: string;
  stateContainerUrl: string;
}

const FIX = "redeploy the stack: components/uploader.ts sets it";

/** Reads and validates the app settings the Uploader component writes. */
export function readSettings(env: NodeJS.ProcessEnv): FunctionSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`app setting ${name} is missing; ${FIX}`);
    return value;
  };
  const appKey = required("INBOUND_APP_KEY");
  let json: unknown;
  try {
    json = JSON.parse(required("INBOUND_SPEC_JSON"));
  } catch (err) {
    throw new Error(
      `app setting INBOUND_SPEC_JSON is not JSON (${(err as Error).message}); ${FIX}`,
    );
  }
  const parsed = provisioningApp.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(
      `app setting INBOUND_SPEC_JSON is not a valid provisioning app (${issues}); ${FIX}`,
    );
  }
  if (parsed.data.uploader?.kind !== "function") {
    throw new Error(
      `app setting INBOUND_SPEC_JSON has uploader.kind ${JSON.stringify(parsed.data.uploader?.kind)}, not "function"; ${FIX}`,
    );
  }
  return {
    appKey,
    app: parsed.data,
    bulkUploadUrl: required("INBOUND_BULK_UPLOAD_URL"),
    graphBaseUrl: required("INBOUND_GRAPH_BASE_URL"),
    dropContainerUrl: required("INBOUND_DROP_CONTAINER_URL"),
    stateContainerUrl: required("INBOUND_STATE_CONTAINER_URL"),
  };
}

/**
 * bulkUpload over fetch with a token from DefaultAzureCredential, which selects the
 * user-assigned identity through AZURE_CLIENT_ID.
 */
export function graphTransport(settings: FunctionSettings, env: NodeJS.ProcessEnv): BulkTransport {
  return fetchTransport(settings.bulkUploadUrl, graphTokenProvider(env, settings.graphBaseUrl));
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface UploaderRuntime {
  appKey: string;
  app: ProvisioningApp;
  state: StateStore;
  transport: BulkTransport;
  /** The run lock; undefined when another run holds it. */
  lock(): Promise<Lock | undefined>;
  log: Logger;
  clock?: Clock;
}

export type Trigger = "blob" | "timer";

export interface RunReport {
  trigger: Trigger;
  file?: string;
  /** `skipped`: nothing was read (no file, or another run holds the lock). */
  status: "ok" | "partial" | "failed" | "skipped";
  reason?: string;
  rows: number;
  toSend: number;
  accepted: number;
  unchanged: number;
  /** Rows withheld: duplicates, rows that do not convert, malformed lines. */
  withheld: number;
  failedRequests: number;
  notAttempted: number;
  calls: number;
  refusals: string[];
  startedAt: string;
  finishedAt: string;
}

/** The state document with the last run's report (the engine's own keys are left alone). */
export const LAST_RUN_KEY = "runs/last.json";
/** A file this old is probably not today's export: the run goes ahead, with a warning. */
export const STALE_AFTER_MS = 48 * 60 * 60 * 1000;
export const LOCK_KEY = "lock";

function emptyReport(trigger: Trigger, started: number, file?: string): RunReport {
  const at = new Date(started).toISOString();
  return {
    trigger,
    file,
    status: "skipped",
    rows: 0,
    toSend: 0,
    accepted: 0,
    unchanged: 0,
    withheld: 0,
    failedRequests: 0,
    notAttempted: 0,
    calls: 0,
    refusals: [],
    startedAt: at,
    finishedAt: at,
  };
}

/**
 * One run over one file. Never throws for what the report can say (refusal, mapping problem,
 * failed requests); index.ts fails the invocation when `status` is `failed`, so it shows in
 * monitoring.
 */
export async function runUpload(
  runtime: UploaderRuntime,
  trigger: Trigger,
  source: CsvSource | undefined,
): Promise<RunReport> {
  const clock = runtime.clock ?? systemClock;
  const { log } = runtime;
  const report = emptyReport(trigger, clock.now(), source?.name);
  const finish = (patch: Partial<RunReport>): RunReport => {
    Object.assign(report, patch, { finishedAt: new Date(clock.now()).toISOString() });
    const line = `${runtime.appKey}: ${trigger} run on ${report.file ?? "(no file)"}: ${report.status}`;
    (report.status === "failed" ? log.error : report.status === "partial" ? log.warn : log.info)(
      report.reason ? `${line}: ${report.reason}` : line,
    );
    return report;
  };
  if (!source) return finish({ reason: "no .csv file at the top of the drop container" });

  const lock = await runtime.lock();
  if (!lock) {
    return finish({
      reason: "another run holds the lock; the next scheduled run picks the file up",
    });
  }
  try {
    if (source.lastModified && clock.now() - source.lastModified.getTime() > STALE_AFTER_MS) {
      log.warn(
        `${source.name} was last modified ${source.lastModified.toISOString()}, more than 48 h ago; is the HR export still running?`,
      );
    }
    const result = finish(await uploadFile(runtime, source, clock));
    await runtime.state.put(LAST_RUN_KEY, JSON.stringify(result, null, 2));
    return result;
  } finally {
    await lock.release();
  }
}

async function uploadFile(
  runtime: UploaderRuntime,
  source: CsvSource,
  clock: Clock,
): Promise<Partial<RunReport>> {
  const { log, app } = runtime;
  const { plan, problems, csvError } = await planUpload({
    app,
    // Read twice (plan, then send); each call of read() starts the content over.
    csv: () => source.read(),
    store: runtime.state,
    clock,
  });
  if (csvError) {
    return { status: "failed", reason: `${source.name}: ${csvError.message}; nothing was sent` };
  }
  if (!plan) {
    const why = problems.map((p) => `csv.columns["${p.attribute}"]: ${p.message}`).join("; ");
    return { status: "failed", reason: `the column mapping does not fit the file: ${why}` };
  }
  // Values are never logged: the engine's row messages are already redacted.
  for (const p of plan.csvProblems)
    log.warn(`${source.name}:${p.line}: skipped: the row ${p.message}`);
  for (const e of plan.rowErrors)
    log.warn(`${source.name}:${e.line}: skipped: ${e.attribute}: ${e.message}`);
  for (const d of plan.duplicates) {
    log.warn(
      `${source.name}: externalId ${d.externalId} is on lines ${d.lines.join(", ")}: none is sent`,
    );
  }
  const withheld =
    plan.duplicates.reduce((n, d) => n + d.lines.length, 0) +
    new Set(plan.rowErrors.map((e) => e.line)).size +
    plan.csvProblems.length;
  const counts = {
    rows: plan.rows,
    toSend: plan.toSend,
    unchanged: plan.unchanged,
    withheld,
    refusals: plan.refusals,
  };
  if (plan.refusals.length > 0) {
    return {
      ...counts,
      status: "failed",
      reason: `refused, nothing sent: ${plan.refusals.join("; ")}`,
    };
  }
  if (plan.toSend === 0) {
    await commitUnsent(plan, runtime.state, clock);
    return {
      ...counts,
      status: outcome(plan),
      reason: `nothing to send: ${plan.unchanged} unchanged`,
    };
  }
  const result = await executePlan(plan, {
    transport: runtime.transport,
    store: runtime.state,
    rate: { ...DEFAULT_RATE, ...app.uploader?.rate },
    clock,
  });
  for (const f of result.failed) {
    log.error(
      `request ${f.request} failed (${f.records} records, lines ${f.lines[0]}-${f.lines[f.lines.length - 1]}): ${f.status ?? "no response"} ${f.error}${f.requestId ? ` [request-id ${f.requestId}]` : ""}`,
    );
  }
  return {
    ...counts,
    status: outcome(plan, result),
    reason: result.stopped ? `stopped: ${result.stopped}` : undefined,
    accepted: result.accepted,
    failedRequests: result.failed.length,
    notAttempted: result.notAttempted,
    calls: result.calls,
  };
}

/** A CSV source from the bytes the blob trigger hands over. */
export function bufferCsvSource(name: string, content: Buffer, lastModified?: Date): CsvSource {
  return {
    name,
    lastModified,
    async *read() {
      yield content;
    },
  };
}
