/**
 * The offline plan of Graph requests, and the pure secrets logic it shares with the resources.
 */
import { BEST_GUESS_LABEL } from "../../lib/provisioning/operators";
import { provisioningChecks } from "../../lib/provisioning/checks";
import { describeSchemaBody } from "../../lib/provisioning/describe";
import { planProvisioningRequests } from "../../lib/provisioning/plan";
import { compileSecrets, mergeSecrets } from "../../lib/provisioning/secrets";
import { STAND_IN_LABEL } from "../../lib/provisioning/templateSchema";
import { contosoSpec } from "./helpers";

const spec = contosoSpec();

describe("planProvisioningRequests", () => {
  test("lists every call for the Entra app, in order, with placeholders for deploy-time ids", () => {
    const plan = planProvisioningRequests(spec, "employees");
    expect(plan.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /applicationTemplates?$filter=displayName eq 'API-driven provisioning to Microsoft Entra ID'",
      "POST /applicationTemplates/{applicationTemplateId}/instantiate",
      "GET /servicePrincipals/{servicePrincipalId}/synchronization/templates",
      "GET /servicePrincipals/{servicePrincipalId}/synchronization/jobs",
      "POST /servicePrincipals/{servicePrincipalId}/synchronization/jobs",
      "GET /servicePrincipals/{servicePrincipalId}/synchronization/secrets",
      "PUT /servicePrincipals/{servicePrincipalId}/synchronization/secrets",
      "GET /servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}/schema",
      "GET /servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}/schema/filterOperators",
      "PUT /servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}/schema",
      "GET /servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}",
      "POST /servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}/start",
      "POST /servicePrincipals/{graphServicePrincipalId}/appRoleAssignedTo",
      "POST /servicePrincipals/{graphServicePrincipalId}/appRoleAssignedTo",
    ]);
    expect(plan[1].body).toEqual({ displayName: "Contoso HR inbound - employees" });
    expect(plan[4].body).toEqual({ templateId: "{synchronizationTemplateId}" });
    expect(plan[6].body).toEqual({
      value: [
        {
          key: "SyncNotificationSettings",
          value:
            '{"Enabled":true,"Recipients":"iam-alerts@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":25}',
        },
        { key: "SkipOutOfScopeDeletions", value: "False" },
      ],
    });
    expect(plan[6].note).toBe(
      "merged into the live collection: keys set outside the spec are kept",
    );
    // The schema body is labelled as built on a stand-in, with guessed operator names.
    expect(plan[9].note).toBe(`${STAND_IN_LABEL}; ${BEST_GUESS_LABEL}`);
    const body = plan[9].body as {
      synchronizationRules: { objectMappings: { scope: unknown; flowTypes: string }[] }[];
    };
    expect(body.synchronizationRules[0].objectMappings[0].flowTypes).toBe("Add, Update");
    expect(body.synchronizationRules[0].objectMappings[0].scope).toEqual({
      categoryFilterGroups: [],
      groups: [
        {
          name: "Scope 1",
          clauses: [
            {
              operatorName: "EQUALS",
              sourceOperandName:
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
              targetOperand: { values: ["IT"] },
            },
            { operatorName: "IS TRUE", sourceOperandName: "active", targetOperand: { values: [] } },
          ],
        },
      ],
      inputFilterGroups: [],
    });
    expect(plan[12]).toEqual({
      method: "POST",
      path: "/servicePrincipals/{graphServicePrincipalId}/appRoleAssignedTo",
      body: {
        principalId: "{uploaderPrincipalId}",
        resourceId: "{graphServicePrincipalId}",
        appRoleId: '{appRoleIds["SynchronizationData-User.Upload"]}',
      },
      note: "app role id read from the Microsoft Graph service principal (00000003-0000-0000-c000-000000000000)",
    });
  });

  test("known operator names drop the best-guess label; pinned ids skip the lookups", () => {
    const plan = planProvisioningRequests(spec, "employees", {
      operatorNames: { equals: "EQUALS", isTrue: "IS_TRUE" },
    });
    expect(plan.find((r) => r.method === "PUT" && r.path.endsWith("/schema"))!.note).toBe(
      STAND_IN_LABEL,
    );
    const ad = planProvisioningRequests(spec, "stores");
    expect(ad.map((r) => `${r.method} ${r.path.split("/").slice(-2).join("/")}`)).toEqual([
      "GET /applicationTemplates?$filter=displayName eq 'API-driven provisioning to on-premises Active Directory'",
      "POST {applicationTemplateId}/instantiate",
      "GET synchronization/jobs",
      "POST synchronization/jobs",
      "GET synchronization/secrets",
      "PUT synchronization/secrets",
      "GET {jobId}/schema",
      "PUT {jobId}/schema",
      "GET jobs/{jobId}",
      "POST {jobId}/start",
    ]);
    expect(ad[3].body).toEqual({ templateId: "API2AD" });
    expect(ad[5].note).toBe(
      "merged into the live collection: keys set outside the spec are kept; AD domain/OU secret keys are a BEST GUESS (UNCONFIRMED); configure them from a portal-configured app",
    );
  });

  test("an unknown app key is an error listing the apps", () => {
    expect(() => planProvisioningRequests(spec, "contractors")).toThrow(
      "provisioning.contractors is not in the spec (apps: employees, stores)",
    );
  });
});

describe("secrets", () => {
  test("an AD app adds the domain and OU under the configured keys", () => {
    expect(
      compileSecrets(spec.provisioning.stores, {
        domainKey: "Domain",
        domainFormat: "json",
        ouKey: "SyncAgentADContainer",
      }).slice(2),
    ).toEqual([
      { key: "Domain", value: '{"domain":"contoso.local"}' },
      { key: "SyncAgentADContainer", value: "OU=Users,DC=contoso,DC=local" },
    ]);
  });

  test("merge keeps foreign keys in place, overwrites own, appends new, drops released", () => {
    expect(
      mergeSecrets(
        [
          { key: "A", value: "portal" },
          { key: "SkipOutOfScopeDeletions", value: "True" },
          { key: "Old", value: "mine" },
        ],
        [
          { key: "SkipOutOfScopeDeletions", value: "False" },
          { key: "SyncNotificationSettings", value: "{}" },
        ],
        ["SkipOutOfScopeDeletions", "Old"],
      ),
    ).toEqual([
      { key: "A", value: "portal" },
      { key: "SkipOutOfScopeDeletions", value: "False" },
      { key: "SyncNotificationSettings", value: "{}" },
    ]);
  });
});

describe("offline checks", () => {
  test("report unmapped matching targets and ext: without a scimExtension, with paths", () => {
    const broken = contosoSpec();
    broken.provisioning.stores.matching.push({ source: "externalId", target: "employeeNumber" });
    broken.provisioning.stores.mappings.extensionAttribute1 = "[ext:Site]";
    const reports: [string, string][] = [];
    const ctx = {
      spec: broken,
      report: (path: (string | number)[], message: string) =>
        reports.push([path.join("."), message]),
    };
    for (const check of provisioningChecks) check(ctx);
    expect(reports).toEqual([
      [
        "provisioning.stores.matching.2.target",
        '"employeeNumber" has no mapping; add `mappings.employeeNumber: "[externalId]"`',
      ],
      [
        "provisioning.stores.mappings.extensionAttribute1",
        "uses an `ext:` attribute but the app has no `scimExtension`; add one with its urn and attributes",
      ],
    ]);
    reports.length = 0;
    for (const check of provisioningChecks) check({ ...ctx, spec: contosoSpec() });
    expect(reports).toEqual([]);
  });
});

describe("describeSchemaBody", () => {
  test("summarises the AD app's schema: precedence, default-only mappings, no scope", () => {
    const plan = planProvisioningRequests(spec, "stores");
    const put = plan.find((r) => r.method === "PUT" && r.path.endsWith("/schema"))!;
    expect(describeSchemaBody(put.body)).toEqual([
      "target object actions: Add, Update",
      "scope: every record",
      "attribute mappings (3):",
      '  company         (none)  (default "Contoso")',
      "  employeeID      [externalId]  (matching 1)",
      "  sAMAccountName  Left([userName], 20)  (matching 2, on create only)",
    ]);
  });

  test("anything that is not a schema with an API source rule has no summary", () => {
    expect(describeSchemaBody(undefined)).toBeUndefined();
    expect(describeSchemaBody({ value: [] })).toBeUndefined();
  });
});
