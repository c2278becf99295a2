// The repository's TypeScript runs without a build step: swc transpiles it on the fly (no
// type-check at run time; `npm test` type-checks).
const path = require("path");
require("ts-node").register({
  project: path.join(__dirname, "..", "tsconfig.json"),
  transpileOnly: true,
  swc: true,
});
