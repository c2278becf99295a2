/**
 * The shape of an offline spec check, as lib/spec/checks.ts runs them: a check reads the parsed
 * spec and reports problems at a property path; the loader turns the path into file:line:col.
 * Declared here structurally so this area does not depend on the loader's module.
 */
import type { TenantSpec } from "../spec/schema";

export type SpecPath = (string | number)[];

export interface CheckContext {
  spec: TenantSpec;
  /** `offset`: position inside the string value at `path` (e.g. a token of a scope rule). */
  report(path: SpecPath, message: string, offset?: number): void;
}

export type CheckFn = (ctx: CheckContext) => void;
