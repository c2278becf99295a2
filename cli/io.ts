import * as fs from "fs";
import * as path from "path";
import { InvalidArgumentError } from "commander";
import { graphUrlProblem } from "../lib/graph/hosts";
import { regularFileProblem } from "../lib/loader/files";
import { invocation } from "./invocation";

/**
 * What a command may touch of the outside world. Commands never use `process` directly, so tests
 * run them in-process with captured streams, and colour is decided once, from the real TTY.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal: enables colour and progress bars. */
  readonly isTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /**
   * How the user started inbound (`npx inbound`, `npm run -s inbound --`...; cli/invocation.ts),
   * for the commands printed for pasting; `inbound` when absent.
   */
  readonly command?: string;
  /**
   * Resolves with the signal's name at the first SIGINT or SIGTERM, for a command that runs
   * until it is stopped (`sandbox`); without it such a command runs until the process ends.
   */
  untilStopped?: () => Promise<string>;
}

export function processIo(): CliIo {
  return {
    // A reader that went away (`| head -1`) destroys the stream; the rest of the output is dropped
    // and the command ends as it would have (bin/exit.js).
    out: (text) => void (process.stdout.destroyed || process.stdout.write(text)),
    err: (text) => void (process.stderr.destroyed || process.stderr.write(text)),
    isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
    cwd: process.cwd(),
    command: invocation(process.env, process.argv, process.cwd()),
    untilStopped: () =>
      new Promise((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve(signal);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      }),
  };
}

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  /** Invalid input, refused or failed. */
  failed: 1,
  /** Bad command-line usage. */
  usage: 2,
  /** Partly done (the uploader sent some records but not all). */
  partial: 3,
} as const;

const codes = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof codes;

export function paint(io: CliIo, colour: Colour, text: string): string {
  return io.isTTY ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

/**
 * Terminal control sequences (CSI such as colours and cursor moves, OSC such as window titles
 * and hyperlinks, and the 8-bit C1 forms of both) and every other C0/C1 control but tab and
 * newline: text from the service or the HR file must not be able to rewrite the terminal, hide
 * lines or fake output.
 */
const CONTROLS = new RegExp(
  [
    "\\u001b\\[[0-?]*[ -/]*[@-~]",
    "\\u009b[0-?]*[ -/]*[@-~]",
    "[\\u001b][\\]PX^_][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c)",
    "[\\u009d\\u0090\\u0098\\u009e\\u009f][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c)",
    "\\u001b[ -/]*[0-~]?",
    "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]",
  ].join("|"),
  "g",
);

/** `text` with terminal control sequences removed; newlines and tabs are kept. */
export function safeText(text: string): string {
  return text.replace(CONTROLS, "");
}

/**
 * Commander parser of an option naming a Graph URL (`--endpoint`, `--graph-url`): the URL
 * receives the Graph token, so anything but Graph is a usage error before anything runs.
 */
export function graphUrlArgument(value: string): string {
  const problem = graphUrlProblem(value);
  if (problem) throw new InvalidArgumentError(`It receives the Graph token, so it ${problem}.`);
  return value;
}

/**
 * Refuses an input file that is missing or unreadable, or is not a regular file (a device, a
 * FIFO, `/dev/stdin`), which would be read forever or wait for a writer; true when it was refused
 * and said so. The readers behind these options stream the file, and a stream's open error would
 * otherwise surface as an internal error (exit 70) instead of the user's exit 1.
 */
export function refuseIrregularFile(
  io: CliIo,
  option: string,
  file: string,
  onDisk: string,
): boolean {
  const problem = unreadableProblem(onDisk) ?? regularFileProblem(onDisk);
  if (problem) io.err(`${option} ${file}: ${problem}\n`);
  return problem !== undefined;
}

function unreadableProblem(onDisk: string): string | undefined {
  try {
    fs.accessSync(onDisk, fs.constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `there is no such file (looked for ${onDisk})`;
    if (code === "EACCES") return "it may not be read (permission denied)";
    return `it cannot be read (${code ?? (err as Error).message})`;
  }
}

const KINDS: [(s: fs.Stats) => boolean, string][] = [
  [(s) => s.isSymbolicLink(), "a symbolic link"],
  [(s) => s.isFIFO(), "a FIFO (named pipe)"],
  [(s) => s.isDirectory(), "a directory"],
  [(s) => s.isCharacterDevice() || s.isBlockDevice(), "a device"],
  [(s) => s.isSocket(), "a socket"],
];

/**
 * Writes an output file (`--out`, `--html`, `--adopt`) the one way every command does: an
 * existing file is replaced only with --force, and a path that is not a regular file (a symbolic
 * link, which would replace whatever it points to; a FIFO, which blocks until someone reads it)
 * is refused even then. True when written; otherwise the reason is printed.
 */
export function writeOutput(
  io: CliIo,
  command: string,
  option: string,
  file: string,
  text: string,
  force: boolean,
): boolean {
  const target = path.resolve(io.cwd, file);
  let stats: fs.Stats | undefined;
  try {
    stats = fs.lstatSync(target);
  } catch {
    stats = undefined;
  }
  const kind = stats && KINDS.find(([is]) => is(stats!))?.[1];
  if (kind) {
    io.err(
      `inbound ${command}: ${option} ${file} is ${kind}, not a regular file; name another path\n`,
    );
    return false;
  }
  try {
    // "wx" refuses an existing file in the same step that creates it; O_NOFOLLOW refuses a
    // symbolic link put there since the check.
    const flags = force
      ? fs.constants.O_WRONLY |
        fs.constants.O_CREAT |
        fs.constants.O_TRUNC |
        fs.constants.O_NOFOLLOW
      : "wx";
    fs.writeFileSync(target, text, { flag: flags as unknown as string });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(
      code === "EEXIST"
        ? `inbound ${command}: ${option} ${file} exists; add --force to replace it\n`
        : `inbound ${command}: cannot write ${option} ${file}: ${code ?? String(err)}\n`,
    );
    return false;
  }
}
