import { Command, CommanderError } from "commander";
import { CliIo, EXIT, processIo } from "./io";
import * as validate from "./commands/validate";
import * as plan from "./commands/plan";
import * as expr from "./commands/expr";
import * as upload from "./commands/upload";
import * as simulate from "./commands/simulate";
import * as logs from "./commands/logs";
import * as schema from "./commands/schema";

/** A command module: adds its subcommand to the program and reports its exit code through `done`. */
export interface CommandModule {
  register(program: Command, io: CliIo, done: (code: number) => void): void;
}

const commands: CommandModule[] = [validate, expr, plan, upload, simulate, logs, schema];

/**
 * Runs the CLI and resolves to the process exit code. Never calls process.exit itself, so tests
 * drive it in-process.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("inbound")
    .description("HR-driven identity for Microsoft Entra ID, as code")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run `inbound --help` for usage)");
  for (const command of commands) {
    command.register(program, io, (c) => (code = c));
  }
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests are "errors" to commander; they are successes to the user.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  return code;
}
