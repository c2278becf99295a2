/**
 * The values of a record that start something in Entra when they change: the leave date (the
 * leaver workflows disable accounts on it), the attributes a workflow trigger (`attributeChanged`)
 * or a workflow scope reads, and the source attributes of the provisioning scope. The uploader's
 * safeguard compares each with what was last accepted, so that an export that gives many people a
 * leave date, or moves many to another department, is stopped before it is sent.
 *
 * Workflows read the Entra user, which the app's `mappings` compute from the SCIM record: each
 * such attribute is watched as the mapping's value, the way `simulate` computes it.
 */
import { createHash } from "crypto";
import type { ProvisioningApp, Workflow } from "../model/schema";
import { parseScopeRule, type RuleNode } from "../lifecycle/scopeRule";
import type { ScimTarget } from "./scim";
import { compileMappings, flattenUser } from "./simulate";

/** The Entra attribute the leaver workflows are timed from. */
export const LEAVE_DATE = "employeeLeaveDateTime";

export interface WatchedValue {
  /** Entra attribute, or the provisioning scope's source attribute. */
  name: string;
  /** Who reads it, for messages: `workflow leaver-ends (attributeChanged)`, `the provisioning scope`. */
  readBy: string[];
  /**
   * Counted by maxChangePercent: read by a trigger or a scope. The leave date alone is counted by
   * maxLeaverPercent instead, whose window says which changes matter.
   */
  changeChecked: boolean;
}

export interface Watch {
  /** In the order of the digests `read` returns. */
  values: WatchedValue[];
  /** Index of the leave date in `values`, or -1 when the app does not map it. */
  leaveDate: number;
  /**
   * Reads a record: a 16-bit digest per watched value (never 0, which stands for "not known"),
   * and the leave date in epoch ms when it is set and parses. `targets` are the converter's.
   */
  bind(
    targets: readonly ScimTarget[],
  ): (json: string) => { digests: Uint16Array; leaveAt?: number };
}

/** Properties a Lifecycle Workflows scope rule reads (`employeeOrgData/costCenter` as written). */
function ruleProperties(node: RuleNode, into: Set<string>): void {
  switch (node.kind) {
    case "and":
    case "or":
      ruleProperties(node.left, into);
      ruleProperties(node.right, into);
      break;
    case "not":
      ruleProperties(node.operand, into);
      break;
    case "any":
      into.add(node.collection.path.join("/"));
      break;
    default:
      into.add(node.property.path.join("/"));
  }
}

/** A mapping key for an Entra property path: `employeeOrgData/costCenter` may be written with a dot. */
function mappingKey(app: ProvisioningApp, property: string): string | undefined {
  for (const key of [property, property.replace(/\//g, ".")]) {
    if (key in app.mappings) return key;
  }
  return undefined;
}

export function compileWatch(
  app: ProvisioningApp,
  workflows: Record<string, Workflow> = {},
): Watch {
  const entra = new Map<string, string[]>();
  const readBy = (map: Map<string, string[]>, name: string, who: string) => {
    const list = map.get(name);
    if (!list) map.set(name, [who]);
    else if (!list.includes(who)) list.push(who);
  };
  const leaverRole = "the leaver workflows' date";
  if (mappingKey(app, LEAVE_DATE)) readBy(entra, LEAVE_DATE, leaverRole);
  for (const [key, workflow] of Object.entries(workflows)) {
    if (!workflow.enabled) continue;
    if ("attributeChanged" in workflow.trigger) {
      for (const attribute of workflow.trigger.attributeChanged) {
        readBy(entra, attribute, `workflow ${key} (attributeChanged)`);
      }
    }
    const rule = workflow.scope ? parseScopeRule(workflow.scope).ast : undefined;
    if (rule) {
      const properties = new Set<string>();
      ruleProperties(rule, properties);
      for (const property of properties) readBy(entra, property, `workflow ${key} (scope)`);
    }
  }
  const { mappings } = compileMappings(app);
  const byAttribute = new Map(mappings.map((m) => [m.attribute, m]));
  const readers: ((flat: Record<string, unknown>) => unknown)[] = [];
  const values: WatchedValue[] = [];
  for (const [name, who] of entra) {
    const key = mappingKey(app, name);
    const mapping = key === undefined ? undefined : byAttribute.get(key);
    // An attribute this app does not write cannot be changed by its HR file.
    if (!mapping) continue;
    values.push({ name, readBy: who, changeChecked: who.some((w) => w !== leaverRole) });
    readers.push((flat) => {
      let value: unknown;
      try {
        value = mapping.evaluate ? mapping.evaluate(flat) : undefined;
      } catch {
        // A mapping that fails for this record yields no value in Entra either.
        value = undefined;
      }
      return value === null || value === undefined || value === "" ? mapping.fallback : value;
    });
  }
  const scopeAttributes = new Set<string>();
  for (const group of app.scope?.anyOf ?? []) {
    for (const clause of group.allOf) scopeAttributes.add(clause.attribute);
  }
  for (const attribute of scopeAttributes) {
    values.push({ name: attribute, readBy: ["the provisioning scope"], changeChecked: true });
    readers.push((flat) => flat[attribute]);
  }
  const leaveDate = values.findIndex((v) => v.name === LEAVE_DATE);
  return {
    values,
    leaveDate,
    bind(targets) {
      return (json) => {
        const flat = flattenUser(JSON.parse(json) as Record<string, unknown>, targets);
        const digests = new Uint16Array(readers.length);
        let leaveAt: number | undefined;
        readers.forEach((read, i) => {
          const value = read(flat);
          digests[i] = valueDigest(value);
          if (i === leaveDate && value !== undefined && value !== null && value !== "") {
            const at = Date.parse(String(value));
            if (Number.isFinite(at)) leaveAt = at;
          }
        });
        return { digests, leaveAt };
      };
    },
  };
}

/**
 * 16 bits of sha256 over the value's JSON; 0 is kept for "not known". Two values that differ go
 * unnoticed 1 time in 65,535: the safeguard counts shares of a population, which such a miss
 * does not move, and a wider digest would cost 2 bytes a record per watched value.
 */
export function valueDigest(value: unknown): number {
  const digest = createHash("sha256")
    .update(JSON.stringify(value ?? null))
    .digest()
    .readUInt16LE(0);
  return digest === 0 ? 1 : digest;
}
