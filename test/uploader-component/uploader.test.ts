/**
 * The uploader components (FunctionUploader, LogicAppUploader) under Pulumi mocks: which Azure resources it registers, under which
 * names and parents, with which security-relevant inputs. This proves the registrations; it does
 * not prove Azure accepts them (no `pulumi up` is possible here, see the testing notes).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  FunctionUploader,
  LogicAppUploader,
  newUploader,
  type Uploader,
  type UploaderArgs,
  UPLOADER_TYPE,
} from "../../components/uploader";
import { CHUNK_OPERATIONS } from "../../components/uploader/logicAppDefinition";
import { FUNCTION_PACKAGE_TYPE } from "../../components/uploader/functionPackage";
import { logicAppTriggerAuthorized } from "../../policies/rules/logicAppTriggerAuthorized";
import { storageAccountLockedDown } from "../../policies/rules/storageAccountLockedDown";
import { violations } from "../policies/harness";
import { registeredTree, settled } from "../helpers/pulumi";
import { type ProvisioningApp, tenantSpec } from "../../lib/model/schema";
import {
  app,
  BULK_UPLOAD_URL,
  functionApp,
  HR_SYSTEM_APP_ID,
  logicApp,
  SUBSCRIPTION_ID,
  TENANT_ID,
} from "./fixtures";

/** Workflow definitions and resource inputs are untyped JSON here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// Pulumi's wire marker of a secret value.
const {
  specialSigKey: SECRET_SIG_KEY,
  specialSecretSig: SECRET_SIG,
} = require("@pulumi/pulumi/runtime/rpc");
const RG = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-hr`;
const registered: pulumi.runtime.MockResourceArgs[] = [];
const invokes: { token: string; inputs: Record<string, unknown> }[] = [];

/** Outputs Azure would compute, so the component's wiring can be followed. */
function armState(
  type: string,
  name: string,
  inputs: Record<string, Json>,
): Record<string, unknown> {
  switch (type) {
    case "azure-native:managedidentity:UserAssignedIdentity":
      return {
        id: `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${inputs.resourceName}`,
        name: inputs.resourceName,
        principalId: `${name}-principal-oid`,
        clientId: `${name}-client-id`,
      };
    case "azure-native:storage:StorageAccount":
      return {
        id: `${RG}/providers/Microsoft.Storage/storageAccounts/${inputs.accountName}`,
        name: inputs.accountName,
        primaryEndpoints: { blob: `https://${inputs.accountName}.blob.core.windows.net/` },
      };
    case "azure-native:storage:BlobContainer":
      return {
        id: `${RG}/providers/Microsoft.Storage/storageAccounts/${inputs.accountName}/blobServices/default/containers/${inputs.containerName}`,
        name: inputs.containerName,
      };
    case "azure-native:web:AppServicePlan":
      return { id: `${RG}/providers/Microsoft.Web/serverfarms/${inputs.name}`, name: inputs.name };
    case "azure-native:web:WebApp":
      return {
        id: `${RG}/providers/Microsoft.Web/sites/${inputs.name}`,
        name: inputs.name,
        defaultHostName: `${inputs.name}.azurewebsites.net`,
      };
    case "azure-native:logic:Workflow":
      return {
        id: `${RG}/providers/Microsoft.Logic/workflows/${inputs.workflowName}`,
        name: inputs.workflowName,
      };
    case "azure-native:eventgrid:SystemTopic":
      return {
        id: `${RG}/providers/Microsoft.EventGrid/systemTopics/${inputs.systemTopicName}`,
        name: inputs.systemTopicName,
      };
    default:
      return { id: `${name}-id` };
  }
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        const { id, ...state } = armState(args.type, args.name, args.inputs);
        return { id: id as string, state: { ...args.inputs, ...state } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "azure-native:logic:listWorkflowTriggerCallbackUrl") {
          return {
            value:
              "https://prod-01.westeurope.logic.azure.com/workflows/w/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cret",
          };
        }
        if (args.token === "azure-native:authorization:getClientConfig") {
          return { objectId: "deployer-oid", subscriptionId: SUBSCRIPTION_ID, tenantId: "t" };
        }
        if (args.token === "azure-native:web:listWebAppHostKeys") {
          return { masterKey: "m", systemKeys: { blobs_extension: "blob-key" } };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    "inbound",
    "test",
    false,
  );
});

beforeEach(() => {
  registered.length = 0;
  invokes.length = 0;
});

function inputsOf(type: string): { name: string; inputs: Record<string, Json> }[] {
  return registered.filter((r) => r.type === type).map(({ name, inputs }) => ({ name, inputs }));
}

function the(type: string, name?: string): Record<string, Json> {
  const found = inputsOf(type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length}`);
  return found[0].inputs;
}

/** URNs the mock monitor recorded: they encode the parent's type. */
function urns(): string[] {
  const settings = require("@pulumi/pulumi/runtime/settings");
  return [...settings.getMonitor().getRegisteredResources().keys()];
}

const args = (spec: ProvisioningApp, extra: Partial<UploaderArgs> = {}): UploaderArgs => ({
  tenantName: "contoso",
  tenantId: TENANT_ID,
  appKey: "employees",
  app: spec,
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroupName: "rg-hr",
  location: "westeurope",
  bulkUploadUrl: BULK_UPLOAD_URL,
  tags: { owner: "hr-it" },
  ...extra,
});

/** The Logic App kind's own outputs (triggerUrl). */
function logicAppUploader(uploader: Uploader): LogicAppUploader {
  if (!(uploader instanceof LogicAppUploader)) throw new Error("not a LogicAppUploader");
  return uploader;
}

async function build(
  name: string,
  spec = functionApp(),
  extra: Partial<UploaderArgs> = {},
): Promise<Uploader> {
  const uploader = newUploader(name, args(spec, extra));
  if (!uploader) throw new Error(`uploader.kind ${spec.uploader?.kind} deploys no component`);
  await registeredTree(uploader);
  return uploader;
}

const ACCOUNT = "inbcontosoemployd51ecdb8";
const IDENTITY_ID = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/contoso-employees-uploader`;
const ACCOUNT_ID = `${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
const ROLE_PREFIX = `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/`;

describe("kind: function", () => {
  test("registers identity, locked-down storage, roles, Flex plan and function app, all parented", async () => {
    const uploader = await build("fn");
    await settled(uploader.appName);
    await settled(uploader.urn);

    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${UPLOADER_TYPE} fn`,
        "azure-native:managedidentity:UserAssignedIdentity fn-identity",
        "azure-native:storage:StorageAccount fn-storage",
        "azure-native:storage:BlobContainer fn-drop",
        "azure-native:storage:BlobContainer fn-state",
        "azure-native:storage:BlobContainer fn-deployment",
        "azure-native:storage:ManagementPolicy fn-retention",
        "azure-native:authorization:RoleAssignment fn-blob-owner",
        "azure-native:authorization:RoleAssignment fn-queue-contributor",
        "azure-native:web:AppServicePlan fn-plan",
        "azure-native:web:WebApp fn-function",
        "azure-native:authorization:RoleAssignment fn-package-writer",
        `${FUNCTION_PACKAGE_TYPE} fn-package`,
      ].sort(),
    );
    const children = urns().filter((u) => u.endsWith("::fn") === false && /::fn-/.test(u));
    expect(children).toHaveLength(12);
    for (const urn of children) expect(urn).toMatch(`::${UPLOADER_TYPE}$`);
    // Who deploys writes the package: the deployer's own object id.
    expect(invokes).toEqual([{ token: "azure-native:authorization:getClientConfig", inputs: {} }]);
  });

  test("pulumi up ships the code: the package goes to the deployment container as released-package.zip, which the deployer may write, for the app to restart on", async () => {
    const uploader = await build("fn");
    await settled(uploader.urn);
    const pkg = the(FUNCTION_PACKAGE_TYPE);
    expect(pkg).toMatchObject({
      containerUrl: `https://${ACCOUNT}.blob.core.windows.net/app-package`,
      blobName: "released-package.zip",
      siteId: `${RG}/providers/Microsoft.Web/sites/contoso-employees-uploader-d51ecdb8`,
    });
    expect(pkg.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(the("azure-native:web:WebApp").functionAppConfig.deployment.storage.value).toBe(
      pkg.containerUrl,
    );
    expect(the("azure-native:authorization:RoleAssignment", "fn-package-writer")).toEqual({
      principalId: "deployer-oid",
      roleDefinitionId: `${ROLE_PREFIX}ba92f5b4-2d11-453d-a403-e96b0029c9fe`,
      scope: `${ACCOUNT_ID}/blobServices/default/containers/app-package`,
      description: "deployer: uploads the uploader function's code package",
    });
  });

  test("storage account: no public blobs, no shared key, TLS 1.2, HTTPS only; the policy pack agrees", async () => {
    const uploader = await build("fn");
    await settled(uploader.storageAccountName);
    const account = the("azure-native:storage:StorageAccount");
    expect(account).toEqual({
      resourceGroupName: "rg-hr",
      location: "westeurope",
      tags: { owner: "hr-it" },
      accountName: ACCOUNT,
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      publicNetworkAccess: "Enabled",
      allowCrossTenantReplication: false,
    });
    expect(
      await violations(storageAccountLockedDown, "azure-native:storage:StorageAccount", account),
    ).toEqual([]);
    expect(inputsOf("azure-native:storage:BlobContainer")).toEqual([
      {
        name: "fn-drop",
        inputs: {
          resourceGroupName: "rg-hr",
          accountName: ACCOUNT,
          containerName: "drop",
          publicAccess: "None",
        },
      },
      {
        name: "fn-state",
        inputs: {
          resourceGroupName: "rg-hr",
          accountName: ACCOUNT,
          containerName: "state",
          publicAccess: "None",
        },
      },
      {
        name: "fn-deployment",
        inputs: {
          resourceGroupName: "rg-hr",
          accountName: ACCOUNT,
          containerName: "app-package",
          publicAccess: "None",
        },
      },
    ]);
    expect(the("azure-native:storage:ManagementPolicy").policy.rules[0].definition).toEqual({
      filters: { blobTypes: ["blockBlob"], prefixMatch: ["drop/"] },
      actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 30 } } },
    });
  });

  test("role assignments: built-in role ids as subscription resource ids, for the identity, on the account", async () => {
    const uploader = await build("fn");
    await settled(uploader.principalId);
    const identityRoles = inputsOf("azure-native:authorization:RoleAssignment").filter(
      (r) => r.name !== "fn-package-writer",
    );
    expect(identityRoles).toEqual([
      {
        name: "fn-blob-owner",
        inputs: {
          principalId: "fn-identity-principal-oid",
          principalType: "ServicePrincipal",
          roleDefinitionId: `${ROLE_PREFIX}b7e6dc6d-f1e8-4753-8033-0f276bb0955b`,
          scope: ACCOUNT_ID,
          description: "uploader function: host storage, HR drop and state",
        },
      },
      {
        name: "fn-queue-contributor",
        inputs: {
          principalId: "fn-identity-principal-oid",
          principalType: "ServicePrincipal",
          roleDefinitionId: `${ROLE_PREFIX}974c5e8b-45b9-4653-ba55-5f855dd0fb88`,
          scope: ACCOUNT_ID,
          description: "uploader function: blob trigger queues",
        },
      },
    ]);
  });

  test("Flex Consumption plan and function app with the identity, identity-based storage and settings", async () => {
    const uploader = await build("fn");
    expect(await settled(uploader.appName)).toBe("contoso-employees-uploader-d51ecdb8");
    expect(await settled(uploader.clientId)).toBe("fn-identity-client-id");
    expect(await settled(uploader.principalId)).toBe("fn-identity-principal-oid");
    expect(await settled(uploader.dropContainerUrl)).toBe(
      `https://${ACCOUNT}.blob.core.windows.net/drop`,
    );
    expect(uploader).toBeInstanceOf(FunctionUploader);
    expect("triggerUrl" in uploader).toBe(false);

    expect(the("azure-native:web:AppServicePlan")).toEqual({
      resourceGroupName: "rg-hr",
      location: "westeurope",
      tags: { owner: "hr-it" },
      name: "contoso-employees-uploader-plan",
      kind: "functionapp",
      sku: { name: "FC1", tier: "FlexConsumption" },
      reserved: true,
    });
    const site = the("azure-native:web:WebApp");
    expect(site.kind).toBe("functionapp,linux");
    expect(site.serverFarmId).toBe(
      `${RG}/providers/Microsoft.Web/serverfarms/contoso-employees-uploader-plan`,
    );
    expect(site.httpsOnly).toBe(true);
    expect(site.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [IDENTITY_ID] });
    expect(site.functionAppConfig).toEqual({
      deployment: {
        storage: {
          type: "blobContainer",
          value: `https://${ACCOUNT}.blob.core.windows.net/app-package`,
          authentication: {
            type: "UserAssignedIdentity",
            userAssignedIdentityResourceId: IDENTITY_ID,
          },
        },
      },
      runtime: { name: "node", version: "22" },
      scaleAndConcurrency: { instanceMemoryMB: 2048, maximumInstanceCount: 40 },
    });
    expect(site.siteConfig.minTlsVersion).toBe("1.2");
    expect(site.siteConfig.ftpsState).toBe("Disabled");
    const settings = Object.fromEntries(
      (site.siteConfig.appSettings as { name: string; value: string }[]).map((s) => [
        s.name,
        s.value,
      ]),
    );
    expect(Object.keys(settings)).toHaveLength(site.siteConfig.appSettings.length);
    expect(settings).toEqual({
      AzureWebJobsStorage__accountName: ACCOUNT,
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "fn-identity-client-id",
      AZURE_CLIENT_ID: "fn-identity-client-id",
      INBOUND_BULK_UPLOAD_URL: BULK_UPLOAD_URL,
      INBOUND_GRAPH_BASE_URL: "https://graph.microsoft.com",
      INBOUND_TENANT_ID: TENANT_ID,
      INBOUND_APP_KEY: "employees",
      INBOUND_SPEC_JSON: JSON.stringify(functionApp()),
      INBOUND_WORKFLOWS_JSON: "{}",
      INBOUND_SCHEDULE: "0 0 2 * * *",
      INBOUND_DROP_CONTAINER_URL: `https://${ACCOUNT}.blob.core.windows.net/drop`,
      INBOUND_STATE_CONTAINER_URL: `https://${ACCOUNT}.blob.core.windows.net/state`,
    });
    // Without the spec's monitoring there is no Application Insights to send to
    // (test/monitoring/component.test.ts covers it with monitoring).
    expect(inputsOf("azure-native:applicationinsights:Component")).toEqual([]);
    // Flex Consumption rejects these; the runtime is in functionAppConfig.
    expect(settings).not.toHaveProperty("FUNCTIONS_WORKER_RUNTIME");
    expect(settings).not.toHaveProperty("FUNCTIONS_EXTENSION_VERSION");
  });

  test("blobEventSubscription adds an Event Grid subscription to the blob extension webhook", async () => {
    const uploader = await build("ev", functionApp({ blobEventSubscription: true }));
    await settled(uploader.appName);
    await settled(uploader.urn);
    expect(the("azure-native:eventgrid:SystemTopic")).toEqual({
      resourceGroupName: "rg-hr",
      location: "westeurope",
      tags: { owner: "hr-it" },
      systemTopicName: "contoso-employees-uploader-blobs",
      source: ACCOUNT_ID,
      topicType: "Microsoft.Storage.StorageAccounts",
    });
    const subscription = the("azure-native:eventgrid:SystemTopicEventSubscription");
    expect(subscription).toEqual({
      resourceGroupName: "rg-hr",
      systemTopicName: "contoso-employees-uploader-blobs",
      eventSubscriptionName: "drop-csv-created",
      // The URL carries the extension key, so the destination travels as a Pulumi secret.
      destination: {
        [SECRET_SIG_KEY]: SECRET_SIG,
        value: {
          endpointType: "WebHook",
          endpointUrl:
            "https://contoso-employees-uploader-d51ecdb8.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.uploadDroppedCsv&code=blob-key",
        },
      },
      filter: {
        includedEventTypes: ["Microsoft.Storage.BlobCreated"],
        isSubjectCaseSensitive: false,
        subjectBeginsWith: "/blobServices/default/containers/drop/blobs/",
        subjectEndsWith: ".csv",
      },
      eventDeliverySchema: "EventGridSchema",
    });
    expect(invokes).toEqual([
      { token: "azure-native:authorization:getClientConfig", inputs: {} },
      {
        token: "azure-native:web:listWebAppHostKeys",
        inputs: { resourceGroupName: "rg-hr", name: "contoso-employees-uploader-d51ecdb8" },
      },
    ]);
  });

  const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/contoso-hr`;
  const restApp = (more: Record<string, unknown> = {}) =>
    app({
      kind: "function",
      source: "rest",
      columns: { externalId: "[id]", userName: "[email]" },
      rest: { url: "https://hr.example.com/api/employees", auth: { bearerEnv: "HR_TOKEN" } },
      keyVault: { id: VAULT, secrets: { HR_TOKEN: "hr-api-token" } },
      ...more,
    });

  test("a rest source's secrets are Key Vault references that the identity alone may read, one secret each", async () => {
    const uploader = await build("kv", restApp({ blobEventSubscription: true }));
    await settled(uploader.appName);
    await settled(uploader.urn);
    const site = the("azure-native:web:WebApp");
    const settings = Object.fromEntries(
      (site.siteConfig.appSettings as { name: string; value: string }[]).map((s) => [
        s.name,
        s.value,
      ]),
    );
    expect(settings.HR_TOKEN).toBe(
      "@Microsoft.KeyVault(VaultName=contoso-hr;SecretName=hr-api-token)",
    );
    expect(site.keyVaultReferenceIdentity).toBe(IDENTITY_ID);
    expect(the("azure-native:authorization:RoleAssignment", "kv-secret-hr-token")).toEqual({
      principalId: "kv-identity-principal-oid",
      principalType: "ServicePrincipal",
      roleDefinitionId: `${ROLE_PREFIX}4633458b-17de-408a-b874-0445c86b69e6`,
      scope: `${VAULT}/secrets/hr-api-token`,
      description: "uploader function: reads the HR API secret hr-api-token (app setting HR_TOKEN)",
    });
    // The HR API is read on the timer: no blob trigger, so no blob events to deliver.
    expect(inputsOf("azure-native:eventgrid:SystemTopicEventSubscription")).toEqual([]);
  });

  test("the spec's workflows reach the settings, for the safeguard's lifecycle checks", async () => {
    const workflows = tenantSpec.parse({
      tenant: { name: "contoso", id: TENANT_ID, domain: "contoso.com" },
      lifecycleWorkflows: {
        move: {
          category: "mover",
          displayName: "Move",
          trigger: { attributeChanged: ["department"] },
          tasks: ["notifyManagerOfUserMove"],
        },
      },
    }).lifecycleWorkflows;
    const uploader = await build("wf", functionApp(), { workflows });
    await settled(uploader.appName);
    const site = the("azure-native:web:WebApp");
    const setting = (site.siteConfig.appSettings as { name: string; value: string }[]).find(
      (s) => s.name === "INBOUND_WORKFLOWS_JSON",
    );
    expect(JSON.parse(setting!.value)).toEqual(workflows);
    expect(site).not.toHaveProperty("keyVaultReferenceIdentity");
  });

  test("a json source's blob events are its .json and .jsonl files", async () => {
    const uploader = await build(
      "js",
      app({
        kind: "function",
        source: "json",
        blobEventSubscription: true,
        columns: { externalId: "[id]" },
      }),
    );
    await settled(uploader.appName);
    await settled(uploader.urn);
    const subscription = the("azure-native:eventgrid:SystemTopicEventSubscription");
    expect(subscription.eventSubscriptionName).toBe("drop-json-created");
    expect(subscription.filter).toEqual({
      includedEventTypes: ["Microsoft.Storage.BlobCreated"],
      isSubjectCaseSensitive: false,
      subjectBeginsWith: "/blobServices/default/containers/drop/blobs/",
      advancedFilters: [
        { operatorType: "StringEndsWith", key: "subject", values: [".json", ".jsonl"] },
      ],
    });
  });

  test("the spec's uploader settings reach the resources: storage name, retention, Flex sizing", async () => {
    const uploader = await build(
      "sized",
      functionApp({
        storageAccountName: "inbhrdrop01",
        dropRetentionDays: 7,
        functionApp: { instanceMemoryMB: 4096, maximumInstanceCount: 60 },
      }),
    );
    expect(await settled(uploader.storageAccountName)).toBe("inbhrdrop01");
    expect(
      the("azure-native:storage:ManagementPolicy").policy.rules[0].definition.actions.baseBlob
        .delete,
    ).toEqual({ daysAfterModificationGreaterThan: 7 });
    expect(the("azure-native:web:WebApp").functionAppConfig.scaleAndConcurrency).toEqual({
      instanceMemoryMB: 4096,
      maximumInstanceCount: 60,
    });
  });

  test("the schema refuses what the component would refuse", () => {
    expect(() => functionApp({ storageAccountName: "Has-Dashes" })).toThrow(
      "must be 3-24 lowercase letters and digits (it becomes <name>.blob.core.windows.net)",
    );
    expect(() => functionApp({ dropRetentionDays: 1.5 })).toThrow("expected int");
    expect(() => functionApp({ functionApp: { instanceMemoryMB: 1024 } })).toThrow();
    // Flex Consumption's documented range: 40 (the lowest every region accepts) to 1000.
    expect(() => functionApp({ functionApp: { maximumInstanceCount: 2 } })).toThrow(
      "must be at least 40: the lowest maximum every Flex Consumption region accepts",
    );
    expect(() => functionApp({ functionApp: { maximumInstanceCount: 1001 } })).toThrow(
      "must be at most 1000",
    );
  });

  test("a section built without the schema is checked again, naming the spec field", async () => {
    const spec = functionApp();
    spec.uploader!.storageAccountName = "Has-Dashes";
    spec.uploader!.dropRetentionDays = 1.5;
    await expect(build("bad", spec)).rejects.toThrow(
      'uploader.storageAccountName "Has-Dashes" must be 3-24 lowercase letters and digits (it becomes <name>.blob.core.windows.net)\n' +
        "uploader.dropRetentionDays must be a whole number of days (0 keeps files), got 1.5",
    );
  });

  test("dropRetentionDays 0 keeps files: no management policy", async () => {
    const uploader = await build("keep", functionApp({ dropRetentionDays: 0 }));
    await settled(uploader.appName);
    expect(inputsOf("azure-native:storage:ManagementPolicy")).toEqual([]);
  });
});

describe("kind: logicApp", () => {
  test("registers identity, storage, a drop-scoped writer role and the workflow; no function resources", async () => {
    const uploader = logicAppUploader(await build("la", logicApp()));
    await settled(uploader.triggerUrl);
    await settled(uploader.urn);
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${UPLOADER_TYPE} la`,
        "azure-native:managedidentity:UserAssignedIdentity la-identity",
        "azure-native:storage:StorageAccount la-storage",
        "azure-native:storage:BlobContainer la-drop",
        "azure-native:storage:ManagementPolicy la-retention",
        "azure-native:authorization:RoleAssignment la-drop-writer",
        "azure-native:logic:Workflow la-logic-app",
      ].sort(),
    );
    expect(the("azure-native:authorization:RoleAssignment")).toEqual({
      principalId: "la-identity-principal-oid",
      principalType: "ServicePrincipal",
      roleDefinitionId: `${ROLE_PREFIX}ba92f5b4-2d11-453d-a403-e96b0029c9fe`,
      scope: `${ACCOUNT_ID}/blobServices/default/containers/drop`,
      description: "uploader Logic App: archive of pushed HR records",
    });
  });

  test("workflow: user-assigned identity, MI auth to Graph in 50-operation chunks, trigger URL without its SAS", async () => {
    const uploader = logicAppUploader(await build("la", logicApp()));
    const url = uploader.triggerUrl;
    expect(await pulumi.isSecret(url)).toBe(true);
    expect(await settled(url)).toBe(
      "https://prod-01.westeurope.logic.azure.com/workflows/w/triggers/manual/paths/invoke?api-version=2016-10-01",
    );
    expect(await settled(uploader.appName)).toBe("contoso-employees-uploader");
    expect(invokes).toEqual([
      {
        token: "azure-native:logic:listWorkflowTriggerCallbackUrl",
        inputs: {
          resourceGroupName: "rg-hr",
          workflowName: "contoso-employees-uploader",
          triggerName: "manual",
        },
      },
    ]);
    const workflow = the("azure-native:logic:Workflow");
    expect(workflow.workflowName).toBe("contoso-employees-uploader");
    expect(workflow.state).toBe("Enabled");
    expect(workflow.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [IDENTITY_ID],
    });
    const post = workflow.definition.actions.Send_chunks.actions.Post_bulkUpload.inputs;
    expect(post.uri).toBe(BULK_UPLOAD_URL);
    expect(post.authentication).toEqual({
      type: "ManagedServiceIdentity",
      identity: IDENTITY_ID,
      audience: "https://graph.microsoft.com",
    });
    expect(post.body.Operations).toBe(CHUNK_OPERATIONS);
    expect(CHUNK_OPERATIONS).toBe("@take(skip(body('Build_operations'), mul(item(), 50)), 50)");
    expect(workflow.definition.actions.Archive_request.inputs.uri).toBe(
      `https://${ACCOUNT}.blob.core.windows.net/drop/pushed/@{workflow()?['run']?['name']}.json`,
    );
  });

  test("the spec's httpTrigger demands a token from the tenant, for the audience, from the HR system only; the policy pack agrees", async () => {
    const uploader = await build("la", logicApp());
    await settled(uploader.appName);
    const workflow = the("azure-native:logic:Workflow");
    expect(workflow.accessControl).toEqual({
      triggers: {
        openAuthenticationPolicies: {
          policies: {
            "hr-caller": {
              type: "AAD",
              claims: [
                { name: "iss", value: `https://sts.windows.net/${TENANT_ID}/` },
                { name: "aud", value: "api://contoso-hr-push" },
                { name: "appid", value: HR_SYSTEM_APP_ID },
              ],
            },
          },
        },
      },
    });
    expect(
      await violations(logicAppTriggerAuthorized, "azure-native:logic:Workflow", workflow),
    ).toEqual([]);
  });

  test("a v2.0 issuer pins the caller by azp, the claim v2.0 tokens carry", async () => {
    const spec = logicApp();
    spec.uploader!.httpTrigger = {
      audience: "api://contoso-hr-push",
      callerAppId: HR_SYSTEM_APP_ID,
      issuer: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      allowedCallerIpRanges: ["203.0.113.0/24"],
    };
    const uploader = await build("v2", spec);
    await settled(uploader.appName);
    expect(the("azure-native:logic:Workflow").accessControl.triggers).toEqual({
      openAuthenticationPolicies: {
        policies: {
          "hr-caller": {
            type: "AAD",
            claims: [
              { name: "iss", value: `https://login.microsoftonline.com/${TENANT_ID}/v2.0` },
              { name: "aud", value: "api://contoso-hr-push" },
              { name: "azp", value: HR_SYSTEM_APP_ID },
            ],
          },
        },
      },
      allowedCallerIpAddresses: [{ addressRange: "203.0.113.0/24" }],
    });
  });

  test("without an httpTrigger there is no Logic App: the signature alone never starts a run", async () => {
    const spec = logicApp();
    delete spec.uploader!.httpTrigger;
    await expect(build("open", spec)).rejects.toThrow(
      "uploader.kind logicApp needs uploader.httpTrigger (audience, callerAppId): the push trigger must demand an Entra ID token, not only the callback URL's signature",
    );
    expect(inputsOf("azure-native:logic:Workflow")).toEqual([]);
  });

  test("the spec's caller IP ranges and a national cloud's Graph reach the workflow", async () => {
    const spec = logicApp();
    spec.uploader!.httpTrigger = {
      audience: "api://hr-push",
      callerAppId: "99999999-0000-0000-0000-000000000001",
      allowedCallerIpRanges: ["203.0.113.0/24"],
    };
    const uploader = await build("auth", spec, { graphBaseUrl: "https://graph.microsoft.us" });
    await settled(uploader.appName);
    const workflow = the("azure-native:logic:Workflow");
    expect(workflow.accessControl).toEqual({
      triggers: {
        openAuthenticationPolicies: {
          policies: {
            "hr-caller": {
              type: "AAD",
              claims: [
                { name: "iss", value: `https://sts.windows.net/${TENANT_ID}/` },
                { name: "aud", value: "api://hr-push" },
                { name: "appid", value: "99999999-0000-0000-0000-000000000001" },
              ],
            },
          },
        },
        allowedCallerIpAddresses: [{ addressRange: "203.0.113.0/24" }],
      },
    });
    expect(
      workflow.definition.actions.Send_chunks.actions.Post_bulkUpload.inputs.authentication
        .audience,
    ).toBe("https://graph.microsoft.us");
  });
});

describe("kind: none", () => {
  test("deploys no component and registers nothing", async () => {
    const spec = app({ kind: "none", csv: { columns: { externalId: "[WorkerID]" } } });
    expect(newUploader("cli", args(spec))).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(registered).toEqual([]);
  });

  test("each component builds its own kind only", async () => {
    expect(() => new FunctionUploader("wrong-fn", args(logicApp()))).toThrow(
      "the function uploader needs uploader.kind function, got logicApp",
    );
    expect(() => new LogicAppUploader("wrong-la", args(functionApp()))).toThrow(
      "the logicApp uploader needs uploader.kind logicApp, got function",
    );
  });
});
