// `require("inbound")`: inbound ships its TypeScript sources, which its own loader transpiles
// (bin/typescript.js, also under ts-node, which Pulumi runs a TypeScript program with).
require("./bin/typescript");
module.exports = require("./api.ts");
