#!/usr/bin/env node
// The CLI is TypeScript; swc transpiles it on the fly (no build step, no type-check at run time:
// `npm test` type-checks).
const path = require("path");
require("ts-node").register({
  project: path.join(__dirname, "..", "tsconfig.json"),
  transpileOnly: true,
  swc: true,
});
require("../cli/main")
  .run(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`inbound: internal error: ${err && err.stack ? err.stack : err}\n`);
      process.exit(70);
    },
  );
