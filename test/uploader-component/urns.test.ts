/**
 * The uploader resources' URNs for the bundled examples, under Pulumi's mocks, against
 * test/fixtures/uploader-urns.json (recorded from the single Uploader component that the function
 * and Logic App uploaders were split from). A URN that changes makes `pulumi up` on an existing
 * stack delete the old resource and create a new one: a new storage account, identity and
 * function app, with the HR drop and the uploader's state lost. The mock monitor builds each URN
 * from the parent's URN, type and name, as the engine does.
 *
 * Each example is built as its own stack; the variants switch contoso's employees uploader to
 * the Logic App kind, and to the function kind with every option, so that every resource either
 * kind can register is here.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Tenant } from "../../components/tenant";
import { loadSpecOrThrow } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import { HR_SYSTEM_APP_ID } from "./fixtures";
import { computedOutputs } from "../../cli/commands/plan";
import { offlineInvokes } from "../../cli/plan/offline";
import { registeredTree } from "../helpers/pulumi";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE = path.join(ROOT, "test", "fixtures", "uploader-urns.json");
const SPECS = ["examples/tenants", "examples/variants"].flatMap((dir) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `${dir}/${f}`),
);

const load = (file: string) => loadSpecOrThrow(path.join(ROOT, file));

/** contoso's employees app with `uploader` changed as `change` says. */
function variant(
  file: string,
  change: (uploader: Record<string, unknown>) => Record<string, unknown>,
): TenantSpec {
  const spec = load(file);
  const employees = spec.provisioning.employees;
  return {
    ...spec,
    provisioning: {
      ...spec.provisioning,
      employees: {
        ...employees,
        uploader: change({ ...employees.uploader }) as typeof employees.uploader,
      },
    },
  };
}

// The Logic App maps plain columns only.
const logicApp = (u: Record<string, unknown>) => ({
  ...u,
  kind: "logicApp",
  httpTrigger: { audience: "api://contoso-hr-push", callerAppId: HR_SYSTEM_APP_ID },
  csv: {
    ...(u.csv as object),
    columns: { externalId: "[WorkerID]", userName: "[UserID]", "name.givenName": "[FirstName]" },
  },
});
const everyFunctionOption = (u: Record<string, unknown>) => ({
  ...u,
  blobEventSubscription: true,
});

const STACKS: [string, () => TenantSpec][] = [
  ...SPECS.map((file): [string, () => TenantSpec] => [file, () => load(file)]),
  ["contoso logicApp", () => variant("examples/tenants/contoso.yaml", logicApp)],
  [
    "contoso-monitored logicApp",
    () => variant("examples/variants/contoso-monitored.yaml", logicApp),
  ],
  [
    "contoso-monitored blobEventSubscription",
    () => variant("examples/variants/contoso-monitored.yaml", everyFunctionOption),
  ],
];

/** The offline plan's answers (cli/plan); a trigger URL and blob key as Azure gives them. */
function mocks(spec: TenantSpec): pulumi.runtime.Mocks {
  const invoke = offlineInvokes(spec);
  return {
    newResource(args) {
      const state = { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) };
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      if (args.token === "azure-native:web:listWebAppHostKeys") {
        return { systemKeys: { blobs_extension: "<blob-key>" } };
      }
      if (args.token === "azure-native:logic:listWorkflowTriggerCallbackUrl") {
        return { value: "https://prod-01.westeurope.logic.azure.com/w/triggers/manual?sig=s" };
      }
      return invoke(args.token, args.inputs);
    },
  };
}

/** The URNs of the uploader components and everything under them, without the stack prefix. */
async function uploaderUrns(stack: string, spec: TenantSpec): Promise<string[]> {
  await pulumi.runtime.setMocks(mocks(spec), "inbound", stack, false);
  const tenant = new Tenant(spec.tenant.name, { spec });
  await registeredTree(tenant);
  // Waits for the outputs still being registered, before the next stack's mocks replace these.
  await pulumi.runtime.disconnect();
  const settings = require("@pulumi/pulumi/runtime/settings");
  const prefix = `urn:pulumi:${stack}::inbound::`;
  return [...settings.getMonitor().getRegisteredResources().keys()]
    .filter((urn: string) => urn.includes("inbound:uploader:Uploader"))
    .map((urn: string) => urn.slice(prefix.length))
    .sort();
}

test("every uploader resource of every example keeps the URN it had before the split", async () => {
  const actual: Record<string, string[]> = {};
  for (const [stack, spec] of STACKS) {
    actual[stack] = await uploaderUrns(stack.replace(/[^a-z0-9-]/gi, "-"), spec());
  }
  const expected = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
  expect(actual).toEqual(expected);
  // Both kinds, with their optional resources, are covered.
  const all = Object.values(actual).flat();
  for (const child of [
    "web:WebApp",
    "eventgrid:SystemTopicEventSubscription",
    "applicationinsights:Component",
    "logic:Workflow",
    "monitor:MetricAlert",
    "monitor:ScheduledQueryRule",
  ]) {
    expect(all.some((urn) => urn.includes(`$azure-native:${child}::`))).toBe(true);
  }
}, 120_000);
