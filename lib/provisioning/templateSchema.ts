/**
 * STAND-IN for offline plans only. The real default schema of the API2AAD / API2AD templates is
 * undocumented (its mappings, the API source directory's name and its attribute names); deploys
 * always GET the job's schema and change only the spec's part of it. This describes the documented
 * SHAPE
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationschema)
 * with placeholder names, so `inbound plan` can print a PUT body of the right form.
 */
import type { AttributeDefinition, SynchronizationSchema } from "@microsoft/microsoft-graph-types";
import type { ProvisioningApp } from "../model/schema";

const attribute = (
  name: string,
  type: AttributeDefinition["type"] = "String",
): AttributeDefinition => ({
  anchor: name === "externalId",
  caseExact: false,
  flowNullValues: false,
  multivalued: false,
  mutability: "ReadWrite",
  name,
  required: name === "externalId",
  type,
  apiExpressions: [],
  metadata: [],
  referencedObjects: [],
});

// SCIM core and enterprise attributes of Microsoft's samples, as the API source (the Node sample's
// mapping defaults,
// https://github.com/AzureAD/entra-id-inbound-provisioning/blob/main/entra-provisioning-client/server/services/schemaUpdater.js).
const SOURCE_ATTRIBUTES = [
  attribute("externalId"),
  attribute("userName"),
  attribute("active", "Boolean"),
  attribute("displayName"),
  attribute("name.givenName"),
  attribute("name.familyName"),
  attribute("title"),
  attribute("userType"),
  attribute("preferredLanguage"),
  attribute('emails[type eq "work"].value'),
  attribute("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
  attribute("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
  attribute("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "Reference"),
];

export function templateSchema(target: ProvisioningApp["target"]): SynchronizationSchema {
  const targetDirectory =
    target === "activeDirectory" ? "{activeDirectoryTargetName}" : "{entraTargetName}";
  return {
    id: "{schemaId}",
    version: "{version}",
    directories: [
      {
        id: "{apiSourceDirectoryId}",
        name: "{apiSourceDirectoryName}",
        objects: [{ name: "User", attributes: SOURCE_ATTRIBUTES, metadata: [], supportedApis: [] }],
      },
      {
        id: "{targetDirectoryId}",
        name: targetDirectory,
        objects: [{ name: "User", attributes: [], metadata: [], supportedApis: [] }],
      },
    ],
    synchronizationRules: [
      {
        id: "{ruleId}",
        name: "{ruleName}",
        editable: true,
        priority: 1,
        sourceDirectoryName: "{apiSourceDirectoryName}",
        targetDirectoryName: targetDirectory,
        metadata: [],
        objectMappings: [
          {
            name: "{objectMappingName}",
            enabled: true,
            flowTypes: "Add, Update, Delete" as never,
            sourceObjectName: "User",
            targetObjectName: "User",
            metadata: [],
            scope: null,
            attributeMappings: [],
          },
        ],
      },
    ],
  };
}
