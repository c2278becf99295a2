/**
 * One measured run of bench/review.bench.ts, in a process of its own so that its peak RSS is the
 * kernel's figure for that run alone: `simulate` of the HR file, or the impact of a change on it.
 */
import { tenantSpec, type TenantSpec } from "../lib/model/schema";
import { simulate } from "../lib/records";
import { appImpact } from "../lib/review/impact";
import { benchSpecInput } from "./upload.child";

const DEPARTMENTS = ["Sales", "IT", "Finance", "Product Engineering", "Manufacturing"];

/** The bench tenant with a scope, the usual mappings and a joiner workflow. */
export function reviewSpecs(): { base: TenantSpec; head: TenantSpec } {
  const input = benchSpecInput({ dailyQuota: 2000 }) as Record<string, unknown> & {
    provisioning: { employees: Record<string, unknown> };
  };
  Object.assign(input.provisioning.employees, {
    scope: {
      anyOf: [
        {
          allOf: [
            { attribute: "enterprise:department", operator: "equals", value: DEPARTMENTS },
            { attribute: "active", operator: "isTrue" },
          ],
        },
      ],
    },
    mappings: {
      employeeId: "[externalId]",
      accountEnabled: "[active]",
      givenName: "[name.givenName]",
      surname: "[name.familyName]",
      displayName: "[displayName]",
      jobTitle: "[title]",
      department: "[enterprise:department]",
      employeeHireDate: "[ext:HireDate]",
      userPrincipalName: 'Join("@", [userName], "contoso.com")',
    },
  });
  const withWorkflow = {
    ...input,
    lifecycleWorkflows: {
      welcome: {
        category: "joiner",
        displayName: "Welcome",
        trigger: { attribute: "employeeHireDate", offsetDays: 0 },
        tasks: ["sendWelcomeEmail"],
      },
    },
  };
  const base = tenantSpec.parse(withWorkflow);
  // The change: Finance leaves the scope (a fifth of the people), and every job title changes.
  const head = structuredClone(base);
  head.provisioning.employees.scope!.anyOf[0].allOf[0].value = DEPARTMENTS.filter(
    (d) => d !== "Finance",
  );
  head.provisioning.employees.mappings.jobTitle = 'Join(" ", [title], "(bench)")';
  return { base, head };
}

export interface ReviewReport {
  cpuSeconds: number;
  peakMB: number;
  /** What the run found, to check it did the work. */
  summary: string;
}

export async function run(mode: "simulate" | "impact", file: string): Promise<void> {
  const { base, head } = reviewSpecs();
  const started = process.cpuUsage();
  let summary: string;
  if (mode === "simulate") {
    const result = await simulate(head.provisioning.employees, file);
    const inScope = result.records.filter((r) => r.scope?.inScope).length;
    summary = `${result.records.length} records, ${inScope} in scope`;
  } else {
    const result = await appImpact(base, head, "employees", file);
    if (!("impact" in result)) throw new Error(JSON.stringify(result));
    const i = result.impact;
    summary = `${i.records} records, ${i.scope.left.count} left the scope, ${i.disabled.count} disabled, ${i.changed.jobTitle?.count ?? 0} job titles changed`;
  }
  const used = process.cpuUsage(started);
  const report: ReviewReport = {
    cpuSeconds: (used.user + used.system) / 1e6,
    peakMB: (process.resourceUsage().maxRSS * 1024) / 1048576,
    summary,
  };
  console.log(JSON.stringify(report));
}
