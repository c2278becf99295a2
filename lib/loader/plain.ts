/**
 * A YAML document as plain values, each with its origin: aliases expanded here (bounded), merge
 * keys applied.
 */
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
  Scalar,
  visit,
} from "yaml";
import { formatPath } from "../model/diagnostics";
import { ScalarStyle } from "./scalarPositions";
import { isPlainMap } from "./extends";
import { RESERVED_NAMES, YAML_MESSAGES } from "./parse";
import { Collector, Origin, Origins, SpecPath, keyOf } from "./positions";

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

export interface Source {
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
export function aliasTargets(document: Document): Map<Alias, Node> {
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

export function toPlain(
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
