import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { editorJsonSchemaText } from "../../lib/loader/jsonSchema";
import { tenantSpecDocs } from "../../lib/loader/docs";
import { inbound } from "./harness";

const inboundSchema = (args: string[], cwd: string) => inbound(["schema", ...args], { cwd });

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
