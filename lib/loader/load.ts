/**
 * Reads a tenant spec: YAML with exact positions, `extends` chains, `${...}` variables, the zod
 * schema, then the cross-reference checks. Every problem is reported at once, positioned in the
 * file that holds the bad value; bad input never throws.
 */
import { runChecks } from "./validate";
import { Diagnostic, formatDiagnostic, formatPath, sortDiagnostics } from "../model/diagnostics";
import { checkLineage } from "../lineage/checks";
import { tenantSpec, TenantSpec } from "../model/schema";
import type { CsvSample } from "../model/checks";
import { loadWithExtends } from "./extends";
import { reportIssue, withoutTypoEchoes } from "./issues";
import {
  Collector,
  Origins,
  SpecPath,
  dedupe,
  keyOf,
  locate,
  rawOffset,
  scalarOffset,
} from "./positions";
import { Edits, NO_TENANT_HINT, substituteVariables } from "./variables";

export interface LoadOptions {
  /** Directory that relative file names are read from; diagnostics keep the names as given. */
  cwd?: string;
  readFile?: (file: string) => Buffer;
  maxBytes?: number;
  /** A sample HR file's header to check the uploader's column expressions against. */
  csvSample?: CsvSample;
  /**
   * Return the spec even when lineage errors are its only errors (`drift` compares such a spec
   * and lists them as notes: a workflow reading an attribute nothing writes is still deployed).
   */
  lineageErrorsAsNotes?: boolean;
  /** Called with each file's text as read, by its resolved path (`drift --write` edits them). */
  onRead?: (file: string, text: string) => void;
}

/** Where the spec's values were written: what `drift --write` needs to change them in place. */
export interface SpecSources {
  /** The files merged along `extends`, before `${...}` substitution and the schema's defaults. */
  value: Record<string, unknown>;
  origins: Origins;
  /** The strings `${...}` substitution changed, by path. */
  edits: Edits;
}

export interface LoadResult {
  spec?: TenantSpec;
  diagnostics: Diagnostic[];
  /** With `lineageErrorsAsNotes`: the lineage errors the spec was returned despite. */
  lineageNotes?: Diagnostic[];
  /** With a spec: where each of its values was written. */
  sources?: SpecSources;
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
    csvSample: options.csvSample,
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
        return {
          spec: result.data,
          diagnostics: warnings,
          lineageNotes: lineage,
          sources: { value: parsed.value, origins, edits },
        };
      }
    }
    return { diagnostics };
  }
  return { spec: result.data, diagnostics, sources: { value: parsed.value, origins, edits } };
}

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

/** For the Pulumi program: a spec, or an error that lists every problem. */
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

// The limits and names the docs (lib/loader/docs.ts) and tests quote, from the files that hold them.
export { MAX_SPEC_BYTES, RESERVED_NAMES } from "./parse";
export { MAX_ALIAS_COUNT, MAX_ALIASED_VALUES } from "./plain";
export { MAX_EXTENDS_DEPTH } from "./extends";
export { VARIABLES } from "./variables";
