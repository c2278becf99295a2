/**
 * The emulator's provisioning service: what a started job does with the records of a bulkUpload
 * (lib/emulator/processing.ts).
 */
import type { EmulatorState } from "../../lib/emulator";
import { flattenScim, processBulkRequest } from "../../lib/emulator/processing";
import { createDirectoryState } from "../../lib/emulator/routes/directory";
import {
  addServicePrincipal,
  createProvisioningState,
} from "../../lib/emulator/routes/provisioning";
import { createLifecycleState } from "../../lib/emulator/routes/lifecycle";

const SP = "sp-1";
const JOB = "API2AAD.job";
const PATH = `/servicePrincipals/${SP}/synchronization/jobs/${JOB}/bulkUpload`;
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const attribute = (target: string, source: string, extra: object = {}) => ({
  targetAttributeName: target,
  source: { type: "Attribute", name: source, expression: `[${source}]`, parameters: [] },
  flowType: "Always",
  matchingPriority: 0,
  ...extra,
});

function stateWithJob(options: { state?: string; flowTypes?: string; scope?: object } = {}) {
  const state: EmulatorState = {
    directory: createDirectoryState(),
    provisioning: createProvisioningState(),
    lifecycle: createLifecycleState(),
  };
  const sp = addServicePrincipal(state.provisioning, SP);
  sp.jobs.set(JOB, {
    job: {
      id: JOB,
      templateId: "API2AAD",
      schedule: { state: options.state ?? "Active" },
      status: {},
    },
    schema: {
      synchronizationRules: [
        {
          objectMappings: [
            {
              sourceObjectName: "User",
              flowTypes: options.flowTypes ?? "Add, Update",
              scope: options.scope ?? null,
              attributeMappings: [
                attribute("employeeId", "externalId", { matchingPriority: 1 }),
                attribute("jobTitle", "title"),
                attribute("department", `${ENTERPRISE}:department`),
                attribute("usageLocation", "urn:x:Country", { defaultValue: "NL" }),
                {
                  targetAttributeName: "userPrincipalName",
                  flowType: "ObjectAddOnly",
                  matchingPriority: 0,
                  source: {
                    type: "Function",
                    name: "Join",
                    expression: 'Join("@", [name.givenName], "contoso.com")',
                    parameters: [],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  });
  return state;
}

const user = (externalId: string, givenName: string, title: string, department = "IT") => ({
  method: "POST",
  path: "/Users",
  bulkId: `b-${externalId}`,
  data: {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    externalId,
    userName: givenName.toLowerCase(),
    name: { givenName },
    title,
    [ENTERPRISE]: { department, manager: { value: "1000" } },
  },
});

const upload = (state: EmulatorState, ...operations: object[]) =>
  processBulkRequest(state, PATH, { Operations: operations }, new Date("2026-01-01T00:00:00Z"));

test("a new record is created through the job's mappings, a known one updated, and each gets a log entry", () => {
  const state = stateWithJob();
  upload(state, user("1", "Ada", "Engineer"));
  expect(state.directory.users).toEqual([
    {
      id: expect.any(String),
      employeeId: "1",
      jobTitle: "Engineer",
      department: "IT",
      usageLocation: "NL",
      userPrincipalName: "Ada@contoso.com",
    },
  ]);
  const id = state.directory.users[0].id;

  // Matched on employeeId; the create-only mapping keeps the name it was created with.
  upload(state, user("1", "Augusta", "Chief Engineer"));
  expect(state.directory.users).toHaveLength(1);
  expect(state.directory.users[0]).toMatchObject({
    id,
    jobTitle: "Chief Engineer",
    userPrincipalName: "Ada@contoso.com",
  });

  const logs = state.directory.provisioningLogs;
  expect(logs).toHaveLength(2);
  expect(logs[0]).toMatchObject({
    jobId: JOB,
    activityDateTime: "2026-01-01T00:00:00.000Z",
    provisioningAction: "create",
    provisioningStatusInfo: { status: "success", errorInformation: null },
    sourceIdentity: { id: "1", identityType: "User" },
    targetIdentity: { id },
  });
  expect(logs[1]).toMatchObject({
    provisioningAction: "update",
    provisioningStatusInfo: { status: "success" },
    modifiedProperties: [
      { displayName: "jobTitle", oldValue: "Engineer", newValue: "Chief Engineer" },
    ],
  });
});

/** The scoping filter "IT only": the department must be IT. */
const itOnly = () => ({
  groups: [
    {
      name: "IT only",
      clauses: [
        {
          sourceOperandName: `${ENTERPRISE}:department`,
          operatorName: "EQUALS",
          targetOperand: { values: ["IT"] },
        },
      ],
    },
  ],
});

test("a record outside the scoping filter is skipped, with the clause that failed", () => {
  const state = stateWithJob({ scope: itOnly() });
  upload(state, user("1", "Ada", "Engineer"), user("2", "Grace", "Buyer", "Purchasing"));
  expect(state.directory.users.map((u) => u.employeeId)).toEqual(["1"]);
  const skipped = state.directory.provisioningLogs[1];
  expect(skipped).toMatchObject({
    provisioningAction: "other",
    provisioningStatusInfo: {
      status: "skipped",
      errorInformation: {
        reason: `out of scope: IT only: ${ENTERPRISE}:department EQUALS does not hold`,
      },
    },
  });
});

test("a known user whose record leaves the scope is disabled, unless SkipOutOfScopeDeletions is True", () => {
  for (const skip of [undefined, "False", "True"]) {
    const state = stateWithJob({ scope: itOnly() });
    if (skip) {
      state.provisioning.servicePrincipals
        .get(SP)!
        .secrets.push({ key: "SkipOutOfScopeDeletions", value: skip });
    }
    upload(state, user("1", "Ada", "Engineer"));
    state.directory.users[0].accountEnabled = true;
    upload(state, user("1", "Ada", "Engineer", "Finance"));
    const moved = state.directory.provisioningLogs[1];
    if (skip === "True") {
      expect(state.directory.users[0].accountEnabled).toBe(true);
      expect(moved).toMatchObject({
        provisioningAction: "other",
        provisioningStatusInfo: { status: "skipped" },
      });
    } else {
      expect(state.directory.users[0]).toMatchObject({ department: "IT", accountEnabled: false });
      expect(moved).toMatchObject({
        provisioningAction: "disable",
        provisioningStatusInfo: { status: "success" },
        modifiedProperties: [
          { displayName: "accountEnabled", oldValue: "true", newValue: "false" },
        ],
      });
    }
  }
});

test("a job that does not add users skips an unknown record; a job not started processes nothing", () => {
  const updateOnly = stateWithJob({ flowTypes: "Update" });
  upload(updateOnly, user("1", "Ada", "Engineer"));
  expect(updateOnly.directory.users).toEqual([]);
  expect(updateOnly.directory.provisioningLogs[0]).toMatchObject({
    provisioningStatusInfo: { status: "skipped" },
  });

  const stopped = stateWithJob({ state: "Disabled" });
  upload(stopped, user("1", "Ada", "Engineer"));
  expect(stopped.directory.users).toEqual([]);
  expect(stopped.directory.provisioningLogs).toEqual([]);
});

test("a SCIM user flattens to the attribute names a job's schema uses", () => {
  expect(
    flattenScim({
      schemas: ["x"],
      externalId: "1",
      active: true,
      name: { givenName: "Ada" },
      emails: [{ type: "work", value: "ada@contoso.com" }],
      [ENTERPRISE]: { department: "IT", manager: { value: "1000" } },
    }),
  ).toEqual({
    externalId: "1",
    active: true,
    "name.givenName": "Ada",
    'emails[type eq "work"].value': "ada@contoso.com",
    [`${ENTERPRISE}:department`]: "IT",
    [`${ENTERPRISE}:manager`]: "1000",
  });
});
