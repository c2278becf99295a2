/**
 * A dynamic provider runs in Pulumi's provider process, not in the program: serialized, revived
 * from a string, with no TypeScript loader. This runs a serialized provider exactly that way, in a
 * plain Node process, to prove that its methods can load our lib/*.ts modules there.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { lifecycleWorkflowProvider } from "../../components/graph/lifecycleWorkflow";

const run = promisify(execFile);

it("a serialized provider loads lib modules in a plain Node process", async () => {
  const { serializeFunction } = await import("@pulumi/pulumi/runtime");
  const { text } = await serializeFunction(() => lifecycleWorkflowProvider);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-provider-"));
  const file = path.join(dir, "provider.js");
  fs.writeFileSync(file, text);
  const base = {
    graphBaseUrl: "https://graph.microsoft.com",
    category: "joiner",
    displayName: "A",
    tasks: [],
  };
  const script = `
    const provider = require(${JSON.stringify(require.resolve("require-from-string"))})(
      require("fs").readFileSync(${JSON.stringify(file)}, "utf8")).handler();
    provider.diff("id", ${JSON.stringify({ ...base, description: "old" })}, ${JSON.stringify({ ...base, description: "new" })})
      .then((d) => console.log(JSON.stringify(d)), (e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ["-e", script], { cwd: dir });
  const diff = JSON.parse(stdout);
  expect(diff.changes).toBe(true);
  expect(diff.replaces ?? []).toEqual([]);
});
