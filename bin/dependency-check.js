#!/usr/bin/env node
// Offline dependency check of package-lock.json (scripts/dependencyCheck.ts). Usage:
//   node bin/dependency-check.js [package-lock.json] [known-vulnerabilities.json]
require("./typescript");
process.exitCode = require("../scripts/dependencyCheck").main(process.argv.slice(2));
