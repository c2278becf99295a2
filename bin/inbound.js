#!/usr/bin/env node
// First, before anything that an older Node cannot load: one line saying what to install.
const nodeProblem = require("./check-node").nodeProblem(process.version, true);
if (nodeProblem) {
  process.stderr.write(nodeProblem + "\n");
  process.exit(1);
}
require("./typescript");
const { exitWhenFlushed, tolerateClosedReaders } = require("./exit");
tolerateClosedReaders();
require("../cli/main")
  .run(process.argv)
  .then(exitWhenFlushed, (err) => {
    process.stderr.write(`inbound: internal error: ${err && err.stack ? err.stack : err}\n`);
    exitWhenFlushed(70);
  });
