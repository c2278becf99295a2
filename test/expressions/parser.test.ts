import fc from "fast-check";
import {
  checkExpression,
  compileExpression,
  compileToGraph,
  evaluateExpression,
  Expr,
  ExpressionError,
  formatCaret,
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING_DEPTH,
  scimAttributeCatalog,
  parseExpression,
  printExpression,
  tokenize,
} from "../../lib/expressions";

/** The tree without positions, for comparing trees of different texts. */
function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node))
      if (k !== "span" && k !== "nameSpan") out[k] = strip(v);
    return out;
  }
  return node;
}

const parse = (text: string): unknown => {
  const r = parseExpression(text);
  expect(r.diagnostics).toEqual([]);
  return strip(r.ast);
};

describe("tokenize", () => {
  it("gives each token its offset, length, line and column", () => {
    const { tokens, diagnostics } = tokenize('Join(", ",\n  [a], &HF)');
    expect(diagnostics).toEqual([]);
    expect(tokens.map((t) => [t.type, t.value, t.offset, t.length, t.line, t.column])).toEqual([
      ["identifier", "Join", 0, 4, 1, 1],
      ["(", "(", 4, 1, 1, 5],
      ["string", ", ", 5, 4, 1, 6],
      [",", ",", 9, 1, 1, 10],
      ["attribute", "a", 13, 3, 2, 3],
      [",", ",", 16, 1, 2, 6],
      ["number", "&HF", 18, 3, 2, 8],
      [")", ")", 21, 1, 2, 11],
      ["eof", "", 22, 0, 2, 12],
    ]);
  });

  it("reads comparison operators", () => {
    const ops = tokenize("= <> > < >= <=").tokens.filter((t) => t.type === "operator");
    expect(ops.map((t) => t.value)).toEqual(["=", "<>", ">", "<", ">=", "<="]);
  });
});

describe("parseExpression", () => {
  it("parses attribute forms as written", () => {
    for (const name of [
      "userName",
      "name.givenName",
      'addresses[type eq "work"].locality',
      "enterprise:department",
      "ext:HireDate",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ]) {
      expect(parse(`[${name}]`)).toEqual({ kind: "attribute", name });
    }
  });

  it("resolves string escapes", () => {
    expect(parse('"a \\"b\\" \\\\d"')).toEqual({ kind: "string", value: 'a "b" \\d' });
  });

  it("parses numbers, booleans and bare names", () => {
    expect(parse("F(1, -10, 42568.75, &HF7, True, false, vbTextCompare)")).toEqual({
      kind: "call",
      name: "F",
      args: [
        { kind: "number", text: "1", value: 1 },
        { kind: "number", text: "-10", value: -10 },
        { kind: "number", text: "42568.75", value: 42568.75 },
        { kind: "number", text: "&HF7", value: 247 },
        { kind: "boolean", value: true },
        { kind: "boolean", value: false },
        { kind: "identifier", name: "vbTextCompare" },
      ],
    });
  });

  it("keeps empty argument positions as null", () => {
    expect(parse('Switch([a], , "1", "x")')).toEqual({
      kind: "call",
      name: "Switch",
      args: [
        { kind: "attribute", name: "a" },
        null,
        { kind: "string", value: "1" },
        { kind: "string", value: "x" },
      ],
    });
    expect((parse("RandomString(3, 3, 0, 0, 0, )") as { args: unknown[] }).args).toHaveLength(6);
    expect((parse("Guid()") as { args: unknown[] }).args).toEqual([]);
  });

  it("parses comparisons in conditions", () => {
    expect(parse('IIF([a]<>"x", 1, 2)')).toMatchObject({
      args: [
        {
          kind: "comparison",
          op: "<>",
          left: { kind: "attribute", name: "a" },
          right: { kind: "string", value: "x" },
        },
        {},
        {},
      ],
    });
  });

  it("records spans", () => {
    const ast = parseExpression("  Mid([a], 1, 2)").ast as Extract<Expr, { kind: "call" }>;
    expect(ast.span).toEqual({ offset: 2, length: 14 });
    expect(ast.nameSpan).toEqual({ offset: 2, length: 3 });
    expect(ast.args[0]?.span).toEqual({ offset: 6, length: 3 });
  });

  const error = (text: string): [string, number, number, number] => {
    const r = parseExpression(text);
    expect(r.ast).toBeUndefined();
    const d = r.diagnostics[0];
    return [d.message, d.line, d.column, d.length];
  };

  it("reports errors with exact messages and positions", () => {
    expect(error("")).toEqual(["empty expression", 1, 1, 1]);
    expect(error('Join(", " [a])')).toEqual([
      'expected "," or ")" after argument 1 of Join, found the attribute [a]',
      1,
      11,
      3,
    ]);
    expect(error("Mid([a], 1, 2")).toEqual([
      'missing ")" to close Mid( opened at column 4',
      1,
      14,
      1,
    ]);
    expect(error('"abc')).toEqual(['unterminated string constant: add the closing "', 1, 1, 4]);
    expect(error("Len([abc)")).toEqual([
      "unterminated attribute reference: add the closing ]",
      1,
      5,
      5,
    ]);
    expect(error('Replace([a], , "\\d", , "", , )')).toEqual([
      "unknown escape \\d in a string constant; write \\\\ for a backslash (regular expressions need \\\\d)",
      1,
      17,
      2,
    ]);
    expect(error("Len([a]) Len([b])")).toEqual([
      'unexpected "Len" after the end of the expression',
      1,
      10,
      3,
    ]);
    expect(error('IIF([a]="x" AND [b]="y", "1", "0")')).toEqual([
      'IIF doesn\'t support the AND operator: nest IIF calls instead, e.g. IIF(a, IIF(b, "True", "False"), "False")',
      1,
      13,
      3,
    ]);
    expect(error('IIF([a]="x" or [b]="y", "1", "0")')[0]).toBe(
      'IIF doesn\'t support the OR operator: nest IIF calls instead, e.g. IIF(a, "True", IIF(b, "True", "False"))',
    );
    expect(error("IIF(1 < 2 < 3, 1, 2)")[0]).toBe(
      "comparisons cannot be chained: compare two values, and nest IIF for more",
    );
    expect(error("Len(#)")).toEqual(['unexpected character "#"', 1, 5, 1]);
    expect(error("Len([])")).toEqual([
      "empty attribute reference []: write the attribute name inside",
      1,
      5,
      2,
    ]);
    expect(error("F(&H)")[0]).toBe("a hex number needs digits after &H, like &HF7");
    expect(error("F(,")[0]).toBe(
      'expected a function, [attribute], "string" or number, found the end of the expression',
    );
  });

  it("counts lines and columns in multi-line expressions", () => {
    const r = parseExpression('Join(",",\n  [a] [b])');
    expect(r.diagnostics[0]).toMatchObject({ line: 2, column: 7, offset: 16 });
  });
});

describe("formatCaret", () => {
  it("underlines the span", () => {
    const text = 'Join(", " [a])';
    const d = parseExpression(text).diagnostics[0];
    expect(formatCaret(text, d)).toBe('Join(", " [a])\n          ^^^');
  });

  it("shows only the diagnostic's line and at least one caret", () => {
    const text = 'Join(",",\n  [a]';
    const d = parseExpression(text).diagnostics[0];
    expect(formatCaret(text, d)).toBe("  [a]\n     ^");
  });
});

describe("printExpression", () => {
  it("prints the canonical form Graph echoes", () => {
    const ast = parseExpression('Replace([preferredLanguage], "-", , , "_", ,  )').ast!;
    expect(printExpression(ast)).toBe('Replace([preferredLanguage], "-", , , "_", , )');
    expect(printExpression(parseExpression('IIF([a]="x\\"",True,&HF)').ast!)).toBe(
      'IIF([a] = "x\\"", True, &HF)',
    );
  });
});

const identifier = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/)
  .filter((s) => !/^(true|false|and|or)$/i.test(s));

const attributeName = fc.oneof(
  fc.constantFrom(
    "userName",
    "name.givenName",
    'addresses[type eq "work"].locality',
    "enterprise:department",
    "ext:HireDate",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._:-]{0,12}[A-Za-z0-9]$/),
);

const numberText = fc.oneof(
  fc.integer({ min: -100000, max: 100000 }).map(String),
  fc.tuple(fc.nat(9999), fc.nat(99)).map(([a, b]) => `${a}.${b}`),
  fc.nat(0xffff).map((n) => `&H${n.toString(16).toUpperCase()}`),
);

const noSpan = { offset: 0, length: 0 };

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  attributeName.map((name) => ({ kind: "attribute" as const, name, span: noSpan })),
  fc
    .string({ unit: "binary", maxLength: 12 })
    .map((value) => ({ kind: "string" as const, value, span: noSpan })),
  numberText.map((text) => ({
    kind: "number" as const,
    text,
    value: text.startsWith("&H") ? parseInt(text.slice(2), 16) : Number(text),
    span: noSpan,
  })),
  fc.boolean().map((value) => ({ kind: "boolean" as const, value, span: noSpan })),
  identifier.map((name) => ({ kind: "identifier" as const, name, span: noSpan })),
);

const { expr } = fc.letrec<{ expr: Expr; primary: Expr; call: Expr }>((tie) => ({
  primary: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("call")),
  call: fc
    .tuple(identifier, fc.array(fc.option(tie("expr"), { nil: null }), { maxLength: 4 }))
    .map(([name, args]) => ({
      kind: "call" as const,
      name,
      // One empty argument prints as "F()", which is the zero-argument call.
      args: args.length === 1 && args[0] === null ? [] : args,
      span: noSpan,
      nameSpan: noSpan,
    })),
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("primary"),
    fc
      .tuple(
        tie("primary"),
        fc.constantFrom("=", "<>", ">", "<", ">=", "<=" as const),
        tie("primary"),
      )
      .map(([left, op, right]) => ({
        kind: "comparison" as const,
        op: op as "=",
        left,
        right,
        span: noSpan,
      })),
  ),
}));

describe("properties", () => {
  it("print(parse(x)) parses to the same tree", () => {
    fc.assert(
      fc.property(expr, (ast) => {
        const text = printExpression(ast);
        const reparsed = parseExpression(text);
        expect(reparsed.diagnostics).toEqual([]);
        expect(strip(reparsed.ast)).toEqual(strip(ast));
        expect(printExpression(reparsed.ast!)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary input, and every diagnostic points inside the text", () => {
    const alphabet = fc.constantFrom(...'[]()",\\ &H=<>-.aZ1_\n'.split(""));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 40 }),
          fc.string({ unit: alphabet, maxLength: 40 }),
        ),
        (text) => {
          const r = parseExpression(text);
          expect(r.ast !== undefined || r.diagnostics.length > 0).toBe(true);
          for (const d of r.diagnostics) {
            expect(d.offset).toBeGreaterThanOrEqual(0);
            expect(d.offset).toBeLessThanOrEqual(text.length);
            expect(d.column).toBeGreaterThanOrEqual(1);
            expect(typeof formatCaret(text, d)).toBe("string");
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("print(parse(x)) parses to parse(x) for texts written any way", () => {
    // Texts as people write them: any spacing and line breaks between tokens, any casing of
    // function names and booleans; and token soup, of which the parts that parse are kept.
    const gap = fc.constantFrom("", " ", "  ", "\n", " \t", "\r\n  ");
    const written = fc
      .tuple(expr, fc.infiniteStream(gap), fc.infiniteStream(fc.boolean()))
      .map(([ast, gaps, flips]) => {
        const g = () => gaps.next().value as string;
        const flip = (name: string) =>
          [...name].map((c) => (flips.next().value ? c.toUpperCase() : c.toLowerCase())).join("");
        const write = (node: Expr): string => {
          switch (node.kind) {
            case "call":
              return `${node.name}${g()}(${g()}${node.args.map((a) => (a ? `${g()}${write(a)}${g()}` : g())).join(",")})`;
            case "comparison":
              return `${write(node.left)}${g()}${node.op}${g()}${write(node.right)}`;
            case "boolean":
              return flip(node.value ? "true" : "false");
            default:
              return printExpression(node);
          }
        };
        return `${g()}${write(ast)}${g()}`;
      });
    const soup = fc
      .array(
        fc.constantFrom(
          "Join(",
          "IIF(",
          "[a]",
          '"x"',
          '"\\""',
          "1",
          "&HF",
          "True",
          ",",
          ")",
          "=",
          "<>",
          " ",
          "\n",
        ),
        { maxLength: 14 },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(written, soup), (text) => {
        const first = parseExpression(text);
        if (!first.ast) return;
        const printed = printExpression(first.ast);
        const again = parseExpression(printed);
        expect(again.diagnostics).toEqual([]);
        expect(strip(again.ast)).toEqual(strip(first.ast));
      }),
      { numRuns: 500 },
    );
  });

  it("checks arbitrary input without throwing, every diagnostic inside the text", () => {
    const alphabet = fc.constantFrom(
      ...'[]()",\\ =<>-.1\n'.split(""),
      "Join(",
      "IIF(",
      "Switch(",
      "Replace(",
      "SelectUniqueValue(",
      "IgnoreFlowIfNullOrEmpty(",
      "DateAdd(",
      "RandomString(",
      "[ext:X]",
      "[enterprise:department]",
      '"d"',
      '"(["',
      "vbFoo",
    );
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 30 }), fc.boolean(), (text, uploader) => {
        const diagnostics = checkExpression(text, {
          context: uploader ? "uploader" : "provisioning",
          attributes: scimAttributeCatalog(),
        });
        for (const d of diagnostics) {
          expect(d.offset).toBeGreaterThanOrEqual(0);
          // A caret at the end of the text (a missing ")") sits one past the last character.
          expect(d.offset + d.length).toBeLessThanOrEqual(text.length + 1);
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.message).not.toBe("");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("reports deep nesting at the call that goes too deep instead of overflowing", () => {
    const text = "F(".repeat(20000) + ")".repeat(20000);
    const r = parseExpression(text);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^functions are nested more than 256 deep here; flatten/),
        offset: 2 * MAX_NESTING_DEPTH,
        column: 2 * MAX_NESTING_DEPTH + 1,
      }),
    ]);
  });
});

/**
 * Issue 16: "Expressions up to Entra's 10,000-character limit check and evaluate without a stack
 * overflow". Every shape that nests deepest per character is tried at 10,000 characters, through
 * every entry point, inside an already deep stack so there is no luck in the headroom.
 */
describe("nesting up to Entra's 10,000 characters", () => {
  const fill = (open: string, inner: string, close: string): string => {
    const n = Math.floor((MAX_EXPRESSION_LENGTH - inner.length) / (open.length + close.length));
    return open.repeat(n) + inner + close.repeat(n);
  };
  const shapes: [string, string][] = [
    ["ToLower", fill("ToLower(", "[a]", ")")],
    ["Not", fill("Not(", "[a]", ")")],
    ["unknown one-letter function", fill("a(", "", ")")],
    ["IIF chain", fill('IIF([a]="x",', '"y"', ',"z")')],
    ["comparison in CBool", fill("CBool(", "[a]=[b]", ")")],
    ["parentheses", "(".repeat(MAX_EXPRESSION_LENGTH)],
  ];
  /** Runs `f` with some 2,000 frames already on the stack. */
  const deepInStack = <T>(f: () => T, frames = 2000): T =>
    frames === 0 ? f() : deepInStack(f, frames - 1);

  it.each(shapes)(
    "%s: a positioned diagnostic from check and evaluate, never a RangeError",
    (_name, text) => {
      expect(text.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
      const diagnostics = deepInStack(() => checkExpression(text));
      expect(diagnostics.length).toBeGreaterThan(0);
      for (const d of diagnostics) expect(d.offset).toBeLessThan(text.length + 1);
      expect(() => deepInStack(() => evaluateExpression(text, { a: "x", b: "x" }))).toThrow(
        ExpressionError,
      );
    },
  );

  it("nested attribute brackets are one attribute name, read without recursion", () => {
    const text = "[".repeat(MAX_EXPRESSION_LENGTH / 2) + "]".repeat(MAX_EXPRESSION_LENGTH / 2);
    expect(deepInStack(() => checkExpression(text))).toEqual([]);
  });

  it("nesting up to the limit checks, compiles, evaluates, prints and compiles to Graph", () => {
    const text = "ToLower(".repeat(MAX_NESTING_DEPTH) + "[a]" + ")".repeat(MAX_NESTING_DEPTH);
    deepInStack(() => {
      expect(checkExpression(text)).toEqual([]);
      expect(evaluateExpression(text, { a: "X" })).toBe("x");
      const ast = parseExpression(text).ast!;
      expect(printExpression(ast)).toBe(text.replace(/\(/g, "(").replace(/\)/g, ")"));
      expect(compileToGraph(ast).name).toBe("ToLower");
    });
    const over =
      "ToLower(".repeat(MAX_NESTING_DEPTH + 1) + "[a]" + ")".repeat(MAX_NESTING_DEPTH + 1);
    expect(checkExpression(over)).toEqual([
      expect.objectContaining({ offset: 8 * MAX_NESTING_DEPTH, length: 7, line: 1 }),
    ]);
  });

  it("a tree built without the parser is refused before any recursive walk", () => {
    let ast: Expr = { kind: "attribute", name: "a", span: { offset: 0, length: 3 } };
    for (let i = 0; i < 50000; i++) {
      ast = {
        kind: "call",
        name: "ToLower",
        args: [ast],
        span: { offset: 0, length: 1 },
        nameSpan: { offset: 0, length: 7 },
      };
    }
    const tree = ast;
    expect(checkExpression(tree).map((d) => d.message)).toEqual([
      expect.stringMatching(/^functions are nested more than 256 deep/),
    ]);
    expect(() => compileExpression(tree)).toThrow(/functions are nested more than 256 deep/);
    expect(() => compileToGraph(tree)).toThrow(/functions are nested more than 256 deep/);
  });
});
