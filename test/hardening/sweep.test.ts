/**
 * Every command, every file or directory it is given, and each way such a path can be wrong: a
 * path that is not there, a directory where a file belongs (or a file where a directory does), a
 * FIFO that no one writes. Whatever it is, the user gets exit 1 or 2 and a message, never exit 70
 * (an internal error), a stack trace or a command that waits for ever. Each case runs in a process
 * of its own, as users run the command, so that a read that blocks is a timeout here instead of a
 * hung test run; the cases run a few at a time.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { csvOf, makeSpecInput, row } from "../upload/helpers";

const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "inbound.js");
/** A closed port on the loopback: no case may reach Graph, and none may wait for it. */
const NOWHERE = "http://127.0.0.1:9";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-sweep-"));
  fs.writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
  fs.writeFileSync(path.join(dir, "hr.csv"), csvOf([row("1")]));
  fs.mkdirSync(path.join(dir, "adir"));
  execFileSync("mkfifo", [path.join(dir, "pipe")]);
  // `diff --all` compares with a git revision: one commit to compare with.
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q");
  git(
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.com",
    "commit",
    "-q",
    "--allow-empty",
    "-m",
    "t",
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const spec = ["--spec", "tenant.yaml", "--app", "employees"];
// No case creates a path another case names: the cases run at the same time, in one directory.
const BAD_FILES = ["missing.yaml", "adir", "pipe"];

/** [what, arguments with `@` where the bad path goes, the bad paths]. */
const CASES: [string, string[], string[]][] = [
  ["validate <spec>", ["validate", "@"], BAD_FILES],
  ["validate --csv-header", ["validate", "tenant.yaml", "--csv-header", "@"], BAD_FILES],
  ["validate --csv", ["validate", "tenant.yaml", "--csv", "@"], BAD_FILES],
  ["plan <spec>", ["plan", "@"], BAD_FILES],
  [
    "simulate --spec",
    ["simulate", "--spec", "@", "--app", "employees", "--csv", "hr.csv"],
    BAD_FILES,
  ],
  ["simulate --csv", ["simulate", ...spec, "--csv", "@"], BAD_FILES],
  ["upload --spec", ["upload", "--spec", "@", "--app", "employees", "--csv", "hr.csv"], BAD_FILES],
  ["upload --csv", ["upload", ...spec, "--csv", "@", "--graph-url", NOWHERE], BAD_FILES],
  [
    "upload --state",
    ["upload", ...spec, "--csv", "hr.csv", "--state", "@", "--graph-url", NOWHERE],
    ["hr.csv"],
  ],
  ["logs --spec", ["logs", "--spec", "@", "--app", "employees", "--graph-url", NOWHERE], BAD_FILES],
  [
    "report --spec",
    ["report", "--spec", "@", "--app", "employees", "--graph-url", NOWHERE],
    BAD_FILES,
  ],
  ["report --state", ["report", ...spec, "--state", "@", "--graph-url", NOWHERE], ["hr.csv"]],
  ["drift --spec", ["drift", "--spec", "@", "--graph-url", NOWHERE], BAD_FILES],
  ["diff <base>", ["diff", "@", "tenant.yaml"], BAD_FILES],
  ["diff <head>", ["diff", "tenant.yaml", "@"], BAD_FILES],
  ["diff --all", ["diff", "--all", "@", "--base-ref", "HEAD"], ["missing-dir", "hr.csv"]],
  ["stacks --dir", ["stacks", "--dir", "@"], ["missing-dir", "hr.csv"]],
  ["init --csv", ["init", "--csv", "@"], BAD_FILES],
  ["init --out", ["init", "--out", "@"], ["adir", "tenant.yaml"]],
];

interface Outcome {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
}

function runOne(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        // A token for the spec's tenant, so that no case stops at sign-in before its path.
        env: { ...process.env, INBOUND_GRAPH_TOKEN: "x", NO_COLOR: "1" },
        timeout: 30_000,
        killSignal: "SIGKILL",
      },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ args, code, signal: error?.signal ?? null, err: stderr });
      },
    );
  });
}

async function inBatches<T, R>(items: T[], size: number, each: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...(await Promise.all(items.slice(i, i + size).map(each))));
  }
  return results;
}

test("no path a user can give ends in exit 70, a stack trace or a wait for ever", async () => {
  const runs = CASES.flatMap(([what, template, paths]) =>
    paths.map((bad) => ({ what, bad, args: template.map((a) => (a === "@" ? bad : a)) })),
  );
  const outcomes = await inBatches(runs, 4, async (r) => ({ ...r, ...(await runOne(r.args)) }));
  const wrong = outcomes
    .filter(
      (o) =>
        o.signal !== null ||
        o.code === 70 ||
        o.code === 0 ||
        /\n\s+at .+:\d+:\d+\)?\n/.test(o.err) ||
        o.err.trim() === "",
    )
    .map(
      (o) =>
        `${o.what} ${o.bad}: ${o.signal ? `killed (${o.signal})` : `exit ${o.code}`}\n${o.err}`,
    );
  expect(wrong).toEqual([]);
  // Every refusal names the path it refused.
  const unnamed = outcomes
    .filter((o) => !o.err.includes(o.bad.split("/")[0]))
    .map((o) => `${o.what} ${o.bad}: ${o.err}`);
  expect(unnamed).toEqual([]);
}, 300_000);

test("a diff side or --base-ref that starts with '-' is refused, never passed to git (issue 26, case 16)", async () => {
  const dashed = await runOne(["diff", "--", "-x:tenant.yaml", "tenant.yaml"]);
  expect(dashed.code).toBe(1);
  expect(dashed.err).toBe(
    "-x:tenant.yaml: starts with '-', which git would read as an option; name the file as ./<file> or the revision without it\n",
  );
  const ref = await runOne(["diff", "--all", ".", "--base-ref=--output=ref.txt"]);
  expect(ref.code).toBe(1);
  expect(ref.err).toContain("starts with '-', which git would read as an option");
  expect(fs.existsSync(path.join(dir, "ref.txt"))).toBe(false);
});
