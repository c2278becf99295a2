import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
  editorJsonSchema,
  editorJsonSchemaText,
  SCHEMA_FILE,
  SCHEMA_ID,
  tenantSpecJsonSchema,
} from "../../lib/loader/jsonSchema";
import { schemaErrors } from "./jsonSchemaCheck";

const ROOT = path.resolve(__dirname, "..", "..");
const configFiles = ["examples/tenants", "examples/variants", "examples/base"].flatMap((d) =>
  fs
    .readdirSync(path.join(ROOT, d))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `${d}/${f}`),
);
const readYaml = (file: string) => parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

describe("config/tenant-spec.schema.json", () => {
  it("is in sync with lib/model/schema.ts", () => {
    const committed = fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8");
    if (committed !== editorJsonSchemaText()) {
      throw new Error(`${SCHEMA_FILE} is out of date with lib/model/schema.ts: run npm run schema`);
    }
  });

  it("has an id and a title, and explains why nothing is required", () => {
    const schema = editorJsonSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(SCHEMA_ID);
    expect(schema.title).toBe("inbound tenant spec");
    expect(schema.description).toBe(
      "One Entra tenant's HR-driven identity flow. Generated from lib/model/schema.ts by `npm run schema`; do not edit by hand. No field is marked required here: a file that `extends` a base gets fields from it, which an editor cannot see; `inbound validate` checks the merged file. Strings containing a `${...}` variable pass the pattern checks here, since variables are substituted before validation.",
    );
    expect(editorJsonSchemaText()).not.toContain('"required"');
    expect(editorJsonSchemaText()).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });

  it("is named by the YAML language server comment of every example and base file", () => {
    for (const file of configFiles) {
      const first = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n")[0];
      const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect([file, match && path.resolve(ROOT, path.dirname(file), match[1])]).toEqual([
        file,
        path.join(ROOT, SCHEMA_FILE),
      ]);
    }
  });

  it("lets editors accept every example and base file as written", () => {
    const schema = editorJsonSchema();
    expect(configFiles).toHaveLength(7);
    for (const file of configFiles) {
      expect([file, schemaErrors(schema, readYaml(file))]).toEqual([file, []]);
    }
  });

  it("still flags what is wrong in a file on its own", () => {
    const schema = editorJsonSchema();
    const fabrikam = readYaml("examples/tenants/fabrikam.yaml");
    fabrikam.provisioning.employees.notificationEmail = "it-at-fabrikam";
    fabrikam.provisioning.employees.deletionTreshold = 5;
    fabrikam.tenant.name = "Fabrikam";
    expect(schemaErrors(schema, fabrikam)).toEqual([
      "tenant.name: does not match (?:^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$)|\\$\\{",
      "provisioning.employees.notificationEmail: does not match (?:^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$)|\\$\\{",
      "provisioning.employees.deletionTreshold: not allowed",
    ]);
    // With zod's `required` kept, a file that extends a base would be flagged for what it inherits.
    expect(
      schemaErrors(tenantSpecJsonSchema(), readYaml("examples/tenants/fabrikam.yaml")),
    ).toEqual([
      "provisioning.employees: missing displayName",
      "provisioning.employees: missing mappings",
    ]);
    // ...and a base file's variables would fail the patterns they are substituted into.
    expect(
      schemaErrors(tenantSpecJsonSchema(), readYaml("examples/base/hr-csv-export.yaml")),
    ).toContain(
      "provisioning.employees.scimExtension.urn: does not match ^urn:ietf:params:scim:schemas:extension:[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)*:User$",
    );
  });
});
