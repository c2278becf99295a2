/**
 * One run of the uploader over a large file, for the memory figure of upload.bench.ts: the bench
 * compiles this module and lib/ to plain JavaScript and runs it in a child process of its own, so
 * that the peak is the engine's (plus Node's) and not the bench's or a TypeScript loader's.
 */
import { createGraphClient } from "../lib/graph";
import { executePlan, planUpload, DirectoryStateStore } from "../lib/upload";
import { tenantSpec } from "../lib/model/schema";
import { recordSource } from "../lib/records";
import { SAMPLE_COLUMNS } from "../test/upload/sampleColumns";

const MB = 1024 * 1024;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** The bench's tenant spec, as a tenant file would hold it. */
export function benchSpecInput(rate: Record<string, number>) {
  return {
    tenant: { name: "bench", id: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f", domain: "contoso.com" },
    provisioning: {
      employees: {
        displayName: "Bench",
        notificationEmail: "a@contoso.com",
        scimExtension: {
          urn: "urn:ietf:params:scim:schemas:extension:contoso:1.0:User",
          attributes: { HireDate: "dateTime", OnLeave: "boolean" },
        },
        mappings: { employeeId: "[externalId]" },
        uploader: {
          kind: "none",
          rate,
          csv: {
            // The bench's export also has a cost centre and a company.
            columns: {
              ...SAMPLE_COLUMNS,
              "enterprise:costCenter": "[CostCenter]",
              "enterprise:organization": "[Company]",
            },
          },
        },
      },
    },
  };
}

export function benchApp(dailyQuota: number) {
  return tenantSpec.parse(benchSpecInput({ dailyQuota })).provisioning.employees;
}

export interface ChildReport {
  rows: number;
  sent: number;
  requests: number;
  unchanged: number;
  seconds: number;
  baselineMB: number;
  peakMB: number;
}

/** One run in this (child) process; prints a ChildReport as JSON. */
export async function memoryChild(
  file: string,
  stateDir: string,
  format: "csv" | "json" = "csv",
): Promise<void> {
  const baseline = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const store = new DirectoryStateStore(stateDir);
  const app = benchApp(1_000_000);
  // The same columns address a JSON record's fields (bench/sources.bench.ts writes them).
  const source = recordSource(app, file, format);
  const { plan } = await planUpload({ app, source, store });
  if (!plan || plan.refusals.length > 0) throw new Error(`refused: ${plan?.refusals.join("; ")}`);
  let operations = 0;
  // The production path (the Graph client's chain: host check, token, timeout, error reading)
  // with a service in this process that takes every request at once. It answers with what the
  // client reads of a fetch Response rather than with undici's Response class, so that Node's
  // HTTP stack (about 9 MB, loaded by any fetch, before this change too) stays out of the
  // engine's figure, as it always has.
  const answer = {
    status: 202,
    ok: true,
    // The client reads `has` (a 202 acknowledges with a Location header) and `get`.
    headers: { get: () => null, has: () => false },
    body: null,
    text: async () => "",
  } as unknown as Response;
  const accept = async (_url: unknown, init?: RequestInit) => {
    const body = String(init?.body);
    for (let i = body.indexOf('"method"'); i !== -1; i = body.indexOf('"method"', i + 1)) {
      operations++;
    }
    return answer;
  };
  const result = await executePlan(plan, {
    graph: createGraphClient({ token: "bench", fetch: accept as typeof fetch }),
    endpoint:
      "https://graph.microsoft.com/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.bench/bulkUpload",
    store,
    rate: { requestsPerWindow: 40, windowSeconds: 0.001 },
    marginMs: 0,
  });
  if (operations !== plan.toSend || result.accepted !== plan.toSend) {
    throw new Error(`sent ${operations} operations for ${plan.toSend} records`);
  }
  const report: ChildReport = {
    rows: plan.rows,
    sent: result.accepted,
    requests: result.calls,
    unchanged: plan.unchanged,
    seconds: seconds(started),
    baselineMB: baseline / MB,
    // ru_maxrss, in kilobytes on Linux: the true peak, not a sample.
    peakMB: (process.resourceUsage().maxRSS * 1024) / MB,
  };
  process.stdout.write(JSON.stringify(report) + "\n");
}
