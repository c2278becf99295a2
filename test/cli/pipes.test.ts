/**
 * Every command that can print more than 64 KB, run as pipelines run it: its standard output a
 * real pipe (bash's `|`) to a reader that takes a chunk, then pauses. What arrives must be the
 * bytes the same command writes to a file, with the command's own exit code; Node queues what a
 * pipe does not take at once, and exiting without waiting for the queue cut the output at 64 KB.
 * A reader that leaves after one line (`| head -1`) ends the command quietly. One sandbox (the
 * emulator with the example deployed, in a child process) serves the commands that read Graph.
 */
import { execFile, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import type { SandboxFacts } from "../../cli/commands/sandbox";

const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "inbound.js");
const SPEC = path.join(ROOT, "examples", "tenants", "contoso.yaml");
const run = promisify(execFile);

let dir: string;
let sandbox: ChildProcess | undefined;
let facts: SandboxFacts;
let env: NodeJS.ProcessEnv;

/** The example's HR file grown to 1,000 people, each a copy of a sample row with a new id. */
function thousandRows(): string {
  const [header, ...rows] = fs
    .readFileSync(path.join(ROOT, "examples", "hr.csv"), "utf8")
    .trim()
    .split("\n");
  const out = [header];
  for (let i = 0; i < 1000; i++) {
    const cells = rows[i % rows.length].split(",");
    cells[0] = String(20000 + i);
    cells[3] = `EMP${20000 + i}`;
    // One account name each: people who share a name are flagged, and simulate exits 3.
    cells[4] = `${cells[4]}${i}`;
    cells[6] = `${cells[4]} ${cells[5]}`;
    cells[7] = "";
    out.push(cells.join(","));
  }
  return out.join("\n") + "\n";
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-pipes-"));
  fs.writeFileSync(path.join(dir, "hr.csv"), thousandRows());
  // A reader slower than the writer: it takes one chunk, then waits before the next.
  fs.writeFileSync(
    path.join(dir, "slow.js"),
    `const out = require("fs").createWriteStream(process.argv[2]);
process.stdin.on("data", (chunk) => {
  out.write(chunk);
  process.stdin.pause();
  setTimeout(() => process.stdin.resume(), 2);
});
process.stdin.on("end", () => out.end());
`,
  );
  // A head spec whose every mapping differs and that adds 90 workflows: a long review.
  const workflows = Array.from(
    { length: 90 },
    (_, i) =>
      `  onboard-copy-${i}:\n` +
      "    category: joiner\n" +
      `    displayName: Onboard copy ${i} with a longer name for the review\n` +
      `    trigger: { attribute: employeeHireDate, offsetDays: -${i % 10} }\n` +
      `    scope: "(department eq 'IT${i}') and (jobTitle eq 'Engineer ${i}')"\n` +
      "    tasks: [sendWelcomeEmail, { addUserToGroups: { groups: [All Employees] } }]\n",
  ).join("");
  const head = fs
    .readFileSync(SPEC, "utf8")
    .replace(/"\[([A-Za-z:.]+)\]"/g, '"StripSpaces([$1])"')
    .replace("lifecycleWorkflows:\n", `lifecycleWorkflows:\n${workflows}`)
    .replace(/contoso\.com/g, "fabrikam.com")
    .replace(/\.\.\/base\//g, `${path.join(path.dirname(SPEC), "..", "base")}/`);
  fs.writeFileSync(path.join(dir, "head.yaml"), head);

  sandbox = spawn(process.execPath, [BIN, "sandbox", "--spec", SPEC, "--port", "0", "--json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  facts = JSON.parse(await firstLine(sandbox)) as SandboxFacts;
  env = { ...process.env, INBOUND_GRAPH_TOKEN: facts.token };
  await run(process.execPath, [BIN, ...uploadArgs()], { cwd: dir, env });
}, 60_000);

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((resolve) => sandbox!.once("exit", resolve));
    sandbox.kill("SIGINT");
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited ${code}: ${err}`)));
  });
}

const graph = () => ["--graph-url", facts.baseUrl];
const app = ["--spec", SPEC, "--app", "employees"];
const state = ["--state", "state"];
const uploadArgs = () => ["upload", ...app, "--csv", "hr.csv", ...graph(), ...state];

const quote = (args: readonly string[]) =>
  args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");

/** The command's stdout written to a file, and through a pipe to the slow reader. */
async function bothWays(args: readonly string[]) {
  const command = `${quote([process.execPath, BIN, ...args])}`;
  const script =
    `${command} > file.out 2> file.err; echo $? > file.code; ` +
    `${command} 2> pipe.err | ${quote([process.execPath, "slow.js", "pipe.out"])}; ` +
    `echo "\${PIPESTATUS[0]}" > pipe.code`;
  await run("bash", ["-c", script], { cwd: dir, env, maxBuffer: 1 << 20 });
  const read = (name: string) => fs.readFileSync(path.join(dir, name));
  return {
    file: read("file.out"),
    pipe: read("pipe.out"),
    fileCode: read("file.code").toString().trim(),
    pipeCode: read("pipe.code").toString().trim(),
    fileErr: read("file.err").toString(),
    pipeErr: read("pipe.err").toString(),
  };
}

/**
 * [what, arguments, the least it prints, its exit code]: diff exits 3 on changes; export's exit
 * and its stderr (the gaps it lists after the spec) are compared with the file's only.
 */
const commands = (): [string, string[], number, string?][] => [
  ["simulate --json", ["simulate", ...app, "--csv", "hr.csv", "--json"], 1 << 20, "0"],
  ["plan --json", ["plan", SPEC, "--json"], 64 * 1024, "0"],
  ["diff --markdown", ["diff", SPEC, "head.yaml", "--markdown"], 32 * 1024, "3"],
  ["diff --json", ["diff", SPEC, "head.yaml", "--json"], 64 * 1024, "3"],
  ["logs --json", ["logs", ...app, "--since", "1h", "--json", ...graph()], 64 * 1024, "0"],
  ["report --json", ["report", ...app, ...state, "--json", ...graph()], 64 * 1024, "0"],
  ["export", ["export", "--tenant", facts.tenantId, ...graph()], 0],
];

test("each command's output through a pipe to a slow reader is the output it writes to a file, with its exit code", async () => {
  for (const [what, args, atLeast, code] of commands()) {
    const got = await bothWays(args);
    expect({ what, code: got.pipeCode, err: got.pipeErr }).toEqual({
      what,
      code: got.fileCode,
      err: got.fileErr,
    });
    // `report` says when it was made: the one difference between two runs.
    const timeless = (out: Buffer) => out.toString().replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>");
    expect({ what, out: timeless(got.pipe) }).toEqual({ what, out: timeless(got.file) });
    expect({ what, big: got.file.length >= atLeast }).toEqual({ what, big: true });
    if (code !== undefined) {
      expect({ what, code: got.fileCode, err: got.fileErr }).toEqual({ what, code, err: "" });
    }
  }
}, 300_000);

test("a reader that leaves after the first line ends the command quietly, with its exit code", async () => {
  const script =
    `${quote([process.execPath, BIN, "simulate", ...app, "--csv", "hr.csv", "--json"])} 2> err.txt | head -1 > first.txt; ` +
    `echo "\${PIPESTATUS[0]}"`;
  const { stdout } = await run("bash", ["-c", script], { cwd: dir, env });
  expect(stdout.trim()).toBe("0");
  expect(fs.readFileSync(path.join(dir, "err.txt"), "utf8")).toBe("");
  expect(fs.readFileSync(path.join(dir, "first.txt"), "utf8")).toBe("{\n");
}, 30_000);
