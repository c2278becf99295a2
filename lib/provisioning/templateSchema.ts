/**
 * STAND-IN for offline plans only. The real default schema of the API2AAD / API2AD templates is
 * undocumented (its mappings, the API source directory's name and its attribute names); deploys
 * always GET the job's schema and change only the spec's part of it. This describes the documented
 * SHAPE
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationschema)
 * with placeholder names, so `inbound plan` can print a PUT body of the right form.
 */
import type { AttributeDefinition, SynchronizationSchema } from "@microsoft/microsoft-graph-types";
import { apiSourceAttributes } from "../expressions/apiSource";
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

// The API source object's attributes, the one list validate and the emulator use too.
const SOURCE_ATTRIBUTES = apiSourceAttributes().map(({ name, type }) => attribute(name, type));

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
