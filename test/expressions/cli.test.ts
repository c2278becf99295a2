import { inbound } from "../cli/harness";

const runExpr = (args: string[]) => inbound(["expr", ...args], { cwd: "/" });

describe("inbound expr", () => {
  it("prints the value as JSON", async () => {
    expect(
      await runExpr(["NormalizeDiacritics([givenName])", "--input", '{"givenName":"Zoë"}']),
    ).toEqual({
      code: 0,
      out: '"Zoe"\n',
      err: "",
    });
    expect((await runExpr(['Split("a,b", ",")'])).out).toBe('["a","b"]\n');
    expect((await runExpr(["[x]"])).out).toBe("null\n");
    expect((await runExpr(["IgnoreFlowIfNullOrEmpty([x])"])).out).toBe(
      "(not flowed: IgnoreFlowIfNullOrEmpty)\n",
    );
  });

  it("prints Graph JSON with --graph", async () => {
    const r = await runExpr([
      "[ext:HireDate]",
      "--graph",
      "--extension-urn",
      "urn:ietf:params:scim:schemas:extension:contoso:1.0:User",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      type: "Attribute",
      name: "urn:ietf:params:scim:schemas:extension:contoso:1.0:User:HireDate",
      expression: "[urn:ietf:params:scim:schemas:extension:contoso:1.0:User:HireDate]",
      parameters: [],
    });
  });

  it("checks with --check", async () => {
    expect(await runExpr(['Join(" ", [a])', "--check"])).toEqual({
      code: 0,
      out: "ok: expression is valid (14 characters)\n",
      err: "",
    });
    expect(await runExpr(["Len([name.givenNam])", "--check", "--scim"])).toEqual({
      code: 1,
      out: "",
      err: "<expr>:1:5: unknown attribute [name.givenNam]; did you mean [name.givenName]?\nLen([name.givenNam])\n    ^^^^^^^^^^^^^^^\n",
    });
  });

  it("checks an uploader column mapping against CSV columns with --columns", async () => {
    expect(
      await runExpr(['Join(" ", [First], [Lats])', "--check", "--columns", "WorkerID, First,Last"]),
    ).toEqual({
      code: 1,
      out: "",
      err: '<expr>:1:20: [Lats] is not a column of the CSV; did you mean [Last]? (columns: WorkerID, First, Last)\nJoin(" ", [First], [Lats])\n                   ^^^^^^\n',
    });
    // The uploader has no tenant: DefaultDomain() is refused there.
    expect(
      (await runExpr(['Join("@", [First], DefaultDomain())', "--columns", "First"])).err,
    ).toMatch(/^<expr>:1:20: DefaultDomain needs the target directory or tenant/);
    expect(
      await runExpr([
        'Join(" ", [First], [Last])',
        "--columns",
        "First,Last",
        "--input",
        '{"First":"Ana","Last":"Lima"}',
      ]),
    ).toEqual({ code: 0, out: '"Ana Lima"\n', err: "" });
  });

  it("exits 1 with position and caret for an invalid expression", async () => {
    expect(await runExpr(['Join(", " [a])'])).toEqual({
      code: 1,
      out: "",
      err: '<expr>:1:11: expected "," or ")" after argument 1 of Join, found the attribute [a]\nJoin(", " [a])\n          ^^^\n',
    });
    expect((await runExpr(["Jion([a])"])).err).toBe(
      "<expr>:1:1: unknown function Jion; did you mean Join?\nJion([a])\n^^^^\n",
    );
  });

  it("exits 1, in every mode, for a form Entra documents as unsupported", async () => {
    const expected = {
      code: 1,
      out: "",
      err:
        "<expr>:1:5: IgnoreFlowIfNullOrEmpty can't be the condition of IIF: wrap the whole IIF instead, e.g. IgnoreFlowIfNullOrEmpty(IIF(...))\n" +
        'IIF(IgnoreFlowIfNullOrEmpty([country]), [country], "Other")\n' +
        "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
    };
    const text = 'IIF(IgnoreFlowIfNullOrEmpty([country]), [country], "Other")';
    expect(await runExpr([text, "--input", '{"country":"NL"}'])).toEqual(expected);
    expect(await runExpr([text, "--graph"])).toEqual(expected);
    expect(await runExpr([text, "--check"])).toEqual(expected);
  });

  it("reports every problem, each with its line and caret", async () => {
    const r = await runExpr(['Join(" ",\n  Lenn([a]),\n  Left([b]))', "--check"]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err:
        "<expr>:2:3: unknown function Lenn; did you mean Len?\n  Lenn([a]),\n  ^^^^\n" +
        "<expr>:3:3: Left takes 2 arguments, got 1: Left(string, numChars)\n  Left([b]))\n  ^^^^^^^^^\n",
    });
  });

  it("exits 1 when evaluation fails", async () => {
    expect(await runExpr(['CDate("soon")'])).toEqual({
      code: 1,
      out: "",
      err: 'CDate: expression "soon" is not a date/time (use e.g. 2021-08-24T10:00:00Z or 8/24/2021 10:00:00 AM)\n',
    });
  });

  it("is a usage error (exit 2) without an expression or with an unknown option", async () => {
    const viaMain = async (args: string[]) => {
      const { code, err } = await inbound(args, { cwd: "/" });
      return { code, err };
    };
    expect(await viaMain(["expr"])).toEqual({
      code: 2,
      err: "error: missing required argument 'expression'\n(run `inbound expr --help` for usage)\n",
    });
    expect((await viaMain(["expr", "[a]", "--grpah"])).code).toBe(2);
  });

  it("exits 2 for bad --input", async () => {
    const r = await runExpr(["[a]", "--input", "{nope"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^--input is not valid JSON: /);
    expect((await runExpr(["[a]", "--input", "[1]"])).code).toBe(2);
  });
});
