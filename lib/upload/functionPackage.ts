/**
 * The deployed uploader's code package, as Flex Consumption runs it: a zip with host.json, a
 * package.json whose `main` is the compiled functions/src/index.ts, the compiled modules it loads
 * (lib/…, components/uploader/azure.ts) and the npm packages they require, with their own
 * dependencies. "After your project code is built and zipped into an application package, it is
 * deployed to a blob storage container. Upon startup, your app will retrieve the package and run
 * from it" (https://learn.microsoft.com/en-us/azure/azure-functions/flex-consumption-plan#deployment);
 * the blob is `released-package.zip`, the name the platform's one-deploy writes and reads
 * (https://learn.microsoft.com/en-us/azure/azure-functions/functions-infrastructure-as-code?pivots=flex-consumption-plan#deployment-package).
 *
 * Built from the repository's own sources and node_modules, offline: no `npm install` at deploy
 * time, and the code that is tested is the code that is shipped.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";

/** The blob name of the package in the deployment container. */
export const PACKAGE_BLOB = "released-package.zip";

const ROOT = path.resolve(__dirname, "..", "..");
const ENTRY = "functions/src/index.ts";
/** Provided by the Functions worker at run time, never installed (@azure/functions loads it lazily). */
const PROVIDED = new Set(["@azure/functions-core"]);
const BUILTIN = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export interface FunctionPackage {
  /** Path in the package → content. */
  files: Map<string, Uint8Array>;
  /** The npm packages included, by name and version. */
  packages: string[];
  /** sha256 of the files (names and contents), for a change to show in a plan. */
  sha256: string;
}

const packageName = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

/** Where `name` resolves from `dir`, the way Node looks: node_modules of dir and its parents. */
function findPackage(name: string, dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(at) === at || !at.startsWith(ROOT)) return undefined;
  }
}

function resolveSource(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(
    `${path.relative(ROOT, from)}: cannot find ${specifier} for the function package`,
  );
}

/** Never loaded by Node at run time: type declarations, TypeScript sources, source maps, docs. */
const NOT_RUN = /\.(ts|mts|cts|map|md)$/i;

/**
 * Adds the files of a package directory that Node can load, except its nested node_modules
 * (resolved on their own).
 */
function addTree(files: Map<string, Uint8Array>, dir: string, into: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || NOT_RUN.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const target = `${into}/${entry.name}`;
    if (entry.isDirectory()) addTree(files, full, target);
    else if (entry.isFile()) files.set(target, fs.readFileSync(full));
  }
}

/**
 * Compiles functions/src/index.ts and every module it loads (TypeScript's transpileModule, to
 * CommonJS for Node 22), and collects the npm packages their compiled code requires, with their
 * dependencies as npm installed them. Throws naming the module when something cannot be found.
 */
export function buildFunctionPackage(): FunctionPackage {
  const ts = require("typescript") as typeof import("typescript");
  const files = new Map<string, Uint8Array>();
  const bare = new Set<string>();
  const pending = [path.join(ROOT, ENTRY)];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const relative = path.relative(ROOT, file).split(path.sep).join("/");
    if (!file.endsWith(".ts")) {
      files.set(`dist/${relative}`, fs.readFileSync(file));
      continue;
    }
    const output = ts.transpileModule(fs.readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        // Stack traces of the deployed Function point at these sources' lines.
        inlineSourceMap: true,
      },
    }).outputText;
    files.set(`dist/${relative.replace(/\.ts$/, ".js")}`, Buffer.from(output));
    // What the compiled code loads, type-only imports gone: require("…") calls, static or lazy.
    for (const match of output.matchAll(/\brequire\((["'])([^"'\n]+)\1\)/g)) {
      const specifier = match[2];
      if (specifier.startsWith(".")) pending.push(resolveSource(file, specifier));
      else if (!BUILTIN.has(specifier)) bare.add(packageName(specifier));
    }
  }

  const packages = new Map<string, string>();
  const queue = [...bare]
    .filter((name) => !PROVIDED.has(name))
    .map((name) => ({ name, from: ROOT }));
  const dependencies: Record<string, string> = {};
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    const dir = findPackage(name, from);
    const isTop = from === ROOT;
    if (!dir) {
      throw new Error(
        `the function package needs the npm package ${name}, which is not installed: run npm ci`,
      );
    }
    if (packages.has(dir)) continue;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      version?: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    packages.set(dir, `${name}@${manifest.version ?? "?"}`);
    if (isTop) dependencies[name] = manifest.version ?? "*";
    addTree(files, dir, path.relative(ROOT, dir).split(path.sep).join("/"));
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      queue.push({ name: dep, from: dir });
    // Optional and peer dependencies come along when npm installed them.
    for (const dep of Object.keys({
      ...manifest.optionalDependencies,
      ...manifest.peerDependencies,
    })) {
      if (!PROVIDED.has(dep) && findPackage(dep, dir)) queue.push({ name: dep, from: dir });
    }
  }

  const functionsDir = path.join(ROOT, "functions");
  files.set("host.json", fs.readFileSync(path.join(functionsDir, "host.json")));
  const own = JSON.parse(fs.readFileSync(path.join(functionsDir, "package.json"), "utf8")) as {
    name: string;
    version: string;
    description?: string;
    license?: string;
  };
  files.set(
    "package.json",
    Buffer.from(
      JSON.stringify(
        {
          name: own.name,
          version: own.version,
          description: own.description,
          license: own.license,
          private: true,
          main: `dist/${ENTRY.replace(/\.ts$/, ".js")}`,
          dependencies: Object.fromEntries(Object.entries(dependencies).sort()),
        },
        null,
        2,
      ) + "\n",
    ),
  );

  const hash = createHash("sha256");
  for (const name of [...files.keys()].sort()) {
    hash.update(name).update("\0").update(files.get(name)!).update("\0");
  }
  return { files, packages: [...packages.values()].sort(), sha256: hash.digest("hex") };
}

/**
 * The package as a zip. Every entry has the same fixed time, so the same sources make the same
 * bytes and a `pulumi up` without a change uploads nothing.
 */
export function zipFunctionPackage(pkg: FunctionPackage): Uint8Array {
  const { zipSync } = require("fflate") as typeof import("fflate");
  const mtime = new Date("2020-01-01T00:00:00Z");
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const name of [...pkg.files.keys()].sort())
    entries[name] = [pkg.files.get(name)!, { mtime }];
  return zipSync(entries, { level: 1 });
}

/** Writes the package's zip to `file` (creating its directory) and returns its sha256. */
export function writeFunctionPackage(file: string): { file: string; sha256: string } {
  const pkg = buildFunctionPackage();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zipFunctionPackage(pkg));
  return { file, sha256: pkg.sha256 };
}

/** Files whose change may change the package: the sources it compiles and the installed packages. */
const SOURCE_DIRS = ["functions/src", "lib", "components/uploader"];
const SOURCE_FILES = ["functions/host.json", "functions/package.json", "package-lock.json"];

/**
 * A cheap fingerprint of what the package is built from, for a plan: every TypeScript file of the
 * directories the Function loads from, functions/host.json and package.json, and
 * package-lock.json. A change anywhere there uploads the package again; building it (seconds) is
 * left to the deployment itself.
 */
export function functionSourceHash(): string {
  // What is missing (a partial copy of the repository) is simply not in the hash: building the
  // package, at deploy time, names it.
  const names = SOURCE_FILES.filter((name) => fs.existsSync(path.join(ROOT, name)));
  const walk = (dir: string) => {
    if (!fs.existsSync(path.join(ROOT, dir))) return;
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) names.push(relative);
    }
  };
  SOURCE_DIRS.forEach(walk);
  const hash = createHash("sha256");
  for (const name of names.sort()) {
    hash
      .update(name)
      .update("\0")
      .update(fs.readFileSync(path.join(ROOT, name)))
      .update("\0");
  }
  return hash.digest("hex");
}

export interface UploadedPackage {
  /** sha256 of the zip's bytes. */
  zipSha256: string;
  bytes: number;
  packages: number;
}

/** Storage's answer while a just-created role assignment has not reached the data plane yet. */
const NOT_YET_AUTHORIZED = new Set(["AuthorizationPermissionMismatch", "AuthorizationFailure"]);

/**
 * Builds the package and uploads it as `blobName` to the deployment container, signed in with
 * DefaultAzureCredential (the deployer's own login: the account takes no key). A new role
 * assignment takes minutes to reach the data plane
 * (https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected),
 * so a 403 is retried for up to `patienceMs`.
 */
export async function uploadFunctionPackage(
  containerUrl: string,
  blobName: string,
  options: {
    credential?: import("@azure/core-auth").TokenCredential;
    patienceMs?: number;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<UploadedPackage> {
  const pkg = buildFunctionPackage();
  const zip = zipFunctionPackage(pkg);
  const { ContainerClient } =
    require("@azure/storage-blob") as typeof import("@azure/storage-blob");
  const credential =
    options.credential ??
    new (require("@azure/identity") as typeof import("@azure/identity")).DefaultAzureCredential();
  const blob = new ContainerClient(containerUrl, credential).getBlockBlobClient(blobName);
  const patience = options.patienceMs ?? 10 * 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let waited = 0; ; waited += 15_000) {
    try {
      await blob.uploadData(zip, { blobHTTPHeaders: { blobContentType: "application/zip" } });
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!NOT_YET_AUTHORIZED.has(code ?? "") || waited >= patience) {
        throw new Error(
          `the function package could not be uploaded to ${containerUrl}/${blobName}: ${(err as Error).message}` +
            (code && NOT_YET_AUTHORIZED.has(code)
              ? " (the deployer needs Storage Blob Data Contributor on the container; the stack assigns it, which can take minutes to apply: run pulumi up again)"
              : ""),
        );
      }
      await sleep(15_000);
    }
  }
  return {
    zipSha256: createHash("sha256").update(zip).digest("hex"),
    bytes: zip.byteLength,
    packages: pkg.packages.length,
  };
}

/**
 * Makes a running app take the new package: a restart (the app reads its package when it starts)
 * and a trigger sync, so that the platform knows the timer and blob functions of the new code and
 * wakes an app scaled to zero for them
 * (https://learn.microsoft.com/en-us/azure/azure-functions/functions-deployment-technologies#trigger-syncing).
 */
export async function restartFunctionApp(
  siteId: string,
  options: {
    credential?: import("@azure/core-auth").TokenCredential;
    armEndpoint?: string;
    fetch?: typeof fetch;
  } = {},
): Promise<void> {
  const arm = (options.armEndpoint ?? "https://management.azure.com").replace(/\/+$/, "");
  const credential =
    options.credential ??
    new (require("@azure/identity") as typeof import("@azure/identity")).DefaultAzureCredential();
  const token = await credential.getToken(`${arm}/.default`);
  if (!token) throw new Error(`no Azure Resource Manager token to restart ${siteId}`);
  const send = options.fetch ?? fetch;
  for (const action of ["restart", "syncfunctiontriggers"]) {
    const response = await send(`${arm}${siteId}/${action}?api-version=2024-04-01`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token.token}`, "Content-Length": "0" },
    });
    if (!response.ok) {
      throw new Error(
        `${action} of ${siteId} answered ${response.status}: ${(await response.text()).slice(0, 300)}; the new package runs after the next restart (az functionapp restart)`,
      );
    }
  }
}
