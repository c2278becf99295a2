/**
 * The pure Graph → spec conversion (lib/export/convert.ts) on bodies shaped like Graph's: what has
 * no spec form becomes a `gap:` note at its place, never a silent drop, and nothing is guessed.
 */
import {
  exportProvisioningApp,
  exportTenant,
  exportWorkflow,
  type ExportNote,
} from "../../lib/export/convert";
import type { LiveApp, LiveTenant } from "../../lib/export/read";
import type { ObjectMapping, SynchronizationSchema } from "@microsoft/microsoft-graph-types";
import { templateSchemaFixture } from "../provisioning/helpers";

const AT = ["provisioning", "hr"];

function liveApp(
  change: (schema: SynchronizationSchema) => void,
  secrets?: LiveApp["secrets"],
): LiveApp {
  const schema = templateSchemaFixture();
  change(schema);
  return {
    servicePrincipalId: "sp",
    displayName: "HR",
    job: { id: "API2AAD.x.y", templateId: "API2AAD" },
    schema,
    secrets: secrets ?? [
      {
        key: "SyncNotificationSettings",
        value: JSON.stringify({
          Enabled: true,
          Recipients: "a@contoso.com",
          DeleteThresholdEnabled: true,
          DeleteThresholdValue: 7,
        }),
      },
    ],
    failures: [],
  };
}

/** The API source's User object mapping of the template fixture. */
function userMapping(schema: SynchronizationSchema): ObjectMapping {
  for (const rule of schema.synchronizationRules ?? []) {
    for (const m of rule.objectMappings ?? []) {
      if (
        m.sourceObjectName === "User" &&
        !["Azure Active Directory", "Microsoft Entra ID", "Active Directory"].includes(
          rule.sourceDirectoryName ?? "",
        )
      )
        return m;
    }
  }
  throw new Error("no API User mapping in the fixture");
}

const gaps = (notes: ExportNote[]) =>
  notes.filter((n) => n.gap).map((n) => [n.path.join("."), n.text]);

test("a mapping applied in a way the spec cannot say is exported as always, with the gap at the mapping", () => {
  const notes: ExportNote[] = [];
  const app = exportProvisioningApp(
    liveApp((schema) => {
      const m = userMapping(schema);
      m.attributeMappings = [
        {
          targetAttributeName: "jobTitle",
          flowType: "MultiValueAddOnly",
          flowBehavior: "FlowAlways",
          source: { type: "Attribute", name: "title", parameters: [] },
        },
      ];
      m.scope = null;
    }),
    AT,
    notes,
  );
  expect(app.mappings).toEqual({ jobTitle: "[title]" });
  expect(app.notificationEmail).toBe("a@contoso.com");
  expect(app.deletionThreshold).toBe(7);
  expect(gaps(notes)).toEqual([
    [
      "provisioning.hr.mappings.jobTitle",
      "gap: apply MultiValueAddOnly has no spec form; exported as always",
    ],
    [
      "provisioning.hr.mappings.jobTitle",
      "gap: flowBehavior FlowAlways has no spec form; a deployment writes FlowWhenChanged",
    ],
  ]);
});

test("a one-sided scope clause stored with targetOperand null is a unary operator; an unknown operator is a gap", () => {
  const notes: ExportNote[] = [];
  const app = exportProvisioningApp(
    liveApp((schema) => {
      userMapping(schema).scope = {
        groups: [
          {
            name: "Scope 1",
            clauses: [
              { operatorName: "IS TRUE", sourceOperandName: "active", targetOperand: null },
              {
                operatorName: "SOUNDS LIKE",
                sourceOperandName: "title",
                targetOperand: { values: ["x"] },
              },
            ],
          },
        ],
      };
    }),
    AT,
    notes,
  );
  expect(app.scope).toEqual({ anyOf: [{ allOf: [{ attribute: "active", operator: "isTrue" }] }] });
  expect(gaps(notes)).toContainEqual([
    "provisioning.hr.scope",
    'gap: the clause title SOUNDS LIKE ["x"] uses an operator the spec has no name for; not exported',
  ]);
});

test("masked or switched-off notification settings are gaps, never exported as values", () => {
  const masked: ExportNote[] = [];
  const app = exportProvisioningApp(
    liveApp(() => {}, [{ key: "SyncNotificationSettings", value: "*****" }]),
    AT,
    masked,
  );
  expect(app.notificationEmail).toBeUndefined();
  expect(gaps(masked)).toContainEqual([
    "provisioning.hr",
    "gap: notificationEmail and deletionThreshold: Graph returned SyncNotificationSettings masked; set them",
  ]);
  const off: ExportNote[] = [];
  const offApp = exportProvisioningApp(
    liveApp(() => {}, [
      {
        key: "SyncNotificationSettings",
        value: JSON.stringify({
          Enabled: true,
          Recipients: "a@contoso.com",
          DeleteThresholdEnabled: false,
          DeleteThresholdValue: 500,
        }),
      },
    ]),
    AT,
    off,
  );
  expect(offApp.deletionThreshold).toBeUndefined();
  expect(gaps(off)).toContainEqual([
    "provisioning.hr",
    "gap: the accidental-deletion threshold is off in the tenant; the spec always has one (default 500)",
  ]);
});

const tenant = (over: Partial<LiveTenant> = {}): LiveTenant => ({
  tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
  domain: "contoso.com",
  apps: [],
  refused: [],
  groupNames: {},
  failures: [],
  ...over,
});

test("a trigger the spec has no form for is a gap at the workflow, and the rest of it is exported", () => {
  const notes: ExportNote[] = [];
  const workflow = exportWorkflow(
    {
      workflow: {
        id: "w1",
        category: "leaver",
        displayName: "On demand",
        isEnabled: true,
        isSchedulingEnabled: false,
        executionConditions: {
          "@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly",
        },
      },
      tasks: [
        {
          taskDefinitionId: "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950",
          displayName: "Disable user account",
          arguments: [],
          executionSequence: 1,
        },
      ],
      failures: [],
    },
    ["lifecycleWorkflows", "on-demand"],
    { live: tenant(), notes, extensions: new Map() },
  );
  expect(workflow).toEqual({
    category: "leaver",
    displayName: "On demand",
    schedulingEnabled: false,
    tasks: ["disableUserAccount"],
  });
  expect(gaps(notes)).toEqual([
    [
      "lifecycleWorkflows.on-demand",
      "gap: trigger #microsoft.graph.identityGovernance.onDemandExecutionOnly {} has no spec form; set `trigger:`",
    ],
  ]);
});

test("the tenant is named by its organization, and by its domain when the organization is unread", () => {
  const options = { graphBaseUrl: "https://graph.microsoft.com" };
  expect(exportTenant(tenant({ organization: "Fabrikam Ltd." }), options).spec.tenant).toEqual({
    name: "fabrikam-ltd",
    id: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
    domain: "contoso.com",
  });
  expect((exportTenant(tenant(), options).spec.tenant as { name: string }).name).toBe("contoso");
});

test("graph.baseUrl is written only when it is not the default, and a failed read is a gap at the top", () => {
  const failure = {
    what: "the lifecycle workflows",
    request: "GET /x",
    status: 403,
    message: "denied",
  };
  const atDefault = exportTenant(tenant({ failures: [failure] }), {
    graphBaseUrl: "https://graph.microsoft.com/",
  });
  expect(atDefault.spec.graph).toBeUndefined();
  expect(gaps(atDefault.notes)).toEqual([
    ["", "gap: the lifecycle workflows could not be read (GET /x: 403 denied)"],
  ]);
  const us = exportTenant(tenant(), { graphBaseUrl: "https://graph.microsoft.us" });
  expect(us.spec.graph).toEqual({ baseUrl: "https://graph.microsoft.us" });
});
