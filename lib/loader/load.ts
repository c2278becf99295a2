/**
 * Reads a tenant spec: YAML with exact positions, `extends` chains, `${...}` variables, the zod
 * schema, then the cross-reference checks. Every problem is reported at once, positioned in the
 * file that holds the bad value; bad input never throws.
 */
import * as path from "path";
import {
  Alias,
  Document,
  isAlias,
  isPair,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Node,
  Pair,
  parseAllDocuments,
  Scalar,
  visit,
} from "yaml";
import { z } from "zod";
import { runChecks } from "./validate";
import { checkLineage } from "../lineage/checks";
import { readBoundedFile } from "./files";
import {
  Diagnostic,
  formatDiagnostic,
  formatPath,
  sortDiagnostics,
  suggest,
} from "../model/diagnostics";
import { scalarSourceOffsets, ScalarStyle } from "./scalarPositions";
import { tenantSpec, TenantSpec } from "../model/schema";

/** Specs are small; anything larger is a wrong file, and is refused before it is parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export interface LoadOptions {
  /** Directory that relative file names are read from; diagnostics keep the names as given. */
  cwd?: string;
  readFile?: (file: string) => Buffer;
  maxBytes?: number;
  /** A sample HR header to check the uploader's column expressions against. */
  csvHeader?: readonly string[];
  /**
   * Return the spec even when lineage errors are its only errors (`drift` compares such a spec
   * and lists them as notes: a workflow reading an attribute nothing writes is still deployed).
   */
  lineageErrorsAsNotes?: boolean;
}

export interface LoadResult {
  spec?: TenantSpec;
  diagnostics: Diagnostic[];
  /** With `lineageErrorsAsNotes`: the lineage errors the spec was returned despite. */
  lineageNotes?: Diagnostic[];
}

type SpecPath = (string | number)[];

/** Where a value came from: its file and the positions of its key and value. */
interface Origin {
  file: string;
  lineCounter: LineCounter;
  keyOffset?: number;
  valueOffset: number;
  /** For strings: the scalar as written, for positions inside expressions. */
  scalar?: {
    /** Where the characters of the value start: the fallback when they cannot be aligned. */
    contentOffset: number;
    style: ScalarStyle;
    /** The file's text and the scalar's range in it. */
    text: string;
    start: number;
    end: number;
    /** The value as parsed, before `${...}` substitution. */
    value: string;
    offsets?: number[] | null;
  };
}

type Origins = Map<string, Origin>;
const keyOf = (p: SpecPath) => JSON.stringify(p);

class Collector {
  readonly diagnostics: Diagnostic[] = [];
  at(
    file: string,
    lineCounter: LineCounter | undefined,
    offset: number,
    pathText: string,
    message: string,
    severity: Diagnostic["severity"] = "error",
  ) {
    const pos = lineCounter ? lineCounter.linePos(offset) : { line: 1, col: 1 };
    this.diagnostics.push({
      file,
      line: pos.line,
      column: pos.col,
      path: pathText,
      message,
      severity,
    });
  }
}

interface Parsed {
  value: Record<string, unknown>;
  origins: Origins;
}

export function loadSpec(file: string, options: LoadOptions = {}): LoadResult {
  const out = new Collector();
  const parsed = loadWithExtends(file, options, out, []);
  if (!parsed) return { diagnostics: sortDiagnostics(out.diagnostics) };
  const { origins } = parsed;
  // Without `tenant:` (a base file given to validate, a misspelt section) every `${tenant.*}`
  // and much else would fail in its wake: only the top level is reported, with a hint.
  const noTenant = parsed.value.tenant === undefined;
  const edits: Edits = new Map();
  const value = substituteVariables(parsed.value, origins, out, edits, noTenant);
  if (out.diagnostics.length > 0) return { diagnostics: sortDiagnostics(out.diagnostics) };

  const where = (p: SpecPath) => locate(origins, p, file);
  const result = tenantSpec.safeParse(value);
  if (!result.success) {
    for (const issue of withoutTypoEchoes(result.error.issues, value)) {
      if (noTenant && issue.path.length > 1) continue;
      reportIssue(issue, value, where, out);
    }
    if (noTenant) {
      for (const d of out.diagnostics) {
        if (d.message.startsWith("missing required field `tenant`")) d.message += NO_TENANT_HINT;
      }
    }
    return { diagnostics: sortDiagnostics(dedupe(out.diagnostics)) };
  }
  const at =
    (severity: Diagnostic["severity"]) => (p: SpecPath, message: string, offset?: number) => {
      const origin = where(p);
      const position =
        origin.scalar && offset !== undefined
          ? scalarOffset(origin, rawOffset(edits.get(keyOf(p)), offset))
          : origin.valueOffset;
      out.at(origin.file, origin.lineCounter, position, formatPath(p), message, severity);
    };
  runChecks({
    spec: result.data,
    report: at("error"),
    warn: at("warning"),
    csvHeader: options.csvHeader,
  });
  const diagnostics = sortDiagnostics(dedupe(out.diagnostics));
  // Warnings alone leave a spec to deploy; the caller decides whether they fail (--strict).
  if (diagnostics.some((d) => d.severity === "error")) {
    if (options.lineageErrorsAsNotes) {
      const lineage = lineageErrors(result.data, out, at("error"));
      const others = diagnostics.filter(
        (d) => d.severity === "error" && !lineage.some((l) => sameDiagnostic(l, d)),
      );
      if (others.length === 0) {
        const warnings = diagnostics.filter((d) => d.severity === "warning");
        return { spec: result.data, diagnostics: warnings, lineageNotes: lineage };
      }
    }
    return { diagnostics };
  }
  return { spec: result.data, diagnostics };
}

/** For the Pulumi program: a spec, or an error that lists every problem. */
/** The errors checkLineage alone reports, positioned as the full run positions them. */
function lineageErrors(
  spec: TenantSpec,
  out: Collector,
  report: (p: SpecPath, message: string, offset?: number) => void,
): Diagnostic[] {
  const before = out.diagnostics.length;
  checkLineage({ spec, report, warn: () => undefined });
  return out.diagnostics.splice(before);
}

const sameDiagnostic = (a: Diagnostic, b: Diagnostic) =>
  a.file === b.file && a.line === b.line && a.column === b.column && a.message === b.message;

export function loadSpecOrThrow(file: string, options?: LoadOptions): TenantSpec {
  const { spec, diagnostics } = loadSpec(file, options);
  if (!spec) {
    throw new Error(
      `${file} is not a valid tenant spec (run \`inbound validate ${file}\`):\n` +
        diagnostics.map(formatDiagnostic).join("\n"),
    );
  }
  return spec;
}

// --------------------------------------------------------------------------------------------
// reading and parsing one file

function readText(
  file: string,
  options: LoadOptions,
  out: Collector,
  from?: (problem: string) => void,
): string | undefined {
  const onDisk = path.resolve(options.cwd ?? process.cwd(), file);
  const limit = options.maxBytes ?? MAX_SPEC_BYTES;
  const tooLarge = (size: number) =>
    out.at(
      file,
      undefined,
      0,
      "",
      `the file is ${megabytes(size)}; a tenant spec may be at most ${megabytes(limit)} (is this the right file?)`,
    );
  let bytes: Buffer;
  if (options.readFile) {
    try {
      bytes = options.readFile(onDisk);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (from) from(code);
      else out.at(file, undefined, 0, "", `cannot read the file: ${code}`);
      return undefined;
    }
  } else {
    const read = readBoundedFile(onDisk, limit);
    if ("error" in read) {
      if (from) from(read.error);
      else out.at(file, undefined, 0, "", `cannot read the file: ${read.error}`);
      return undefined;
    }
    if ("problem" in read) {
      if (from) from(read.problem);
      else out.at(file, undefined, 0, "", `cannot read the file: ${read.problem}`);
      return undefined;
    }
    if ("tooLarge" in read) {
      tooLarge(read.tooLarge);
      return undefined;
    }
    bytes = read.bytes;
  }
  if (bytes.length > limit) {
    tooLarge(bytes.length);
    return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad).toString("utf8");
    const lines = before.split("\n");
    out.diagnostics.push({
      file,
      line: lines.length,
      column: lines[lines.length - 1].length + 1,
      path: "",
      message: `the file is not UTF-8 (byte 0x${bytes[bad].toString(16)} at offset ${bad}); save it as UTF-8`,
      severity: "error",
    });
    return undefined;
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >> 5 === 6 ? 2 : b >> 4 === 14 ? 3 : b >> 3 === 30 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if (bytes[i + k] >> 6 !== 2) return i;
    i += length;
  }
  return 0;
}

/**
 * Names no key of a spec may have: those of Object.prototype's members (`constructor`,
 * `toString`, `__proto__`...). A SCIM attribute, a mapping target or a column named so would be
 * looked up in a plain object and find the built-in instead, or (`__proto__`) replace the
 * object's prototype.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype),
);

const YAML_MESSAGES: Record<string, string> = {
  TAB_AS_INDENT: "tabs cannot indent YAML; indent with spaces",
  DUPLICATE_KEY: "this key appears twice in the same map; keep one",
  // The library's parser recurses per level and reports its own stack overflow with this code.
  RESOURCE_EXHAUSTION: "the values nest too deeply to be read; a tenant spec nests a few levels",
};

/**
 * A YAML error in our words, at the line to change. Indentation is the mistake people make most
 * in YAML, and the library names it by its grammar ("Nested mappings are not allowed in compact
 * mappings", at the line above the one to fix), so those are told as what to do.
 */
function yamlError(
  error: Document["errors"][number],
  text: string,
  lines: LineCounter,
): { offset: number; message: string } {
  const starts = lines.lineStarts;
  const lineText = (n: number) => text.slice(starts[n - 1], starts[n] ?? text.length).trimEnd();
  const content = (n: number) => !/^\s*(#|$)/.test(lineText(n));
  const indent = (n: number) => /^ */.exec(lineText(n))![0].length;
  /** A line's key and the column it starts at (after any `- `), if the line holds one. */
  const keyOf = (n: number) => {
    const m = /^([ -]*)([^\s#][^:#]*?)\s*:(\s|$)/.exec(lineText(n));
    return m ? { key: m[2], column: m[1].length + 1 } : undefined;
  };
  const { line } = lines.linePos(error.pos[0]);
  const tooDeep = (target: number, keyLine: number, key: { key: string; column: number }) => ({
    offset: starts[target - 1] + indent(target),
    message: `this line is indented more than the key above it, \`${key.key}\` (line ${keyLine}), which already has a value; YAML nests by indentation: align it with \`${key.key}\` (column ${key.column})`,
  });
  if (error.code === "BLOCK_AS_IMPLICIT_KEY" || error.code === "MULTILINE_IMPLICIT_KEY") {
    // Reported at the value of a key; the line to fix is the first key indented under it.
    const above = keyOf(line);
    let below = line + 1;
    while (below <= starts.length && !(content(below) && keyOf(below))) below++;
    if (above && below <= starts.length) return tooDeep(below, line, above);
  }
  if (error.code === "BAD_INDENT" && error.message.startsWith("All mapping items")) {
    // Reported at the start of the line, or of the blank and comment lines before it.
    let target = line;
    while (target <= starts.length && !content(target)) target++;
    let previous = target - 1;
    while (previous > 0 && !content(previous)) previous--;
    const above = previous > 0 ? keyOf(previous) : undefined;
    if (above && target <= starts.length) {
      if (indent(target) > indent(previous)) return tooDeep(target, previous, above);
      return {
        offset: starts[target - 1] + indent(target),
        message: `this line is indented less than the key above it, \`${above.key}\` (line ${previous}), but more than the map that holds it; YAML nests by indentation: align it with \`${above.key}\` (column ${above.column}) or with the key it belongs under`,
      };
    }
  }
  return {
    offset: error.pos[0],
    message: YAML_MESSAGES[error.code] ?? lowerFirst(error.message.split("\n")[0]),
  };
}

function parseFile(file: string, text: string, out: Collector): Parsed | undefined {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    // Checked in toPlain instead: the library compares each key with every other (quadratic, so
    // minutes for a 1 MB file of keys).
    uniqueKeys: false,
    // `<<: *anchor` merge keys, as most YAML users know them from YAML 1.1 tools.
    merge: true,
  });
  const list = Array.isArray(documents) ? documents : [];
  if (list.length === 0 || list.every((d) => d.contents === null)) {
    out.at(file, lineCounter, 0, "", "the file is empty; a tenant spec needs at least `tenant:`");
    return undefined;
  }
  if (list.length > 1) {
    out.at(
      file,
      lineCounter,
      list[1].range[0],
      "",
      "the file holds more than one YAML document; put each tenant in its own file",
    );
    return undefined;
  }
  const document = list[0];
  if (document.errors.length > 0) {
    const said = new Set<string>();
    for (const error of document.errors) {
      const { offset, message } = yamlError(error, text, lineCounter);
      // The library reports one indentation mistake under two codes at the same place.
      if (said.has(`${offset} ${message}`)) continue;
      said.add(`${offset} ${message}`);
      out.at(file, lineCounter, offset, "", `YAML: ${message}`);
    }
    return undefined;
  }
  if (!isMap(document.contents)) {
    out.at(
      file,
      lineCounter,
      document.contents?.range?.[0] ?? 0,
      "",
      "a tenant spec is a map of sections (`tenant:`, `provisioning:`...)",
    );
    return undefined;
  }
  const origins: Origins = new Map();
  const source: Source = {
    file,
    lineCounter,
    text,
    document,
    out,
    resolving: new Set(),
    targets: aliasTargets(document),
    anchors: new Map(),
    expanded: 0,
    exhausted: false,
  };
  const value = toPlain(document.contents, [], source, origins) as Record<string, unknown>;
  if (source.exhausted) return undefined;
  return { value, origins };
}

function lowerFirst(text: string): string {
  // Acronyms (NCRONTAB, YAML) keep their case.
  const first = /^[A-Z][A-Z]/.test(text) ? text.charAt(0) : text.charAt(0).toLowerCase();
  return first + text.slice(1).replace(/\.$/, "");
}

/**
 * Aliases are expanded here, not by the yaml library's toJS, to keep every value's position; so
 * the library's guard against "billion laughs" files (a few lines of anchors that alias each
 * other expand to billions of values) is applied here, with the library's own rule and limit:
 * its `maxAliasCount` (default 100; https://eemeli.org/yaml/#tojs-options) bounds, per anchor,
 * how often it is aliased times how much the aliases inside it expand.
 */
export const MAX_ALIAS_COUNT = 100;
/**
 * And a plain bound on what aliases add in all, which the copying expansion here (the library
 * shares one value) needs besides: a real spec's aliases add a few hundred values.
 */
export const MAX_ALIASED_VALUES = 100_000;

interface Source {
  file: string;
  lineCounter: LineCounter;
  text: string;
  document: Document;
  out: Collector;
  /** Anchors being expanded, against an alias inside its own anchor. */
  resolving: Set<Node>;
  /** Each alias's anchor, found in one pass (the library's resolve walks the whole document). */
  targets: Map<Alias, Node>;
  /** Per anchor, as the library counts: how often it is aliased, and how much its aliases weigh. */
  anchors: Map<Node, { count: number; aliasCount: number }>;
  /** Values added by expanding aliases, and the alias written in the file being expanded. */
  expanded: number;
  outermost?: Alias;
  /** An alias limit was hit: the conversion stops, and the file is reported at the alias. */
  exhausted: boolean;
}

/** The anchor each alias names: the last one with its name before it, in document order. */
function aliasTargets(document: Document): Map<Alias, Node> {
  const latest = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(document, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = latest.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        latest.set(node.anchor, node);
      }
    },
  });
  return targets;
}

/** The library's getAliasCount: how much one copy of `node` multiplies the aliases inside it. */
function aliasWeight(node: unknown, source: Source): number {
  if (isAlias(node)) {
    const target = source.targets.get(node);
    const data = target && source.anchors.get(target);
    return data ? data.count * data.aliasCount : 0;
  }
  if (isMap(node) || isSeq(node)) {
    let weight = 0;
    for (const item of node.items as unknown[])
      weight = Math.max(weight, aliasWeight(item, source));
    return weight;
  }
  if (isPair(node)) return Math.max(aliasWeight(node.key, source), aliasWeight(node.value, source));
  return 1;
}

/**
 * An alias as the node its anchor names: the value, and its positions, are where the anchor
 * is written. Undefined (reported) for an alias without an anchor, inside its own anchor, or
 * past the limits above.
 */
function resolveAlias(node: Node | null, source: Source): Node | null | undefined {
  if (!isAlias(node)) return node;
  const target = source.targets.get(node);
  const report = (problem: string) =>
    source.out.at(source.file, source.lineCounter, node.range?.[0] ?? 0, "", problem);
  if (!target) {
    report(`YAML: the alias *${node.source} has no anchor &${node.source} before it`);
    return undefined;
  }
  if (source.resolving.has(target)) {
    report(`YAML: the alias *${node.source} is inside its own anchor`);
    return undefined;
  }
  // Counted where the alias is written, not again each time an enclosing anchor is copied.
  if (source.resolving.size === 0) {
    let data = source.anchors.get(target);
    if (!data) source.anchors.set(target, (data = { count: 1, aliasCount: 0 }));
    data.count += 1;
    if (data.aliasCount === 0) data.aliasCount = aliasWeight(target, source);
    if (data.count * data.aliasCount > MAX_ALIAS_COUNT) {
      report(
        `YAML: the alias *${node.source} makes the file expand too much (the yaml library's limit of ${MAX_ALIAS_COUNT} aliased values, against "billion laughs" files); use fewer aliases`,
      );
      source.exhausted = true;
      return undefined;
    }
  }
  return target as Node;
}

const isMergeKey = (pair: Pair): boolean =>
  isScalar(pair.key) && typeof pair.key.value === "symbol";

function toPlain(
  node: Node | null,
  at: SpecPath,
  source: Source,
  origins: Origins,
  keyOffset?: number,
): unknown {
  if (source.exhausted) return null;
  if (isAlias(node)) {
    const target = resolveAlias(node, source);
    if (target === undefined) return null;
    if (source.resolving.size === 0) source.outermost = node;
    source.resolving.add(target as Node);
    try {
      return toPlain(target, at, source, origins, keyOffset);
    } finally {
      source.resolving.delete(target as Node);
    }
  }
  if (source.resolving.size > 0 && ++source.expanded > MAX_ALIASED_VALUES) {
    const alias = source.outermost!;
    source.out.at(
      source.file,
      source.lineCounter,
      alias.range?.[0] ?? 0,
      "",
      `YAML: the aliases expand to more than ${MAX_ALIASED_VALUES} values, at the alias *${alias.source} (a "billion laughs" file?); use fewer aliases`,
    );
    source.exhausted = true;
    return null;
  }
  if (node?.anchor && source.resolving.size === 0 && !source.anchors.has(node)) {
    source.anchors.set(node, { count: 1, aliasCount: 0 });
  }
  const { file, lineCounter, text } = source;
  const valueOffset = node?.range?.[0] ?? keyOffset ?? 0;
  const origin: Origin = { file, lineCounter, keyOffset, valueOffset };
  if (isScalar(node) && typeof node.value === "string" && node.type && node.range) {
    const style = node.type as Scalar["type"] & ScalarStyle;
    const quoted = style === "QUOTE_DOUBLE" || style === "QUOTE_SINGLE";
    const block = style === "BLOCK_LITERAL" || style === "BLOCK_FOLDED";
    const firstLine = text.indexOf("\n", valueOffset) + 1;
    origin.scalar = {
      contentOffset: block && firstLine > 0 ? firstLine : valueOffset + (quoted ? 1 : 0),
      style,
      text,
      start: node.range[0],
      end: node.range[1],
      value: node.value,
    };
  }
  origins.set(keyOf(at), origin);
  if (isMap(node)) {
    const result: Record<string, unknown> = {};
    // Merged maps first, the first-listed winning; the map's own keys override them all.
    for (const pair of node.items.filter(isMergeKey)) {
      const value = pair.value as Node | null;
      const sources = isSeq(value) ? [...value.items].reverse() : [value];
      for (const item of sources) {
        const merged = toPlain(item as Node, at, source, origins, (item as Node)?.range?.[0]);
        if (isPlainMap(merged)) Object.assign(result, merged);
        else {
          source.out.at(
            file,
            lineCounter,
            (item as Node)?.range?.[0] ?? valueOffset,
            formatPath(at),
            "YAML: a `<<` merge key needs an alias of a map, like `<<: *defaults`",
          );
        }
      }
      origins.set(keyOf(at), origin);
    }
    // Checked once, where the map is written, not again in each copy an alias makes of it.
    const written = source.resolving.size === 0;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (isMergeKey(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = [...at, key];
      const keyAt = (pair.key as Node | null)?.range?.[0] ?? valueOffset;
      if (seen.has(key)) {
        if (written)
          source.out.at(file, lineCounter, keyAt, "", `YAML: ${YAML_MESSAGES.DUPLICATE_KEY}`);
        continue;
      }
      seen.add(key);
      if (RESERVED_NAMES.has(key)) {
        if (written) {
          source.out.at(
            file,
            lineCounter,
            keyAt,
            formatPath(child),
            `the name \`${key}\` is reserved: every JavaScript object has a \`${key}\` of its own, which the tools would read in its place; rename it`,
          );
        }
        continue;
      }
      result[key] = toPlain(
        pair.value as Node | null,
        child,
        source,
        origins,
        (pair.key as Node | null)?.range?.[0],
      );
    }
    return result;
  }
  if (isSeq(node)) {
    return node.items.map((item, i) =>
      toPlain(item as Node, [...at, i], source, origins, (item as Node)?.range?.[0]),
    );
  }
  if (isScalar(node)) return node.value;
  return null;
}

// --------------------------------------------------------------------------------------------
// extends

/**
 * How deep `extends` may nest. Real layouts use two or three levels (company, region, tenant);
 * the limit turns a runaway chain into a message instead of a stack overflow.
 */
export const MAX_EXTENDS_DEPTH = 16;

/**
 * Each file of an `extends` graph is read and merged once, however many files extend it: a
 * diamond (two bases that share a base, repeated) would otherwise be loaded once per path, which
 * is exponential in its depth. `undefined`: the file failed, and said why, the first time.
 */
type Loaded = Map<string, Parsed | undefined>;

function loadWithExtends(
  file: string,
  options: LoadOptions,
  out: Collector,
  chain: string[],
  from?: (problem: string) => void,
  loaded: Loaded = new Map(),
): Parsed | undefined {
  const resolved = path.resolve(options.cwd ?? process.cwd(), file);
  if (loaded.has(resolved)) return loaded.get(resolved);
  const text = readText(file, options, out, from);
  // Not remembered: a file that cannot be read is reported at each `extends` that names it.
  if (text === undefined) return undefined;
  const result = extendsOf(file, text, resolved, options, out, chain, loaded);
  loaded.set(resolved, result);
  return result;
}

function extendsOf(
  file: string,
  text: string,
  resolved: string,
  options: LoadOptions,
  out: Collector,
  chain: string[],
  loaded: Loaded,
): Parsed | undefined {
  const parsed = parseFile(file, text, out);
  if (!parsed) return undefined;
  const raw = parsed.value.extends;
  if (raw === undefined) return parsed;
  delete parsed.value.extends;
  const bases = Array.isArray(raw) ? raw : [raw];
  let merged: Parsed = { value: {}, origins: new Map() };
  let ok = true;
  const cwd = options.cwd ?? process.cwd();
  const show = (files: string[]) => files.map((f) => path.relative(cwd, f)).join(" -> ");
  bases.forEach((base, i) => {
    const at: SpecPath = Array.isArray(raw) ? ["extends", i] : ["extends"];
    const origin = parsed.origins.get(keyOf(at))!;
    const report = (message: string) =>
      out.at(file, origin.lineCounter, origin.valueOffset, "extends", message);
    if (typeof base !== "string" || base.length === 0) {
      report("must be the path of a base file, or a list of them");
      ok = false;
      return;
    }
    const target = path.isAbsolute(base) ? base : path.join(path.dirname(file), base);
    const targetResolved = path.resolve(cwd, target);
    if ([...chain, resolved].includes(targetResolved)) {
      report(`extends cycle: ${show([...chain, resolved, targetResolved])}`);
      ok = false;
      return;
    }
    if (chain.length + 1 >= MAX_EXTENDS_DEPTH) {
      report(
        `extends nests more than ${MAX_EXTENDS_DEPTH} files deep (${show([...chain, resolved, targetResolved])}); merge some of the base files`,
      );
      ok = false;
      return;
    }
    const baseParsed = loadWithExtends(
      target,
      options,
      out,
      [...chain, resolved],
      (problem) =>
        report(
          problem === "ENOENT"
            ? `the base file ${base} does not exist (looked for ${target})`
            : `cannot read the base file ${base} (${target}): ${problem}`,
        ),
      loaded,
    );
    if (!baseParsed) {
      ok = false;
      return;
    }
    merged = merge(merged, baseParsed, []);
  });
  if (!ok) return undefined;
  for (const key of [...parsed.origins.keys()])
    if (key.startsWith('["extends"')) parsed.origins.delete(key);
  return merge(merged, parsed, []);
}

const isPlainMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Maps deep-merge (keyed maps merge by key), everything else — lists included — replaces. */
function merge(base: Parsed, over: Parsed, at: SpecPath): Parsed {
  const origins = new Map(base.origins);
  const value = mergeValue(base.value, over.value, at, origins, over.origins) as Record<
    string,
    unknown
  >;
  return { value, origins };
}

function mergeValue(
  base: unknown,
  over: unknown,
  at: SpecPath,
  origins: Origins,
  overOrigins: Origins,
): unknown {
  const here = keyOf(at);
  if (isPlainMap(base) && isPlainMap(over)) {
    const o = overOrigins.get(here);
    if (o) origins.set(here, o);
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
      if (value === null && Object.hasOwn(base, key)) {
        // `key: null` in an extending file removes what a base file set there (an inherited
        // column or mapping): YAML has no other way to say "not this one".
        forEachPath(base[key], [...at, key], (p) => origins.delete(keyOf(p)));
        delete result[key];
        continue;
      }
      result[key] = Object.hasOwn(base, key)
        ? mergeValue(base[key], value, [...at, key], origins, overOrigins)
        : copyIn(value, [...at, key], origins, overOrigins);
    }
    return result;
  }
  // Replaced: the base's positions under this path no longer describe anything.
  forEachPath(base, at, (p) => origins.delete(keyOf(p)));
  return copyIn(over, at, origins, overOrigins);
}

function copyIn(value: unknown, at: SpecPath, origins: Origins, overOrigins: Origins): unknown {
  forEachPath(value, at, (p) => {
    const key = keyOf(p);
    const origin = overOrigins.get(key);
    if (origin) origins.set(key, origin);
  });
  return value;
}

/**
 * Every path in `value` under `at`, `at` included. Walking the value, not scanning every known
 * position for a prefix, keeps a merge linear in the size of the files.
 */
function forEachPath(value: unknown, at: SpecPath, visit: (p: SpecPath) => void): void {
  const stack: [unknown, SpecPath][] = [[value, at]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    visit(p);
    if (Array.isArray(v)) v.forEach((item, i) => stack.push([item, [...p, i]]));
    else if (isPlainMap(v))
      for (const [k, item] of Object.entries(v)) stack.push([item, [...p, k]]);
  }
}

// --------------------------------------------------------------------------------------------
// variables

/** The `${...}` variables a spec string may use. */
export const VARIABLES = [
  "tenant.name",
  "tenant.id",
  "tenant.domain",
  "azure.subscriptionId",
  "azure.resourceGroup",
  "azure.location",
];

const NO_TENANT_HINT = "; a base file is checked through the tenant files that extend it";

/** Per string (by path): each `${...}` replaced, as [offset in the raw string, old length, new length]. */
type Edits = Map<string, [number, number, number][]>;

function substituteVariables(
  value: Record<string, unknown>,
  origins: Origins,
  out: Collector,
  edits: Edits,
  noTenant: boolean,
): Record<string, unknown> {
  const lookup = (name: string): unknown =>
    name.split(".").reduce<unknown>((v, k) => (isPlainMap(v) ? v[k] : undefined), value);
  // A variable's own value may use other variables (`domain: ${tenant.name}.example`): it is
  // substituted once, where it is written, and that result is what every use gets.
  const resolved = new Map<string, unknown>();
  const resolving: string[] = [];
  const variable = (name: string): unknown => {
    if (resolved.has(name)) return resolved.get(name);
    const raw = lookup(name);
    if (typeof raw !== "string") return raw;
    resolving.push(name);
    const result = substitute(raw, name.split("."));
    resolving.pop();
    resolved.set(name, result);
    return result;
  };
  const walk = (v: unknown, at: SpecPath): unknown => {
    if (typeof v === "string") {
      const name = at.join(".");
      return at.length === 2 && VARIABLES.includes(name) ? variable(name) : substitute(v, at);
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, i]));
    if (isPlainMap(v))
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...at, k])]));
    return v;
  };
  const substitute = (text: string, at: SpecPath): string => {
    if (!text.includes("${")) return text;
    const changes: [number, number, number][] = [];
    edits.set(keyOf(at), changes);
    const replace = (match: string, name: string, offset: number): string => {
      if (match.startsWith("$$")) {
        changes.push([offset, match.length, match.length - 1]);
        return match.slice(1);
      }
      const origin = locate(origins, at, "");
      const report = (message: string) =>
        out.at(
          origin.file,
          origin.lineCounter,
          origin.scalar ? scalarOffset(origin, offset) : origin.valueOffset,
          formatPath(at),
          message,
        );
      if (!VARIABLES.includes(name)) {
        const hint = suggest(name, VARIABLES);
        report(
          `unknown variable \${${name}}${hint ? `; did you mean \${${hint}}?` : ""} (known: ${VARIABLES.join(", ")}; write $\${ for a literal \${)`,
        );
        return match;
      }
      if (resolving.includes(name)) {
        const cycle = [...resolving.slice(resolving.indexOf(name)), name];
        report(
          `variables defined through each other: ${cycle.join(" -> ")}; give one of them a value without variables`,
        );
        return match;
      }
      const found = variable(name);
      if (found === undefined && noTenant && name.startsWith("tenant.")) return match;
      if (typeof found !== "string") {
        report(`\${${name}} is used here but \`${name}\` is not set`);
        return match;
      }
      changes.push([offset, match.length, found.length]);
      return found;
    };
    return text.replace(/\$?\$\{([^}]*)\}/g, replace);
  };
  return walk(value, []) as Record<string, unknown>;
}

// --------------------------------------------------------------------------------------------
// positions

function locate(origins: Origins, at: SpecPath, fallbackFile: string): Origin {
  for (let n = at.length; n >= 0; n--) {
    const origin = origins.get(keyOf(at.slice(0, n)));
    if (origin) return origin;
  }
  return { file: fallbackFile, lineCounter: new LineCounter(), valueOffset: 0 };
}

/** An offset in a string after substitution, as an offset in the string as written. */
function rawOffset(changes: [number, number, number][] | undefined, offset: number): number {
  let shift = 0;
  for (const [at, oldLength, newLength] of changes ?? []) {
    const start = at + shift;
    if (offset < start) break;
    // Inside a substituted value: the variable reference is what the user wrote.
    if (offset < start + newLength) return at;
    shift += newLength - oldLength;
  }
  return offset - shift;
}

function scalarOffset(origin: Origin, offset: number): number {
  const scalar = origin.scalar!;
  if (scalar.offsets === undefined) {
    scalar.offsets =
      scalarSourceOffsets(scalar.text, scalar.style, scalar.start, scalar.end, scalar.value) ??
      null;
  }
  const offsets = scalar.offsets;
  if (!offsets) return scalar.contentOffset + offset;
  return offsets[Math.max(0, Math.min(offset, offsets.length - 1))];
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = formatDiagnostic(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// --------------------------------------------------------------------------------------------
// schema issues → messages

function reportIssue(
  issue: z.core.$ZodIssue,
  value: unknown,
  where: (p: SpecPath) => Origin,
  out: Collector,
): void {
  const at = issue.path as SpecPath;
  const actual = valueAt(value, at);
  const put = (p: SpecPath, message: string, useKey = false) => {
    const origin = where(p);
    const offset = useKey && origin.keyOffset !== undefined ? origin.keyOffset : origin.valueOffset;
    out.at(origin.file, origin.lineCounter, offset, formatPath(p), message);
  };
  switch (issue.code) {
    case "invalid_type":
      if (actual === undefined) {
        const field = at[at.length - 1];
        put(
          at.slice(0, -1),
          `missing required field \`${String(field)}\` (${describeExpected(issue.expected)})`,
        );
      } else {
        put(at, `expected ${describeExpected(issue.expected)}, got ${describeValue(actual)}`);
      }
      return;
    case "unrecognized_keys":
      for (const key of issue.keys) {
        const allowed = allowedKeys(at);
        const hint = suggest(key, allowed);
        put(
          [...at, key],
          `unknown key \`${key}\`${hint ? `; did you mean \`${hint}\`?` : ""}${allowed.length ? ` (allowed: ${allowed.join(", ")})` : ""}`,
          true,
        );
      }
      return;
    case "invalid_value":
      put(
        at,
        `must be one of ${issue.values.map((v) => String(v)).join(", ")}; got ${describeValue(actual)}`,
      );
      return;
    case "invalid_union": {
      const branches = issue.errors;
      const expected = branches.flatMap((b) =>
        b
          .filter((i) => i.code === "invalid_type" && i.path.length === 0)
          .map((i) => (i as z.core.$ZodIssueInvalidType).expected),
      );
      if (expected.length === branches.length) {
        put(
          at,
          `expected ${[...new Set(expected.map(describeExpected))].join(" or ")}, got ${describeValue(actual)}`,
        );
        return;
      }
      // The branch that got furthest into the value is the one the user meant.
      const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
      for (const inner of best)
        reportIssue(
          { ...inner, path: [...at, ...inner.path] } as z.core.$ZodIssue,
          value,
          where,
          out,
        );
      return;
    }
    case "invalid_key": {
      // The key itself is wrong: point at it and say what a key must look like.
      const key = String(at[at.length - 1]);
      const why = issue.issues.map((i) => lowerFirst(i.message)).join("; ");
      put(at, `the key \`${key}\` ${why}`, true);
      return;
    }
    case "too_small":
      put(
        at,
        issue.origin === "array"
          ? `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`
          : issue.origin === "string"
            ? `must not be shorter than ${issue.minimum} characters`
            : `must be at least ${issue.minimum}; got ${describeValue(actual)}`,
      );
      return;
    case "too_big":
      put(
        at,
        issue.origin === "array"
          ? `may have at most ${issue.maximum} items`
          : issue.origin === "string"
            ? `must not be longer than ${issue.maximum} characters`
            : `must be at most ${issue.maximum}; got ${describeValue(actual)}`,
      );
      return;
    default:
      put(at, lowerFirst(issue.message));
  }
}

/**
 * A misspelt required key is one mistake, not two: when an unknown key's did-you-mean names a
 * missing required field of the same map, only the unknown key is reported.
 */
function withoutTypoEchoes(issues: z.core.$ZodIssue[], value: unknown): z.core.$ZodIssue[] {
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const allowed = allowedKeys(issue.path as SpecPath);
    for (const key of issue.keys) {
      const hint = suggest(key, allowed);
      if (hint) meant.add(keyOf([...(issue.path as SpecPath), hint]));
    }
  }
  return issues.filter(
    (issue) =>
      !(
        issue.code === "invalid_type" &&
        meant.has(keyOf(issue.path as SpecPath)) &&
        valueAt(value, issue.path as SpecPath) === undefined
      ),
  );
}

function valueAt(value: unknown, at: SpecPath): unknown {
  return at.reduce<unknown>(
    (v, k) =>
      v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined,
    value,
  );
}

const depth = (issues: z.core.$ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

function describeExpected(expected: string): string {
  return expected === "object" || expected === "record"
    ? "a map"
    : expected === "array"
      ? "a list"
      : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value);
  return `${typeof value} ${String(value)}`;
}

/** The keys a strict object in the schema allows at a path, for "did you mean" hints. */
function allowedKeys(at: SpecPath): string[] {
  let schema: z.ZodType | undefined = tenantSpec;
  for (const part of at) {
    schema = schema && step(unwrap(schema), part);
  }
  const shape = schema && (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as { def: Record<string, unknown> };
  for (;;) {
    const def = current.def;
    const inner = (def.innerType ?? (def.type === "pipe" ? def.in : undefined)) as
      typeof current | undefined;
    if (!inner) return current as unknown as z.ZodType;
    current = inner;
  }
}

function step(schema: z.ZodType, part: string | number): z.ZodType | undefined {
  const def = (schema as unknown as { def: Record<string, unknown> }).def;
  switch (def.type) {
    case "object":
      return (def.shape as Record<string, z.ZodType>)[part as string];
    case "record":
      return def.valueType as z.ZodType;
    case "array":
      return def.element as z.ZodType;
    case "union":
      for (const option of def.options as z.ZodType[]) {
        const found = step(unwrap(option), part);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}
