/**
 * How long the command line takes to start, against Node itself (issue 13): `inbound --help` and
 * `inbound validate examples/tenants/contoso.yaml`, each as a whole process the way a user runs it,
 * against a bare `node -e 0`. Target: `--help` under 3x a bare Node start.
 *
 * Runs alternate (Node, --help, validate, Node, ...) so that a machine that slows down or speeds up
 * weighs on all alike, and each ratio is taken pair by pair and its median quoted. The first round
 * is not counted: it fills the TypeScript loader's cache (bin/typescript.js), which every later run
 * of an unchanged checkout finds.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const ROUNDS = 15;

const COMMANDS: [label: string, args: string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["inbound --help", [path.join(ROOT, "bin", "inbound.js"), "--help"]],
  [
    "inbound validate",
    [
      path.join(ROOT, "bin", "inbound.js"),
      "validate",
      path.join(ROOT, "examples/tenants/contoso.yaml"),
    ],
  ],
];

/** Wall seconds of one run, from spawn to exit; fails on a non-zero exit. */
function seconds(args: string[]): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0)
    throw new Error(`${args.join(" ")} exited ${child.status}: ${child.stderr}`);
  return elapsed;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(): Promise<void> {
  for (const [, args] of COMMANDS) seconds(args);
  const times = COMMANDS.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    COMMANDS.forEach(([, args], i) => times[i].push(seconds(args)));
  }
  const ratios = times.map((t) => median(t.map((s, round) => s / times[0][round])));
  COMMANDS.forEach(([label], i) => {
    const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
    const figure = `${label.padEnd(18)} median ${ms(median(times[i]))} (min ${ms(Math.min(...times[i]))}, max ${ms(Math.max(...times[i]))}) over ${ROUNDS} runs`;
    if (i === 0) return console.log(figure);
    const target = label === "inbound --help" ? 3 : undefined;
    const verdict =
      target === undefined ? "" : `; target < ${target}x ${ratios[i] < target ? "ok" : "MISSED"}`;
    console.log(`${figure}: ${ratios[i].toFixed(2)}x a bare Node start${verdict}`);
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
