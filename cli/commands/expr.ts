/**
 * `inbound expr '<expression>'`: try an attribute-mapping expression offline. Prints the value
 * as JSON, the Graph attributeMappingSource with --graph, or the check result with --check.
 */
import { Command } from "commander";
import { CliIo, EXIT, paint } from "../io";
import {
  checkExpression,
  compileExpression,
  csvColumnCatalog,
  compileToGraph,
  ExpressionDiagnostic,
  ExpressionError,
  formatCaret,
  parseExpression,
  scimAttributeCatalog,
} from "../../lib/expressions";
import { structuralDiagnostics } from "../../lib/expressions/checker";

export interface ExprOptions {
  input?: string;
  graph?: boolean;
  check?: boolean;
  extensionUrn?: string;
  scim?: boolean;
  columns?: string;
  defaultDomain?: string;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("expr")
    .description("Evaluate, check or compile an Entra attribute-mapping expression offline")
    .argument(
      "<expression>",
      "the expression, e.g. 'Join(\" \", [name.givenName], [name.familyName])'",
    )
    .option(
      "--input <json>",
      'attribute values as a JSON object, e.g. \'{"name.givenName":"Zoë"}\'',
    )
    .option("--graph", "print Graph's attributeMappingSource JSON instead of evaluating")
    .option("--check", "only check the expression (functions, arguments, Entra's limitations)")
    .option(
      "--scim",
      "with --check, also check attribute names against SCIM core/enterprise/extension",
    )
    .option(
      "--columns <names>",
      "comma-separated CSV column names: check it as an uploader column mapping over these columns",
    )
    .option("--extension-urn <urn>", "URN of the custom SCIM extension that [ext:Name] refers to")
    .option("--default-domain <domain>", "what DefaultDomain() returns when evaluating")
    .action((expression: string, options: ExprOptions) => done(expr(expression, options, io)));
}

function printDiagnostics(io: CliIo, text: string, diagnostics: ExpressionDiagnostic[]): void {
  for (const d of diagnostics) {
    io.err(
      `${paint(io, "red", `<expr>:${d.line}:${d.column}`)}: ${d.message}\n${formatCaret(text, d)}\n`,
    );
  }
}

export function expr(text: string, options: ExprOptions, io: CliIo): number {
  let record: Record<string, unknown> = {};
  if (options.input !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.input);
    } catch (err) {
      io.err(`--input is not valid JSON: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      io.err('--input must be a JSON object of attribute values, e.g. \'{"givenName":"Zoë"}\'\n');
      return EXIT.usage;
    }
    record = parsed as Record<string, unknown>;
  }

  const parsed = parseExpression(text);
  if (!parsed.ast) {
    printDiagnostics(io, text, parsed.diagnostics);
    return EXIT.failed;
  }
  const ast = parsed.ast;
  const columns = options.columns
    ?.split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const diagnostics = checkExpression(
    text,
    columns
      ? { context: "uploader", attributes: csvColumnCatalog(columns) }
      : {
          context: "provisioning",
          extensionUrn: options.extensionUrn,
          attributes: options.scim
            ? scimAttributeCatalog(
                options.extensionUrn ? { urn: options.extensionUrn, attributes: {} } : undefined,
              )
            : undefined,
        },
  );
  // An expression Entra would refuse, or run differently from what it says, has no value to
  // preview either: every mode fails on it.
  if (diagnostics.length > 0) {
    printDiagnostics(io, text, diagnostics);
    return EXIT.failed;
  }
  if (options.check) {
    io.out(`${paint(io, "green", "ok")}: expression is valid (${text.length} characters)\n`);
    return EXIT.ok;
  }
  try {
    if (options.graph) {
      const source = compileToGraph(ast, { extensionUrn: options.extensionUrn });
      io.out(`${JSON.stringify(source, null, 2)}\n`);
      return EXIT.ok;
    }
    const evaluate = compileExpression(ast, {
      extensionUrn: options.extensionUrn,
      defaultDomain: options.defaultDomain,
    });
    const value = evaluate(record);
    // undefined is IgnoreFlowIfNullOrEmpty's "not flowed"; JSON has no undefined.
    io.out(
      value === undefined
        ? "(not flowed: IgnoreFlowIfNullOrEmpty)\n"
        : `${JSON.stringify(value)}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    // Recomputed with the text, so multi-line expressions get the right line and column.
    if (err.diagnostics.length > 0) printDiagnostics(io, text, structuralDiagnostics(ast, text));
    else io.err(`${err.message}\n`);
    return EXIT.failed;
  }
}
