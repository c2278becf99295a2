/**
 * The recording client of `inbound plan`, and its stand-in answers: what is recorded is what a
 * provider asked to send, and a request with no stand-in stops the plan instead of being answered
 * with something made up.
 */
import { createRecordingClient, type RecordedRequest } from "../../lib/graph";
import { standIns } from "../../cli/plan/standIns";

const log: RecordedRequest[] = [];
const client = (inputs: Record<string, unknown> = {}) =>
  createRecordingClient({
    baseUrl: "https://graph.microsoft.com/",
    answer: standIns({ name: "app-schema", inputs }),
    log,
  });
beforeEach(() => (log.length = 0));

test("records method, path under the version root, the headers that matter and a copy of the body", async () => {
  const body = { value: [{ key: "A", value: "1" }] };
  await client().request("PUT", "/servicePrincipals/sp/synchronization/secrets", body, {
    headers: { Prefer: "include-unknown-enum-members", "User-Agent": "inbound" },
  });
  body.value[0].value = "changed after sending";
  expect(log).toEqual([
    {
      method: "PUT",
      path: "/v1.0/servicePrincipals/sp/synchronization/secrets",
      headers: { Prefer: "include-unknown-enum-members", "Content-Type": "application/json" },
      body: { value: [{ key: "A", value: "1" }] },
    },
  ]);
});

test("answers creates with placeholder ids named after the resource", async () => {
  const job = await client().post<{ id: string; templateId: string }>(
    "/servicePrincipals/sp/synchronization/jobs",
    { templateId: "<t>" },
  );
  expect(job).toEqual({ id: "<app-schema.jobId>", templateId: "<t>" });
  const workflow = await client().post<{ id: string; version: number }>(
    "/beta/identityGovernance/lifecycleWorkflows/workflows",
    { displayName: "W" },
  );
  expect(workflow).toEqual({ displayName: "W", id: "<app-schema.id>", version: 1 });
  expect(log.map((r) => r.path)).toEqual([
    "/v1.0/servicePrincipals/sp/synchronization/jobs",
    "/beta/identityGovernance/lifecycleWorkflows/workflows",
  ]);
});

test("the schema read answers the stand-in template of the resource's target", async () => {
  const schema = await client({ provisioning: { target: "activeDirectory" } }).get<{
    directories: { name: string }[];
  }>("/servicePrincipals/sp/synchronization/jobs/j/schema");
  expect(schema.directories.map((d) => d.name)).toContain("{activeDirectoryTargetName}");
});

test("parseExpression is answered with the offline compiler's tree", async () => {
  const answer = await client().post<{ parsingSucceeded: boolean; parsedExpression: unknown }>(
    "/servicePrincipals/sp/synchronization/jobs/j/schema/parseExpression",
    { expression: "[userName]" },
  );
  expect(answer).toEqual({
    parsingSucceeded: true,
    error: null,
    parsedExpression: {
      type: "Attribute",
      name: "userName",
      expression: "[userName]",
      parameters: [],
    },
  });
});

test("a read with no stand-in fails, naming it", async () => {
  await expect(client().get("/users?$top=1")).rejects.toThrow(
    "the offline plan has no stand-in answer for GET /users",
  );
});
