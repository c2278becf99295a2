/**
 * ApiProvisioningApp and GraphAppRoleGrants under Pulumi's mocks: which resources they register,
 * with which names, parents and inputs. Mocks never run the dynamic providers
 * (providers.test.ts covers those), so this proves the registrations, not that Entra accepts them.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiProvisioningApp, API_PROVISIONING_APP_TYPE } from "../../components/apiProvisioningApp";
import {
  appRoleIdOf,
  GraphAppRoleGrants,
  GRAPH_APP_ROLE_GRANTS_TYPE,
} from "../../components/graphPermissions";
import {
  PROVISIONING_JOB_START_TYPE,
  PROVISIONING_JOB_TYPE,
} from "../../components/graph/provisioningJob";
import { SYNCHRONIZATION_SCHEMA_TYPE } from "../../components/graph/synchronizationSchema";
import { SYNCHRONIZATION_SECRETS_TYPE } from "../../components/graph/synchronizationSecrets";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import { contosoSpec } from "./helpers";
import { settled } from "../helpers/pulumi";

const registered: pulumi.runtime.MockResourceArgs[] = [];
const invokes: { token: string; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
  pulumi.runtime.setAllConfig({
    "inbound:activeDirectorySecretKeys": JSON.stringify({
      domainKey: "Domain",
      domainFormat: "plain",
      ouKey: "SyncAgentADContainer",
    }),
  });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        const extra: Record<string, unknown> = {};
        if (args.type === "azuread:index/applicationFromTemplate:ApplicationFromTemplate") {
          extra.servicePrincipalObjectId = `${args.name}-sp-oid`;
          extra.servicePrincipalId = `/servicePrincipals/${args.name}-sp-oid`;
        }
        if (args.type === PROVISIONING_JOB_TYPE) {
          extra.jobId = `API2AAD.${args.name}`;
          extra.templateId = "API2AAD";
        }
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case "azuread:index/getApplicationTemplate:getApplicationTemplate":
            return { templateId: `template-of-${args.inputs.displayName}` };
          case "azuread:index/getServicePrincipal:getServicePrincipal":
            return {
              objectId: "graph-sp",
              appRoleIds: {
                "SynchronizationData-User.Upload": "role-upload",
                "ProvisioningLog.Read.All": "role-logs",
                "AuditLog.Read.All": "role-audit",
              },
            };
          default:
            throw new Error(`unexpected invoke ${args.token}`);
        }
      },
    },
    "inbound",
    "test",
    false,
  );
});

const of = (type: string) =>
  registered
    .filter((r) => r.type === type)
    .map(({ name, inputs: { __provider: _provider, ...inputs } }) => ({ name, inputs }))
    // Two components register concurrently: compare in name order.
    .sort((a, b) => a.name.localeCompare(b.name));

const spec = contosoSpec();
const GRAPH = "https://graph.microsoft.com";
const APP = "azuread:index/applicationFromTemplate:ApplicationFromTemplate";

describe("ApiProvisioningApp", () => {
  let entra: ApiProvisioningApp;
  let ad: ApiProvisioningApp;
  beforeAll(async () => {
    entra = new ApiProvisioningApp("contoso-employees", {
      app: spec.provisioning.employees,
      appKey: "employees",
      tenantName: "contoso",
      graphBaseUrl: GRAPH,
    });
    ad = new ApiProvisioningApp("contoso-stores", {
      app: spec.provisioning.stores,
      appKey: "stores",
      graphBaseUrl: GRAPH,
    });
    await Promise.all([entra, ad].flatMap((a) => [settled(a.start.urn), settled(a.bulkUploadUrl)]));
  });

  test("looks each gallery template up by its display name", () => {
    expect(
      invokes.filter(
        (i) => i.token === "azuread:index/getApplicationTemplate:getApplicationTemplate",
      ),
    ).toEqual([
      {
        token: "azuread:index/getApplicationTemplate:getApplicationTemplate",
        inputs: { displayName: "API-driven provisioning to Microsoft Entra ID" },
      },
      {
        token: "azuread:index/getApplicationTemplate:getApplicationTemplate",
        inputs: { displayName: "API-driven provisioning to on-premises Active Directory" },
      },
    ]);
  });

  test("registers the app, job, secrets, schema and start with exact inputs", () => {
    expect(of("azuread:index/applicationFromTemplate:ApplicationFromTemplate")).toEqual([
      {
        name: "contoso-employees-app",
        inputs: {
          displayName: "Contoso HR inbound - employees",
          templateId: "template-of-API-driven provisioning to Microsoft Entra ID",
        },
      },
      {
        name: "contoso-stores-app",
        inputs: {
          displayName: "Contoso HR inbound - stores",
          templateId: "template-of-API-driven provisioning to on-premises Active Directory",
        },
      },
    ]);
    expect(of(PROVISIONING_JOB_TYPE)).toEqual([
      {
        name: "contoso-employees-job",
        inputs: {
          servicePrincipalId: "contoso-employees-app-sp-oid",
          expectedTemplateId: "API2AAD",
          graphBaseUrl: GRAPH,
        },
      },
      {
        name: "contoso-stores-job",
        inputs: {
          servicePrincipalId: "contoso-stores-app-sp-oid",
          synchronizationTemplateId: "API2AD",
          expectedTemplateId: "API2AD",
          graphBaseUrl: GRAPH,
        },
      },
    ]);
    expect(of(SYNCHRONIZATION_SECRETS_TYPE)).toEqual([
      {
        name: "contoso-employees-secrets",
        inputs: {
          servicePrincipalId: "contoso-employees-app-sp-oid",
          credentials: compileSecrets(spec.provisioning.employees),
          graphBaseUrl: GRAPH,
        },
      },
      {
        name: "contoso-stores-secrets",
        inputs: {
          servicePrincipalId: "contoso-stores-app-sp-oid",
          credentials: [
            {
              key: "SyncNotificationSettings",
              value:
                '{"Enabled":true,"Recipients":"iam-alerts@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}',
            },
            { key: "SkipOutOfScopeDeletions", value: "True" },
            // From the stack config inbound:activeDirectorySecretKeys.
            { key: "Domain", value: "contoso.local" },
            { key: "SyncAgentADContainer", value: "OU=Users,DC=contoso,DC=local" },
          ],
          graphBaseUrl: GRAPH,
        },
      },
    ]);
    expect(of(SYNCHRONIZATION_SCHEMA_TYPE)).toEqual([
      {
        name: "contoso-employees-schema",
        inputs: {
          servicePrincipalId: "contoso-employees-app-sp-oid",
          jobId: "API2AAD.contoso-employees-job",
          appKey: "employees",
          provisioning: schemaSpecOf(spec.provisioning.employees),
          graphBaseUrl: GRAPH,
        },
      },
      {
        name: "contoso-stores-schema",
        inputs: {
          servicePrincipalId: "contoso-stores-app-sp-oid",
          jobId: "API2AAD.contoso-stores-job",
          appKey: "stores",
          provisioning: schemaSpecOf(spec.provisioning.stores),
          graphBaseUrl: GRAPH,
        },
      },
    ]);
    expect(of(PROVISIONING_JOB_START_TYPE)).toEqual(
      ["employees", "stores"].map((key) => ({
        name: `contoso-${key}-start`,
        inputs: {
          servicePrincipalId: `contoso-${key}-app-sp-oid`,
          jobId: `API2AAD.contoso-${key}-job`,
          graphBaseUrl: GRAPH,
        },
      })),
    );
  });

  test("parents every child on the component", async () => {
    for (const app of [entra, ad]) {
      for (const child of [app.application, app.job, app.secrets, app.schema, app.start]) {
        expect(await settled(child.urn)).toContain(`::${API_PROVISIONING_APP_TYPE}$`);
      }
    }
  });

  test("outputs the ids and the v1.0 bulkUpload URL", async () => {
    expect(await settled(entra.servicePrincipalId)).toBe("contoso-employees-app-sp-oid");
    expect(await settled(entra.jobId)).toBe("API2AAD.contoso-employees-job");
    expect(await settled(entra.bulkUploadUrl)).toBe(
      "https://graph.microsoft.com/v1.0/servicePrincipals/contoso-employees-app-sp-oid/synchronization/jobs/API2AAD.contoso-employees-job/bulkUpload",
    );
  });
});

describe("ApiProvisioningApp options", () => {
  test("a pinned gallery template id is used as is, without the look-up by name", async () => {
    const before = invokes.length;
    const pinned = new ApiProvisioningApp("pinned-employees", {
      app: {
        ...spec.provisioning.employees,
        applicationTemplateId: "11111111-2222-4333-8444-555555555555",
      },
      appKey: "employees",
      graphBaseUrl: GRAPH,
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
    });
    await settled(pinned.start.urn);
    expect(invokes.slice(before)).toEqual([]);
    expect(of(APP).find((r) => r.name === "pinned-employees-app")!.inputs).toEqual({
      displayName: "Contoso HR inbound - employees",
      templateId: "11111111-2222-4333-8444-555555555555",
    });
    // The tenant id travels with every Graph resource of the app.
    for (const type of [
      PROVISIONING_JOB_TYPE,
      SYNCHRONIZATION_SECRETS_TYPE,
      SYNCHRONIZATION_SCHEMA_TYPE,
      PROVISIONING_JOB_START_TYPE,
    ]) {
      expect(of(type).find((r) => r.name.startsWith("pinned-"))!.inputs.tenantId).toBe(
        "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      );
    }
  });

  test("malformed AD secret keys in the stack config are an error naming the setting", () => {
    pulumi.runtime.setConfig(
      "inbound:activeDirectorySecretKeys",
      JSON.stringify({ domainKey: "Domain" }),
    );
    try {
      expect(
        () =>
          new ApiProvisioningApp("broken-stores", {
            app: spec.provisioning.stores,
            appKey: "stores",
            graphBaseUrl: GRAPH,
          }),
      ).toThrow(
        'inbound:activeDirectorySecretKeys must be {"domainKey": "...", "domainFormat": "json"|"plain", "ouKey": "..."}',
      );
    } finally {
      pulumi.runtime.setConfig(
        "inbound:activeDirectorySecretKeys",
        JSON.stringify({
          domainKey: "Domain",
          domainFormat: "plain",
          ouKey: "SyncAgentADContainer",
        }),
      );
    }
  });
});

describe("GraphAppRoleGrants", () => {
  test("grants the uploader's two roles by value, on Microsoft Graph", async () => {
    const grants = new GraphAppRoleGrants("contoso-employees-uploader-graph", {
      principalObjectId: "uploader-principal",
    });
    await Promise.all(grants.assignments.map((a) => settled(a.urn)));
    expect(of("azuread:index/appRoleAssignment:AppRoleAssignment")).toEqual([
      {
        name: "contoso-employees-uploader-graph-provisioninglog-read-all",
        inputs: {
          appRoleId: "role-logs",
          principalObjectId: "uploader-principal",
          resourceObjectId: "graph-sp",
        },
      },
      {
        name: "contoso-employees-uploader-graph-synchronizationdata-user-upload",
        inputs: {
          appRoleId: "role-upload",
          principalObjectId: "uploader-principal",
          resourceObjectId: "graph-sp",
        },
      },
    ]);
    expect(
      invokes.filter((i) => i.token === "azuread:index/getServicePrincipal:getServicePrincipal"),
    ).toEqual([
      {
        token: "azuread:index/getServicePrincipal:getServicePrincipal",
        inputs: { clientId: "00000003-0000-0000-c000-000000000000" },
      },
    ]);
    for (const a of grants.assignments) {
      expect(await settled(a.urn)).toContain(`::${GRAPH_APP_ROLE_GRANTS_TYPE}$`);
    }
  });

  test("a role Graph does not offer is an error naming it", () => {
    expect(() => appRoleIdOf({ "AuditLog.Read.All": "x" }, "AuditLog.Read")).toThrow(
      'Microsoft Graph has no application permission "AuditLog.Read"; similar: AuditLog.Read.All; check the role names given to GraphAppRoleGrants',
    );
  });
});
