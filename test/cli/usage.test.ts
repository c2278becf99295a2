/**
 * Usage errors: exit 2 (README's exit codes), the error, and where the usage of the command that
 * was run is; nothing on stdout.
 */
import { COMMANDS } from "../../cli/main";
import { inbound } from "./harness";

describe("usage errors point to the help of the command that was run", () => {
  test.each([
    ["a missing argument", ["validate"], "error: missing required argument 'spec'", "validate"],
    [
      "a missing required option",
      ["upload", "--spec", "t.yaml", "--csv", "hr.csv"],
      "error: required option '--app <name>' not specified",
      "upload",
    ],
    [
      "an unknown option",
      ["simulate", "--spec", "t.yaml", "--app", "a", "--csv", "hr.csv", "--wokflows"],
      "error: unknown option '--wokflows'\n(Did you mean --workflows?)",
      "simulate",
    ],
    [
      "an unknown option where a required one is missing: the typo, not the missing option",
      ["upload", "--spec", "t.yaml", "--app", "employees", "--cvs", "hr.csv"],
      "error: unknown option '--cvs'\n(Did you mean --csv?)",
      "upload",
    ],
    [
      "an unknown option of expr",
      ["expr", "[a]", "--chek"],
      "error: unknown option '--chek'",
      "expr",
    ],
    [
      "an option the command finds unusable",
      ["expr", "[a]", "--input", "{"],
      "--input is not valid JSON",
      "expr",
    ],
    ["too many arguments", ["expr", "[a]", "[b]"], "error: too many arguments for 'expr'", "expr"],
  ])("%s", async (_title, args, error, command) => {
    const result = await inbound(args);
    expect(result).toEqual({
      code: 2,
      out: "",
      err: expect.stringContaining(error),
    });
    expect(result.err).toMatch(new RegExp(`\\(run \`inbound ${command} --help\` for usage\\)\n$`));
  });

  test("an unknown command points to the program's help, with did-you-mean", async () => {
    expect(await inbound(["valdate", "x.yaml"])).toEqual({
      code: 2,
      out: "",
      err: "error: unknown command 'valdate'\n(Did you mean validate?)\n(run `inbound --help` for usage)\n",
    });
  });
});

describe("help and version", () => {
  test("--help lists every command with its summary", async () => {
    const result = await inbound(["--help"]);
    expect(result.code).toBe(0);
    for (const { name, summary } of COMMANDS) {
      expect(result.out.replace(/\s+/g, " ")).toContain(`${name} ${summary}`);
    }
  });

  test("a command's help shows its own options", async () => {
    const result = await inbound(["help", "upload"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("Usage: inbound upload [options]");
    expect(result.out).toContain("--allow-deletes");
  });

  test("--version prints package.json's version", async () => {
    expect(await inbound(["--version"])).toEqual({
      code: 0,
      out: `${require("../../package.json").version}\n`,
      err: "",
    });
  });
});
