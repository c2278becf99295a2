/**
 * Issue 16: "Regular expressions from the spec (Replace, scope clauses) run in linear time or
 * with a time budget, so an HR value cannot hang simulate/upload (`^(a+)+$` on a 35-character
 * value does today)". The guard is lib/expressions/regex.ts: a static check that refuses the
 * forms that backtrack catastrophically, and a bound on the value's length.
 */
import fc from "fast-check";
import {
  checkExpression,
  compileExpression,
  evaluateExpression,
  parseExpression,
} from "../../lib/expressions";
import { MAX_REGEX_INPUT, regexProblem } from "../../lib/expressions/regex";
import * as fs from "fs";
import * as path from "path";

const examples = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../fixtures/expressions/expression-examples.json"), "utf8"),
) as { expression: string }[];

/** Milliseconds `f` takes. */
function timed(f: () => unknown): number {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe("Replace's regexPattern", () => {
  const evil = 'Replace([a], , "^(a+)+$", , "x", , )';

  it("refuses ^(a+)+$ at validate time, pointing into the pattern", () => {
    expect(checkExpression(evil)).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^regexPattern refused at character 2 \("\(a\+\)\+"\): a repeat inside a repeat can make matching take exponential time/,
        ),
        offset: 15,
        column: 16,
      }),
    ]);
  });

  it("refuses it at evaluation too, at once, instead of running it on a 35-character value", () => {
    const ms = timed(() =>
      expect(() => evaluateExpression(evil, { a: "a".repeat(34) + "!" })).toThrow(
        /^invalid expression at 1:16: regexPattern refused/,
      ),
    );
    expect(ms).toBeLessThan(5000);
    // A pattern that only exists at run time (from an attribute) is checked when first used.
    const f = compileExpression(parseExpression('Replace([a], , [p], , "x", , )').ast!);
    expect(() => f({ a: "a".repeat(34) + "!", p: "^(a+)+$" })).toThrow(
      'Replace: regexPattern "^(a+)+$" is refused at character 2: a repeat inside a repeat',
    );
    expect(() => f({ a: "x", p: "(" })).toThrow(
      'Replace: invalid regexPattern "(": Invalid regular expression: /(/dg: Unterminated group',
    );
  });

  it("refuses a value longer than the bound rather than running a pattern on it", () => {
    const f = compileExpression(parseExpression('Replace([a], , "^(.*)@(.*)$", , "$2", , )').ast!);
    expect(f({ a: "jo@contoso.com" })).toBe("contoso.com");
    expect(f({ a: "a".repeat(MAX_REGEX_INPUT - 1) + "@" })).toBe("");
    expect(() => f({ a: "a".repeat(MAX_REGEX_INPUT) + "@" })).toThrow(
      `Replace: the value is ${MAX_REGEX_INPUT + 1} characters long; regular expressions run on at most ${MAX_REGEX_INPUT} (regexPattern)`,
    );
  });

  it("accepts every pattern in Microsoft's examples", () => {
    const patterns = examples
      .map((e) => parseExpression(e.expression).ast)
      .flatMap((ast) => {
        const found: string[] = [];
        const walk = (n: unknown): void => {
          if (!n || typeof n !== "object") return;
          const node = n as { kind?: string; name?: string; args?: unknown[] };
          if (node.kind === "call" && /^replace$/i.test(node.name ?? "")) {
            const p = node.args?.[2] as { kind?: string; value?: string } | null;
            if (p?.kind === "string") found.push(p.value as string);
          }
          for (const v of Object.values(node)) walk(v);
        };
        walk(ast);
        return found;
      });
    expect(patterns.length).toBeGreaterThanOrEqual(5);
    for (const p of patterns) expect([p, regexProblem(p)]).toEqual([p, undefined]);
  });
});

describe("regexProblem", () => {
  it.each([
    ["^(a+)+$", 1, "a repeat inside a repeat"],
    ["(\\w+\\s?)+", 0, "a repeat inside a repeat"],
    ["(a{1,3})+", 0, "a repeat inside a repeat"],
    ["(a+){10}", 0, "a repeat inside a repeat"],
    ["(?=a+)+b", 0, "a repeat inside a repeat"],
    ["(a|ab)*c", 0, "a repeated alternation"],
    ["(\\w|a)+", 0, "a repeated alternation"],
    ["(?:a|)*b", 0, "a repeated alternation"],
    ["\\s*\\s*$", 0, "unbounded repeats in a row"],
    ["\\d+\\w+x", 0, "unbounded repeats in a row"],
    ["a*b?a*c", 0, "unbounded repeats in a row"],
    ["(\\w+)a([ab]+)!", 1, "unbounded repeats in a row"],
    ["^.*a.*b.*c", 1, "unbounded repeats in a row"],
    // Found by the property below: an optional repeat between two does not part them, nor does a
    // short repeat both sides can trade with.
    ["a?a*?\\d*?[ab]+[ab]{1,3}$", 2, "unbounded repeats in a row"],
    ["\\d*?(\\w){1,3}.+\\w{2}[ab]{2}b{1,3}$", 0, "unbounded repeats in a row"],
    ["^((.?|(b|.{1,3}){1,3}|-){1,3}){1,3}$", 1, "a repeat inside a repeat"],
    ["(a)\\1", 3, "backreferences"],
    ["(?<x>a)\\k<x>", 7, "backreferences"],
  ])("refuses %s at offset %i", (pattern, offset, message) => {
    expect(regexProblem(pattern)).toEqual(
      expect.objectContaining({
        kind: "unsafe",
        offset,
        message: expect.stringContaining(message),
      }),
    );
  });

  it.each([
    "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})",
    "[()\\s-]+",
    "(?<streetNumber>^\\d*)",
    "(?<Suffix>@(.)*)",
    "[a-zA-Z_]*",
    "^(.*)@(.*)$",
    "^[^@]+@[^.]+\\..+$",
    "([a-z]+\\.)+[a-z]+",
    "(x+y+z)+",
    "(\\w|-)+",
    "(?:ab|cd)+",
    "^EMP[0-9]+$",
    "(\\d{3}-){2}\\d{4}",
  ])("accepts %s", (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it("reports a syntax error as such", () => {
    expect(regexProblem("[a-")).toEqual(expect.objectContaining({ kind: "syntax" }));
  });

  it("refuses groups nested too deep to analyse, without overflowing", () => {
    const p = "(".repeat(5000) + "a" + ")".repeat(5000);
    expect(regexProblem(p)).toEqual(
      expect.objectContaining({
        kind: "unsafe",
        offset: 100,
        message: "groups nest more than 100 deep",
      }),
    );
  });

  /**
   * The property behind the rules: any pattern they accept runs quickly on the inputs that make
   * backtracking explode, at the longest value allowed. Random patterns over a small alphabet
   * of atoms, quantifiers, groups and alternations, with and without anchors.
   */
  it("every accepted random pattern runs quickly on adversarial values of the maximum length", () => {
    const atom = fc.constantFrom("a", "b", ".", "[ab]", "\\w", "\\s", "-", "\\d");
    const quant = fc.constantFrom("", "", "*", "+", "?", "{1,3}", "{2}", "*?");
    const { node } = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("group"), tie("seq")),
      leaf: fc.tuple(atom, quant).map(([a, q]) => a + q),
      group: fc
        .tuple(fc.array(tie("node"), { minLength: 1, maxLength: 3 }), quant, fc.boolean())
        .map(([alts, q, capture]) => `(${capture ? "" : "?:"}${(alts as string[]).join("|")})${q}`),
      seq: fc
        .array(tie("node"), { minLength: 1, maxLength: 4 })
        .map((xs) => (xs as string[]).join("")),
    }));
    const values = ["a", "ab", "a-", " a", "1", "a1", "-a"].map(
      (unit) => unit.repeat(Math.floor(MAX_REGEX_INPUT / unit.length) - 1) + "!",
    );
    let accepted = 0;
    fc.assert(
      fc.property(node as fc.Arbitrary<string>, fc.boolean(), fc.boolean(), (p, start, end) => {
        const pattern = (start ? "^" : "") + p + (end ? "$" : "");
        if (regexProblem(pattern)) return;
        accepted++;
        const re = new RegExp(pattern, "g");
        for (const value of values) {
          const ms = timed(() => value.replace(re, "x"));
          if (ms > 2000) throw new Error(`${pattern} took ${ms} ms on ${value.slice(0, 8)}...`);
        }
      }),
      { numRuns: 400, seed: 16 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
