import { logicAppUploaderChecks, simpleMapping } from "../../lib/records/logicAppChecks";
import {
  graphAudience,
  roleDefinitionResourceId,
  storageAccountNameProblem,
  uploaderNames,
  withoutSas,
} from "../../components/uploader/azure";
import { tenantSpec } from "../../lib/model/schema";
import { HR_SYSTEM_APP_ID, TENANT_ID } from "./fixtures";

const httpTrigger = { audience: "api://contoso-hr-push", callerAppId: HR_SYSTEM_APP_ID };

function spec(uploaders: Record<string, Record<string, unknown>>) {
  const provisioning = Object.fromEntries(
    Object.entries(uploaders).map(([key, uploader]) => [
      key,
      {
        displayName: `HR ${key}`,
        notificationEmail: "alerts@contoso.com",
        mappings: { employeeId: "[externalId]" },
        uploader,
      },
    ]),
  );
  return tenantSpec.parse({
    tenant: { name: "contoso", id: TENANT_ID, domain: "contoso.com" },
    provisioning,
  });
}

function reports(uploaders: Record<string, Record<string, unknown>>) {
  const found: { path: (string | number)[]; message: string }[] = [];
  logicAppUploaderChecks({
    spec: spec(uploaders),
    warn: (p: (string | number)[], m: string) => {
      throw new Error(`unexpected warning at ${p.join(".")}: ${m}`);
    },
    report: (path, message) => found.push({ path, message }),
  });
  return found;
}

describe("logicAppUploaderChecks", () => {
  test("accepts plain columns and string constants", () => {
    expect(
      reports({
        employees: {
          kind: "logicApp",
          httpTrigger,
          csv: {
            columns: {
              externalId: "[WorkerID]",
              userName: " [User ID] ",
              userType: '"Employee"',
              title: '"say \\"hi\\""',
            },
          },
        },
      }),
    ).toEqual([]);
  });

  test("rejects each expression that is more than a column or a constant, naming the column", () => {
    expect(
      reports({
        employees: {
          kind: "logicApp",
          httpTrigger,
          csv: {
            columns: {
              externalId: "[WorkerID]",
              displayName: 'Join(" ", [FirstName], [LastName])',
              active: 'Switch([Status], "False", "Active", "True")',
            },
          },
        },
      }),
    ).toEqual([
      {
        path: ["provisioning", "employees", "uploader", "csv", "columns", "displayName"],
        message:
          'displayName: "Join(\\" \\", [FirstName], [LastName])" cannot run in a Logic App uploader, which copies only a plain column like "[WorkerID]" or a constant like "\\"work\\""; simplify it, or use uploader.kind: function',
      },
      {
        path: ["provisioning", "employees", "uploader", "csv", "columns", "active"],
        message:
          'active: "Switch([Status], \\"False\\", \\"Active\\", \\"True\\")" cannot run in a Logic App uploader, which copies only a plain column like "[WorkerID]" or a constant like "\\"work\\""; simplify it, or use uploader.kind: function',
      },
    ]);
  });

  test("a logicApp uploader without httpTrigger is refused at its kind: its URL's signature must not be the only key", () => {
    expect(
      reports({ employees: { kind: "logicApp", csv: { columns: { externalId: "[WorkerID]" } } } }),
    ).toEqual([
      {
        path: ["provisioning", "employees", "uploader", "kind"],
        message:
          'a logicApp uploader\'s push trigger must demand an Entra ID token: add httpTrigger: { audience: "api://<app the HR system gets its token for>", callerAppId: "<the HR system\'s client id>" } (docs/uploader-azure.md)',
      },
    ]);
  });

  test("an issuer of another tenant is refused; this tenant's v1 or v2.0 issuer passes", () => {
    const withIssuer = (issuer: string, audience = httpTrigger.audience) =>
      reports({
        employees: {
          kind: "logicApp",
          httpTrigger: { ...httpTrigger, issuer, audience },
          csv: { columns: { externalId: "[WorkerID]" } },
        },
      });
    const v2 = `https://login.microsoftonline.com/${TENANT_ID.toUpperCase()}/v2.0`;
    const apiClientId = "88888888-0000-0000-0000-000000000002";
    expect(withIssuer(`https://sts.windows.net/${TENANT_ID}/`)).toEqual([]);
    expect(withIssuer(v2, apiClientId)).toEqual([]);
    // A v2.0 token's aud is the API's client id, never its api:// URI: no token would match.
    expect(withIssuer(v2, "api://contoso-hr-push")).toEqual([
      {
        path: ["provisioning", "employees", "uploader", "httpTrigger", "audience"],
        message:
          'audience "api://contoso-hr-push" never matches a v2.0 token, whose aud is the API\'s client id (a GUID): give the client id of the app registration the HR system gets its token for, or leave issuer out to use v1.0 tokens, whose aud is the Application ID URI',
      },
    ]);
    expect(withIssuer("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/")).toEqual([
      {
        path: ["provisioning", "employees", "uploader", "httpTrigger", "issuer"],
        message: `issuer "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/" does not name tenant.id ${TENANT_ID}: tokens from another tenant would be accepted; leave it out to use https://sts.windows.net/${TENANT_ID}/`,
      },
    ]);
  });

  test("the schema takes only the issuers Logic Apps accepts and a GUID caller", () => {
    const parse = (trigger: Record<string, unknown>) =>
      tenantSpec.safeParse({
        tenant: { name: "contoso", id: TENANT_ID, domain: "contoso.com" },
        provisioning: {
          employees: {
            displayName: "HR",
            notificationEmail: "alerts@contoso.com",
            mappings: { employeeId: "[externalId]" },
            uploader: {
              kind: "logicApp",
              httpTrigger: trigger,
              csv: { columns: { externalId: "[W]" } },
            },
          },
        },
      });
    expect(parse(httpTrigger).success).toBe(true);
    const issues = (trigger: Record<string, unknown>) =>
      parse(trigger).error?.issues.map((i) => `${i.path.slice(3).join(".")}: ${i.message}`);
    expect(issues({ ...httpTrigger, issuer: "https://evil.example/" })).toEqual([
      "httpTrigger.issuer: must start with https://sts.windows.net/ or https://login.microsoftonline.com/ (the issuers Logic Apps accepts)",
    ]);
    expect(issues({ audience: "api://x", callerAppId: "hr-system" })).toEqual([
      "httpTrigger.callerAppId: must be a GUID like 00000000-0000-0000-0000-000000000000",
    ]);
    expect(issues({ callerAppId: HR_SYSTEM_APP_ID })?.[0]).toMatch(/^httpTrigger.audience: /);
  });

  test("leaves function and none uploaders alone", () => {
    const columns = { externalId: "[WorkerID]", displayName: 'Join(" ", [FirstName], [LastName])' };
    expect(
      reports({ a: { kind: "function", csv: { columns } }, b: { kind: "none", csv: { columns } } }),
    ).toEqual([]);
  });
});

test("withoutSas drops the signature's query parameters and keeps the rest", () => {
  expect(
    withoutSas(
      "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cret",
    ),
  ).toBe(
    "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-10-01",
  );
  expect(withoutSas("https://h.example/invoke?sig=x")).toBe("https://h.example/invoke");
});

test("simpleMapping tells columns from constants and unescapes", () => {
  expect(simpleMapping("[WorkerID]")).toEqual({ column: "WorkerID" });
  expect(simpleMapping('"a \\"b\\" \\\\ c"')).toEqual({ constant: 'a "b" \\ c' });
  expect(simpleMapping("[a][b]")).toBeUndefined();
  expect(simpleMapping('"unterminated')).toBeUndefined();
  expect(simpleMapping("Trim([Name])")).toBeUndefined();
});

describe("names", () => {
  test("are derived from tenant and app, with a tenant-id hash on global names", () => {
    expect(uploaderNames("contoso", TENANT_ID, "employees")).toEqual({
      identity: "contoso-employees-uploader",
      storageAccount: "inbcontosoemployd51ecdb8",
      plan: "contoso-employees-uploader-plan",
      functionApp: "contoso-employees-uploader-d51ecdb8",
      logicApp: "contoso-employees-uploader",
      eventTopic: "contoso-employees-uploader-blobs",
    });
    expect(
      uploaderNames("contoso", "99999999-2222-3333-4444-555555555555", "employees").storageAccount,
    ).not.toBe("inbcontosoemployd51ecdb8");
  });

  test("stay within Azure's limits and end without a dash", () => {
    const names = uploaderNames(
      "a-very-long-tenant-name-of-32-ch",
      TENANT_ID,
      "contractors-and-interns-from-agencies-x",
    );
    expect(names.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
    expect(names.functionApp.length).toBeLessThanOrEqual(60);
    expect(names.plan.length).toBeLessThanOrEqual(60);
    expect(names.logicApp.length).toBeLessThanOrEqual(80);
    for (const name of Object.values(names)) expect(name).not.toMatch(/-$/);
  });

  test("an explicit storage account name is checked", () => {
    expect(storageAccountNameProblem("inbcontoso01")).toBeUndefined();
    expect(storageAccountNameProblem("ab")).toBe(
      'uploader.storageAccountName "ab" must be 3-24 lowercase letters and digits (it becomes <name>.blob.core.windows.net)',
    );
  });
});

test("role definition ids are subscription resource ids; the Graph audience is the origin", () => {
  expect(roleDefinitionResourceId("sub", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b")).toBe(
    "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  );
  expect(graphAudience("https://graph.microsoft.com/")).toBe("https://graph.microsoft.com");
  expect(graphAudience("https://microsoftgraph.chinacloudapi.cn/v1.0")).toBe(
    "https://microsoftgraph.chinacloudapi.cn",
  );
});
