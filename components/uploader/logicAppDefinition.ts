/**
 * The workflow definition of the `logicApp` uploader, as plain JSON.
 *
 * Shape: an HTTP request trigger takes `{ "records": [ { <column>: <value>, ... } ] }` pushed by
 * the HR system; the payload is archived to the drop container first (nothing is sent that was
 * not recorded); a Select turns every record into a SCIM bulk operation; a sequential loop posts
 * them 50 at a time to bulkUpload with the user-assigned identity, waiting between calls to stay
 * under the API's rate.
 *
 * Unlike Microsoft's CSV2SCIMBulkUpload sample
 * (https://github.com/AzureAD/entra-id-inbound-provisioning/blob/main/LogicApps/CSV2SCIMBulkUpload/csv2scimbulkupload-template.json),
 * no loop variable is mutated: chunk i is `take(skip(ops, i*50), 50)`, so the loop is simple and
 * its math is testable.
 *
 * The trigger runs only for a bearer token (the authorization policy on the workflow checks its
 * claims), and every operation that sees a record keeps its inputs and outputs out of run
 * history (Microsoft Learn, "Secure access and data in Azure Logic Apps":
 * logic-apps-securing-a-logic-app#enable-oauth-with-microsoft-entra-id and
 * #secure-data-in-run-history-by-using-obfuscation).
 */
import { MAX_OPERATIONS } from "../../lib/upload";
import {
  BULK_REQUEST_URN,
  CORE_URN,
  ENTERPRISE_URN,
  resolveScimTarget,
  ScimTarget,
  simpleMapping,
} from "../../lib/records";
import { type ProvisioningApp, uploaderColumns } from "../../lib/model/schema";
import { LOGIC_APP_TRIGGER } from "./azure";

export const WORKFLOW_SCHEMA =
  "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";

/**
 * Storage REST version for the archive PUT; OAuth on Blob needs 2017-11-09 or later
 * (https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-azure-active-directory).
 */
export const STORAGE_API_VERSION = "2021-08-06";
export const STORAGE_AUDIENCE = "https://storage.azure.com/";

export interface LogicAppDefinitionInput {
  app: ProvisioningApp;
  bulkUploadUrl: string;
  /** ARM id of the user-assigned identity that calls Graph and Storage. */
  identityResourceId: string;
  /** Graph token audience, e.g. https://graph.microsoft.com (no trailing slash). */
  graphAudience: string;
  /** URL of the drop container, e.g. https://acct.blob.core.windows.net/drop */
  dropContainerUrl: string;
}

/** A string for a JSON value of a workflow definition: `@` starts an expression there. */
export function literal(text: string): string {
  return text.includes("@") ? `@string('${text.replace(/'/g, "''")}')` : text;
}

function columnValue(column: string, target: ScimTarget): string {
  const read = `item()?['${column.replace(/'/g, "''")}']`;
  // Typed conversions fail the Select, so a bad record stops the run before anything is sent.
  if (target.type === "boolean") return `@bool(${read})`;
  if (target.type === "integer") return `@int(${read})`;
  return `@${read}`;
}

function constantValue(text: string, target: ScimTarget): string | number | boolean {
  if (target.type === "boolean" && /^(true|false)$/i.test(text)) return /^true$/i.test(text);
  if (target.type === "integer" && /^[+-]?\d+$/.test(text)) return Number(text);
  return literal(text);
}

/** The SCIM user of one pushed record, as workflow expressions; mirrors lib/records/convert.ts. */
export function scimUserTemplate(app: ProvisioningApp): Record<string, unknown> {
  const { columns } = uploaderColumns(app.uploader);
  const user: Record<string, unknown> = {};
  let usesExtension = false;
  const problems: string[] = [];
  for (const [key, expression] of Object.entries(columns)) {
    const target = resolveScimTarget(key, app.scimExtension);
    if ("error" in target) {
      problems.push(target.error);
      continue;
    }
    const mapping = simpleMapping(expression);
    if (!mapping) {
      problems.push(`${key}: ${JSON.stringify(expression)} is not a plain [Column] or "constant"`);
      continue;
    }
    const value =
      "column" in mapping
        ? columnValue(mapping.column, target)
        : constantValue(mapping.constant, target);
    let container = user;
    if (target.urn) {
      if (target.urn !== ENTERPRISE_URN) usesExtension = true;
      container = (user[target.urn] ??= {}) as Record<string, unknown>;
    }
    if (target.filter) {
      const list = (container[target.attribute] ??= []) as Record<string, unknown>[];
      const filterValue = literal(target.filter.value);
      let element = list.find((e) => e[target.filter!.attribute] === filterValue);
      if (!element) {
        element = { [target.filter.attribute]: filterValue };
        list.push(element);
      }
      element[target.sub!] = value;
    } else if (target.sub) {
      ((container[target.attribute] ??= {}) as Record<string, unknown>)[target.sub] = value;
    } else {
      container[target.attribute] = value;
    }
  }
  if (!("externalId" in columns))
    problems.push('csv.columns must map externalId, e.g. externalId: "[WorkerID]"');
  if (problems.length > 0) {
    throw new Error(`the Logic App uploader cannot map csv.columns: ${problems.join("; ")}`);
  }
  const schemas = [CORE_URN, ENTERPRISE_URN];
  if (usesExtension && app.scimExtension) schemas.push(app.scimExtension.urn);
  return { schemas, ...user };
}

/** Seconds to wait after each call so sequential calls never exceed requestsPerWindow. */
export function secondsBetweenCalls(app: ProvisioningApp): number {
  const rate = app.uploader?.rate ?? { requestsPerWindow: 40, windowSeconds: 5 };
  // The Wait action counts whole seconds; rounding up keeps the pace under the limit.
  return Math.max(1, Math.ceil(rate.windowSeconds / rate.requestsPerWindow));
}

/**
 * Hides an operation's inputs and outputs in run history, where anyone with read access to the
 * Logic App would otherwise find the HR records (and the caller's token, in the trigger's).
 */
export const SECURE_DATA = { secureData: { properties: ["inputs", "outputs"] } } as const;

/**
 * The trigger condition that turns away a call authorized by the URL's SAS alone: such a call has
 * no bearer token. A Consumption workflow cannot switch SAS off in the API version azure-native
 * exposes (2019-05-01), so this is Microsoft's documented way to make OAuth the only option
 * (logic-apps-securing-a-logic-app#enable-microsoft-entra-id-oauth-as-the-only-option-to-call-a-request-endpoint).
 */
export const BEARER_ONLY_CONDITION =
  "@startsWith(triggerOutputs()?['headers']?['Authorization'], 'Bearer')";

/**
 * Operations that do not support secure inputs/outputs, and see no record: loop, pause, the failure
 * count and the end of a failed run.
 */
export const UNSECURABLE_TYPES = [
  "Foreach",
  "Wait",
  "InitializeVariable",
  "IncrementVariable",
  "If",
  "Terminate",
] as const;

/** The variable that counts failed bulkUpload requests, and the action that declares it. */
export const FAILURES_VARIABLE = "failedRequests";
export const FAILURES_VARIABLE_ACTION = "Initialize_failed_requests";

/** Expression: how many chunks of MAX_OPERATIONS the operations make (ceil(n / 50)). */
export const CHUNK_COUNT = `@range(0, div(add(length(body('Build_operations')), ${MAX_OPERATIONS - 1}), ${MAX_OPERATIONS}))`;
/** Expression: the operations of chunk `item()`. */
export const CHUNK_OPERATIONS = `@take(skip(body('Build_operations'), mul(item(), ${MAX_OPERATIONS})), ${MAX_OPERATIONS})`;

export function buildLogicAppDefinition(input: LogicAppDefinitionInput): Record<string, unknown> {
  const graphAuth = {
    type: "ManagedServiceIdentity",
    identity: input.identityResourceId,
    audience: input.graphAudience,
  };
  return {
    $schema: WORKFLOW_SCHEMA,
    contentVersion: "1.0.0.0",
    parameters: {},
    triggers: {
      [LOGIC_APP_TRIGGER]: {
        type: "Request",
        kind: "Http",
        inputs: {
          method: "POST",
          schema: {
            type: "object",
            required: ["records"],
            properties: {
              records: { type: "array", minItems: 1, items: { type: "object" } },
            },
          },
        },
        // Schema validation rejects a push that does not match with 400 instead of starting a
        // run; the Authorization header must be in the outputs for the condition to read it.
        operationOptions: "EnableSchemaValidation, IncludeAuthorizationHeadersInOutputs",
        conditions: [{ expression: BEARER_ONLY_CONDITION }],
        // One run at a time: two overlapping pushes would share the rate window (and the later
        // could overtake the earlier); the rest wait in the trigger's queue
        // (https://learn.microsoft.com/en-us/azure/logic-apps/logic-apps-workflow-actions-triggers#change-trigger-concurrency).
        runtimeConfiguration: { ...SECURE_DATA, concurrency: { runs: 1 } },
      },
    },
    actions: {
      [FAILURES_VARIABLE_ACTION]: {
        type: "InitializeVariable",
        runAfter: {},
        inputs: { variables: [{ name: FAILURES_VARIABLE, type: "integer", value: 0 }] },
      },
      Archive_request: {
        type: "Http",
        runAfter: {},
        inputs: {
          method: "PUT",
          uri: `${input.dropContainerUrl.replace(/\/+$/, "")}/pushed/@{workflow()?['run']?['name']}.json`,
          headers: {
            "x-ms-blob-type": "BlockBlob",
            "x-ms-version": STORAGE_API_VERSION,
            "Content-Type": "application/json",
          },
          body: "@triggerBody()",
          authentication: {
            type: "ManagedServiceIdentity",
            identity: input.identityResourceId,
            audience: STORAGE_AUDIENCE,
          },
        },
        runtimeConfiguration: SECURE_DATA,
      },
      Build_operations: {
        type: "Select",
        runAfter: { Archive_request: ["Succeeded"] },
        inputs: {
          from: "@triggerBody()?['records']",
          select: {
            method: "POST",
            bulkId: "@{guid()}",
            path: "/Users",
            data: scimUserTemplate(input.app),
          },
        },
        runtimeConfiguration: SECURE_DATA,
      },
      Send_chunks: {
        type: "Foreach",
        runAfter: { Build_operations: ["Succeeded"], [FAILURES_VARIABLE_ACTION]: ["Succeeded"] },
        foreach: CHUNK_COUNT,
        // One chunk at a time: together with the wait this is the rate limit.
        runtimeConfiguration: { concurrency: { repetitions: 1 } },
        actions: {
          Post_bulkUpload: {
            type: "Http",
            runAfter: {},
            inputs: {
              method: "POST",
              uri: input.bulkUploadUrl,
              headers: { "Content-Type": "application/scim+json" },
              body: {
                schemas: [BULK_REQUEST_URN],
                Operations: CHUNK_OPERATIONS,
                failOnErrors: null,
              },
              authentication: graphAuth,
              // 429 and 5xx are retried; whether Retry-After is honoured is undocumented, so the
              // intervals are long enough for the 5-second window of
              // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-concepts
              retryPolicy: {
                type: "exponential",
                count: 4,
                interval: "PT10S",
                minimumInterval: "PT5S",
                maximumInterval: "PT5M",
              },
            },
            // bulkUpload answers 202 Accepted with no Location to poll: without this the action
            // would treat the 202 as the start of an asynchronous operation, as Microsoft's
            // CSV2SCIMBulkUpload sample also avoids.
            operationOptions: "DisableAsyncPattern",
            runtimeConfiguration: SECURE_DATA,
          },
          Count_failure: {
            type: "IncrementVariable",
            runAfter: { Post_bulkUpload: ["Failed", "TimedOut"] },
            inputs: { name: FAILURES_VARIABLE, value: 1 },
          },
          Pace: {
            type: "Wait",
            runAfter: { Post_bulkUpload: ["Succeeded", "Failed", "TimedOut"] },
            inputs: { interval: { count: secondsBetweenCalls(input.app), unit: "Second" } },
          },
        },
      },
      // The loop itself succeeds when its last action (the pacing Wait) does, so a failed chunk
      // is counted and the run ends Failed here, where the failed-runs alert sees it.
      Fail_when_a_request_failed: {
        type: "If",
        runAfter: { Send_chunks: ["Succeeded"] },
        expression: { and: [{ greater: [`@variables('${FAILURES_VARIABLE}')`, 0] }] },
        actions: {
          Fail_run: {
            type: "Terminate",
            runAfter: {},
            inputs: {
              runStatus: "Failed",
              runError: {
                code: "BulkUploadFailed",
                message: `@{variables('${FAILURES_VARIABLE}')} bulkUpload request(s) failed; their records were not accepted. See the Post_bulkUpload iterations of this run.`,
              },
            },
          },
        },
        else: { actions: {} },
      },
    },
    outputs: {},
  };
}
