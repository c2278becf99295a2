import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import type { CliIo } from "../../cli/io";
import { register } from "../../cli/commands/schema";
import { editorJsonSchemaText } from "../../lib/spec/jsonSchema";
import { tenantSpecDocs } from "../../lib/spec/docs";

async function inboundSchema(args: string[], cwd: string) {
  let out = "";
  let err = "";
  let code = -1;
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env: {}, cwd };
  const program = new Command().exitOverride();
  register(program, io, (c) => (code = c));
  await program.parseAsync(["node", "inbound", "schema", ...args]);
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-schema-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("inbound schema", () => {
  it("prints the JSON Schema", async () => {
    const result = await inboundSchema([], dir);
    expect(result).toEqual({ code: 0, out: editorJsonSchemaText(), err: "" });
    expect(JSON.parse(result.out).title).toBe("inbound tenant spec");
  });

  it("writes the schema and the docs to the files given", async () => {
    expect(await inboundSchema(["--write", "s.json", "--docs", "d.md"], dir)).toEqual({
      code: 0,
      out: "wrote s.json\nwrote d.md\n",
      err: "",
    });
    expect(fs.readFileSync(path.join(dir, "s.json"), "utf8")).toBe(editorJsonSchemaText());
    expect(fs.readFileSync(path.join(dir, "d.md"), "utf8")).toBe(tenantSpecDocs());
  });

  it("fails with exit 1 when it cannot write", async () => {
    expect(await inboundSchema(["--docs", "missing-dir/d.md"], dir)).toEqual({
      code: 1,
      out: "",
      err: "inbound schema: cannot write missing-dir/d.md: ENOENT\n",
    });
  });
});
