#!/usr/bin/env node
// Rewrites the task catalog table of docs/lifecycle-workflows.md from lib/lifecycle/tasks.ts
// (`npm run docs:lifecycle`), formatted as the repository's prettier check expects.
const fs = require("fs");
const path = require("path");
require("./typescript");
const { CATALOG_DOC, withGeneratedCatalog } = require("../lib/lifecycle/catalogDoc");

async function main() {
  const prettier = require("prettier");
  const file = path.join(__dirname, "..", CATALOG_DOC);
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  const text = await prettier.format(withGeneratedCatalog(fs.readFileSync(file, "utf8")), options);
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${CATALOG_DOC}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
