/** Spec sections shared by the uploader tests, validated by the real schema. */
import { provisioningApp, type ProvisioningApp } from "../../lib/model/schema";

export const TENANT_ID = "11111111-2222-3333-4444-555555555555";
export const SUBSCRIPTION_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
/** Client id of the HR system that pushes records to the Logic App uploader. */
export const HR_SYSTEM_APP_ID = "99999999-0000-0000-0000-000000000001";
export const BULK_UPLOAD_URL =
  "https://graph.microsoft.com/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.abc.def/bulkUpload";

export function app(
  uploader: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ProvisioningApp {
  return provisioningApp.parse({
    displayName: "Contoso HR",
    notificationEmail: "alerts@contoso.com",
    mappings: { employeeId: "[externalId]" },
    uploader,
    ...extra,
  });
}

/** `uploader` settings the tests vary (storageAccountName, functionApp...) go in `more`. */
export const functionApp = (more: Record<string, unknown> = {}) =>
  app({
    kind: "function",
    schedule: "0 0 2 * * *",
    ...more,
    csv: {
      columns: {
        externalId: "[WorkerID]",
        userName: "[UserID]",
        active: 'Switch([WorkerStatus], "False", "Active", "True")',
      },
    },
  });

export const logicApp = () =>
  app(
    {
      kind: "logicApp",
      rate: { requestsPerWindow: 2, windowSeconds: 5 },
      httpTrigger: { audience: "api://contoso-hr-push", callerAppId: HR_SYSTEM_APP_ID },
      csv: {
        columns: {
          externalId: "[WorkerID]",
          userName: "[User's ID]",
          active: "[Active]",
          "name.givenName": "[FirstName]",
          'addresses[type eq "work"].locality': "[City]",
          'addresses[type eq "work"].primary': '"True"',
          "enterprise:department": '"R@D"',
          "ext:HireDate": "[HireDate]",
          "ext:Level": '"7"',
        },
      },
    },
    {
      scimExtension: {
        urn: "urn:ietf:params:scim:schemas:extension:contoso:1.0:User",
        attributes: { HireDate: "dateTime", Level: "integer" },
      },
    },
  );
