#!/usr/bin/env node
require("./typescript");
require("../cli/main")
  .run(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`inbound: internal error: ${err && err.stack ? err.stack : err}\n`);
      process.exit(70);
    },
  );
