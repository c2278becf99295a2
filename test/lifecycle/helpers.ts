/** Shared helpers for the lifecycle tests: specs from YAML fragments, fixtures, check runs. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { tenantSpec, type TenantSpec } from "../../lib/model/schema";
import type { CheckFn, SpecPath } from "../../lib/model/checks";
import type { GraphEmulator } from "../../lib/emulator";

const BASE = {
  tenant: { name: "contoso", id: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f", domain: "contoso.com" },
  azure: {
    subscriptionId: "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
    resourceGroup: "RG-LCM",
    location: "westeurope",
  },
};

/** A full spec from a YAML fragment holding the lifecycle sections; tenant and azure are filled in. */
export function specFrom(yamlText: string, base: Record<string, unknown> = BASE): TenantSpec {
  const parsed = tenantSpec.safeParse({ ...base, ...parse(yamlText) });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues, null, 2));
  return parsed.data;
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  const file = path.join(__dirname, "..", "fixtures", "lifecycle", name);
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/**
 * Runs checks and returns what they report, as `path: message` with the loader's path style, and
 * `path: column N: message` for a problem inside a string (N is 1-based within the string).
 */
export function runChecks(checks: CheckFn[], spec: TenantSpec): string[] {
  const found: string[] = [];
  for (const check of checks) {
    check({
      spec,
      warn: (p: (string | number)[], m: string) => {
        throw new Error(`unexpected warning at ${p.join(".")}: ${m}`);
      },
      report: (p, message, offset) =>
        found.push(
          `${formatPath(p)}: ${offset === undefined ? "" : `column ${offset + 1}: `}${message}`,
        ),
    });
  }
  return found;
}

function formatPath(p: SpecPath): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k),
    "",
  );
}

export interface SentRequest {
  method: string;
  /** Path under the version segment, without the query: `/identityGovernance/...`. */
  path: string;
  body: unknown;
  /** The Prefer header, if any. */
  prefer: string | undefined;
}

/** The emulator's recorded requests, as the lifecycle tests compare them. */
export function lifecycleRequests(emulator: GraphEmulator): SentRequest[] {
  return emulator.requests.map((r) => ({
    method: r.method,
    path: r.path.replace(/^\/(v1\.0|beta)/, ""),
    body: r.body,
    prefer: typeof r.headers.prefer === "string" ? r.headers.prefer : undefined,
  }));
}
