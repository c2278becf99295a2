/**
 * `inbound init --project DIR`: a Pulumi project that uses inbound as an installed package, not a
 * copy of it. The program is `tenantStack()` from the package; the tenant file, its stack file and
 * the CI workflows are the project's own. An existing package.json (a repository that already ran
 * `npm install inbound`) keeps what it has and gets what is missing.
 */
import * as fs from "fs";
import * as path from "path";
import { loadSpec } from "../../lib/loader/load";
import { stackSettings, writeStackFile } from "../../lib/fleet/stacks";

const ROOT = path.join(__dirname, "..", "..");

/** Our own package.json: the versions the project depends on are the ones inbound was tested with. */
function manifest(): {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
} {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
}

/** A project name Pulumi accepts, from the directory's name. */
function projectName(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-._]+|[-._]+$/g, "");
  return name || "identity";
}

const INDEX_TS = `// The stack's tenant: its stack file (Pulumi.<tenant>.yaml) names the tenant file in inbound:spec.
// tenantStack() builds the tenant with inbound's components; import them from "inbound" to build
// more around it.
import { tenantStack } from "inbound";

export const { provisioning } = tenantStack();
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    lib: ["ES2022"],
    types: ["node"],
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
  },
  files: ["index.ts"],
};

const GITIGNORE = "node_modules/\n.inbound-state/\n.inbound-sandbox/\n";

/**
 * The GitHub Actions workflows of docs/examples, for a project: `npx inbound` instead of the
 * repository's npm script, and the policy pack where the package installed it.
 */
function workflow(name: string): string {
  const text = fs.readFileSync(path.join(ROOT, "docs", "examples", "github-actions", name), "utf8");
  return text
    .replace(/^# Copy to \.github\/workflows\/\. /m, "# ")
    .replace(/npm run --silent inbound --/g, "npx inbound")
    .replace(/--policy-pack policies\b/g, "--policy-pack node_modules/inbound/policies");
}

export interface ProjectFile {
  /** Relative to the project directory, with forward slashes. */
  file: string;
  text: string;
}

/**
 * The files of a project in `dir` whose tenant file is `tenantText` (what `inbound init` writes),
 * package.json merged into `existingPackage` when there is one.
 */
export function projectFiles(
  dir: string,
  tenantText: string,
  tenantName: string,
  existingPackage: string | undefined,
): ProjectFile[] {
  const own = manifest();
  const name = projectName(dir);
  const tenantFile = `config/tenants/${tenantName}.yaml`;
  const pkg = existingPackage === undefined ? { name, private: true } : JSON.parse(existingPackage);
  pkg.main ??= "index.ts";
  pkg.scripts = { inbound: "inbound", ...pkg.scripts };
  pkg.dependencies = {
    [own.name]: `^${own.version}`,
    "@pulumi/pulumi": own.dependencies["@pulumi/pulumi"],
    ...pkg.dependencies,
  };
  pkg.devDependencies = {
    typescript: own.dependencies.typescript,
    "@types/node": own.devDependencies["@types/node"],
    ...pkg.devDependencies,
  };
  const pulumiYaml =
    `name: ${name}\n` +
    "description: HR-driven identity for Microsoft Entra ID, with inbound\n" +
    "runtime:\n  name: nodejs\n  options:\n    typescript: true\n" +
    "config:\n  inbound:spec:\n    type: string\n" +
    `    description: Path of the tenant spec this stack deploys, for example ${tenantFile}\n`;
  return [
    { file: "Pulumi.yaml", text: pulumiYaml },
    { file: "package.json", text: JSON.stringify(pkg, null, 2) + "\n" },
    { file: "tsconfig.json", text: JSON.stringify(TSCONFIG, null, 2) + "\n" },
    { file: "index.ts", text: INDEX_TS },
    { file: ".gitignore", text: GITIGNORE },
    { file: tenantFile, text: tenantText },
    ...["inbound-review.yml", "inbound-deploy.yml"].map((f) => ({
      file: `.github/workflows/${f}`,
      text: workflow(f),
    })),
  ];
}

/** The stack file of the tenant file just written, as `inbound stacks --write` writes it. */
export function stackFile(dir: string, tenantFile: string): ProjectFile | undefined {
  const loaded = loadSpec(tenantFile, { cwd: dir });
  if (!loaded.spec) return undefined;
  const settings = stackSettings(loaded.spec, tenantFile);
  return { file: settings.stackFile, text: writeStackFile(settings, undefined, tenantFile) };
}
