/**
 * Offline checks of an expression beyond syntax: known functions and their argument counts,
 * known attributes, literal arguments that can be checked early (DateAdd intervals, Replace
 * modes, regular expressions, RandomString lengths), and the forms Microsoft documents as
 * unsupported. Messages name the problem and the fix.
 */
import { AttributeCatalog, canonicalAttributeName } from "./attributes";
import {
  Call,
  diagnosticAt,
  Expr,
  ExpressionDiagnostic,
  nestingMessage,
  Span,
  tooDeep,
} from "./ast";
import { DATE_INTERVALS, isDateInterval, parseDateTimeStyles } from "./dates";
import { findFunction, FUNCTIONS, FunctionSpec, paramAt, signature } from "./functions";
import { parseExpression } from "./parser";
import { suggest } from "../model/diagnostics";
import { regexProblem } from "./regex";

/** Entra's limit for one attribute-mapping expression. */
export const MAX_EXPRESSION_LENGTH = 10000;

export interface CheckOptions {
  /** Allowed attribute names; undefined skips the attribute check. */
  attributes?: AttributeCatalog;
  /**
   * `provisioning` (default): the expression runs in Entra, so Entra's documented limitations
   * apply. `uploader`: it runs in our own evaluator over CSV columns, where functions that need
   * the target directory or tenant are unavailable.
   */
  context?: "provisioning" | "uploader";
  /** Resolves `[ext:X]` against the catalog's canonical names. */
  extensionUrn?: string;
  /** `uploader` context: what the catalog names, "CSV" columns (default) or "JSON" record fields. */
  recordFormat?: "CSV" | "JSON";
  /** The source text, for line/column of diagnostics when an AST is given. */
  text?: string;
}

const NULL_TESTS = new Set(["isnull", "isnullorempty", "ispresent"]);

class Checker {
  readonly diagnostics: ExpressionDiagnostic[] = [];
  constructor(
    private readonly text: string,
    private readonly options: CheckOptions & { structuralOnly?: boolean },
  ) {}

  report(span: Span, message: string): void {
    this.diagnostics.push(diagnosticAt(this.text, span.offset, Math.max(1, span.length), message));
  }

  /** `role` says where the node sits, for placement rules. */
  visit(node: Expr, role: { parent?: Call; index?: number; root: boolean }): void {
    switch (node.kind) {
      case "attribute":
        this.attribute(node.name, node.span);
        return;
      case "identifier": {
        const isCompareType =
          role.parent && findFunction(role.parent.name)?.name === "InStr" && role.index === 3;
        if (isCompareType) {
          if (node.name !== "vbBinaryCompare" && node.name !== "vbTextCompare") {
            this.report(
              node.span,
              `compareType of InStr must be vbBinaryCompare or vbTextCompare, not ${node.name}`,
            );
          }
        } else {
          const fn = findFunction(node.name);
          this.report(
            node.span,
            fn
              ? `${node.name} is a function: call it as ${fn.name}(...)`
              : `unknown name ${node.name}: string constants need double quotes ("${node.name}")`,
          );
        }
        return;
      }
      case "comparison": {
        const parent = role.parent && findFunction(role.parent.name)?.name;
        const allowed = role.index === 0 && (parent === "IIF" || parent === "CBool");
        if (!allowed) {
          this.report(
            node.span,
            `a comparison (${node.op}) is only allowed as the condition of IIF or the argument of CBool`,
          );
        }
        if (
          !this.options.structuralOnly &&
          this.options.context !== "uploader" &&
          parent === "IIF" &&
          [node.left, node.right].some((s) => s.kind === "string" && s.value === "")
        ) {
          const other = node.left.kind === "string" ? node.right : node.left;
          this.report(node.span, this.nullTestMessage(other));
        }
        this.visit(node.left, { root: false });
        this.visit(node.right, { root: false });
        return;
      }
      case "call":
        this.call(node, role.root);
        return;
      default:
        return;
    }
  }

  private nullTestMessage(subject: Expr | null | undefined): string {
    const attr = subject && subject.kind === "attribute" ? `[${subject.name}]` : "[attribute]";
    return (
      `IIF can't test for a null or empty attribute (Entra's condition check fails on an empty value): ` +
      `use Switch(${attr}, ${attr}, "", "value if empty") instead`
    );
  }

  private attribute(name: string, span: Span): void {
    const catalog = this.options.attributes;
    if (!catalog || this.options.structuralOnly) return;
    if (catalog.has(name)) return;
    if (this.options.context === "uploader") {
      // CSV columns are names in a header, matched exactly; short forms mean nothing there.
      const hint = suggest(name, catalog);
      const json = this.options.recordFormat === "JSON";
      this.report(
        span,
        `[${name}] is not ${json ? "a text field of the sample record" : "a column of the CSV"}${hint ? `; did you mean [${hint}]?` : ""} (${json ? "fields" : "columns"}: ${[...catalog].join(", ")})`,
      );
      return;
    }
    let canonical: string | undefined;
    try {
      canonical = canonicalAttributeName(name, this.options.extensionUrn);
    } catch (err) {
      this.report(span, (err as Error).message);
      return;
    }
    if (catalog.has(canonical)) return;
    // SCIM filters name any type value; accept them when the unfiltered path is known.
    const unfiltered = name.replace(/\[[^\]]*\]/g, "");
    if (unfiltered !== name && catalog.has(unfiltered)) return;
    const hint = suggest(name, catalog);
    this.report(span, `unknown attribute [${name}]${hint ? `; did you mean [${hint}]?` : ""}`);
  }

  private call(node: Call, root: boolean): void {
    const spec = findFunction(node.name);
    if (!spec) {
      const hint = suggest(
        node.name,
        FUNCTIONS.map((f) => f.name),
      );
      this.report(
        node.nameSpan,
        `unknown function ${node.name}${hint ? `; did you mean ${hint}?` : ""}`,
      );
    } else {
      this.arity(node, spec);
      if (!this.options.structuralOnly) this.rules(node, spec, root);
    }
    node.args.forEach((arg, index) => {
      if (arg) this.visit(arg, { parent: node, index, root: false });
    });
  }

  private arity(node: Call, spec: FunctionSpec): void {
    const n = node.args.length;
    const sig = signature(spec);
    const min = spec.rest
      ? spec.params.length + spec.rest.min
      : spec.params.reduce((m, p, i) => (p.required ? i + 1 : m), 0);
    const max = spec.rest ? Infinity : spec.params.length;
    if (n < min || n > max) {
      const expected =
        max === Infinity
          ? `at least ${min} argument${min === 1 ? "" : "s"}`
          : min === max
            ? `${min} argument${min === 1 ? "" : "s"}`
            : `${min} to ${max} arguments`;
      this.report(node.span, `${spec.name} takes ${expected}, got ${n}: ${sig}`);
      return;
    }
    if (spec.name === "Switch" && (n - 2) % 2 !== 0) {
      this.report(
        node.span,
        `Switch needs key/value pairs after source and defaultValue, but the last key has no value: ${sig}`,
      );
      return;
    }
    node.args.forEach((arg, i) => {
      const param = paramAt(spec, i);
      // Switch's defaultValue is the only documented optional slot inside a repeating tail.
      if (!arg && param && param.required) {
        this.report(
          { offset: node.span.offset, length: node.span.length },
          `argument ${i + 1} (${param.name}) of ${spec.name} is required: ${sig}`,
        );
      }
    });
  }

  /** Literal-argument checks and Entra's documented unsupported forms. */
  private rules(node: Call, spec: FunctionSpec, root: boolean): void {
    const arg = (i: number): Expr | null => node.args[i] ?? null;
    const literal = (i: number): string | undefined => {
      const a = arg(i);
      return a && (a.kind === "string" || a.kind === "number")
        ? a.kind === "string"
          ? a.value
          : a.text
        : undefined;
    };
    const uploader = this.options.context === "uploader";
    if (spec.provisioningOnly && uploader) {
      this.report(
        node.nameSpan,
        `${spec.name} needs the target directory or tenant, so it works only in provisioning mappings, not in uploader columns`,
      );
    }
    switch (spec.name) {
      case "DateAdd":
      case "DateDiff": {
        const interval = literal(0);
        if (interval !== undefined && !isDateInterval(interval)) {
          this.report(
            (arg(0) as Expr).span,
            `unknown interval "${interval}" for ${spec.name}: use one of ${DATE_INTERVALS.join(", ")}`,
          );
        }
        break;
      }
      case "Replace":
        this.replaceMode(node);
        break;
      case "FormatDateTime": {
        const styles = literal(1);
        const flags = styles === undefined ? 0 : parseDateTimeStyles(styles);
        if (typeof flags === "string") this.report((arg(1) as Expr).span, flags);
        break;
      }
      case "RandomString": {
        const values = [0, 1, 2, 3, 4].map((i) => literal(i));
        if (values.every((v) => v !== undefined && /^\d+$/.test(v))) {
          // Microsoft's rule leaves MinimumLowerCase out of the sum.
          const [length, numbers, special, capital] = values.map(Number);
          const sum = numbers + special + capital;
          if (length > 256)
            this.report(node.span, `RandomString length can be at most 256, got ${length}`);
          else if (sum > length) {
            this.report(
              node.span,
              `RandomString length ${length} is less than minimumNumbers + minimumSpecialCharacters + minimumCapital (${sum})`,
            );
          }
        }
        break;
      }
      case "SelectUniqueValue":
        if (!root && !uploader) {
          this.report(
            node.nameSpan,
            "SelectUniqueValue must be the whole expression: it can't be nested in another function",
          );
        }
        break;
      case "IIF": {
        const cond = arg(0);
        if (uploader || !cond || cond.kind !== "call") break;
        const inner = findFunction(cond.name)?.name;
        if (inner === "IgnoreFlowIfNullOrEmpty") {
          this.report(
            cond.span,
            "IgnoreFlowIfNullOrEmpty can't be the condition of IIF: wrap the whole IIF instead, e.g. IgnoreFlowIfNullOrEmpty(IIF(...))",
          );
        } else if (inner && NULL_TESTS.has(inner.toLowerCase())) {
          this.report(cond.span, this.nullTestMessage(cond.args[0]));
        }
        break;
      }
      case "Switch": {
        const source = arg(0);
        if (uploader || !source || source.kind !== "call") break;
        const inner = findFunction(source.name)?.name;
        if (inner && NULL_TESTS.has(inner.toLowerCase())) {
          this.report(
            source.span,
            `don't use ${inner} as the source of Switch: switch on the attribute and add a "" key for the empty case, e.g. Switch([attribute], "default", "", "value if empty")`,
          );
        }
        break;
      }
      default:
        break;
    }
  }

  private replaceMode(node: Call): void {
    const has = (i: number): boolean => Boolean(node.args[i]);
    if (has(1) && has(2)) {
      this.report(
        node.span,
        "Replace takes either oldValue (argument 2) or regexPattern (argument 3), not both",
      );
    } else if (!has(1) && !has(2)) {
      this.report(node.span, "Replace needs oldValue (argument 2) or regexPattern (argument 3)");
    } else if (has(1) && !has(4) && !has(6)) {
      this.report(
        node.span,
        "Replace with oldValue needs replacementValue (argument 5) or template (argument 7)",
      );
    } else if (has(2) && !has(4) && !has(5)) {
      this.report(
        node.span,
        "Replace with regexPattern needs replacementValue (argument 5) or, with regexGroupName, replacementAttributeName (argument 6)",
      );
    } else if (has(5) && !has(3)) {
      this.report(
        node.span,
        "Replace with replacementAttributeName (argument 6) needs regexGroupName (argument 4)",
      );
    }
    const pattern = node.args[2];
    if (pattern && pattern.kind === "string") {
      const problem = regexProblem(pattern.value, "d");
      if (problem?.kind === "syntax") {
        this.report(pattern.span, `invalid regexPattern: ${problem.message}`);
      } else if (problem) {
        // The span is the string constant; the message says where in the pattern.
        const at = pattern.value.slice(problem.offset, problem.offset + problem.length);
        this.report(
          pattern.span,
          `regexPattern refused at character ${problem.offset + 1} (${JSON.stringify(at)}): ${problem.message}`,
        );
      }
    }
  }
}

/** Unknown functions, wrong argument counts, misplaced comparisons and bare names only. */
export function structuralDiagnostics(ast: Expr, text = ""): ExpressionDiagnostic[] {
  const deep = tooDeep(ast);
  if (deep)
    return [diagnosticAt(text, deep.nameSpan.offset, deep.nameSpan.length, nestingMessage())];
  const checker = new Checker(text, { structuralOnly: true });
  checker.visit(ast, { root: true });
  return checker.diagnostics;
}

/**
 * Checks an expression (text or parsed tree). Text is parsed first; parse errors are returned
 * as they are. With a tree, pass `options.text` to get line/column right.
 */
export function checkExpression(
  ast: Expr | string,
  options: CheckOptions = {},
): ExpressionDiagnostic[] {
  let text = options.text ?? "";
  let tree: Expr;
  const diagnostics: ExpressionDiagnostic[] = [];
  if (typeof ast === "string") {
    text = ast;
    if (text.length > MAX_EXPRESSION_LENGTH) {
      diagnostics.push(
        diagnosticAt(
          text,
          MAX_EXPRESSION_LENGTH,
          text.length - MAX_EXPRESSION_LENGTH,
          `the expression is ${text.length} characters long; Entra allows at most ${MAX_EXPRESSION_LENGTH}`,
        ),
      );
    }
    const parsed = parseExpression(text);
    if (!parsed.ast) return [...diagnostics, ...parsed.diagnostics];
    tree = parsed.ast;
  } else {
    tree = ast;
    const deep = tooDeep(tree);
    if (deep) {
      return [diagnosticAt(text, deep.nameSpan.offset, deep.nameSpan.length, nestingMessage())];
    }
  }
  const checker = new Checker(text, options);
  checker.visit(tree, { root: true });
  return [...diagnostics, ...checker.diagnostics];
}
