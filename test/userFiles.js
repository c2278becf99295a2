// Installed before every test file (jest.config.js, setupFiles): the suite reads the bundled
// examples in examples/, never a user's files, which are the user's own business: tenant files and
// bases under config/ (all but the generated JSON Schema) and stack files (Pulumi.<stack>.yaml).
// A first tenant added as the README says (`inbound init --out config/tenants/mine.yaml`, then
// `inbound stacks --write`) must not turn a test red; .ci/run validates those files instead. A test
// that reaches for them fails here, naming the file, whether the files exist or not.
const fs = require("fs");
const path = require("path");
const { fileURLToPath } = require("url");

const ROOT = path.resolve(__dirname, "..");
const CONFIG = path.join(ROOT, "config");
const SCHEMA = path.join(CONFIG, "tenant-spec.schema.json");
const GUARDED = Symbol.for("inbound.userFilesGuard");

/** The user's file `target` names, or undefined. */
function userFile(target) {
  let file;
  if (typeof target === "string") file = target;
  else if (target instanceof URL && target.protocol === "file:") file = fileURLToPath(target);
  else if (Buffer.isBuffer(target)) file = target.toString();
  else return undefined;
  const full = path.resolve(file);
  if (full.startsWith(CONFIG + path.sep) && full !== SCHEMA) return full;
  if (path.dirname(full) === ROOT && /^Pulumi\..+\.yaml$/.test(path.basename(full))) return full;
  return undefined;
}

function guard(owner, name) {
  const original = owner[name];
  if (typeof original !== "function") return;
  owner[name] = function (target, ...rest) {
    const file = userFile(target);
    if (file !== undefined) {
      throw new Error(
        `a test read ${path.relative(ROOT, file)}, a user's file: tests read the bundled examples in examples/ (see test/userFiles.js)`,
      );
    }
    return original.call(this, target, ...rest);
  };
}

if (!fs[GUARDED]) {
  fs[GUARDED] = true;
  const sync = ["readFileSync", "readdirSync", "opendirSync", "statSync", "lstatSync"];
  const async = ["readFile", "readdir", "opendir", "stat", "lstat", "createReadStream"];
  for (const name of [...sync, ...async, "existsSync", "openSync", "open", "cpSync", "cp"]) {
    guard(fs, name);
  }
  for (const name of ["readFile", "readdir", "opendir", "stat", "lstat", "open", "cp"]) {
    guard(fs.promises, name);
  }
}

module.exports = { userFile };
