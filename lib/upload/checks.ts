/**
 * Offline checks of the uploader part of a spec, in the shape of lib/spec/checks.ts: each column
 * key must be a SCIM attribute, externalId must be mapped, every expression must parse. (Whether
 * the columns exist can only be known from the CSV header, at upload time.)
 */
import { parseExpression } from "../expressions";
import type { TenantSpec } from "../spec/schema";
import { resolveScimTarget } from "./scim";

export interface CheckContext {
  spec: TenantSpec;
  /** `offset`: where in the string the problem is, so the loader can point at it. */
  report(path: (string | number)[], message: string, offset?: number): void;
}

export function checkUploaderColumns(ctx: CheckContext): void {
  for (const [key, app] of Object.entries(ctx.spec.provisioning)) {
    const columns = app.uploader?.csv.columns;
    if (!columns) continue;
    const base = ["provisioning", key, "uploader", "csv", "columns"];
    if (!("externalId" in columns)) {
      ctx.report(base, 'must map externalId, the HR key (e.g. externalId: "[WorkerID]")');
    }
    const targets = new Map<string, string>();
    for (const [attribute, expression] of Object.entries(columns)) {
      const target = resolveScimTarget(attribute, app.scimExtension);
      if ("error" in target) {
        ctx.report([...base, attribute], target.error);
        continue;
      }
      const previous = targets.get(target.canonical);
      if (previous) ctx.report([...base, attribute], `sets the same attribute as "${previous}"`);
      targets.set(target.canonical, attribute);
      for (const d of parseExpression(expression).diagnostics) {
        ctx.report([...base, attribute], d.message, d.offset);
      }
    }
  }
}
