/**
 * The commands inbound prints for pasting start inbound the way the user did (cli/invocation.ts).
 */
import * as path from "path";
import { invocation } from "../../cli/invocation";

const project = path.join("/work", "infra");

test.each([
  [
    "npm run inbound -- ... in the repository",
    {
      npm_lifecycle_event: "inbound",
      npm_command: "run",
      npm_lifecycle_script: "node bin/inbound.js",
    },
    [process.execPath, "/repo/bin/inbound.js"],
    "npm run -s inbound --",
  ],
  [
    "npm run of a script of another name that is the command",
    { npm_lifecycle_event: "idm", npm_command: "run-script", npm_lifecycle_script: "inbound" },
    [process.execPath, `${project}/node_modules/.bin/inbound`],
    "npm run -s idm --",
  ],
  [
    "npx inbound",
    { npm_lifecycle_event: "npx", npm_command: "exec" },
    [process.execPath, `${project}/node_modules/.bin/inbound`],
    "npx inbound",
  ],
  [
    "the project's bin link, started by path",
    {},
    [process.execPath, `${project}/node_modules/.bin/inbound`],
    "npx inbound",
  ],
  ["a global install, on the PATH", {}, [process.execPath, "/usr/local/bin/inbound"], "inbound"],
  [
    "node bin/inbound.js",
    {},
    [process.execPath, `${project}/vendor/inbound/bin/inbound.js`],
    "node vendor/inbound/bin/inbound.js",
  ],
  [
    "npm start, whose script is a plan, not the command",
    {
      npm_lifecycle_event: "start",
      npm_command: "start",
      npm_lifecycle_script: "node bin/inbound.js plan x.yaml",
    },
    [process.execPath, "/elsewhere/bin/inbound.js"],
    "node /elsewhere/bin/inbound.js",
  ],
])("%s", (_how, env, argv, expected) => {
  expect(invocation(env, argv, project)).toBe(expected);
});
