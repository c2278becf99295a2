import {
  BEARER_ONLY_CONDITION,
  buildLogicAppDefinition,
  CHUNK_COUNT,
  CHUNK_OPERATIONS,
  literal,
  scimUserTemplate,
  secondsBetweenCalls,
} from "../../components/uploader/logicAppDefinition";
import { app, BULK_UPLOAD_URL, functionApp, logicApp } from "./fixtures";

/** Workflow definitions and resource inputs are untyped JSON here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const IDENTITY =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u";

const definition = () =>
  buildLogicAppDefinition({
    app: logicApp(),
    bulkUploadUrl: BULK_UPLOAD_URL,
    identityResourceId: IDENTITY,
    graphAudience: "https://graph.microsoft.com",
    dropContainerUrl: "https://acct.blob.core.windows.net/drop/",
  }) as Json;

/**
 * Just enough of the Workflow Definition Language to run the chunking expressions: calls,
 * integers and 'strings'. Semantics from the functions reference (div truncates, skip/take clamp).
 */
function evaluate(expression: string, env: { operations: unknown[]; item?: number }): unknown {
  const text = expression.replace(/^@/, "");
  let at = 0;
  const skipSpace = () => {
    while (text[at] === " ") at++;
  };
  const parse = (): unknown => {
    skipSpace();
    if (text[at] === "'") {
      const end = text.indexOf("'", at + 1);
      const value = text.slice(at + 1, end);
      at = end + 1;
      return value;
    }
    const number = /^\d+/.exec(text.slice(at));
    if (number) {
      at += number[0].length;
      return Number(number[0]);
    }
    const name = /^[a-z]+/.exec(text.slice(at))![0];
    at += name.length + 1; // name and "("
    const args: unknown[] = [];
    skipSpace();
    while (text[at] !== ")") {
      args.push(parse());
      skipSpace();
      if (text[at] === ",") at++;
    }
    at++;
    const [a, b] = args as [Json, Json];
    switch (name) {
      case "body":
        if (a !== "Build_operations") throw new Error(`unknown action ${a}`);
        return env.operations;
      case "item":
        return env.item;
      case "length":
        return a.length;
      case "add":
        return a + b;
      case "mul":
        return a * b;
      case "div":
        return Math.trunc(a / b);
      case "range":
        return Array.from({ length: b }, (_, i) => a + i);
      case "skip":
        return a.slice(b);
      case "take":
        return a.slice(0, b);
      default:
        throw new Error(`function ${name} is not in this evaluator`);
    }
  };
  const value = parse();
  if (at !== text.length) throw new Error(`trailing text in ${expression}`);
  return value;
}

describe("chunking", () => {
  test.each([1, 2, 49, 50, 51, 99, 100, 101, 137, 2500])(
    "%i operations go out in ceil(n/50) requests of at most 50, in order, each once",
    (n) => {
      const operations = Array.from({ length: n }, (_, i) => i);
      const chunks = (evaluate(CHUNK_COUNT, { operations }) as number[]).map(
        (item) => evaluate(CHUNK_OPERATIONS, { operations, item }) as number[],
      );
      expect(chunks).toHaveLength(Math.ceil(n / 50));
      expect(chunks.every((c) => c.length >= 1 && c.length <= 50)).toBe(true);
      expect(chunks.flat()).toEqual(operations);
    },
  );

  test("the loop over chunks is the definition's, sequential, and posts the chunk as Operations", () => {
    const loop = definition().actions.Send_chunks;
    expect(loop.foreach).toBe(CHUNK_COUNT);
    expect(loop.runtimeConfiguration).toEqual({ concurrency: { repetitions: 1 } });
    expect(loop.runAfter).toEqual({
      Build_operations: ["Succeeded"],
      Initialize_failed_requests: ["Succeeded"],
    });
    expect(loop.actions.Post_bulkUpload.inputs.body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: CHUNK_OPERATIONS,
      failOnErrors: null,
    });
  });
});

describe("bulkUpload call", () => {
  test("POSTs application/scim+json with the user-assigned identity for Graph, retrying 429/5xx", () => {
    expect(definition().actions.Send_chunks.actions.Post_bulkUpload).toEqual({
      type: "Http",
      runAfter: {},
      inputs: {
        method: "POST",
        uri: BULK_UPLOAD_URL,
        headers: { "Content-Type": "application/scim+json" },
        body: expect.any(Object),
        authentication: {
          type: "ManagedServiceIdentity",
          identity: IDENTITY,
          audience: "https://graph.microsoft.com",
        },
        retryPolicy: {
          type: "exponential",
          count: 4,
          interval: "PT10S",
          minimumInterval: "PT5S",
          maximumInterval: "PT5M",
        },
      },
      // As Microsoft's CSV2SCIMBulkUpload sample: the 202 is the answer, not an operation to poll.
      operationOptions: "DisableAsyncPattern",
      runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
    });
  });

  test("a failed bulkUpload call is counted and the run ends Failed after the loop, not Succeeded by the pacing Wait", () => {
    const actions = definition().actions;
    expect(actions.Initialize_failed_requests).toEqual({
      type: "InitializeVariable",
      runAfter: {},
      inputs: { variables: [{ name: "failedRequests", type: "integer", value: 0 }] },
    });
    expect(actions.Send_chunks.actions.Count_failure).toEqual({
      type: "IncrementVariable",
      runAfter: { Post_bulkUpload: ["Failed", "TimedOut"] },
      inputs: { name: "failedRequests", value: 1 },
    });
    const check = actions.Fail_when_a_request_failed;
    expect(check.type).toBe("If");
    expect(check.runAfter).toEqual({ Send_chunks: ["Succeeded"] });
    expect(check.expression).toEqual({ and: [{ greater: ["@variables('failedRequests')", 0] }] });
    expect(check.actions.Fail_run.type).toBe("Terminate");
    expect(check.actions.Fail_run.inputs.runStatus).toBe("Failed");
    expect(check.actions.Fail_run.inputs.runError.code).toBe("BulkUploadFailed");
  });

  test("waits between calls so the rate stays under requestsPerWindow", () => {
    expect(definition().actions.Send_chunks.actions.Pace).toEqual({
      type: "Wait",
      runAfter: { Post_bulkUpload: ["Succeeded", "Failed", "TimedOut"] },
      inputs: { interval: { count: 3, unit: "Second" } },
    });
    expect(secondsBetweenCalls(logicApp())).toBe(3);
    // The API's 40 per 5 s rounds up to one call a second.
    expect(secondsBetweenCalls(functionApp())).toBe(1);
  });
});

test("trigger: schema-validated POST of a non-empty records array, bearer token only, one run at a time, hidden from run history", () => {
  expect(definition().triggers).toEqual({
    manual: {
      type: "Request",
      kind: "Http",
      inputs: {
        method: "POST",
        schema: {
          type: "object",
          required: ["records"],
          properties: { records: { type: "array", minItems: 1, items: { type: "object" } } },
        },
      },
      operationOptions: "EnableSchemaValidation, IncludeAuthorizationHeadersInOutputs",
      conditions: [
        { expression: "@startsWith(triggerOutputs()?['headers']?['Authorization'], 'Bearer')" },
      ],
      runtimeConfiguration: {
        secureData: { properties: ["inputs", "outputs"] },
        // Overlapping pushes wait in the trigger's queue instead of sharing the rate window.
        concurrency: { runs: 1 },
      },
    },
  });
  expect(BEARER_ONLY_CONDITION).toBe(definition().triggers.manual.conditions[0].expression);
});

/** Every trigger and action of a definition, nested loop actions included, by name. */
function operations(def: Json): [string, Json][] {
  const found: [string, Json][] = Object.entries(def.triggers);
  const walk = (actions: Record<string, Json>) => {
    for (const [name, action] of Object.entries(actions)) {
      found.push([name, action]);
      if (action.actions) walk(action.actions);
    }
  };
  walk(def.actions);
  return found;
}

test("run history keeps no HR record: every operation that supports it secures inputs and outputs", () => {
  const secured = operations(definition())
    .filter(([, op]) => op.runtimeConfiguration?.secureData)
    .map(([name, op]) => [name, op.runtimeConfiguration.secureData.properties]);
  expect(secured).toEqual([
    ["manual", ["inputs", "outputs"]],
    ["Archive_request", ["inputs", "outputs"]],
    ["Build_operations", ["inputs", "outputs"]],
    ["Post_bulkUpload", ["inputs", "outputs"]],
  ]);
  // The rest are the loop and the pause, which Logic Apps cannot secure; neither reads a record.
  const others = operations(definition()).filter(([, op]) => !op.runtimeConfiguration?.secureData);
  expect(others.map(([name, op]) => [name, op.type])).toEqual([
    ["Initialize_failed_requests", "InitializeVariable"],
    ["Send_chunks", "Foreach"],
    ["Count_failure", "IncrementVariable"],
    ["Pace", "Wait"],
    ["Fail_when_a_request_failed", "If"],
    ["Fail_run", "Terminate"],
  ]);
  expect(JSON.stringify(definition().actions.Send_chunks.actions.Pace)).not.toMatch(/trigger|body/);
});

test("the pushed payload is archived to the drop container with the identity before anything is sent", () => {
  const actions = definition().actions;
  expect(Object.keys(actions)).toEqual([
    "Initialize_failed_requests",
    "Archive_request",
    "Build_operations",
    "Send_chunks",
    "Fail_when_a_request_failed",
  ]);
  expect(actions.Archive_request).toEqual({
    type: "Http",
    runAfter: {},
    inputs: {
      method: "PUT",
      uri: "https://acct.blob.core.windows.net/drop/pushed/@{workflow()?['run']?['name']}.json",
      headers: {
        "x-ms-blob-type": "BlockBlob",
        "x-ms-version": "2021-08-06",
        "Content-Type": "application/json",
      },
      body: "@triggerBody()",
      authentication: {
        type: "ManagedServiceIdentity",
        identity: IDENTITY,
        audience: "https://storage.azure.com/",
      },
    },
    runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
  });
  expect(actions.Build_operations.runAfter).toEqual({ Archive_request: ["Succeeded"] });
  expect(actions.Build_operations.inputs.from).toBe("@triggerBody()?['records']");
  expect(actions.Build_operations.inputs.select).toEqual({
    method: "POST",
    bulkId: "@{guid()}",
    path: "/Users",
    data: scimUserTemplate(logicApp()),
  });
});

describe("SCIM user template", () => {
  test("maps columns and constants to SCIM places with typed conversions", () => {
    expect(scimUserTemplate(logicApp())).toEqual({
      schemas: [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:contoso:1.0:User",
      ],
      externalId: "@item()?['WorkerID']",
      userName: "@item()?['User''s ID']",
      active: "@bool(item()?['Active'])",
      name: { givenName: "@item()?['FirstName']" },
      addresses: [{ type: "work", locality: "@item()?['City']", primary: true }],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        department: "@string('R@D')",
      },
      "urn:ietf:params:scim:schemas:extension:contoso:1.0:User": {
        HireDate: "@item()?['HireDate']",
        Level: 7,
      },
    });
  });

  test("without custom attributes the extension schema is not listed", () => {
    const spec = app({
      kind: "logicApp",
      csv: { columns: { externalId: "[WorkerID]", "enterprise:costCenter": "[CC]" } },
    });
    expect(scimUserTemplate(spec)).toEqual({
      schemas: [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
      ],
      externalId: "@item()?['WorkerID']",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        costCenter: "@item()?['CC']",
      },
    });
  });

  test("refuses what a Logic App cannot express, naming each attribute", () => {
    const spec = app({
      kind: "logicApp",
      csv: { columns: { userName: 'Join("@", [First], "contoso.com")', nickname: "[X]" } },
    });
    expect(() => scimUserTemplate(spec)).toThrow(
      'the Logic App uploader cannot map csv.columns: userName: "Join(\\"@\\", [First], \\"contoso.com\\")" is not a plain [Column] or "constant"; ' +
        '"nickname": nickname is not an attribute of the SCIM core User schema (known: externalId, userName, name, displayName, nickName, profileUrl, title, userType, preferredLanguage, locale, timezone, active, emails, phoneNumbers, ims, photos, addresses, entitlements, roles); ' +
        'csv.columns must map externalId, e.g. externalId: "[WorkerID]"',
    );
  });
});

test("literal escapes the workflow language's @", () => {
  expect(literal("plain")).toBe("plain");
  expect(literal("a@b's")).toBe("@string('a@b''s')");
});
