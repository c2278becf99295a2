import * as fs from "fs";
import * as path from "path";
import { randomUUID } from "crypto";
import { Command, InvalidArgumentError } from "commander";
import { CliIo, EXIT, paint } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import type { EmulatedOrganization } from "../../lib/emulator/routes/directory";
import type { TenantSpec } from "../../lib/model/schema";
import { GraphRequestError } from "../../lib/graph/errors";
import type { Deployment } from "../sandbox/deploy";
import { SANDBOX_DIR } from "../sandboxToken";
import { pasteable, shellWord } from "../invocation";

const ROOT = path.join(__dirname, "..", "..");
export { SANDBOX_DIR };
/** The bundled example tenant and the HR export it reads (README, quick start). */
const EXAMPLE_SPEC = path.join(ROOT, "examples", "tenants", "contoso.yaml");
const EXAMPLE_CSV = path.join(ROOT, "examples", "hr.csv");

interface SandboxOptions {
  spec?: string;
  csv?: string;
  port: number;
  json?: boolean;
}

/** What the sandbox prints, one JSON line with --json. */
export interface SandboxFacts {
  /** The `graph.baseUrl` to use: pass it as `--graph-url`. */
  baseUrl: string;
  tenantId: string;
  /** A bearer token the emulator accepts, for the spec's tenant: export as INBOUND_GRAPH_TOKEN. */
  token: string;
  /** A file that sets INBOUND_GRAPH_TOKEN when sourced by a POSIX shell (`. <envFile>`). */
  envFile: string;
  spec: string;
  /** The HR file the upload commands send; null when none was given for a spec of the user's. */
  csv: string | null;
  apps: {
    key: string;
    displayName: string;
    servicePrincipalId: string;
    jobId: string;
    bulkUploadUrl: string;
    /**
     * `inbound` arguments that upload the HR file (--csv, or the bundled example's for the bundled
     * spec) to this app; absent without an uploader or an HR file.
     */
    upload?: string[];
    /** `inbound` arguments that summarise this app's provisioning logs. */
    logs: string[];
  }[];
  created: Record<string, number>;
}

function portArgument(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError("It must be a port number from 0 to 65535 (0: any free port).");
  }
  return port;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("sandbox")
    .description(
      "Start the Graph emulator on 127.0.0.1 with a tenant spec deployed in it, for upload and logs without a tenant",
    )
    .option("--spec <file>", "tenant spec to deploy (default: the bundled example, contoso)")
    .option(
      "--csv <file>",
      "the HR file the printed upload command sends (default: the bundled example's, with its spec)",
    )
    .option("--port <n>", "port on 127.0.0.1 (0: any free port)", portArgument, 8777)
    .option("--json", "print the facts as one JSON line")
    .action(async (options: SandboxOptions) => done(await sandbox(options, io)));
}

async function sandbox(options: SandboxOptions, io: CliIo): Promise<number> {
  // Paths are shown as the user would type them from where they are.
  const shown = (file: string) => path.relative(io.cwd, file) || file;
  const specFile = options.spec ?? shown(EXAMPLE_SPEC);
  const loaded = loadSpec(specFile, { cwd: io.cwd });
  for (const d of loaded.diagnostics) {
    if (d.severity === "error") io.err(formatDiagnostic(d) + "\n");
  }
  if (!loaded.spec) return EXIT.failed;
  const spec = loaded.spec;

  // Listened for from here on: a Ctrl+C while the spec deploys still closes the emulator.
  const stopped = (io.untilStopped ?? (() => new Promise<string>(() => undefined)))();
  let stoppedBy: string | undefined;
  void stopped.then((signal) => (stoppedBy = signal));
  const token = sandboxToken(spec.tenant.id);
  let emulator: GraphEmulator;
  try {
    // Nothing reads the request log of a sandbox, which runs until stopped: it keeps none.
    emulator = await startGraphEmulator({
      port: options.port,
      token,
      organization: sandboxOrganization(spec),
      record: false,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "is in use"
        : code === "EACCES"
          ? "may not be opened by this user"
          : `cannot be opened (${(err as Error).message})`;
    io.err(
      `inbound sandbox: port ${options.port} on 127.0.0.1 ${why}; pass another with --port, or --port 0 for any free port\n`,
    );
    return EXIT.failed;
  }

  // Node's fetch refuses the ports the Fetch standard blocks (6000 and 6665-6669 among them,
  // https://fetch.spec.whatwg.org/#port-blocking): the emulator would listen where no command
  // could reach it. Asked of fetch itself rather than from a copy of the list.
  try {
    await fetch(`${emulator.url}/`, { method: "HEAD" });
  } catch (err) {
    await emulator.close();
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    io.err(
      `inbound sandbox: Node's fetch refuses to connect to port ${options.port} (${cause}); pass another with --port, or --port 0 for any free port\n`,
    );
    return EXIT.failed;
  }

  let deployment: Deployment;
  try {
    // Pulumi loads here, after the signal handlers are in place: it takes seconds on a busy
    // machine, and a Ctrl+C meanwhile must still end the command cleanly.
    const { deployToEmulator } = await import("../sandbox/deploy");
    deployment = await deployToEmulator({
      specFile,
      spec,
      cwd: io.cwd,
      graphBaseUrl: emulator.url,
      token,
    });
  } catch (err) {
    await emulator.close();
    // What Graph (here the emulator) refuses, or the program reports, is the spec's problem, as
    // it would be at `pulumi up`; anything else is a bug of inbound's.
    const { DeployError } = await import("../sandbox/deploy");
    if (err instanceof DeployError) {
      for (const m of err.messages) io.err(`${specFile}: the deployment fails: ${m}\n`);
      return EXIT.failed;
    }
    if (err instanceof GraphRequestError) {
      io.err(`${specFile}: the deployment fails: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  }

  if (stoppedBy) {
    await emulator.close();
    io.err(`${stoppedBy}: the sandbox is stopped\n`);
    return EXIT.ok;
  }

  // The printed upload sends the user's HR file; the sample one only goes with the sample spec.
  const bundled = path.resolve(io.cwd, specFile) === EXAMPLE_SPEC;
  const csv = options.csv ?? (bundled ? shown(EXAMPLE_CSV) : undefined);
  // One directory per port, beside the user, so that the lines to paste are the same every time
  // (the README's). The uploader remembers what it sent (lib/upload/state.ts), not where: a state
  // kept from an earlier sandbox would find every record unchanged and send nothing to this fresh
  // one, so what an earlier sandbox on this port left is removed first.
  const home = path.join(io.cwd, SANDBOX_DIR, new URL(emulator.url).port);
  const stateDir = path.join(home, "state");
  const envFile = path.join(home, "env");
  try {
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(envFile, `export INBOUND_GRAPH_TOKEN=${token}\n`, { mode: 0o600 });
  } catch (err) {
    await emulator.close();
    io.err(
      `inbound sandbox: cannot write ${home} (${(err as Error).message}); run it from a directory you can write\n`,
    );
    return EXIT.failed;
  }
  const facts: SandboxFacts = {
    baseUrl: emulator.url,
    tenantId: spec.tenant.id,
    token,
    envFile: shown(envFile),
    spec: specFile,
    csv: csv ?? null,
    apps: deployment.apps.map((app) => {
      const target = ["--spec", specFile, "--app", app.key];
      const graph = ["--graph-url", emulator.url];
      return {
        ...app,
        ...(spec.provisioning[app.key].uploader && csv !== undefined
          ? {
              upload: [
                "upload",
                ...target,
                "--csv",
                csv,
                ...graph,
                "--state",
                shown(path.join(stateDir, app.key)),
              ],
            }
          : {}),
        logs: ["logs", ...target, "--since", "1h", ...graph],
      };
    }),
    created: deployment.created,
  };
  io.out(options.json ? JSON.stringify(facts) + "\n" : describeSandbox(io, facts));

  const signal = await stopped;
  await emulator.close();
  fs.rmSync(home, { recursive: true, force: true });
  if (!options.json) io.err(`${signal}: the sandbox is stopped; what it held is gone\n`);
  return EXIT.ok;
}

/**
 * The organization the sandbox's emulator answers `GET /organization` with: the spec's tenant, so
 * that what reads it (`inbound export`'s tenant name and domain) names the spec's tenant.
 */
export function sandboxOrganization(spec: Pick<TenantSpec, "tenant">): EmulatedOrganization {
  return { id: spec.tenant.id, displayName: spec.tenant.name, domain: spec.tenant.domain };
}

/**
 * A token shaped like an Entra access token whose `tid` is the spec's tenant, so the CLI's check
 * that a token is for the spec's tenant passes as it would against the real tenant. Unsigned: only
 * this emulator accepts it, and only while it runs.
 */
export function sandboxToken(tenantId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    part({ typ: "JWT", alg: "none" }),
    part({ aud: "https://graph.microsoft.com", tid: tenantId, sub: "inbound-sandbox" }),
    randomUUID().replace(/-/g, ""),
  ].join(".");
}

/** The facts for a person: where Graph is, and the lines to paste into another shell. */
export function describeSandbox(io: CliIo, facts: SandboxFacts): string {
  // Started the way the sandbox was: `npm run -s inbound --` in the repository, `npx inbound`...
  const command = (args: string[]) => pasteable(io.command, args);
  const counts = Object.entries(facts.created)
    .map(([type, n]) => `${n} ${resourceKind(type)}`)
    .join(", ");
  const lines = [
    paint(io, "bold", `Graph emulator at ${facts.baseUrl}`) +
      ` with ${facts.spec} deployed (tenant ${facts.tenantId})`,
    paint(io, "dim", `created: ${counts}`),
    "",
  ];
  for (const app of facts.apps) {
    lines.push(`provisioning app ${app.key} (${app.displayName})`);
    lines.push(`  bulkUpload: ${app.bulkUploadUrl}`);
  }
  lines.push(
    "",
    "In another shell, from this directory:",
    "",
    `  . ${shellWord(facts.envFile)}    # sets INBOUND_GRAPH_TOKEN=${facts.token}`,
  );
  for (const app of facts.apps) {
    if (app.upload) lines.push(`  ${command(app.upload)}`);
    lines.push(`  ${command(app.logs)}`);
  }
  if (facts.csv === null) {
    lines.push("", "No upload command: start the sandbox with --csv <your HR file> for one.");
  }
  lines.push(
    "",
    paint(
      io,
      "dim",
      "The emulator holds everything in memory and processes each record at once. Press Ctrl+C to stop.",
    ),
  );
  return lines.join("\n") + "\n";
}

/** `inbound-provisioning-job` of a dynamic resource's type, `ApplicationFromTemplate` of another. */
function resourceKind(type: string): string {
  const dynamic = /^pulumi-nodejs:dynamic\/inbound-(.+):Resource$/.exec(type);
  return dynamic ? dynamic[1] : (type.split(":").pop() ?? type);
}
