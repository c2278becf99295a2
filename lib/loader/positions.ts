/**
 * Where a value of a tenant spec came from (its file, the positions of its key, its value and, for
 * strings, the characters as written) and where a diagnostic about it points.
 */
import { LineCounter } from "yaml";
import { Diagnostic, formatDiagnostic } from "../model/diagnostics";
import { scalarSourceOffsets, ScalarStyle } from "./scalarPositions";

export type SpecPath = (string | number)[];

/** Where a value came from: its file and the positions of its key and value. */
export interface Origin {
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

export type Origins = Map<string, Origin>;
export const keyOf = (p: SpecPath) => JSON.stringify(p);

export class Collector {
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

export interface Parsed {
  value: Record<string, unknown>;
  origins: Origins;
}

export function locate(origins: Origins, at: SpecPath, fallbackFile: string): Origin {
  for (let n = at.length; n >= 0; n--) {
    const origin = origins.get(keyOf(at.slice(0, n)));
    if (origin) return origin;
  }
  return { file: fallbackFile, lineCounter: new LineCounter(), valueOffset: 0 };
}

/** An offset in a string after substitution, as an offset in the string as written. */
export function rawOffset(changes: [number, number, number][] | undefined, offset: number): number {
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

export function scalarOffset(origin: Origin, offset: number): number {
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

export function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = formatDiagnostic(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
