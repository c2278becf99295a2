/**
 * Turns one CSV row into one SCIM user, through the spec's `uploader.csv.columns`. Everything
 * that does not depend on the row (parsing and compiling expressions, resolving SCIM paths and
 * types, the `schemas` list) is done once in `compileConverter`; the returned `convert` is the
 * per-record hot path.
 */
import { compileExpression, parseExpression } from "../expressions";
import { type ProvisioningApp, uploaderColumns } from "../model/schema";
import type { FieldValue, NotText } from "./json";
import { convertValue, CORE_URN, ENTERPRISE_URN, resolveScimTarget, ScimTarget } from "./scim";

/** A problem with the column mapping itself: nothing can be sent until it is fixed. */
export interface MappingProblem {
  /** The `csv.columns` key. */
  attribute: string;
  message: string;
}

/** Why one row was skipped. `columns` are the CSV columns the failing expression reads. */
/**
 * The longest value a row may carry for one attribute. Entra's longest user string properties
 * (streetAddress, the onPremisesExtensionAttributes) take 1,024 characters
 * (https://learn.microsoft.com/en-us/graph/api/resources/user#properties); 1,024 is the bound,
 * and anything longer is a row error rather than a request Graph refuses (or a 100 MB request).
 */
export const MAX_VALUE_LENGTH = 1024;

export interface RowError {
  line: number;
  attribute: string;
  columns: string[];
  /**
   * Safe to log: written without any value, neither the row's fields nor what an expression made
   * of them (a transformed value would slip past any search for the fields).
   */
  message: string;
  /** The same with the value, for --verbose. */
  detail: string;
}

export type ScimUser = Record<string, unknown>;

export interface ConvertedRow {
  externalId?: string;
  /** Present when every column converted. */
  user?: ScimUser;
  /** `active` of the user when the mapping sets it. */
  active?: boolean;
  /** From `convertJson`, instead of `user`: its canonical JSON. */
  json?: string;
  errors: RowError[];
}

export interface Converter {
  /** CSV columns that the expressions read. */
  readonly columns: readonly string[];
  readonly targets: readonly ScimTarget[];
  /** The `schemas` list of every user. */
  readonly schemas: readonly string[];
  /**
   * Converts one row. `fields` are in header order; `line` is reported in errors. The returned
   * object is new for each call.
   */
  convert(fields: readonly FieldValue[], line: number): ConvertedRow;
  /**
   * The same, with the user's canonical JSON (`json`, what is sent and digested) written straight
   * from the values instead of `user`: building the object only to stringify it costs more than
   * the rest of the conversion together.
   */
  convertJson(fields: readonly FieldValue[], line: number): ConvertedRow;
}

interface Slot {
  target: ScimTarget;
  evaluate: (record: Record<string, unknown>) => unknown;
  columns: string[];
  columnIndexes: number[];
}

/** Column keys of an expression: every `[name]` reference in its AST. */
export function referencedAttributes(ast: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    const kind = record.kind ?? record.type;
    if (kind === "attribute" || kind === "Attribute") {
      const name = record.name ?? record.attribute;
      if (typeof name === "string") found.add(name);
    }
    for (const [key, value] of Object.entries(record)) {
      if (key !== "span" && key !== "range" && value && typeof value === "object") walk(value);
    }
  };
  walk(ast);
  return [...found];
}

/**
 * Compiles the app's column mapping against a CSV header. Returns the problems instead when a
 * key is not a SCIM attribute, an expression does not parse, or a column is not in the header.
 */
export function compileConverter(
  app: ProvisioningApp,
  header: readonly string[],
): { converter?: Converter; problems: MappingProblem[] } {
  const { columns } = uploaderColumns(app.uploader);
  const problems: MappingProblem[] = [];
  if (!("externalId" in columns)) {
    problems.push({
      attribute: "externalId",
      message: 'columns must map externalId (the HR key, e.g. externalId: "[WorkerID]")',
    });
  }
  const headerIndex = new Map(header.map((name, i) => [name, i]));
  const slots: Slot[] = [];
  const seenTargets = new Map<string, string>();
  for (const [key, text] of Object.entries(columns)) {
    const target = resolveScimTarget(key, app.scimExtension);
    if ("error" in target) {
      problems.push({ attribute: key, message: target.error });
      continue;
    }
    const previous = seenTargets.get(target.canonical);
    if (previous) {
      problems.push({
        attribute: key,
        message: `"${key}" and "${previous}" set the same attribute`,
      });
      continue;
    }
    seenTargets.set(target.canonical, key);
    const parsed = parseExpression(text);
    if (!parsed.ast) {
      const why = parsed.diagnostics.map((d: { message: string }) => d.message).join("; ");
      problems.push({ attribute: key, message: `expression ${text} does not parse: ${why}` });
      continue;
    }
    const referenced = referencedAttributes(parsed.ast);
    const missing = referenced.filter((c) => !headerIndex.has(c));
    if (missing.length > 0 && header.length === 1) {
      // Once, not once per mapping: the delimiter is wrong, not the mapping.
      if (!problems.some((p) => p.message.startsWith("the file's header is one column"))) {
        const shown = header[0].length > 60 ? `${header[0].slice(0, 60)}…` : header[0];
        problems.push({
          attribute: key,
          message: `the file's header is one column (${JSON.stringify(shown)}), so the columns the mappings read are not found: the file is not delimited by ${JSON.stringify(app.uploader?.csv.delimiter ?? ",")} nor by any of , ; tab |; set uploader.csv.delimiter (or --delimiter) to the file's`,
        });
      }
      continue;
    }
    if (missing.length > 0) {
      problems.push({
        attribute: key,
        message: `expression ${text} reads ${missing.map((c) => `[${c}]`).join(", ")}, not a column of the CSV (columns: ${header.join(", ")})`,
      });
      continue;
    }
    slots.push({
      target,
      evaluate: compileExpression(parsed.ast) as (record: Record<string, unknown>) => unknown,
      columns: referenced,
      columnIndexes: referenced.map((c) => headerIndex.get(c) as number),
    });
  }
  if (problems.length > 0) return { problems };

  // externalId first, so a row whose key fails is reported under its key error first.
  slots.sort(
    (a, b) => Number(b.target.key === "externalId") - Number(a.target.key === "externalId"),
  );
  const schemas = [CORE_URN, ENTERPRISE_URN];
  const extensionUrn = app.scimExtension?.urn;
  if (extensionUrn && slots.some((s) => s.target.urn === extensionUrn)) schemas.push(extensionUrn);
  const shape = compileShape(slots, schemas);
  const usedColumns = [...new Set(slots.flatMap((s) => s.columns))];
  const usedIndexes = usedColumns.map((c) => headerIndex.get(c) as number);
  // One record object reused for every row: the compiled expressions are pure functions of it.
  const record: Record<string, unknown> = Object.create(null);

  /** Evaluates every slot into `values`; problems go to `result.errors`. */
  const evaluate = (
    fields: readonly FieldValue[],
    line: number,
    result: ConvertedRow,
  ): unknown[] => {
    /** Columns whose value is not text (a JSON object or list): the slots reading them fail. */
    let notText: Map<string, NotText> | undefined;
    for (let i = 0; i < usedColumns.length; i++) {
      const value = fields[usedIndexes[i]];
      if (typeof value === "object") {
        (notText ??= new Map()).set(usedColumns[i], value);
        record[usedColumns[i]] = null;
        continue;
      }
      // An empty cell is an absent value, so Coalesce and IsPresent see it as missing.
      record[usedColumns[i]] = value === "" || value === undefined ? null : value;
    }
    const values: unknown[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (notText) {
        const column = slot.columns.find((c) => notText!.has(c));
        if (column !== undefined) {
          // Names the field and its kind, never its content.
          const text = `[${column}] is ${notText.get(column)!.what} in the record, where text is expected; address a field inside it (e.g. [${column}.name])`;
          result.errors.push(rowError(slot, line, { message: text, detail: text }));
          continue;
        }
      }
      let raw: unknown;
      try {
        raw = slot.evaluate(record);
      } catch (err) {
        result.errors.push(rowError(slot, line, expressionFailure(err)));
        continue;
      }
      if (typeof raw === "string" && raw.length > MAX_VALUE_LENGTH) {
        // Entra refuses it anyway: a 100 MB field went to Graph as a 100 MB request.
        const why = `the value is ${raw.length.toLocaleString("en-US")} characters long, more than the ${MAX_VALUE_LENGTH.toLocaleString("en-US")} any Entra user attribute takes`;
        result.errors.push(rowError(slot, line, { message: why, detail: why }));
        continue;
      }
      // Most columns are strings read as they are: no conversion, no result object.
      if (typeof raw === "string" && raw !== "" && slot.target.type === "string") {
        values[i] = raw;
        if (slot.target.key === "externalId") result.externalId = raw;
        continue;
      }
      const typed = convertValue(raw, slot.target.type);
      if (typed === undefined) {
        if (slot.target.key === "externalId") {
          const empty = "externalId is empty";
          result.errors.push(rowError(slot, line, { message: empty, detail: empty }));
        }
        continue;
      }
      if ("error" in typed) {
        const shown = typeof raw === "string" ? JSON.stringify(raw) : String(raw);
        result.errors.push(
          rowError(slot, line, {
            message: `${typed.error} (value hidden; --verbose shows it)`,
            detail: `${typed.error}, got ${shown}`,
          }),
        );
        continue;
      }
      values[i] = typed.value;
      if (slot.target.key === "externalId") result.externalId = String(typed.value);
      if (slot.target.canonical === "active") result.active = typed.value as boolean;
    }
    return values;
  };
  const convertJson = (fields: readonly FieldValue[], line: number): ConvertedRow => {
    const result: ConvertedRow = { errors: [] };
    const values = evaluate(fields, line, result);
    if (result.errors.length === 0) result.json = emit(shape, values);
    return result;
  };
  // The object is the JSON read back: one walk of the shape to keep right, not two in lockstep.
  const convert = (fields: readonly FieldValue[], line: number): ConvertedRow => {
    const { json, ...result } = convertJson(fields, line);
    if (json !== undefined) result.user = JSON.parse(json) as ScimUser;
    return result;
  };

  return {
    converter: {
      columns: usedColumns,
      targets: slots.map((s) => s.target),
      schemas,
      convert,
      convertJson,
    },
    problems,
  };
}

/**
 * The shape every user of this mapping has, with the keys of every object sorted and the elements
 * of a filtered list (`addresses[type eq "work"]`) sorted by their filter value: a user built from
 * it is already canonical, so JSON.stringify writes the canonical JSON without a sorting copy,
 * and the order of the columns in the spec never changes a user's digest.
 */
interface ShapeNode {
  key: string;
  /** A leaf: the slot whose value goes here. */
  slot?: number;
  /** A leaf that is always the same (`schemas`, a list element's filter value). */
  constant?: unknown;
  /** A constant that does not make its object present on its own (the filter value). */
  filler?: boolean;
  children?: ShapeNode[];
  /** `children` are the elements of a list, each present when it has a value besides its filter. */
  list?: boolean;
  /** `"key":`, and the constant as JSON, written once here rather than for every row. */
  prefix?: string;
  constantJson?: string;
}

function compileShape(slots: readonly Slot[], schemas: readonly string[]): ShapeNode {
  type Draft = ShapeNode & { map?: Map<string, Draft> };
  const root: Draft = { key: "", map: new Map() };
  const child = (parent: Draft, key: string, list = false): Draft => {
    let node = parent.map!.get(key);
    if (!node?.map) {
      node = { key, map: new Map(), list };
      parent.map!.set(key, node);
    }
    return node;
  };
  root.map!.set("schemas", { key: "schemas", constant: schemas });
  slots.forEach((slot, index) => {
    const { urn, attribute, filter, sub } = slot.target;
    const container = urn ? child(root, urn) : root;
    if (filter) {
      const element = child(child(container, attribute, true), filter.value);
      // resolveScimTarget refuses a column for the filter attribute itself, so this is its only value.
      element.map!.set(filter.attribute, {
        key: filter.attribute,
        constant: filter.value,
        filler: true,
      });
      element.map!.set(sub!, { key: sub!, slot: index });
    } else if (sub) {
      child(container, attribute).map!.set(sub, { key: sub, slot: index });
    } else {
      container.map!.set(attribute, { key: attribute, slot: index });
    }
  });
  const freeze = (node: Draft): ShapeNode => {
    const prefix = `${JSON.stringify(node.key)}:`;
    if (!node.map) {
      const constantJson = node.slot === undefined ? JSON.stringify(node.constant) : undefined;
      return { ...node, prefix, constantJson };
    }
    const keys = [...node.map.keys()].sort();
    const children = keys.map((k) => freeze(node.map!.get(k)!));
    return { key: node.key, list: node.list, children, prefix };
  };
  return freeze(root);
}

/**
 * The canonical JSON of the user the shape gives for `values`, written without building it. Concatenation beats collecting
 * parts and joining them: V8 keeps the pieces as a rope until the digest reads it once.
 */
function emit(node: ShapeNode, values: readonly unknown[]): string | undefined {
  if (node.slot !== undefined) {
    const value = values[node.slot];
    return value === undefined ? undefined : JSON.stringify(value);
  }
  if (!node.children) return node.constantJson;
  let out: string | undefined;
  let valued = false;
  for (const child of node.children) {
    const value = emit(child, values);
    if (value === undefined) continue;
    const part = node.list ? value : child.prefix + value;
    out = out === undefined ? part : `${out},${part}`;
    if (node.list || !child.filler) valued = true;
  }
  if (!valued || out === undefined) return undefined;
  return node.list ? `[${out}]` : `{${out}}`;
}

function rowError(slot: Slot, line: number, text: { message: string; detail: string }): RowError {
  return { line, attribute: slot.target.key, columns: slot.columns, ...text };
}

/**
 * An expression's error without its values: the evaluator's messages quote the arguments
 * (`FormatDateTime: ... got "31/12/2020"`), so only the function's name is kept.
 */
export function expressionFailure(err: unknown): { message: string; detail: string } {
  const detail = `expression failed: ${messageOf(err)}`;
  const fn = /^([A-Za-z]+): /.exec(messageOf(err))?.[1];
  const message = `expression failed${fn ? ` in ${fn}` : ""} (details hidden; --verbose shows them)`;
  return { message, detail };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The canonical JSON of a user from `convert`: what is hashed for the delta and what is sent.
 * `convert` builds users with their keys in canonical order (see compileShape), so the native
 * JSON.stringify writes it; canonicalJson would make a sorted copy first.
 */
export function serializeUser(user: ScimUser): string {
  return JSON.stringify(user);
}
