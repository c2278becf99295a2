/**
 * Reading one tenant file: bounded, UTF-8, YAML with the library's errors reworded and positioned.
 */
import * as path from "path";
import { Document, isMap, LineCounter, parseAllDocuments } from "yaml";
import { readBoundedFile } from "./files";
import { Source, aliasTargets, toPlain } from "./plain";
import { Collector, Origins, Parsed } from "./positions";
import type { LoadOptions } from "./load";

/** Specs are small; anything larger is a wrong file, and is refused before it is parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export function readText(
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
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    options.onRead?.(onDisk, text);
    return text;
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

export const YAML_MESSAGES: Record<string, string> = {
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

export function parseFile(file: string, text: string, out: Collector): Parsed | undefined {
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

export function lowerFirst(text: string): string {
  // Acronyms (NCRONTAB, YAML) keep their case.
  const first = /^[A-Z][A-Z]/.test(text) ? text.charAt(0) : text.charAt(0).toLowerCase();
  return first + text.slice(1).replace(/\.$/, "");
}
