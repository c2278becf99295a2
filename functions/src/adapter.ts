/**
 * The deployed uploader: runs lib/upload's runUpload on one HR export, exactly as `inbound upload`
 * does, with the state in blob storage and its lock a lease, so a blob-triggered run and a timer
 * run never write the state at the same time. Nothing here knows the Functions SDK (functions/src/index.ts
 * does the registration), so all of it is unit-tested.
 */
import { provisioningApp, type ProvisioningApp } from "../../lib/model/schema";
import { graphSession, jobFromEndpoint, parseBulkUploadUrl } from "../../lib/tenant";
import { acceptedLine } from "../../lib/monitoring/queries";
import { listLines } from "../../lib/records";
import {
  type BulkTarget,
  runUpload,
  type RunSummary,
  summarize,
  type Clock,
  systemClock,
  type StateStore,
} from "../../lib/upload";
import type { CsvSource } from "./blob";

export interface FunctionSettings {
  appKey: string;
  app: ProvisioningApp;
  bulkUploadUrl: string;
  graphBaseUrl: string;
  /** The spec's tenant: a token for any other tenant is refused before a record is sent. */
  tenantId: string;
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
    tenantId: required("INBOUND_TENANT_ID"),
    dropContainerUrl: required("INBOUND_DROP_CONTAINER_URL"),
    stateContainerUrl: required("INBOUND_STATE_CONTAINER_URL"),
  };
}

/**
 * The job's bulkUpload URL and the Graph session (lib/tenant) `inbound upload` uses, pinned to the
 * spec's tenant: its token comes from DefaultAzureCredential, which selects the user-assigned
 * identity through AZURE_CLIENT_ID (or INBOUND_GRAPH_TOKEN when set, for tests). The identity
 * holds only the upload and log-read roles, so the job is named by the URL, never looked up.
 */
export function graphTarget(settings: FunctionSettings, env: NodeJS.ProcessEnv): FunctionTarget {
  const job = jobFromEndpoint(settings.bulkUploadUrl, "app setting INBOUND_BULK_UPLOAD_URL");
  const session = graphSession({
    baseUrl: settings.graphBaseUrl,
    tenantId: settings.tenantId,
    env,
  });
  return { graph: session.client, endpoint: job.endpoint, signIn: session.token };
}

/** Where bulk requests go, and the sign-in to check before the first one. */
export interface FunctionTarget extends BulkTarget {
  /** Gets a token (refused when for another tenant), so a bad sign-in stops the run unsent. */
  signIn?: () => Promise<unknown>;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface UploaderRuntime {
  appKey: string;
  app: ProvisioningApp;
  /** The state, and through it the run lock (a lease on its `lock` blob). */
  state: StateStore;
  /** Where and through which client bulk requests go (graphTarget). */
  target: FunctionTarget;
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
  /** The run record in the state (`runs/<id>/`), which `inbound report --run` reads. */
  runId?: string;
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

/**
 * One trigger over one file: lib/upload's runUpload, as `inbound upload` runs it, with the state
 * in blob storage. Never throws for what the report can say (refusal, mapping problem, failed
 * requests); index.ts fails the invocation when `status` is `failed`, so it shows in monitoring.
 */
export async function handleTrigger(
  runtime: UploaderRuntime,
  trigger: Trigger,
  source: CsvSource | undefined,
): Promise<RunReport> {
  const clock = runtime.clock ?? systemClock;
  const { log, app } = runtime;
  const started = new Date(clock.now()).toISOString();
  const finish = (report: Omit<RunReport, "trigger" | "file" | "startedAt" | "finishedAt">) => {
    const full: RunReport = {
      trigger,
      file: source?.name,
      ...report,
      startedAt: started,
      finishedAt: new Date(clock.now()).toISOString(),
    };
    const line = `${runtime.appKey}: ${trigger} run on ${full.file ?? "(no file)"}: ${full.status}`;
    (full.status === "failed" ? log.error : full.status === "partial" ? log.warn : log.info)(
      full.reason ? `${line}: ${full.reason}` : line,
    );
    // Read back by the accepted-not-processed alert (docs/monitoring.md).
    const job = parseBulkUploadUrl(runtime.target.endpoint);
    if (full.accepted > 0 && job) log.info(acceptedLine(full.accepted, job.jobId));
    return full;
  };
  if (!source) {
    return finish({
      ...counts(summarize()),
      refusals: [],
      status: "skipped",
      reason: "no .csv file at the top of the drop container",
    });
  }
  if (source.lastModified && clock.now() - source.lastModified.getTime() > STALE_AFTER_MS) {
    log.warn(
      `${source.name} was last modified ${source.lastModified.toISOString()}, more than 48 h ago; is the HR export still running?`,
    );
  }
  const run = await runUpload({
    app,
    // Read twice (plan, then send); each call of read() starts the content over.
    csv: () => source.read(),
    csvName: source.name,
    command: `function ${runtime.appKey}: ${trigger} trigger on ${source.name}`,
    store: runtime.state,
    recovery:
      "restore the state container's blobs from a copy, or delete them (every record is then sent again)",
    clock,
    connect: async () => {
      // As `inbound upload`: a sign-in that fails, or is for another tenant, stops the run here.
      await runtime.target.signIn?.();
      return runtime.target;
    },
    onNotice: (text) => log.warn(text),
    onPlan: (plan) => {
      // Values are never logged: the engine's row messages are already redacted.
      for (const p of plan.csvProblems) {
        log.warn(`${source.name}:${p.line}: skipped: the row ${p.message}`);
      }
      for (const e of plan.rowErrors) {
        log.warn(`${source.name}:${e.line}: skipped: ${e.attribute}: ${e.message}`);
      }
      for (const d of plan.duplicates) {
        log.warn(
          `${source.name}: externalId ${d.externalId} is on lines ${listLines(d.lines)}: none is sent`,
        );
      }
    },
  });
  for (const f of run.result?.failed ?? []) {
    log.error(
      `request ${f.request} failed (${f.records} records, lines ${f.lines[0]}-${f.lines[f.lines.length - 1]}): ${f.status ?? "no response"} ${f.error}${f.requestId ? ` [request-id ${f.requestId}]` : ""}`,
    );
  }
  const refusals = run.plan?.refusals ?? [];
  let reason = run.error;
  if (run.problems.length > 0) {
    const why = run.problems.map((p) => `csv.columns["${p.attribute}"]: ${p.message}`).join("; ");
    reason = `the column mapping does not fit the file: ${why}`;
  } else if (run.plan && !run.result && run.status !== "failed") {
    reason = `nothing to send: ${run.plan.unchanged} unchanged`;
  }
  if (run.heldBy) {
    return finish({
      ...counts(run.summary),
      refusals,
      status: "skipped",
      reason: "another run holds the lock; the next scheduled run picks the file up",
    });
  }
  const report = finish({
    ...counts(run.summary),
    refusals,
    status: run.status,
    reason,
    ...(run.runId ? { runId: run.runId } : {}),
  });
  try {
    await runtime.state.put(LAST_RUN_KEY, JSON.stringify(report, null, 2));
  } catch (err) {
    log.error(`the run report could not be written to ${LAST_RUN_KEY}: ${(err as Error).message}`);
  }
  return report;
}

function counts(summary: RunSummary) {
  return {
    rows: summary.rows,
    toSend: summary.toSend,
    accepted: summary.accepted,
    unchanged: summary.unchanged,
    withheld: summary.skipped,
    failedRequests: summary.failedRequests,
    notAttempted: summary.notAttempted,
    calls: summary.calls,
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
