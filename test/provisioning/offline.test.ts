/**
 * The provisioning logic that needs no Graph: secrets, offline checks, the schema summary.
 */
import { BEST_GUESS_OPERATOR_NAMES } from "../../lib/provisioning/operators";
import { provisioningChecks } from "../../lib/provisioning/checks";
import { describeSchemaBody } from "../../lib/provisioning/describe";
import { compileSecrets, mergeSecrets } from "../../lib/provisioning/secrets";
import { templateSchema } from "../../lib/provisioning/templateSchema";
import { compileSchema } from "../../lib/provisioning/schema";
import { contosoSpec } from "./helpers";

const spec = contosoSpec();

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
      warn: (p: (string | number)[], m: string) => {
        throw new Error(`unexpected warning at ${p.join(".")}: ${m}`);
      },
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
    const body = compileSchema(templateSchema("activeDirectory"), spec.provisioning.stores, {
      operatorNames: BEST_GUESS_OPERATOR_NAMES,
    });
    expect(describeSchemaBody(body)).toEqual([
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
