/** `extends`: the base files a tenant file builds on, read once each and merged. */
import * as path from "path";
import { parseFile, readText } from "./parse";
import { Collector, Origins, Parsed, SpecPath, keyOf } from "./positions";
import type { LoadOptions } from "./load";

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

export function loadWithExtends(
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

export const isPlainMap = (v: unknown): v is Record<string, unknown> =>
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
