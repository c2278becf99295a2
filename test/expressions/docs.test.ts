/**
 * Runs every example line of docs/expressions.md (`expression  |  {inputs}  →  result`), and
 * checks every documented function has a section, so the reference cannot drift from the code.
 */
import * as fs from "fs";
import * as path from "path";
import { compileExpression, FUNCTIONS, parseExpression } from "../../lib/expressions";

const doc = fs.readFileSync(path.join(__dirname, "../../docs/expressions.md"), "utf8");

function examples(): {
  line: string;
  expression: string;
  inputs: Record<string, unknown>;
  result: string;
}[] {
  const out = [];
  for (const block of doc.matchAll(/```expressions\n([\s\S]*?)```/g)) {
    for (const line of block[1].split("\n").filter((l) => l.trim() !== "")) {
      const m = /^(.*?)(?:\s+\|\s+(\{.*\}))?\s+→\s+(.*)$/.exec(line);
      if (!m)
        throw new Error(`example line not in the form "expr  |  {inputs}  →  result": ${line}`);
      out.push({ line, expression: m[1], inputs: m[2] ? JSON.parse(m[2]) : {}, result: m[3] });
    }
  }
  return out;
}

const all = examples();

describe("docs/expressions.md", () => {
  it("documents every function with a heading", () => {
    for (const f of FUNCTIONS) expect(doc).toMatch(new RegExp(`^### ${f.name}\\(`, "m"));
  });

  it("has an example for every function", () => {
    for (const f of FUNCTIONS) {
      expect(all.some((e) => e.expression.toLowerCase().includes(`${f.name.toLowerCase()}(`))).toBe(
        true,
      );
    }
  });

  it.each(all.map((e) => [e.line, e] as const))("%s", (_line, e) => {
    const parsed = parseExpression(e.expression);
    expect(parsed.diagnostics).toEqual([]);
    let seed = 1;
    const evaluate = compileExpression(parsed.ast!, {
      defaultDomain: "contoso.com",
      clock: () => new Date(Date.UTC(2021, 6, 2, 15, 33, 38)),
      random: () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      },
    });
    const value = evaluate(e.inputs);
    if (e.result.startsWith("~/")) {
      expect(String(value)).toMatch(new RegExp(e.result.slice(2, -1)));
    } else {
      expect(value).toEqual(JSON.parse(e.result));
    }
  });
});
