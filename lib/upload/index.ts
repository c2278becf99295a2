/**
 * The sender: turns the HR records (lib/records) into `/bulkUpload` requests, only the new or
 * changed ones, within the rate limits, resumable; keeps the delta state and the run records.
 * `inbound upload` and the deployed Function run the same `runUpload`.
 */
export {
  bulkBody,
  type BulkRecord,
  type BulkTarget,
  checkBulkTarget,
  DEFAULT_TIMEOUT_MS,
  MAX_OPERATIONS,
  SCIM_CONTENT_TYPE,
} from "./bulk";
export {
  executePlan,
  planBatches,
  planUpload,
  type Progress,
  safeguardLines,
  type UploadPlan,
  type UploadResult,
} from "./engine";
export {
  type LogSummary,
  parseSince,
  type ProvisioningLogEntry,
  provisioningLogsPath,
  type RecordSummary,
  summariseLogs,
} from "./logs";
export {
  type BlobItemLike,
  BlobStateStore,
  type ContainerClientLike,
  openBlobStateStore,
  parseStateLocation,
} from "./blob";
export { groupedRowErrors } from "./rowErrors";
export { type RunOutcome, type RunSummary, runUpload, summarize } from "./run";
export {
  listRuns,
  readRunEntries,
  readRunHeader,
  RUN_ID,
  type RunRecord,
  type RunRecordEntry,
  UPLOAD_OUTCOMES,
  type UploadOutcome,
  type WithheldLine,
} from "./runRecord";
export { type Clock, systemClock } from "./scheduler";
export {
  acceptedIds,
  followRecords,
  type FollowOutcome,
  nothingProcessed,
  parseWait,
} from "./wait";
export {
  DirectoryStateStore,
  type LockAttempt,
  MemoryStateStore,
  StateDamaged,
  type StateStore,
} from "./state";
