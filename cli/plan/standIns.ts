/**
 * What an offline plan answers for the Graph reads the providers make before they write: the
 * documented shape of a template schema, the operator list, Lifecycle Workflows' task
 * definitions, empty lists where a fresh tenant has nothing yet, and `<placeholder>` ids for what
 * Graph creates. A request with no stand-in fails the plan, so no answer is ever made up silently.
 */
import type { HttpMethod, StandIn } from "../../lib/graph";
import { compileExpressionText } from "../../lib/expressions/graph";
import { BEST_GUESS_OPERATOR_NAMES } from "../../lib/provisioning/operators";
import { templateSchema } from "../../lib/provisioning/templateSchema";
import { DEFAULT_SETTINGS } from "../../lib/lifecycle/compile";
import { TASKS, taskDefinitionPlaceholder } from "../../lib/lifecycle/tasks";
import type { ProvisioningApp } from "../../lib/model/schema";

/** The resource whose provider is being run. */
export interface StandInResource {
  name: string;
  inputs: Record<string, unknown>;
}

const SYNC = /^\/servicePrincipals\/[^/]+\/synchronization/;
const LCW = "/identityGovernance/lifecycleWorkflows";

/** Stand-in answers for one resource's requests. */
export function standIns(resource: StandInResource): StandIn {
  const id = (what = "id") => `<${resource.name}.${what}>`;
  return (method: HttpMethod, path: string, body: unknown) => {
    const route = `${method} ${path.replace(SYNC, "{sync}")}`;
    switch (true) {
      case route === "GET {sync}/templates":
        return { value: [{ id: id("templateId") }] };
      case route === "GET {sync}/jobs":
      case route === "GET {sync}/secrets":
        return { value: [] };
      case route === "POST {sync}/jobs":
        return { ...(body as object), id: id("jobId") };
      case /^GET \{sync\}\/jobs\/[^/]+$/.test(route):
        // A job Graph has just created is not running yet.
        return { id: path.split("/").pop(), schedule: { state: "Disabled" } };
      case /^GET \{sync\}\/jobs\/[^/]+\/schema$/.test(route): {
        const app = resource.inputs.provisioning as Pick<ProvisioningApp, "target"> | undefined;
        return templateSchema(app?.target ?? "entra");
      }
      case /^GET \{sync\}\/jobs\/[^/]+\/schema\/filterOperators$/.test(route):
        return { value: Object.values(BEST_GUESS_OPERATOR_NAMES).map((name) => ({ name })) };
      case /^POST \{sync\}\/jobs\/[^/]+\/schema\/parseExpression$/.test(route): {
        const { expression } = body as { expression: string };
        return {
          parsingSucceeded: true,
          parsedExpression: compileExpressionText(expression),
          error: null,
        };
      }
      case route === `GET ${LCW}/taskDefinitions`:
        // The catalog's ids and categories; a task looked up by name keeps its placeholder.
        return {
          value: TASKS.map((t) => ({
            id: t.taskDefinitionId ?? taskDefinitionPlaceholder(t.displayName),
            displayName: t.displayName,
            category: t.categories.join(","),
          })),
        };
      case route === `GET ${LCW}/settings`:
        return DEFAULT_SETTINGS;
      case route === `POST ${LCW}/workflows`:
        return { ...(body as object), id: id(), version: 1 };
      case route === `POST ${LCW}/customTaskExtensions`:
        return { ...(body as object), id: id() };
      case route.startsWith(`GET ${LCW}/customTaskExtensions/`):
        // The read-back after a write (lib/lifecycle/graphApi): the extension as it was written.
        return {
          ...resource.inputs,
          id: path.slice(`${LCW}/customTaskExtensions/`.length).split("?")[0],
        };
      case method === "PUT" || method === "PATCH" || method === "DELETE":
      case /^POST \{sync\}\/jobs\/[^/]+\/start$/.test(route):
        return undefined;
      default:
        throw new Error(`the offline plan has no stand-in answer for ${method} ${path}`);
    }
  };
}
