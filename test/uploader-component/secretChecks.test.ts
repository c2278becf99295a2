/** checkUploaderSecrets: a function uploader's HR API secrets must come from Key Vault. */
import { checkUploaderSecrets } from "../../lib/upload/checks";
import { tenantSpec } from "../../lib/model/schema";
import { TENANT_ID } from "./fixtures";

const VAULT =
  "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/hr/providers/Microsoft.KeyVault/vaults/contoso-hr";

function found(uploader: Record<string, unknown>) {
  const spec = tenantSpec.parse({
    tenant: { name: "contoso", id: TENANT_ID, domain: "contoso.com" },
    provisioning: {
      employees: {
        displayName: "HR",
        notificationEmail: "alerts@contoso.com",
        mappings: { employeeId: "[externalId]" },
        uploader: { columns: { externalId: "[id]" }, ...uploader },
      },
    },
  });
  const out: string[] = [];
  checkUploaderSecrets({
    spec,
    report: (path, message) => out.push(`error ${path.join(".")}: ${message}`),
    warn: (path, message) => out.push(`warn ${path.join(".")}: ${message}`),
  });
  return out;
}

const rest = (auth: Record<string, unknown>) => ({
  source: "rest",
  rest: { url: "https://hr.example.com/api", auth },
});

describe("checkUploaderSecrets", () => {
  test("a function uploader whose secrets are all named in keyVault passes", () => {
    expect(
      found({
        kind: "function",
        ...rest({ bearerEnv: "HR_TOKEN" }),
        keyVault: { id: VAULT, secrets: { HR_TOKEN: "hr-api-token" } },
      }),
    ).toEqual([]);
  });

  test.each([
    [{ bearerEnv: "HR_TOKEN" }, "HR_TOKEN"],
    [{ apiKey: { header: "X-API-Key", env: "HR_KEY" } }, "HR_KEY"],
    [
      {
        oauth2: {
          tokenUrl: "https://hr.example.com/token",
          clientId: "c",
          clientSecretEnv: "HR_SECRET",
        },
      },
      "HR_SECRET",
    ],
  ])("warns when %j's secret has no Key Vault secret", (auth, name) => {
    expect(found({ kind: "function", ...rest(auth) })).toEqual([
      `warn provisioning.employees.uploader.rest.auth: the deployed uploader reads ${name} from its app settings, and the stack sets it only from Key Vault: add keyVault: { id: <vault resource id>, secrets: { ${name}: <secret name> } } to the uploader, or its runs fail with "${name} is not set" (docs/uploader-azure.md)`,
    ]);
  });

  test("the CLI (kind none) reads its environment: nothing to say", () => {
    expect(found({ kind: "none", ...rest({ bearerEnv: "HR_TOKEN" }) })).toEqual([]);
  });

  test("refuses a secret named like a setting the stack writes, and notes a keyVault no one reads", () => {
    expect(
      found({
        kind: "logicApp",
        httpTrigger: { audience: "api://hr", callerAppId: "99999999-0000-0000-0000-000000000001" },
        keyVault: { id: VAULT, secrets: { INBOUND_SPEC_JSON: "x" } },
      }),
    ).toEqual([
      "error provisioning.employees.uploader.keyVault.secrets.INBOUND_SPEC_JSON: INBOUND_SPEC_JSON is an app setting the stack or the platform sets itself; give the secret another name, and use it in uploader.rest.auth",
      "warn provisioning.employees.uploader.keyVault: only a function uploader reads its secrets from Key Vault; a logicApp uploader ignores keyVault",
    ]);
  });
});
