/**
 * `inbound diff --all <dir> --base-ref <ref>`: every tenant file of a directory, as checked out,
 * against its version at a git revision. Each side is loaded with its `extends` read at its own
 * revision, so one change to a base file shows up in every tenant that extends it, and in no
 * other.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { formatDiagnostic } from "../model/diagnostics";
import { diffSpecs, SpecDiff } from "./diff";
import type { AppImpact } from "./impact";
import { loadSide, refuseOption } from "./source";
import type { TenantSpec } from "../model/schema";

export type TenantStatus = "changed" | "unchanged" | "added" | "removed";

export interface TenantReview {
  /** The tenant file, as named under `dir`. */
  file: string;
  /** `tenant.name` of the side that exists (the head's when both do). */
  tenant: string;
  status: TenantStatus;
  /** For a tenant in both revisions. */
  diff?: SpecDiff;
  /** With `--csv`: per app key, what the change does to the people of its HR file. */
  impact?: Record<string, AppImpact>;
}

export interface FleetReview {
  tenants: TenantReview[];
  /** Diagnostics of sides that did not load, as `file:line:col: message` lines. */
  errors: string[];
  /** Both loaded sides of each changed tenant file, for the impact on people. */
  sides: Map<string, { base: TenantSpec; head: TenantSpec }>;
}

const isTenantFile = (name: string) => /\.ya?ml$/i.test(name);

/** The tenant files directly in `dir` at `ref` (paths as `dir/name`). */
function filesAt(ref: string, dir: string, cwd: string): string[] {
  refuseOption(ref);
  const listing = execFileSync(
    "git",
    ["ls-tree", "--name-only", "-z", "--end-of-options", ref, "--", `${dir}/`],
    {
      cwd,
      stdio: "pipe",
    },
  ).toString();
  return listing
    .split("\0")
    .filter((p) => p !== "" && isTenantFile(p))
    .map((p) => path.join(dir, path.basename(p)));
}

function filesIn(dir: string, cwd: string): string[] {
  const full = path.resolve(cwd, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((e) => e.isFile() && isTenantFile(e.name))
    .map((e) => path.join(dir, e.name));
}

export function reviewFleet(dir: string, baseRef: string, cwd: string): FleetReview {
  const before = new Set(filesAt(baseRef, dir, cwd));
  const after = new Set(filesIn(dir, cwd));
  const files = [...new Set([...before, ...after])].sort();
  const review: FleetReview = { tenants: [], errors: [], sides: new Map() };
  const load = (side: string, prefix = "") => {
    let result;
    try {
      result = loadSide(side, cwd);
    } catch (e) {
      review.errors.push(`${side}: ${(e as Error).message.split("\n")[0]}`);
      return undefined;
    }
    for (const d of result.diagnostics.filter((d) => d.severity === "error")) {
      review.errors.push(`${prefix}${formatDiagnostic(d)}`);
    }
    return result.spec;
  };
  for (const file of files) {
    const old = before.has(file) ? load(`${baseRef}:${file}`, `${baseRef}:`) : undefined;
    const now = after.has(file) ? load(file) : undefined;
    if (before.has(file) && after.has(file)) {
      if (!old || !now) continue;
      const diff = diffSpecs(old, now);
      if (diff.changes.length > 0) review.sides.set(file, { base: old, head: now });
      const status = diff.changes.length === 0 ? "unchanged" : "changed";
      review.tenants.push({ file, tenant: now.tenant.name, status, diff });
    } else if (now) {
      review.tenants.push({ file, tenant: now.tenant.name, status: "added" });
    } else if (old) {
      review.tenants.push({ file, tenant: old.tenant.name, status: "removed" });
    }
  }
  return review;
}
