/**
 * The job's schema, read at deploy time, is the authority on target attributes: a mapping to an
 * attribute its target directory does not list stops the deploy before anything is written.
 */
import { createRecordingClient, type RecordedRequest } from "../../lib/graph";
import { applySchema } from "../../lib/provisioning/graphApi";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { unknownTargetAttributes } from "../../lib/provisioning/schema";
import { compileExpressionText } from "../../lib/expressions/graph";
import { contosoSpec, templateSchemaFixture } from "./helpers";

/** The test template with its Entra target listing these attributes. */
function schemaWithTargets(names: string[]) {
  const schema = templateSchemaFixture();
  const target = schema.directories.find((d: { name: string }) => d.name === "Microsoft Entra ID");
  target.objects[0].attributes = names.map((name) => ({ name, type: "String" }));
  return schema;
}

const employees = contosoSpec().provisioning.employees;
const targets = Object.keys(employees.mappings);

test("every mapping target listed: nothing unknown; an empty list (an offline stand-in) checks nothing", () => {
  expect(unknownTargetAttributes(schemaWithTargets(targets), employees)).toEqual([]);
  expect(unknownTargetAttributes(schemaWithTargets([]), employees)).toEqual([]);
});

test("a target the job does not have stops applySchema before the PUT, with a did-you-mean", async () => {
  const listed = targets.filter((t) => t !== "department").concat("departments", "company");
  const log: RecordedRequest[] = [];
  const client = createRecordingClient({
    log,
    answer: (_method, path, body) => {
      if (path.endsWith("/schema")) return schemaWithTargets(listed);
      if (path.endsWith("/filterOperators"))
        return { value: [{ name: "EQUALS" }, { name: "IS TRUE" }] };
      if (path.endsWith("/parseExpression")) {
        return {
          parsingSucceeded: true,
          parsedExpression: compileExpressionText((body as { expression: string }).expression),
        };
      }
      return undefined;
    },
  });
  await expect(
    applySchema(client, "sp", "job", schemaSpecOf(employees), "employees"),
  ).rejects.toThrow(
    'provisioning.employees.mappings.department: this job\'s target directory "Microsoft Entra ID" has no attribute "department"; did you mean "departments"?',
  );
  expect(log.filter((r) => r.method === "PUT")).toEqual([]);
});
