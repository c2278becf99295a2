import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, paint } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import { PlanError, runUnderMocks, PlannedResource } from "../plan/mockRun";
import { offlineInvokes } from "../plan/offline";
import { recordProviderCreates, type PlannedRequest } from "../plan/graphRequests";
import { describeSchemaBody } from "../../lib/provisioning/describe";
import { checkPolicies, PolicyViolation } from "../../policies/offline";
import { fitMarkdown, MarkdownPart } from "../../lib/review/budget";
import { FUNCTION_PACKAGE_TYPE } from "../../components/uploader/functionPackage";

const PROGRAM = path.join(__dirname, "..", "..", "index.ts");

// Outputs that only a real deployment knows; shown as placeholders naming the resource.
const COMPUTED = [
  "principalId",
  "clientId",
  "objectId",
  "tenantId",
  "servicePrincipalId",
  "servicePrincipalObjectId",
  "applicationId",
  "applicationObjectId",
  "accessEndpoint",
  "defaultHostName",
  "jobId",
  "templateId",
  "extensionId",
  "workflowId",
  "connectionString",
];
// Inputs that carry an Azure resource's own name, by resource kind.
const NAME_INPUTS = [
  "name",
  "resourceName",
  "accountName",
  "containerName",
  "workflowName",
  "systemTopicName",
  "resourceGroupName",
];

/** What a provider would return for a resource, as far as an offline plan can say. */
export function computedOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const placeholders = Object.fromEntries(
    COMPUTED.filter((k) => inputs[k] === undefined).map((k) => [k, `<${name}.${k}>`]),
  );
  const azureName = NAME_INPUTS.map((k) => inputs[k]).find((v) => typeof v === "string") ?? name;
  const extra: Record<string, unknown> = { name: inputs.name ?? azureName };
  const identity = inputs.identity as Record<string, unknown> | undefined;
  if (identity && typeof identity === "object") {
    extra.identity = {
      ...identity,
      principalId: `<${name}.identity.principalId>`,
      tenantId: "<tenantId>",
    };
  }
  if (type === "azure-native:storage:StorageAccount") {
    extra.primaryEndpoints = { blob: `https://${azureName}.blob.core.windows.net/` };
  }
  return { ...placeholders, ...extra };
}

export interface Plan {
  resources: PlannedResource[];
  graphRequests: PlannedRequest[];
  /** What the policy pack would report at `pulumi preview --policy-pack policies`. */
  policyViolations: PolicyViolation[];
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("plan")
    .description("Show offline what `pulumi up` would create, and the exact Graph requests")
    .argument("<spec>", "tenant spec file")
    .option("--json", "machine-readable output")
    .option("--markdown", "Markdown, e.g. for a pull-request comment")
    .option("--stack <name>", "stack name (default: the tenant name)")
    .action(
      async (file: string, options: { json?: boolean; markdown?: boolean; stack?: string }) => {
        const loaded = loadSpec(file, { cwd: io.cwd });
        for (const d of loaded.diagnostics) io.err(formatDiagnostic(d) + "\n");
        if (!loaded.spec) return done(EXIT.failed);
        const spec = loaded.spec;
        let run;
        const recording = recordProviderCreates();
        try {
          run = await runUnderMocks({
            program: PROGRAM,
            config: { "inbound:spec": path.resolve(io.cwd, file) },
            stack: options.stack ?? spec.tenant.name,
            invoke: offlineInvokes(spec),
            computedOutputs,
            create: recording.create,
          });
        } catch (err) {
          if (!(err instanceof PlanError)) throw err;
          for (const message of err.messages) io.err(`${file}: the program fails: ${message}\n`);
          return done(EXIT.failed);
        } finally {
          recording.close();
        }
        const plan: Plan = {
          resources: run.resources,
          graphRequests: recording.requests(run.resources.map((r) => r.name)),
          policyViolations: await checkPolicies(run.resources),
        };
        if (options.json) io.out(JSON.stringify(plan, null, 2) + "\n");
        else if (options.markdown) io.out(renderMarkdown(file, plan));
        else io.out(renderText(io, file, plan));
        // As `pulumi preview` with the pack: a mandatory violation fails, an advisory one warns.
        const blocked = plan.policyViolations.some((v) => v.enforcementLevel === "mandatory");
        done(blocked ? EXIT.failed : EXIT.ok);
      },
    );
}

function children(plan: Plan, parent: string): PlannedResource[] {
  return plan.resources.filter((r) => r.parent === parent);
}

/** What a resource does that its type does not say: the uploader's code package is uploaded. */
function note(r: PlannedResource): string {
  if (r.type !== FUNCTION_PACKAGE_TYPE) return "";
  const url = `${String(r.inputs.containerUrl)}/${String(r.inputs.blobName)}`;
  return `: uploads the function's code archive (built from this repository) to ${url}`;
}

function renderText(io: CliIo, file: string, plan: Plan): string {
  const lines = [paint(io, "bold", `Plan for ${file}: ${plan.resources.length} resources`), ""];
  const walk = (parent: string, depth: number) => {
    for (const r of children(plan, parent)) {
      lines.push(`${"  ".repeat(depth)}+ ${r.name}  ${paint(io, "dim", r.type)}${note(r)}`);
      walk(r.name, depth + 1);
    }
  };
  walk("", 1);
  lines.push("", paint(io, "bold", `Policy pack: ${policySummary(plan)}`));
  for (const v of plan.policyViolations) {
    const level = paint(
      io,
      v.enforcementLevel === "mandatory" ? "red" : "yellow",
      v.enforcementLevel,
    );
    lines.push(`  ${level} ${v.policy} on ${v.resource}: ${v.message}`);
  }
  lines.push(
    "",
    paint(io, "bold", `Microsoft Graph requests: ${plan.graphRequests.length}`),
    paint(io, "dim", REQUESTS_NOTE),
  );
  let resource: string | undefined;
  for (const request of plan.graphRequests) {
    if (request.resource !== resource) {
      resource = request.resource;
      lines.push("", paint(io, "bold", `${resource}:`));
    }
    lines.push("", `${paint(io, "green", request.method)} ${request.path}`);
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      lines.push(paint(io, "dim", `  ${name}: ${value}`));
    }
    const summary = schemaSummary(request);
    if (summary) {
      lines.push("  what the spec sets in it:", indent(summary.join("\n"), 4), "  the whole body:");
    }
    if (request.body !== undefined) lines.push(indent(JSON.stringify(request.body, null, 2), 4));
  }
  return lines.join("\n") + "\n";
}

/**
 * The plan as one pull-request comment: the resources and the policy pack first, then one
 * collapsed block per Graph request, as many as fit the comment budget (lib/review/budget.ts).
 */
export function renderMarkdown(file: string, plan: Plan, budget?: number): string {
  // The policy findings come before the resource list: they are what a reviewer must not miss
  // when the list is what has to be cut.
  const policy = [`### inbound plan: \`${file}\``, "", `**Policy pack:** ${policySummary(plan)}`];
  if (plan.policyViolations.length > 0) policy.push("");
  for (const v of plan.policyViolations) {
    policy.push(`- **${v.enforcementLevel}** \`${v.policy}\` on \`${v.resource}\`: ${v.message}`);
  }
  const resources = ["", `**${plan.resources.length} resources**`, ""];
  const walk = (parent: string, depth: number) => {
    for (const r of children(plan, parent)) {
      resources.push(`${"  ".repeat(depth)}- \`${r.name}\` (${r.type})${note(r)}`);
      walk(r.name, depth + 1);
    }
  };
  walk("", 0);
  const requestsHead = [
    "",
    `**${plan.graphRequests.length} Microsoft Graph requests**`,
    "",
    `_${REQUESTS_NOTE}_`,
    "",
  ];
  const requests = plan.graphRequests.map((request): MarkdownPart => {
    // Each fenced block is one entry, so that a cut never leaves a fence open.
    const fence = (lang: string, body: string[]) => ["```" + lang, ...body, "```"].join("\n");
    const lines: string[] = [];
    const headers = Object.entries(request.headers ?? {});
    if (headers.length > 0) {
      lines.push(
        fence(
          "http",
          headers.map(([name, value]) => `${name}: ${value}`),
        ),
        "",
      );
    }
    const summary = schemaSummary(request);
    if (summary) lines.push("What the spec sets in it:", "", fence("text", summary), "");
    if (request.body !== undefined) {
      lines.push(fence("json", [JSON.stringify(request.body, null, 2)]));
    }
    return {
      name: `${request.method} ${request.path}`,
      open: [
        `<details><summary><code>${request.method} ${html(request.path)}</code> (${html(request.resource)})</summary>`,
        "",
      ],
      lines,
      close: ["", "</details>", ""],
    };
  });
  return fitMarkdown(
    [
      { name: "the policy pack's findings", lines: policy },
      { name: "the resource list", lines: resources },
      { name: "the Graph requests' count", lines: requestsHead },
      ...requests,
    ],
    budget,
  );
}

const REQUESTS_NOTE =
  "What inbound's own Graph resources send, recorded from their providers run against stand-in " +
  "answers (<placeholders> are ids and names the tenant gives at deploy time); the azuread and " +
  "azure-native resources above are created by their own providers.";

/** For a schema PUT, the spec's part of the body in one line per item (the body is long). */
function schemaSummary(request: PlannedRequest): string[] | undefined {
  if (request.method !== "PUT" || !request.path.endsWith("/schema")) return undefined;
  return describeSchemaBody(request.body);
}

// Paths carry `<...>` placeholders, which HTML would take for tags.
const html = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function policySummary(plan: Plan): string {
  const count = (level: string) =>
    plan.policyViolations.filter((v) => v.enforcementLevel === level).length;
  return plan.policyViolations.length === 0
    ? "no violations"
    : `${count("mandatory")} mandatory, ${count("advisory")} advisory violation(s)`;
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}
