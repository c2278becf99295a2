/**
 * Offline preview of what the provisioning service would do with an HR file: each row's SCIM
 * record, the Entra (or AD) user the app's `mappings` would produce from it, and whether the
 * app's scoping filter lets it through. Nothing is sent and no state is read.
 */
import type { Readable } from "stream";
import { compileExpression, parseExpression } from "../expressions";
import type { ProvisioningApp } from "../model/schema";
import {
  compileConverter,
  type Converter,
  expressionFailure,
  MappingProblem,
  RowError,
  ScimUser,
} from "./convert";
import type { CsvProblem } from "./csv";
import { RecordFileError } from "./fault";
import { LINES_SHOWN, listLines } from "./lines";
import { refusedValues, type RefusedValue } from "../provisioning/values";
import { csvSource, type RecordSource } from "./source";
import type { ScimTarget } from "./scim";
import { evaluateScope, ScopeResult } from "./scope";

export interface SimulatedRecord {
  line: number;
  externalId?: string;
  scim?: ScimUser;
  /** Target attribute: value; attributes whose mapping yields nothing are absent. */
  user?: Record<string, unknown>;
  /** Mappings that only apply when the user is created (`apply: onCreate`). */
  onCreateOnly: string[];
  scope?: ScopeResult;
  errors: RowError[];
  /** `message` without values, `detail` with them (for --verbose), as in RowError. */
  mappingErrors: { attribute: string; message: string; detail: string }[];
  /** Why `upload` would not send it: its externalId is on other lines too. */
  withheld?: string;
  /** Account names the mappings give this record and another one too. */
  conflicts: string[];
  /** Computed values Entra refuses (lib/provisioning/values.ts): a non-ASCII UPN, a UK. */
  refused: RefusedValue[];
}

export interface Simulation {
  records: SimulatedRecord[];
  csvProblems: CsvProblem[];
  problems: MappingProblem[];
  /** A fault of the whole file (see RecordFileError): the records read before it are dropped. */
  csvError?: RecordFileError;
}

interface CompiledMapping {
  attribute: string;
  evaluate?: (record: Record<string, unknown>) => unknown;
  fallback?: string | number | boolean;
  onCreate: boolean;
}

/** Compiles `mappings` once; a mapping that does not parse is a problem of the whole run. */
export function compileMappings(app: ProvisioningApp): {
  mappings: CompiledMapping[];
  problems: MappingProblem[];
} {
  const mappings: CompiledMapping[] = [];
  const problems: MappingProblem[] = [];
  for (const [attribute, mapping] of Object.entries(app.mappings)) {
    const long = typeof mapping === "string" ? { expression: mapping } : mapping;
    const compiled: CompiledMapping = {
      attribute,
      fallback: "default" in long ? long.default : undefined,
      onCreate: "apply" in long && long.apply === "onCreate",
    };
    if (long.expression !== undefined) {
      const parsed = parseExpression(long.expression);
      if (!parsed.ast) {
        const why = parsed.diagnostics.map((d: { message: string }) => d.message).join("; ");
        problems.push({ attribute: `mappings.${attribute}`, message: `does not parse: ${why}` });
        continue;
      }
      compiled.evaluate = compileExpression(parsed.ast) as CompiledMapping["evaluate"];
    }
    mappings.push(compiled);
  }
  return { mappings, problems };
}

/** Reads one target's value back out of a SCIM user. */
export function readTarget(user: ScimUser, target: ScimTarget): unknown {
  const container = (target.urn ? user[target.urn] : user) as Record<string, unknown> | undefined;
  if (!container) return undefined;
  if (target.filter) {
    const list = container[target.attribute] as Record<string, unknown>[] | undefined;
    return list?.find((e) => e[target.filter!.attribute] === target.filter!.value)?.[target.sub!];
  }
  if (target.sub) {
    return (container[target.attribute] as Record<string, unknown> | undefined)?.[target.sub];
  }
  return container[target.attribute];
}

/**
 * The SCIM user as the provisioning service's source attributes: one key per attribute, under
 * its short name (`enterprise:department`), its canonical name and the key written in the spec.
 */
export function flattenUser(
  user: ScimUser,
  targets: readonly ScimTarget[],
): Record<string, unknown> {
  const flat: Record<string, unknown> = Object.create(null);
  for (const target of targets) {
    const value = readTarget(user, target);
    if (value === undefined) continue;
    flat[target.short] = value;
    flat[target.canonical] = value;
    flat[target.key] = value;
  }
  return flat;
}

/** `input` is a CSV file or stream, or a record source of any kind (source.ts). */
export async function simulate(
  app: ProvisioningApp,
  input: string | Readable | RecordSource,
): Promise<Simulation> {
  try {
    return await simulateRows(app, input);
  } catch (err) {
    if (!(err instanceof RecordFileError)) throw err;
    return { records: [], csvProblems: [], problems: [], csvError: err };
  }
}

/** One app's simulation of a row, compiled against the file's header. */
export type RecordSimulator = (
  fields: Parameters<Converter["convert"]>[0],
  line: number,
) => SimulatedRecord;

/**
 * Compiles what `simulate` does to each row against a header: the mappings and the column
 * conversion once, then one call per row. `diff --csv` runs two of them over one file.
 */
export function compileSimulator(
  app: ProvisioningApp,
  header: readonly string[],
): { simulator?: RecordSimulator; problems: MappingProblem[] } {
  if (!app.uploader) {
    return { problems: [{ attribute: "uploader", message: "the app has no uploader section" }] };
  }
  const { mappings, problems } = compileMappings(app);
  if (problems.length > 0) return { problems };
  const compiled = compileConverter(app, header);
  if (!compiled.converter) return { problems: compiled.problems };
  const converter = compiled.converter;
  const simulator: RecordSimulator = (fields, line) => {
    const row = converter.convert(fields, line);
    const record: SimulatedRecord = {
      line,
      externalId: row.externalId,
      errors: row.errors,
      mappingErrors: [],
      onCreateOnly: [],
      conflicts: [],
      refused: [],
    };
    if (!row.user) return record;
    record.scim = row.user;
    const flat = flattenUser(row.user, converter.targets);
    const user: Record<string, unknown> = {};
    for (const mapping of mappings) {
      let value: unknown;
      try {
        value = mapping.evaluate ? mapping.evaluate(flat) : undefined;
      } catch (err) {
        record.mappingErrors.push({ attribute: mapping.attribute, ...expressionFailure(err) });
        continue;
      }
      if (value === null || value === undefined || value === "") value = mapping.fallback;
      if (value === null || value === undefined) continue;
      user[mapping.attribute] = value;
      if (mapping.onCreate) record.onCreateOnly.push(mapping.attribute);
    }
    record.user = user;
    if (app.target === "entra") record.refused = refusedValues(user);
    record.scope = evaluateScope(app.scope, (attribute) => flat[attribute]);
    return record;
  };
  return { simulator, problems: [] };
}

async function simulateRows(
  app: ProvisioningApp,
  input: string | Readable | RecordSource,
): Promise<Simulation> {
  if (!app.uploader) {
    return {
      records: [],
      csvProblems: [],
      problems: [{ attribute: "uploader", message: "the app has no uploader section" }],
    };
  }
  const { problems } = compileMappings(app);
  if (problems.length > 0) return { records: [], csvProblems: [], problems };
  const csvProblems: CsvProblem[] = [];
  const records: SimulatedRecord[] = [];
  let simulator: RecordSimulator | undefined;
  const source =
    typeof input === "object" && "batches" in input ? input : csvSource(input, app.uploader.csv);
  for await (const batch of source.batches((p) => csvProblems.push(p))) {
    for (const item of batch) {
      if ("header" in item) {
        const compiled = compileSimulator(app, item.header);
        if (!compiled.simulator) return { records: [], csvProblems, problems: compiled.problems };
        simulator = compiled.simulator;
        continue;
      }
      records.push(simulator!(item.fields, item.line));
    }
  }
  withholdDuplicates(records);
  flagSharedAccountNames(records, app.target);
  return { records, csvProblems, problems: [] };
}

/**
 * As `upload` does (lib/upload/engine.ts): every copy of an externalId that is on more than one
 * line is withheld, since which one HR meant cannot be known.
 */
function withholdDuplicates(records: SimulatedRecord[]): void {
  const lines = new Map<string, number[]>();
  for (const r of records) {
    if (r.externalId === undefined) continue;
    const seen = lines.get(r.externalId);
    if (seen) seen.push(r.line);
    else lines.set(r.externalId, [r.line]);
  }
  for (const r of records) {
    const all = r.externalId === undefined ? [] : lines.get(r.externalId)!;
    if (all.length < 2) continue;
    r.withheld = `externalId also on line${all.length > 2 ? "s" : ""} ${listLines(all, r.line)}: upload sends none of them`;
  }
}

/**
 * The attributes that name an account and must be unique in the target: two people given the
 * same one means the second create fails (or, with a matching attribute, updates the first).
 */
const ACCOUNT_NAMES = {
  entra: ["userPrincipalName", "mailNickname"],
  activeDirectory: ["userPrincipalName", "sAMAccountName", "cn"],
} as const;

function flagSharedAccountNames(records: SimulatedRecord[], target: ProvisioningApp["target"]) {
  for (const attribute of ACCOUNT_NAMES[target]) {
    const holders = new Map<string, SimulatedRecord[]>();
    for (const r of records) {
      const value = r.user?.[attribute];
      if (r.withheld || typeof value !== "string" || value === "") continue;
      const key = value.toLowerCase();
      const list = holders.get(key);
      if (list) list.push(r);
      else holders.set(key, [r]);
    }
    for (const list of holders.values()) {
      if (list.length < 2) continue;
      // The first few lines only: thousands of rows sharing a name must not cost their square.
      const head = list.slice(0, LINES_SHOWN + 1).map((o) => o.line);
      for (const r of list) {
        r.conflicts.push(
          `${attribute} ${JSON.stringify(r.user![attribute])} is also given to line${list.length > 2 ? "s" : ""} ${listLines(head, r.line, list.length)}`,
        );
      }
    }
  }
}
