/**
 * Offline checks of the uploader part of a spec, in the shape of lib/loader/validate.ts: each column
 * key must be a SCIM attribute, externalId must be mapped, every expression must parse. (Whether
 * the columns exist can only be known from the CSV header, at upload time.)
 */
import { parseExpression } from "../expressions";
import type { Call, Expr } from "../expressions/ast";
import type { CheckContext } from "../model/checks";
import { uploaderColumns } from "../model/schema";
import { resolveScimTarget } from "./scim";

export function checkUploaderColumns(ctx: CheckContext): void {
  for (const [key, app] of Object.entries(ctx.spec.provisioning)) {
    if (!app.uploader) continue;
    const { columns, path } = uploaderColumns(app.uploader);
    const base = ["provisioning", key, "uploader", ...path];
    if (!("externalId" in columns)) {
      ctx.report(base, 'must map externalId, the HR key (e.g. externalId: "[WorkerID]")');
    }
    const targets = new Map<string, string>();
    for (const [attribute, expression] of Object.entries(columns)) {
      const target = resolveScimTarget(attribute, app.scimExtension);
      if ("error" in target) {
        ctx.report([...base, attribute], target.error);
        continue;
      }
      const previous = targets.get(target.canonical);
      if (previous) ctx.report([...base, attribute], `sets the same attribute as "${previous}"`);
      targets.set(target.canonical, attribute);
      const parsed = parseExpression(expression);
      for (const d of parsed.diagnostics) {
        ctx.report([...base, attribute], d.message, d.offset);
      }
      for (const call of nonDeterministicCalls(parsed.ast)) {
        ctx.report(
          [...base, attribute],
          `${call.name}() gives a different value each time it runs: the uploader sends only the records that changed since its last run, and with this column every record changes on every run, so everyone is re-sent every time; compute the value from the HR record's fields, or use a constant`,
          call.nameSpan.offset,
        );
      }
    }
  }
}

/**
 * The catalogue's functions whose value is not a function of the record (lib/expressions/
 * functions.ts): a new GUID, the clock, random text. The uploader's delta compares each record
 * with the hash of what it sent last time, so a column computed with one of them never matches.
 */
export const NON_DETERMINISTIC_FUNCTIONS: ReadonlySet<string> = new Set([
  "guid",
  "now",
  "randomstring",
]);

/** The calls of those functions in an expression, in the order written. */
function nonDeterministicCalls(ast: Expr | undefined): Call[] {
  const found: Call[] = [];
  // A stack, not recursion: expressions may nest deeply.
  const stack: Expr[] = ast ? [ast] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === "call") {
      if (NON_DETERMINISTIC_FUNCTIONS.has(node.name.toLowerCase())) found.push(node);
      for (const arg of node.args) if (arg) stack.push(arg);
    } else if (node.kind === "comparison") {
      stack.push(node.left, node.right);
    }
  }
  return found.sort((a, b) => a.nameSpan.offset - b.nameSpan.offset);
}
