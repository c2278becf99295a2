import { execFileSync } from "child_process";
import * as path from "path";
import { LoadResult, loadSpec } from "../loader/load";

/**
 * Loads one side of a diff: a tenant file, or `<rev>:<path>` read from git at that revision, so
 * a base file it `extends` is read at the same revision (git show, no shell).
 */
export function loadSide(side: string, cwd: string): LoadResult {
  // `--output=x:y` reached `git show` as an option (and git wrote a file): a side is a file or a
  // revision, never an option.
  refuseOption(side);
  const m = /^([^:]+):(.+)$/.exec(side);
  if (!m || /^[A-Za-z]$/.test(m[1])) return loadSpec(side, { cwd });
  const rev = m[1];
  const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd }).toString().trim();
  return loadSpec(m[2], {
    cwd,
    readFile: (file) => {
      const rel = path.relative(root, path.resolve(cwd, file)).split(path.sep).join("/");
      return execFileSync("git", ["show", "--end-of-options", `${rev}:${rel}`], {
        cwd: root,
        stdio: "pipe",
      });
    },
  });
}

/** A diff side or revision that starts with `-` is refused: git would read it as an option. */
export function refuseOption(value: string): void {
  if (value.startsWith("-")) {
    throw new Error(
      "starts with '-', which git would read as an option; name the file as ./<file> or the revision without it",
    );
  }
}
