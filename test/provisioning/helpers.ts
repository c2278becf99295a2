import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { templateSchemaJson } from "../../lib/emulator/routes/provisioning";
import { tenantSpec, type TenantSpec } from "../../lib/model/schema";

export const FIXTURES = path.join(__dirname, "..", "fixtures", "provisioning");

/** The contoso fixture (an Entra app `employees`, an AD app `stores`), defaults applied. */
export function contosoSpec(): TenantSpec {
  return tenantSpec.parse(parse(fs.readFileSync(path.join(FIXTURES, "contoso.yaml"), "utf8")));
}

export function templateSchemaFixture() {
  // Typed loosely, as the JSON it was read from before: tests reach into it freely.
  return templateSchemaJson() as ReturnType<typeof JSON.parse>;
}

export const CONTOSO_URN = "urn:ietf:params:scim:schemas:extension:contoso:1.0:User";

export const attr = (name: string) => ({
  type: "Attribute",
  name,
  expression: `[${name}]`,
  parameters: [],
});

/** A custom SCIM extension attribute as the schema resource adds it to the API directory. */
export const customAttribute = (name: string, type: string) => ({
  anchor: false,
  apiExpressions: [],
  caseExact: false,
  flowNullValues: false,
  metadata: [],
  multivalued: false,
  mutability: "ReadWrite",
  name,
  referencedObjects: [],
  required: false,
  type,
});

export const mapping = (
  targetAttributeName: string,
  source: unknown,
  extra: { defaultValue?: string | null; flowType?: string; matchingPriority?: number } = {},
) => ({
  defaultValue: extra.defaultValue ?? null,
  exportMissingReferences: false,
  flowBehavior: "FlowWhenChanged",
  flowType: extra.flowType ?? "Always",
  matchingPriority: extra.matchingPriority ?? 0,
  source,
  targetAttributeName,
});
