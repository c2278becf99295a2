/**
 * The `inbound` command line in process, as a user runs it (cli/main's `run`, every command
 * registered), with its output captured; and bin/inbound.js in a process of its own, for what
 * only a whole process shows (`inbound plan`'s Pulumi runtime).
 */
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import type { CliIo } from "../../cli/io";
import { run } from "../../cli/main";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  isTTY?: boolean;
  /** How the user started inbound, for the commands it prints (CliIo.command). */
  command?: string;
}

export async function inbound(args: string[], options: CliOptions = {}): Promise<CliResult> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    command: options.command,
  };
  const code = await run(["node", "inbound", ...args], io);
  return { code, out, err };
}

const ROOT = path.join(__dirname, "..", "..");

/** bin/inbound.js with `args`, in a child process in the repository, without colour: its stdout. */
export async function inboundProcess(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "bin", "inbound.js"), ...args],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
  );
  return stdout;
}

/** A resource of `inbound plan --json`. */
export interface PlannedResource {
  type: string;
  name: string;
  parent: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inputs: Record<string, any>;
}

/** The resources `inbound plan <spec> --json` lists. */
export async function plannedResources(spec: string): Promise<PlannedResource[]> {
  return (
    JSON.parse(await inboundProcess("plan", spec, "--json")) as { resources: PlannedResource[] }
  ).resources;
}

/** The planned resource called `name`; throws if there is none. */
export function plannedNamed(resources: PlannedResource[], name: string): PlannedResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no planned resource ${name}`);
  return found;
}
