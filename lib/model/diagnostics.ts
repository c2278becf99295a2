/** One problem found in a tenant spec, positioned in the file that holds the bad value. */
export interface Diagnostic {
  /** The file as the user named it (or as an `extends` resolved it). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted path of the field, e.g. `provisioning.employees.mappings.displayName`; "" for the file. */
  path: string;
  message: string;
  severity: "error" | "warning";
}

/** GNU style, as compilers and editors expect: `file:line:col: path: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const kind = d.severity === "warning" ? "warning: " : "";
  return d.path ? `${where}: ${kind}${d.path}: ${d.message}` : `${where}: ${kind}${d.message}`;
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

/**
 * A spec path as users read it: `provisioning.employees.mappings.displayName`, with list indices
 * in brackets and keys that contain dots or spaces quoted.
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z0-9_$:-]+$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/**
 * The closest candidate (case-insensitive), if it is close enough to be a plausible typo: within a
 * third of the word's length, at least 2. The one "did you mean" of the project.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3))
    ? best
    : undefined;
}

/** `; did you mean "x"?`, or "" when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = suggest(word, candidates);
  return hit === undefined ? "" : `; did you mean ${JSON.stringify(hit)}?`;
}
