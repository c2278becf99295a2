import { InvalidArgumentError } from "commander";
import { graphUrlProblem } from "../lib/graph/hosts";
import { regularFileProblem } from "../lib/spec/files";

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
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
    cwd: process.cwd(),
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
 * Commander parser of an option naming a Graph URL (`--endpoint`, `--graph-url`): the URL
 * receives the Graph token, so anything but Graph is a usage error before anything runs.
 */
export function graphUrlArgument(value: string): string {
  const problem = graphUrlProblem(value);
  if (problem) throw new InvalidArgumentError(`It receives the Graph token, so it ${problem}.`);
  return value;
}

/**
 * Refuses an input file that is not a regular file (a device, a FIFO, `/dev/stdin`), which
 * would be read forever or wait for a writer; true when it was refused and said so.
 */
export function refuseIrregularFile(
  io: CliIo,
  option: string,
  file: string,
  onDisk: string,
): boolean {
  const problem = regularFileProblem(onDisk);
  if (problem) io.err(`${option} ${file}: ${problem}\n`);
  return problem !== undefined;
}
