/**
 * Managers before their reports. Entra resolves a user's manager by the manager's own record: a
 * report processed before its manager exists fails with `UnableToResolveReferenceAttributeValue`
 * in the provisioning logs and keeps no manager until a later cycle. So within a run, a record whose manager is sent too goes in a later request than the manager's,
 * and a manager id that is neither in the file nor known from earlier runs is named before sending.
 */
import type { ProvisioningApp } from "../model/schema";
import { readTarget, resolveScimTarget, type ScimTarget } from "../records";
import { IN_FILE, KNOWN, RecordTable, SEND } from "./recordTable";

/** The SCIM attribute a manager id is read from when the app's mappings say nothing else. */
const DEFAULT_MANAGER = "enterprise:manager.value";

/**
 * Reads the manager id out of a record's SCIM JSON: the attribute the app's `manager` mapping takes
 * as it is (`[enterprise:manager.value]` or another), else `enterprise:manager.value`. Undefined
 * when no column sends it, or the mapping computes the manager from more than one attribute.
 */
export function managerReader(
  app: ProvisioningApp,
  targets: readonly ScimTarget[],
): ((json: string) => string | undefined) | undefined {
  const mapping = app.mappings.manager;
  const expression = typeof mapping === "string" ? mapping : mapping?.expression;
  let source = DEFAULT_MANAGER;
  if (expression !== undefined) {
    const direct = /^\s*\[([^\]]+)\]\s*$/.exec(expression);
    if (!direct) return undefined;
    source = direct[1];
  }
  const resolved = resolveScimTarget(source, app.scimExtension);
  if ("error" in resolved) return undefined;
  const target = targets.find((t) => t.canonical === resolved.canonical);
  if (!target) return undefined;
  return (json) => {
    const value = readTarget(JSON.parse(json) as Record<string, unknown>, target);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
}

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;

/** Per record (the `RecordTable` index), the index of its manager, or -1. */
export class ManagerLinks {
  private readonly pages: Int32Array[] = [];

  get(index: number): number {
    const page = this.pages[index >> PAGE_BITS];
    return page ? page[index & (PAGE_SIZE - 1)] : -1;
  }

  set(index: number, manager: number): void {
    while (this.pages.length <= index >> PAGE_BITS) {
      this.pages.push(new Int32Array(PAGE_SIZE).fill(-1));
    }
    this.pages[index >> PAGE_BITS][index & (PAGE_SIZE - 1)] = manager;
  }
}

/** The deepest level kept apart; deeper chains (rare, or a loop) share it. */
export const MAX_LEVEL = 250;

/**
 * Per record sent, how many managers above it are sent too (0: its manager is not sent), capped at
 * MAX_LEVEL. A loop of managers (HR data can have one) is cut where it is found.
 */
export function managerLevels(table: RecordTable, links: ManagerLinks): Uint8Array {
  const VISITING = 255;
  const UNSET = 254;
  const levels = new Uint8Array(table.size).fill(UNSET);
  const sent = (index: number) => index >= 0 && (table.file(index) & SEND) !== 0;
  const stack: number[] = [];
  for (let index = 0; index < table.size; index++) {
    if (!sent(index) || levels[index] !== UNSET) continue;
    for (let at = index; ;) {
      levels[at] = VISITING;
      stack.push(at);
      const manager = links.get(at);
      if (!sent(manager) || levels[manager] !== UNSET) break;
      at = manager;
    }
    while (stack.length > 0) {
      const at = stack.pop()!;
      const manager = links.get(at);
      const above = sent(manager) && levels[manager] <= MAX_LEVEL ? levels[manager] + 1 : 0;
      levels[at] = Math.min(above, MAX_LEVEL);
    }
  }
  return levels;
}

export interface UnknownManagers {
  /** Distinct manager ids neither in the file nor known from earlier runs. */
  ids: number;
  /** Up to five of them. */
  examples: string[];
  /** Records sent with such a manager. */
  records: number;
}

export function unknownManagers(table: RecordTable, links: ManagerLinks): UnknownManagers {
  const seen = new Set<number>();
  const examples: string[] = [];
  let records = 0;
  for (let index = 0; index < table.size; index++) {
    if (!(table.file(index) & SEND)) continue;
    const manager = links.get(index);
    if (manager < 0 || table.file(manager) & IN_FILE || table.known(manager) & KNOWN) continue;
    records++;
    if (seen.has(manager)) continue;
    seen.add(manager);
    if (examples.length < 5) examples.push(table.id(manager));
  }
  return { ids: seen.size, examples, records };
}
