// The repository's TypeScript runs without a build step: a `.ts` require hook transpiles each
// file with swc (no type-check at run time; `npm test` type-checks) and keeps the output in a disk
// cache keyed by the file's path, size and modification time. A command whose files are all cached
// loads neither swc (60 ms and 20 MB) nor ts-node (which added 80 MB), so `inbound --help` starts
// about as fast as Node itself.
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");

/** Bumped when the options below change, so that no output of the old options is reused. */
const HOOK_VERSION = "1";

/** The swc options that match tsconfig.json: CommonJS with esModuleInterop, ES2022. */
function swcOptions(filename) {
  return {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: "inline",
    jsc: { parser: { syntax: "typescript" }, target: "es2022", keepClassNames: true },
    module: { type: "commonjs" },
  };
}

let swc;
let swcVersion;
function transpile(source, filename) {
  swc ??= require("@swc/core");
  return swc.transformSync(source, swcOptions(filename)).code;
}

/**
 * A directory only this user can write, or undefined: the cache holds code that will run, so one
 * that another account could have written into is not used.
 */
function cacheDir() {
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const dir = path.join(os.tmpdir(), `inbound-ts-cache-${uid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.statSync(dir);
    if (typeof process.getuid === "function" && stat.uid !== process.getuid()) return undefined;
    if ((stat.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

const CACHE = process.env.INBOUND_TS_CACHE === "off" ? undefined : cacheDir();

function cached(filename) {
  const stat = fs.statSync(filename);
  swcVersion ??= readSwcVersion();
  const key = crypto
    .createHash("sha256")
    .update(`${HOOK_VERSION}\0${swcVersion}\0${filename}\0${stat.size}\0${stat.mtimeMs}`)
    .digest("hex");
  const file = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    const code = transpile(fs.readFileSync(filename, "utf8"), filename);
    // Written under a name of its own then renamed, so a concurrent run never reads half a file.
    const partial = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(partial, code, { mode: 0o600 });
      fs.renameSync(partial, file);
    } catch {
      // A full or read-only disk costs speed, not correctness.
    }
    return code;
  }
}

/** swc's version from its package.json, read as text: requiring swc is what the cache avoids. */
function readSwcVersion() {
  try {
    const manifest = path.join(path.dirname(require.resolve("@swc/core")), "package.json");
    return JSON.parse(fs.readFileSync(manifest, "utf8")).version;
  } catch {
    return "unknown";
  }
}

/** inbound's own files: this package, wherever it is installed, but not its dependencies. */
const ROOT = path.resolve(__dirname, "..") + path.sep;
const DEPENDENCIES = path.join(ROOT, "node_modules") + path.sep;
const ours = (filename) => filename.startsWith(ROOT) && !filename.startsWith(DEPENDENCIES);

const previous = Module._extensions[".ts"];
if (!previous || !previous.inbound) {
  // A loader already there is most likely ts-node, under which Pulumi runs a TypeScript program:
  // it leaves files under node_modules to Node, which cannot read TypeScript, so inbound's own
  // files, installed as a package, are transpiled here and everything else is left to it.
  const load = function (module, filename) {
    if (previous && !ours(filename)) return previous(module, filename);
    const code = CACHE ? cached(filename) : transpile(fs.readFileSync(filename, "utf8"), filename);
    module._compile(code, filename);
  };
  load.inbound = true;
  Module._extensions[".ts"] = load;
  // Stack traces of an internal error point at the TypeScript lines.
  process.setSourceMapsEnabled(true);
}
