/**
 * How the user started inbound, so that every command it prints for pasting starts the same way:
 * `npm run -s inbound --` in its repository, `npx inbound` in a project that installed it,
 * `inbound` when installed globally, `node path/to/bin/inbound.js` when started so. The silent
 * form of `npm run`, because npm's banner would land in the output of `--json` or `--markdown`.
 */
import * as path from "path";

/** `text` as one POSIX shell word. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The words that start inbound as this process was started: from npm's environment (a script,
 * `npx`/`npm exec`) and, outside npm, from the path the process was started by.
 */
export function invocation(env: NodeJS.ProcessEnv, argv: readonly string[], cwd: string): string {
  const event = env.npm_lifecycle_event;
  // `npm run inbound -- ...`: a script that is the command itself (not `npm start`'s plan).
  if (
    event &&
    env.npm_command?.startsWith("run") &&
    /(^|[\s/])(inbound|bin\/inbound\.js)$/.test(env.npm_lifecycle_script ?? "")
  ) {
    return `npm run -s ${shellWord(event)} --`;
  }
  if (env.npm_command === "exec") return "npx inbound";
  const script = argv[1];
  if (!script) return "inbound";
  // The bin link npm made: a project's own (npx finds it) or a global one (on the PATH).
  if (path.basename(script) === "inbound") {
    return path.dirname(path.resolve(script)) ===
      path.join(path.resolve(cwd), "node_modules", ".bin")
      ? "npx inbound"
      : "inbound";
  }
  if (path.basename(script) === "inbound.js") {
    const relative = path.relative(cwd, script);
    return `node ${shellWord(relative.startsWith("..") || relative === "" ? script : relative)}`;
  }
  return "inbound";
}

/** `args` as a command line to paste, started the way this run was. */
export function pasteable(command: string | undefined, args: readonly string[]): string {
  return [command ?? "inbound", ...args.map(shellWord)].join(" ");
}
