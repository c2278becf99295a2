#!/usr/bin/env node
// Runs every bench/*.bench.ts in turn (or the ones named on the command line). Benchmarks print
// their own figures; targets are stated beside each figure rather than asserted in tests.
const fs = require("fs");
const path = require("path");
require("./typescript");

async function main() {
  const dir = path.join(__dirname, "..", "bench");
  const wanted = process.argv.slice(2);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
    .sort();
  for (const file of files) {
    console.log(`\n== ${file}`);
    await require(path.join(dir, file)).main();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
