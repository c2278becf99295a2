#!/usr/bin/env node
require("./typescript");
const { exitWhenFlushed, tolerateClosedReaders } = require("./exit");
tolerateClosedReaders();
require("../cli/main")
  .run(process.argv)
  .then(exitWhenFlushed, (err) => {
    process.stderr.write(`inbound: internal error: ${err && err.stack ? err.stack : err}\n`);
    exitWhenFlushed(70);
  });
