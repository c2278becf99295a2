/**
 * The `inbound` command line in process, as a user runs it (cli/main's `run`, every command
 * registered), with its output captured.
 */
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
