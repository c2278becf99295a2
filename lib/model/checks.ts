/**
 * The shape of an offline check of a tenant spec. Each area (provisioning, lifecycle, uploader,
 * expressions, lineage) keeps its checks beside its code in this shape; lib/loader/validate.ts
 * runs them all, and the loader turns each path into `file:line:col`.
 */
import type { TenantSpec } from "./schema";

/** A path into the spec: keys and list indices, e.g. `["provisioning", "emp", "mappings", "x"]`. */
export type SpecPath = (string | number)[];

export interface CheckContext {
  spec: TenantSpec;
  /** `offset`: position inside the string value at `path`, for errors inside an expression. */
  report(path: SpecPath, message: string, offset?: number): void;
  /** A problem that does not stop a deploy: printed, exit 0 unless `validate --strict`. */
  warn(path: SpecPath, message: string, offset?: number): void;
  /**
   * A sample HR file (`validate --csv-header`): its header line as an uploader with this CSV
   * configuration reads it (encoding, delimiter), checked like `uploader.csv.header`.
   */
  csvSample?: CsvSample;
}

/**
 * The columns of a sample CSV header; or, for a sample JSON record (`validate --sample`), its
 * text fields by dotted path (objects and lists are not text, so not among them).
 */
export type CsvSample = (
  csv: Pick<TenantSpec["provisioning"][string]["uploader"] & object, "csv">["csv"],
  uploader?: TenantSpec["provisioning"][string]["uploader"],
) => readonly string[] | { error: string } | { jsonFields: readonly string[] };

export type CheckFn = (ctx: CheckContext) => void;
