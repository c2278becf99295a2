import { Command, CommanderError, Option } from "commander";
import { CliIo, EXIT, processIo } from "./io";
import { version } from "../package.json";

/** A command module: adds its subcommand to the program and reports its exit code through `done`. */
export interface CommandModule {
  register(program: Command, io: CliIo, done: (code: number) => void): void;
}

interface CommandEntry {
  name: string;
  /** The line in `inbound --help`; the command's own help shows its module's description. */
  summary: string;
  load: () => Promise<CommandModule>;
}

/**
 * Every command, in the order `inbound --help` lists them. A command module is loaded only when
 * its command runs: `plan` needs Pulumi (and with it gRPC, about 150 MB and two seconds), which
 * `validate`, `expr` and `--help` must not pay for, and `upload` reads a million rows in the memory
 * Pulumi would otherwise hold.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "init",
    summary: "Write a starter tenant file, the column mappings proposed from an HR file's header",
    load: () => import("./commands/init"),
  },
  {
    name: "validate",
    summary:
      "Check tenant spec files offline: YAML, schema, extends, variables, expressions, workflows",
    load: () => import("./commands/validate"),
  },
  {
    name: "expr",
    summary: "Evaluate, check or compile an Entra attribute-mapping expression offline",
    load: () => import("./commands/expr"),
  },
  {
    name: "plan",
    summary: "Show offline what `pulumi up` would create, and the exact Graph requests",
    load: () => import("./commands/plan"),
  },
  {
    name: "diff",
    summary: "Review what changed between two tenant specs, and the risky changes",
    load: () => import("./commands/diff"),
  },
  {
    name: "stacks",
    summary: "Check or write the Pulumi.<tenant>.yaml stack settings of every tenant file",
    load: () => import("./commands/stacks"),
  },
  {
    name: "upload",
    summary: "Send the HR CSV to the app's bulkUpload endpoint: only new or changed records",
    load: () => import("./commands/upload"),
  },
  {
    name: "simulate",
    summary:
      "Show offline, per HR record, the SCIM record, the user the mappings produce, and the scope",
    load: () => import("./commands/simulate"),
  },
  {
    name: "logs",
    summary: "Summarise the provisioning logs per uploaded record (success, failure, skipped)",
    load: () => import("./commands/logs"),
  },
  {
    name: "report",
    summary:
      "Join what an upload sent with Entra's provisioning logs, per record, as text, JSON or HTML",
    load: () => import("./commands/report"),
  },
  {
    name: "sandbox",
    summary:
      "Start the Graph emulator with a tenant deployed in it: upload and logs without a tenant",
    load: () => import("./commands/sandbox"),
  },
  {
    name: "drift",
    summary: "Compare the live tenant with the spec, without Pulumi state (exit 4 on drift)",
    load: () => import("./commands/drift"),
  },
  {
    name: "export",
    summary: "Write a tenant spec from a live tenant (reads only), and the ids that adopt it",
    load: () => import("./commands/export"),
  },
  {
    name: "schema",
    summary:
      "Print the tenant spec's JSON Schema, or regenerate config/tenant-spec.schema.json and docs/tenant-spec.md",
    load: () => import("./commands/schema"),
  },
];

/**
 * The command a command line runs (`inbound help upload` asks for upload's help): the first word
 * that is not an option, as the program itself takes no option with a value.
 */
function invokedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

/** What a usage error of `command` ends with: where its usage is. */
export const usageHint = (command: string) => `(run \`${command} --help\` for usage)`;

/**
 * Commander checks the required options before it looks for unknown ones, so `upload --cvs hr.csv`
 * said that --csv was missing and nothing of the typo. The unknown option, with its did-you-mean,
 * is the message that helps: it is reported first.
 */
function unknownOptionFirst(command: Command): void {
  let unknown: string[] = [];
  const parseOptions = command.parseOptions.bind(command);
  command.parseOptions = (args) => {
    const parsed = parseOptions(args);
    unknown = parsed.unknown;
    return parsed;
  };
  // Commander's own error paths, so that the message is exactly commander's.
  const internal = command as unknown as {
    missingMandatoryOptionValue(option: Option): void;
    unknownOption(flag: string): void;
  };
  const missing = internal.missingMandatoryOptionValue.bind(command);
  internal.missingMandatoryOptionValue = (option) =>
    unknown[0]?.startsWith("-") ? internal.unknownOption(unknown[0]) : missing(option);
}

/**
 * Runs the CLI and resolves to the process exit code. Never calls process.exit itself, so tests
 * drive it in-process.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command("inbound")
    .description("HR-driven identity for Microsoft Entra ID, as code")
    .version(version, "-V, --version", "print inbound's version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(usageHint("inbound"));
  const invoked = invokedCommand(argv.slice(2));
  for (const entry of COMMANDS) {
    if (entry.name === invoked) {
      (await entry.load()).register(program, io, (c) => (code = c));
      program.commands.find((c) => c.name() === entry.name)?.summary(entry.summary);
    } else {
      // Enough for the command list and for did-you-mean on a misspelt command.
      program.command(entry.name).summary(entry.summary);
    }
  }
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError(usageHint(`inbound ${command.name()}`));
    unknownOptionFirst(command);
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests are "errors" to commander; they are successes to the user.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw err;
  }
  // A command that finds its options unusable (a malformed --input, --since) says what is wrong;
  // where the usage is written is the same for every command, so it is said here.
  if (code === EXIT.usage && invoked !== undefined) io.err(usageHint(`inbound ${invoked}`) + "\n");
  return code;
}
