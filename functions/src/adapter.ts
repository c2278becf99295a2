/**
 * The deployed uploader: runs lib/upload's runUpload on one HR export (a CSV or JSON file dropped
 * in the container) or on the spec's HR API, exactly as `inbound upload` does, with the state in
 * blob storage and its lock a lease, so a blob-triggered run and a timer run never write the state
 * at the same time. Nothing here knows the Functions SDK (functions/src/index.ts does the
 * registration), so all of it is unit-tested.
 */
import { z } from "zod";
import {
  provisioningApp,
  type ProvisioningApp,
  tenantSpec,
  uploaderColumns,
  type Workflow,
} from "../../lib/model/schema";
import { graphSession, jobFromEndpoint, parseBulkUploadUrl } from "../../lib/tenant";
import { acceptedLine } from "../../lib/monitoring/queries";
import { listLines, recordSource } from "../../lib/records";
import {
  type BulkTarget,
  followRecords,
  type FollowOutcome,
  groupedRowErrors,
  nothingProcessed,
  readRunEntries,
  readRunHeader,
  runUpload,
  type RunSummary,
  safeguardLines,
  summarize,
  type Clock,
  systemClock,
  type StateStore,
} from "../../lib/upload";
import type { DropFile } from "./blob";

export interface FunctionSettings {
  appKey: string;
  app: ProvisioningApp;
  /** The spec's lifecycle workflows: the safeguard watches what their triggers and scopes read. */
  workflows: Record<string, Workflow>;
  bulkUploadUrl: string;
  graphBaseUrl: string;
  /** The spec's tenant: a token for any other tenant is refused before a record is sent. */
  tenantId: string;
  dropContainerUrl: string;
  stateContainerUrl: string;
}

/** A zod error as `path: message; …`, for a setting or document named in the message. */
const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");

const FIX = "redeploy the stack: components/uploader/function.ts sets it";

/** Reads and validates the app settings the Uploader component writes. */
export function readSettings(env: NodeJS.ProcessEnv): FunctionSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`app setting ${name} is missing; ${FIX}`);
    return value;
  };
  const parsedSetting = <T>(name: string, schema: z.ZodType<T>, what: string): T => {
    let json: unknown;
    try {
      json = JSON.parse(required(name));
    } catch (err) {
      if ((err as Error).message.startsWith("app setting")) throw err;
      throw new Error(`app setting ${name} is not JSON (${(err as Error).message}); ${FIX}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new Error(`app setting ${name} is not ${what} (${issuesOf(parsed.error)}); ${FIX}`);
    }
    return parsed.data;
  };
  const appKey = required("INBOUND_APP_KEY");
  const app = parsedSetting("INBOUND_SPEC_JSON", provisioningApp, "a valid provisioning app");
  if (app.uploader?.kind !== "function") {
    throw new Error(
      `app setting INBOUND_SPEC_JSON has uploader.kind ${JSON.stringify(app.uploader?.kind)}, not "function"; ${FIX}`,
    );
  }
  const workflows = parsedSetting(
    "INBOUND_WORKFLOWS_JSON",
    tenantSpec.shape.lifecycleWorkflows,
    "the spec's lifecycleWorkflows",
  );
  return {
    appKey,
    app,
    workflows,
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
  /** The spec's tenant: the state belongs to it, this app and the job (lib/upload/owner.ts). */
  tenantId: string;
  /** The spec's lifecycle workflows, for the safeguard's lifecycle checks, as the CLI passes them. */
  workflows?: Record<string, Workflow>;
  /** The state, and through it the run lock (a lease on its `lock` blob). */
  state: StateStore;
  /** Where and through which client bulk requests go (graphTarget). */
  target: FunctionTarget;
  /**
   * Where the HR API's secrets are (`uploader.rest.auth`): the app settings, which Key Vault
   * references fill in (docs/uploader-azure.md).
   */
  env?: Record<string, string | undefined>;
  log: Logger;
  clock?: Clock;
}

export type Trigger = "blob" | "timer";

/** What the provisioning logs say of the records the previous run had sent. */
export interface PreviousRunOutcome {
  runId: string;
  /** Records the run had sent (accepted by bulkUpload). */
  total: number;
  processed: number;
  failed: number;
  pending: number;
  /** The job's state, when none of the records was processed. */
  job?: FollowOutcome["job"];
  /** Why the logs could not be read. */
  error?: string;
}

export interface RunReport {
  trigger: Trigger;
  /** The drop file read, or the HR API's host (`uploader.source: rest`). */
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
  /** Safeguard checks this run was allowed past, by the override document. */
  overrides?: string[];
  /** What became of the previous run's records, read from the provisioning logs at the start. */
  previous?: PreviousRunOutcome;
  startedAt: string;
  finishedAt: string;
}

/** The state document with the last run's report (the engine's own keys are left alone). */
export const LAST_RUN_KEY = "runs/last.json";
/** A file this old is probably not today's export: the run goes ahead, with a warning. */
export const STALE_AFTER_MS = 48 * 60 * 60 * 1000;
/**
 * The one-shot override of the safeguard (the Function's `--allow-*`): a document the operator
 * puts in the state container; the next run that goes ahead uses it, records it and deletes it.
 */
export const OVERRIDE_KEY = "override.json";
/**
 * The provisioning logs trail the requests by 5-10 minutes
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-issues):
 * the previous run's records are followed until ten minutes after it finished, and never for more
 * than two minutes of this run, which has a file to send.
 */
export const FOLLOW_AFTER_FINISH_MS = 10 * 60_000;
export const FOLLOW_AT_MOST_MS = 2 * 60_000;

const override = z
  .strictObject({
    allowDeletes: z.boolean().optional(),
    allowLeavers: z.boolean().optional(),
    allowChanges: z.boolean().optional(),
    reason: z.string().optional(),
  })
  .refine((o) => o.allowDeletes || o.allowLeavers || o.allowChanges, {
    message: "allows nothing: set allowDeletes, allowLeavers or allowChanges to true",
  });
type Override = z.output<typeof override>;

/** Reads the override document, or says why it cannot be used. */
async function readOverride(state: StateStore): Promise<{ override?: Override; problem?: string }> {
  const text = await state.get(OVERRIDE_KEY);
  if (text === undefined) return {};
  const where = `${state.location}/${OVERRIDE_KEY}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `${where} is not JSON (${(err as Error).message})` };
  }
  const parsed = override.safeParse(json);
  if (!parsed.success) {
    return { problem: `${where} is not a safeguard override (${issuesOf(parsed.error)})` };
  }
  return { override: parsed.data };
}

/** The CLI flags an override stands for, as the run record's command shows them. */
const overrideFlags = (o: Override) =>
  [
    o.allowDeletes && "--allow-deletes",
    o.allowLeavers && "--allow-leavers",
    o.allowChanges && "--allow-changes",
  ].filter((f): f is string => typeof f === "string");

/**
 * One trigger over one file, or over the HR API: lib/upload's runUpload, as `inbound upload` runs
 * it, with the state in blob storage. Never throws for what the report can say (refusal, mapping
 * problem, failed requests); index.ts fails the invocation when `status` is `failed`, so it shows
 * in monitoring. For a `rest` source `file` is not read (the timer passes none).
 */
export async function handleTrigger(
  runtime: UploaderRuntime,
  trigger: Trigger,
  file: DropFile | undefined,
): Promise<RunReport> {
  const clock = runtime.clock ?? systemClock;
  const { log, app } = runtime;
  const started = new Date(clock.now()).toISOString();
  const rest = app.uploader?.source === "rest" ? app.uploader.rest : undefined;
  const name = rest ? new URL(rest.url).host : file?.name;
  const previous = await followPrevious(runtime, clock);
  const finish = (report: Omit<RunReport, "trigger" | "file" | "startedAt" | "finishedAt">) => {
    const full: RunReport = {
      trigger,
      file: name,
      ...report,
      ...(previous ? { previous } : {}),
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
  const source = app.uploader?.source ?? "csv";
  if (!rest && !file) {
    const kinds = source === "json" ? ".json or .jsonl" : ".csv";
    return finish({
      ...counts(summarize()),
      refusals: [],
      status: "skipped",
      reason: `no ${kinds} file at the top of the drop container`,
    });
  }
  if (file && !rest && file.lastModified) {
    if (clock.now() - file.lastModified.getTime() > STALE_AFTER_MS) {
      log.warn(
        `${file.name} was last modified ${file.lastModified.toISOString()}, more than 48 h ago; is the HR export still running?`,
      );
    }
  }
  let allowed: Override | undefined;
  try {
    const read = await readOverride(runtime.state);
    if (read.problem) {
      return finish({
        ...counts(summarize()),
        refusals: [],
        status: "failed",
        reason: `${read.problem}; nothing was sent: correct or delete it (docs/uploader-azure.md)`,
      });
    }
    allowed = read.override;
  } catch (err) {
    return finish({
      ...counts(summarize()),
      refusals: [],
      status: "failed",
      reason: `the state at ${runtime.state.location} cannot be read (${(err as Error).message}); nothing was sent`,
    });
  }
  if (allowed) {
    log.warn(
      `${OVERRIDE_KEY} allows this run past the safeguard (${overrideFlags(allowed).join(" ")})${allowed.reason ? `: ${allowed.reason}` : ""}`,
    );
  }
  const run = await runUpload({
    app,
    source:
      file && !rest
        ? // Read twice (plan, then send); each call of read() starts the content over.
          recordSource(app, () => file.read(), source === "json" ? "json" : "csv")
        : undefined,
    rest: rest ? { env: runtime.env ?? {} } : undefined,
    csvName: name!,
    command:
      `function ${runtime.appKey}: ${trigger} trigger on ${rest ? `the HR API at ${name}` : name}` +
      (allowed ? ` (${OVERRIDE_KEY}: ${overrideFlags(allowed).join(" ")})` : ""),
    store: runtime.state,
    options: {
      allowDeletes: allowed?.allowDeletes,
      allowLeavers: allowed?.allowLeavers,
      allowChanges: allowed?.allowChanges,
    },
    workflows: runtime.workflows,
    owner: { tenantId: runtime.tenantId, app: runtime.appKey },
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
      // Grouped by kind as the CLI prints them; values are never logged (the messages are redacted).
      for (const line of groupedRowErrors(name!, plan)) log.warn(line);
      for (const d of plan.duplicates) {
        log.warn(
          `${name}: externalId ${d.externalId} is on lines ${listLines(d.lines)}: none is sent`,
        );
      }
      for (const line of safeguardLines(plan)) log.warn(line);
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
    const where = uploaderColumns(app.uploader).path.join(".");
    const why = run.problems.map((p) => `${where}["${p.attribute}"]: ${p.message}`).join("; ");
    reason = `the column mapping does not fit the ${rest ? "records" : "file"}: ${why}`;
  } else if (run.plan && !run.result && run.status !== "failed") {
    reason = `nothing to send: ${run.plan.unchanged} unchanged`;
  }
  if (refusals.length > 0) {
    log.error(
      `to let one run past the safeguard, put ${OVERRIDE_KEY} in the state container, e.g. {"allowLeavers": true, "reason": "..."} (docs/uploader-azure.md)`,
    );
  }
  if (run.heldBy) {
    return finish({
      ...counts(run.summary),
      refusals,
      status: "skipped",
      reason: "another run holds the lock; the next scheduled run picks the file up",
    });
  }
  // The override is one run's: consumed by the run it let go ahead, kept while runs are refused.
  let overrides: string[] | undefined;
  if (allowed && run.plan && refusals.length === 0) {
    overrides = run.plan.overrides;
    try {
      await runtime.state.delete(OVERRIDE_KEY);
    } catch (err) {
      log.error(
        `${OVERRIDE_KEY} could not be deleted (${(err as Error).message}); delete it, or the next run is let past the safeguard too`,
      );
    }
  }
  const report = finish({
    ...counts(run.summary),
    refusals,
    ...(overrides ? { overrides } : {}),
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

/**
 * The previous run's records in the provisioning logs (lib/upload/wait.ts, as `upload --wait`
 * follows them): `202 Accepted` said only that the service staged them. Read from its run record
 * in the state; logged, and kept in this run's report.
 */
async function followPrevious(
  runtime: UploaderRuntime,
  clock: Clock,
): Promise<PreviousRunOutcome | undefined> {
  const { log, state } = runtime;
  let runId: string | undefined;
  try {
    const last = await state.get(LAST_RUN_KEY);
    if (last === undefined) return undefined;
    const report = JSON.parse(last) as Partial<RunReport>;
    if (typeof report.runId !== "string" || !report.accepted) return undefined;
    runId = report.runId;
    const record = await readRunHeader(state, runId);
    if (!record) return undefined;
    const ids = (await readRunEntries(state, record))
      .filter((e) => e.outcome === "sent")
      .map((e) => e.externalId);
    if (ids.length === 0) return undefined;
    const job = jobFromEndpoint(runtime.target.endpoint, "the bulkUpload URL");
    const finished = Date.parse(record.finishedAt);
    const now = clock.now();
    const until = Math.max(
      now,
      Math.min(finished + FOLLOW_AFTER_FINISH_MS, now + FOLLOW_AT_MOST_MS),
    );
    const outcome = await followRecords({
      graph: runtime.target.graph,
      servicePrincipalId: job.servicePrincipalId,
      jobId: job.jobId,
      // A minute early: the service's clock and the run's may differ a little.
      since: new Date(Date.parse(record.startedAt) - 60_000),
      externalIds: ids,
      until,
      clock,
      pollMs: 30_000,
    });
    const result: PreviousRunOutcome = {
      runId,
      total: outcome.total,
      processed: outcome.processed,
      failed: outcome.failed.length,
      pending: outcome.pending.length,
      ...(outcome.job ? { job: outcome.job } : {}),
    };
    const line = `previous run ${runId}: processed ${result.processed} of ${result.total}, failed ${result.failed}, pending ${result.pending}`;
    (result.failed > 0 || result.pending > 0 ? log.warn : log.info)(line);
    // Only Entra's error code: its reason text may quote the record's values, and the log
    // holds none; `inbound report --run` shows the whole reason.
    for (const f of outcome.failed.slice(0, 5)) {
      const code = /^([A-Za-z0-9.]+):/.exec(f.reason ?? "")?.[1];
      log.warn(
        `previous run ${runId}: failed: externalId ${f.externalId}${code ? ` (${code})` : ""}; \`inbound report --run ${runId}\` shows why`,
      );
    }
    if (result.processed + result.failed === 0 && outcome.job?.error) {
      log.error(
        `previous run ${runId}: accepted, nothing processed; the job's state could not be read (${outcome.job.error}): grant the uploader's identity Synchronization.Read.All to see whether the job is paused or quarantined (docs/uploader-azure.md)`,
      );
    } else if (result.processed + result.failed === 0) {
      log.error(`previous run ${runId}: ${nothingProcessed(outcome.job)}`);
    }
    return result;
  } catch (err) {
    const message = (err as Error).message;
    log.warn(`the provisioning logs of the previous run could not be read: ${message}`);
    return runId
      ? { runId, total: 0, processed: 0, failed: 0, pending: 0, error: message }
      : undefined;
  }
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

/** A drop file from the bytes the blob trigger hands over. */
export function bufferDropFile(name: string, content: Buffer, lastModified?: Date): DropFile {
  return {
    name,
    lastModified,
    async *read() {
      yield content;
    },
  };
}
