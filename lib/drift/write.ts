/**
 * `inbound drift --write`: the live values of the drifted fields written into the spec file, as
 * `terraform apply -refresh-only` accepts the live state. Each difference drift reports (in
 * Graph's terms: `tasks[0].arguments.tapLifetimeMinutes`) is traced back to the spec value that
 * made it (`lifecycleWorkflows.onboard.tasks[0].generateTemporaryAccessPass.lifetimeMinutes`),
 * the live value is put in the spec's terms, and only that value's characters in the file are
 * replaced; every other byte, comments and layout included, stays as it was.
 *
 * A value is written only where that is what the user means: written literally in the spec file
 * itself. A value from a base file (`extends`) is shared with the other tenant files built on it,
 * a value built with `${...}` cannot be inverted, and a field the spec leaves to its default has
 * no place in the file to change: these are listed, with why, and left alone.
 */
import { isCollection, isScalar, parseDocument, type Document } from "yaml";
import * as path from "path";
import type { TenantSpec } from "../model/schema";
import { keyOf, type SpecPath } from "../loader/positions";
import type { SpecSources } from "../loader/load";
import { formatPath, type Diagnostic } from "../model/diagnostics";
import { ATTRIBUTE_TYPE_NAMES } from "../provisioning/schema";
import { specExpressionText } from "../expressions/graph";
import { entryDefinition, taskEntry } from "../lifecycle/compile";
import { GUID } from "../lifecycle/tasks";
import type { Difference, DriftKind, DriftReport } from "./index";

/** One value to change in a file. */
export interface SpecEdit {
  kind: DriftKind;
  name: string;
  /** The difference's path, as drift reports it. */
  difference: string;
  /** The file as the loader names it, and where the value starts in it. */
  file: string;
  line: number;
  column: number;
  /** The value's path in the file (the spec's path: `extends` merges by path). */
  path: SpecPath;
  from: unknown;
  to: unknown;
}

/** A difference that is not written, and why. */
export interface NotWritten {
  kind: DriftKind;
  name: string;
  difference: string;
  reason: string;
}

export interface WritePlan {
  edits: SpecEdit[];
  notWritten: NotWritten[];
}

/** Where a difference is said in the spec, relative to its object, and the value to say. */
type Target = { at: SpecPath; value: unknown } | { reason: string };

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `a.b["c.d"][0]` as its segments. */
export function pathSegments(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

function rawAt(value: unknown, at: SpecPath): unknown {
  let v = value;
  for (const k of at) {
    if (Array.isArray(v) && typeof k === "number") v = v[k];
    else if (isMap(v) && typeof k === "string" && Object.hasOwn(v, k)) v = v[k];
    else return undefined;
  }
  return v;
}

const shown = (value: unknown) => JSON.stringify(value ?? null);

/** An object present on one side only: listed, never written (see docs/drift.md). */
function presence(d: Difference, what: string): string {
  return d.live === null
    ? `the tenant has no ${what}; remove it from the spec by hand if that is meant`
    : `the tenant has a ${what} the spec does not; add it by hand (\`inbound export\` shows it in the spec's terms)`;
}

const noSpecForm = (field: string) =>
  `${field} has no place in the spec (a deploy sets it back); change it in the tenant`;

// Maps, not object literals: a live value such as `constructor` must find nothing.
const FLOW_ACTIONS = new Map([
  ["add", "create"],
  ["update", "update"],
  ["delete", "delete"],
]);
const APPLY = new Map([
  ["objectaddonly", "onCreate"],
  ["always", "always"],
]);
const SPEC_TYPES = new Map(
  Object.entries(ATTRIBUTE_TYPE_NAMES).map(([k, v]) => [v.toLowerCase(), k]),
);

function appTarget(
  d: Difference,
  raw: Record<string, unknown>,
  app: TenantSpec["provisioning"][string],
): Target {
  const s = pathSegments(d.path);
  const live = d.live;
  if (s[0] === "mappings" && typeof s[1] === "string") {
    const target = s[1];
    if (s.length === 2) return { reason: presence(d, `mapping for ${target}`) };
    const written = rawAt(raw, ["mappings", target]);
    const long = isMap(written);
    switch (s[2]) {
      case "source": {
        if (typeof live !== "string" || live === "") {
          return { reason: "the tenant's mapping has no source expression; change it by hand" };
        }
        try {
          const value = specExpressionText(live, app.scimExtension?.urn);
          return { at: long ? ["mappings", target, "expression"] : ["mappings", target], value };
        } catch (error) {
          return {
            reason: `the live expression ${shown(live)} is not one the spec's language reads (${(error as Error).message})`,
          };
        }
      }
      case "defaultValue":
        if (live === null)
          return { reason: "the tenant's mapping has no default; remove `default` by hand" };
        return { at: ["mappings", target, "default"], value: String(live) };
      case "flowType": {
        const apply = APPLY.get(String(live).toLowerCase());
        if (!apply) return { reason: `apply ${shown(live)} has no spec form` };
        return { at: ["mappings", target, "apply"], value: apply };
      }
      case "matchingPriority":
        return {
          reason:
            "matching precedence is the order of the spec's `matching` list; reorder it by hand",
        };
      default:
        return { reason: noSpecForm(String(s[2])) };
    }
  }
  if (s[0] === "actions" && s.length === 1) {
    const actions = String(live ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => FLOW_ACTIONS.get(t.toLowerCase()));
    if (actions.length === 0 || actions.some((a) => a === undefined)) {
      return { reason: `the target object actions ${shown(live)} have no spec form` };
    }
    // In the order the spec's documentation lists them; Graph's echo is sorted by name.
    const order = [...FLOW_ACTIONS.values()];
    return {
      at: ["actions"],
      value: (actions as string[]).sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    };
  }
  if (s[0] === "scope") {
    return {
      reason:
        "the scope is compared as Graph's filter clauses, which do not map back one to one onto `scope.anyOf`; change it by hand",
    };
  }
  if (s[0] === "scimExtension" && s[1] === "attributes" && typeof s[2] === "string") {
    const urn = app.scimExtension?.urn ?? "";
    const name = s[2].startsWith(`${urn}:`) ? s[2].slice(urn.length + 1) : s[2];
    if (s.length === 3) return { reason: presence(d, `custom attribute ${name}`) };
    if (s[3] !== "type") return { reason: noSpecForm(String(s[3])) };
    const type = SPEC_TYPES.get(String(live).toLowerCase());
    if (!type) return { reason: `the attribute type ${shown(live)} has no spec form` };
    if (!(typeof rawAt(raw, ["scimExtension", "attributes", name]) === "string")) {
      return {
        reason: `scimExtension.attributes.${name} is not written as a type name; change it by hand`,
      };
    }
    return { at: ["scimExtension", "attributes", name], value: type };
  }
  if (s[0] === "secrets" && s[1] === "SyncNotificationSettings") {
    if (s[2] === "Recipients" && typeof live === "string")
      return { at: ["notificationEmail"], value: live };
    if (s[2] === "DeleteThresholdValue" && Number.isInteger(Number(live)) && live !== null) {
      return { at: ["deletionThreshold"], value: Number(live) };
    }
    if (s[2] === "Enabled" || s[2] === "DeleteThresholdEnabled")
      return { reason: noSpecForm(String(s[2])) };
    return { reason: `the live notification settings ${shown(live)} have no spec form` };
  }
  if (s[0] === "secrets" && s[1] === "SkipOutOfScopeDeletions" && typeof live === "string") {
    if (!/^(true|false)$/i.test(live))
      return { reason: `${shown(live)} is neither True nor False` };
    return { at: ["skipOutOfScopeDeletions"], value: /^true$/i.test(live) };
  }
  return { reason: noSpecForm(d.path) };
}

function extensionTarget(d: Difference, raw: Record<string, unknown>): Target {
  const live = d.live;
  switch (d.path) {
    case "displayName":
      return { reason: presence(d, "custom task extension by this display name") };
    case "description":
      if (typeof live !== "string")
        return { reason: "the tenant's extension has no description; remove it by hand" };
      return { at: ["description"], value: live };
    case "callbackConfiguration.timeoutDuration":
      return { at: ["callbackTimeout"], value: String(live) };
    case "endpointConfiguration.logicAppWorkflowName":
      return { at: ["logicApp", "name"], value: String(live) };
    case "endpointConfiguration.resourceGroupName":
      if (rawAt(raw, ["logicApp", "resourceGroup"]) === undefined) {
        return {
          reason:
            "it comes from azure.resourceGroup, which every extension and the uploader share; set logicApp.resourceGroup by hand",
        };
      }
      return { at: ["logicApp", "resourceGroup"], value: String(live) };
    case "endpointConfiguration.subscriptionId":
      return {
        reason:
          "it comes from azure.subscriptionId, which the whole spec shares; change it by hand",
      };
    default:
      return { reason: noSpecForm(d.path) };
  }
}

function taskTarget(
  d: Difference,
  raw: Record<string, unknown>,
  index: number,
  rest: (string | number)[],
): Target {
  const entry = rawAt(raw, ["tasks", index]);
  if (entry === undefined || (typeof entry !== "string" && !isMap(entry))) {
    return {
      reason: "the tasks were changed in the tenant beyond their values; change the list by hand",
    };
  }
  const { name, options } = taskEntry(entry as Parameters<typeof taskEntry>[0]);
  const at = (key: string): SpecPath => ["tasks", index, name, key];
  const live = d.live;
  const field = String(rest[0]);
  if (field === "isEnabled" && typeof live === "boolean") return { at: at("enabled"), value: live };
  if (field === "continueOnError" && typeof live === "boolean")
    return { at: at("continueOnError"), value: live };
  if ((field === "displayName" || field === "description") && typeof live === "string") {
    return { at: at(field), value: live };
  }
  if (field !== "arguments" || typeof rest[1] !== "string") return { reason: noSpecForm(d.path) };
  const wire = rest[1];
  const definition = entryDefinition(name);
  const known = definition && "name" in definition ? definition : undefined;
  const argument = known?.arguments?.find((a) => a.wireName === wire);
  if (live === null)
    return {
      reason: `the tenant's task has no argument ${wire}; remove it by hand if that is meant`,
    };
  const text = String(live);
  if (!argument) {
    if (known?.arguments !== undefined && !GUID.test(name))
      return { reason: presence(d, `argument ${wire}`) };
    return Object.hasOwn(options, wire) && Array.isArray(options[wire])
      ? {
          at: at(wire),
          value: text
            .split(",")
            .map((v) => v.trim())
            .filter(Boolean),
        }
      : { at: at(wire), value: text };
  }
  switch (argument.type.kind) {
    case "integer":
      if (!/^-?\d+$/.test(text)) return { reason: `${shown(live)} is not a whole number` };
      return { at: at(argument.name), value: Number(text) };
    case "boolean":
      if (!/^(true|false)$/i.test(text))
        return { reason: `${shown(live)} is neither true nor false` };
      return { at: at(argument.name), value: /^true$/i.test(text) };
    case "groups":
      return {
        reason: "the tenant holds group ids where the spec names groups; change the names by hand",
      };
    case "extension":
      return {
        reason: "the tenant runs another custom task extension (by id); change the key by hand",
      };
    case "guidList":
    case "stringList": {
      const list = text
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      return {
        at: at(argument.name),
        value: list.length === 1 && !Array.isArray(options[argument.name]) ? list[0] : list,
      };
    }
    default:
      return { at: at(argument.name), value: text };
  }
}

function workflowTarget(d: Difference, raw: Record<string, unknown>, all: Difference[]): Target {
  const s = pathSegments(d.path);
  const live = d.live;
  if (d.path === "displayName") return { reason: presence(d, "workflow by this display name") };
  if ((d.path === "description" || d.path === "category") && typeof live === "string") {
    return { at: [d.path], value: live };
  }
  if (d.path === "isEnabled" && typeof live === "boolean") return { at: ["enabled"], value: live };
  if (d.path === "isSchedulingEnabled" && typeof live === "boolean") {
    return { at: ["schedulingEnabled"], value: live };
  }
  if (s[0] === "executionConditions") {
    const where = s.slice(1).join(".");
    if (
      (where === "trigger.offsetInDays" || where === "trigger.inactivityPeriodInDays") &&
      Number.isInteger(live)
    ) {
      return { at: ["trigger", "offsetDays"], value: live };
    }
    if (where === "trigger.timeBasedAttribute" && typeof live === "string") {
      return { at: ["trigger", "attribute"], value: live };
    }
    if (where === "scope.rule" && typeof live === "string") return { at: ["scope"], value: live };
    return { reason: "the trigger or scope changed kind in the tenant; change it by hand" };
  }
  if (s[0] === "tasks" && typeof s[1] === "number" && s.length > 2) {
    // Another task in this place (the list was changed in the tenant): its values are not this
    // spec task's.
    const task = `tasks[${s[1]}]`;
    if (all.some((o) => o.path === task || o.path === `${task}.taskDefinitionId`)) {
      return {
        reason: `the tenant has another task at ${task}; change the task list by hand`,
      };
    }
    return taskTarget(d, raw, s[1], s.slice(2));
  }
  if (s[0] === "tasks") {
    return {
      reason: "tasks were added, removed or reordered in the tenant; change the list by hand",
    };
  }
  return { reason: noSpecForm(d.path) };
}

function settingsTarget(d: Difference): Target {
  const s = pathSegments(d.path);
  if (d.path === "workflowScheduleIntervalInHours" && Number.isInteger(d.live)) {
    return { at: s, value: d.live };
  }
  if (d.path === "emailSettings.senderDomain" && typeof d.live === "string")
    return { at: s, value: d.live };
  if (d.path === "emailSettings.useCompanyBranding" && typeof d.live === "boolean") {
    return { at: s, value: d.live };
  }
  return { reason: noSpecForm(d.path) };
}

const ROOTS: Record<DriftKind, (name: string) => SpecPath> = {
  app: (name) => ["provisioning", name],
  extension: (name) => ["customTaskExtensions", name],
  workflow: (name) => ["lifecycleWorkflows", name],
  settings: () => ["lifecycleWorkflowSettings"],
};

/**
 * What `--write` would change for each difference of `report`, and what it leaves, with why.
 * `specFile` is the file drift was given; only values written in it are changed.
 */
export function planDriftWrite(
  report: DriftReport,
  spec: TenantSpec,
  sources: SpecSources,
  specFile: string,
  cwd: string,
): WritePlan {
  const plan: WritePlan = { edits: [], notWritten: [] };
  const specOnDisk = path.resolve(cwd, specFile);
  const seen = new Set<string>();
  for (const object of report.objects) {
    const root = ROOTS[object.kind](object.name);
    const raw = rawAt(sources.value, root);
    for (const d of object.differences) {
      const skip = (reason: string) =>
        plan.notWritten.push({ kind: object.kind, name: object.name, difference: d.path, reason });
      if (!isMap(raw)) {
        skip("the spec's object is not a map");
        continue;
      }
      const target =
        object.kind === "app"
          ? appTarget(d, raw, spec.provisioning[object.name])
          : object.kind === "extension"
            ? extensionTarget(d, raw)
            : object.kind === "workflow"
              ? workflowTarget(d, raw, object.differences)
              : settingsTarget(d);
      if ("reason" in target) {
        skip(target.reason);
        continue;
      }
      const full = [...root, ...target.at];
      const from = rawAt(sources.value, full);
      const origin = sources.origins.get(keyOf(full));
      if (from === undefined || !origin) {
        const parent = sources.origins.get(keyOf(full.slice(0, -1)));
        const where = parent
          ? ` under ${formatPath(full.slice(0, -1))} (${parent.file}:${parent.lineCounter.linePos(parent.valueOffset).line})`
          : "";
        skip(
          `the spec leaves ${formatPath(full)} to its default; add \`${String(full[full.length - 1])}: ${shown(target.value)}\`${where} by hand`,
        );
        continue;
      }
      const { line, col } = origin.lineCounter.linePos(origin.valueOffset);
      const at = `${origin.file}:${line}`;
      if (path.resolve(cwd, origin.file) !== specOnDisk) {
        skip(
          `the value is set in the base file ${at}, which other tenant files may extend; not written there: set ${formatPath(full)} in ${specFile} to override it`,
        );
        continue;
      }
      if (sources.edits.has(keyOf(full))) {
        skip(`the value is built with \${...} (${at}); a variable is not written back`);
        continue;
      }
      if (JSON.stringify(from) === JSON.stringify(target.value)) {
        skip(
          `the spec already says ${shown(from)} at ${at}; the difference lies in what it compiles to`,
        );
        continue;
      }
      if (seen.has(keyOf(full))) continue;
      seen.add(keyOf(full));
      plan.edits.push({
        kind: object.kind,
        name: object.name,
        difference: d.path,
        file: origin.file,
        line,
        column: col,
        path: full,
        from,
        to: target.value,
      });
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// the text

const YAML_OPTIONS = { uniqueKeys: false, merge: true } as const;

const DOUBLE = (s: string) => JSON.stringify(s);
const SINGLE = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The texts a scalar could be written as, the node's own style first. */
function scalarTexts(value: unknown, style: string | undefined): string[] {
  if (typeof value !== "string") return [String(value)];
  const texts =
    style === "QUOTE_SINGLE"
      ? [SINGLE(value), DOUBLE(value)]
      : style === "PLAIN"
        ? [value, SINGLE(value), DOUBLE(value)]
        : [DOUBLE(value)];
  // A line break in a quoted scalar would fold; the double-quoted form escapes it.
  return /[\n\r\t]/.test(value) ? [DOUBLE(value)] : texts;
}

/** The texts a list could be written as: the node's own flow or block form. */
function listTexts(
  value: unknown[],
  flow: boolean,
  indent: string,
  eol: string,
  end: string,
): string[] {
  const items = value.map((v) => scalarTexts(v, "PLAIN"));
  if (flow || items.length === 0) {
    return [
      `[${items.map((t) => t[0]).join(", ")}]`,
      `[${items.map((t) => t[t.length - 1]).join(", ")}]`,
    ].map((t) => t + end);
  }
  const block = (pick: (t: string[]) => string) =>
    items.map((t, i) => `${i === 0 ? "" : indent}- ${pick(t)}`).join(eol) + end;
  return [block((t) => t[0]), block((t) => t[t.length - 1])];
}

/** A document's data as JSON; undefined when it does not resolve (a broken alias). */
const plain = (doc: Document): string | undefined => {
  try {
    return JSON.stringify(doc.toJS({ maxAliasCount: -1 }));
  } catch {
    return undefined;
  }
};

/**
 * `text` with each edit's value replaced in place: only the characters of those values change.
 * Each replacement is checked by parsing the result: it must read as the original with exactly
 * these values changed, else the edit is returned as a problem and nothing in the file changes.
 */
export function applyEdits(
  text: string,
  edits: readonly SpecEdit[],
): { text: string } | { problem: string; edit: SpecEdit } {
  let result = text;
  // From the end of the file back, so that earlier offsets stay right.
  const located = edits
    .map((edit) => ({ edit, node: parseDocument(text, YAML_OPTIONS).getIn(edit.path, true) }))
    .sort((a, b) => (rangeOf(b.node)?.[0] ?? 0) - (rangeOf(a.node)?.[0] ?? 0));
  // What the file must read as after each edit: the original with the values so far changed.
  const expected = parseDocument(text, YAML_OPTIONS);
  for (const { edit, node } of located) {
    const range = rangeOf(node);
    if (!range) {
      return {
        problem: "the value is reached through a YAML alias or merge key; change it by hand",
        edit,
      };
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) {
      return {
        problem: `the value carries the YAML anchor &${anchor}, which other values may repeat; change it by hand`,
        edit,
      };
    }
    const [start, stop] = range;
    const old = result.slice(start, stop);
    const lineStart = result.lastIndexOf("\n", start - 1) + 1;
    const indent = " ".repeat(start - lineStart);
    // A block node's range runs to the next line; the replacement keeps that line break.
    const end = /\r?\n$/.exec(old)?.[0] ?? "";
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    let candidates: string[];
    if (Array.isArray(edit.to)) {
      if (!isCollection(node) || !("items" in node))
        return { problem: "the spec does not hold a list there", edit };
      candidates = listTexts(edit.to, Boolean(node.flow), indent, eol, end);
    } else if (isScalar(node)) {
      const texts = scalarTexts(edit.to, node.type);
      candidates = texts.map((t) => t + end);
    } else {
      return { problem: "the spec holds a map or list there, not a value", edit };
    }
    expected.setIn(edit.path, edit.to);
    const wanted = plain(expected);
    const fits = candidates.find((candidate) => {
      const doc = parseDocument(
        result.slice(0, start) + candidate + result.slice(stop),
        YAML_OPTIONS,
      );
      return doc.errors.length === 0 && wanted !== undefined && plain(doc) === wanted;
    });
    if (fits === undefined)
      return { problem: "no YAML form of the live value reads back as it", edit };
    result = result.slice(0, start) + fits + result.slice(stop);
  }
  return { text: result };
}

function rangeOf(node: unknown): [number, number] | undefined {
  if (!isScalar(node) && !isCollection(node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? [range[0], range[1]] : undefined;
}

/**
 * The edits that can be made to `text`, and the text they make: an edit that cannot be made in
 * place, or whose live value the spec refuses (`errorsOf` the edited text names its path), is
 * moved to the not-written list and the rest tried again. `errors` when the edited text fails
 * for a reason no single edit explains: then nothing is to be written.
 */
export function settleEdits(
  text: string,
  edits: readonly SpecEdit[],
  errorsOf: (text: string) => Diagnostic[],
): ({ text: string } | { errors: Diagnostic[] }) & { edits: SpecEdit[]; notWritten: NotWritten[] } {
  const notWritten: NotWritten[] = [];
  let left = [...edits];
  const drop = (edit: SpecEdit, reason: string) => {
    notWritten.push({ kind: edit.kind, name: edit.name, difference: edit.difference, reason });
    left = left.filter((e) => e !== edit);
  };
  while (left.length > 0) {
    const applied = applyEdits(text, left);
    if (!("text" in applied)) {
      drop(applied.edit, applied.problem);
      continue;
    }
    const errors = errorsOf(applied.text);
    if (errors.length === 0) return { text: applied.text, edits: left, notWritten };
    const refused = left.filter((e) => {
      const at = formatPath(e.path);
      return errors.some(
        (d) => d.path === at || d.path.startsWith(`${at}.`) || d.path.startsWith(`${at}[`),
      );
    });
    if (refused.length === 0) return { errors, edits: left, notWritten };
    for (const edit of refused) {
      const at = formatPath(edit.path);
      const said = errors.find((d) => d.path === at || d.path.startsWith(at))!;
      drop(edit, `the spec does not accept the live value ${shown(edit.to)}: ${said.message}`);
    }
  }
  return { text, edits: [], notWritten };
}
