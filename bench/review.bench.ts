/**
 * `inbound diff --csv` (issue 24): the impact of a change over a 1,000,000-row HR file may cost
 * at most 2.5x one `simulate` of that file (CPU time, as the machine is shared), with peak RSS
 * under 400 MB. Each run is a process of its own (bench/review.child.ts), whose peak is the
 * kernel's max RSS. The change: a fifth of the people leave the scope and every job title
 * changes, so that every row is touched.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { generate } from "./upload.bench";
import type { ReviewReport } from "./review.child";

const ROWS = 1_000_000;
const ROOT = path.join(__dirname, "..");

function runChild(mode: "simulate" | "impact", file: string): ReviewReport {
  const script = `require(${JSON.stringify(path.join(ROOT, "bin", "typescript.js"))});
require(${JSON.stringify(path.join(__dirname, "review.child.ts"))}).run(${JSON.stringify(mode)}, ${JSON.stringify(file)}).catch((err) => { console.error(err); process.exit(1); });`;
  // simulate keeps every record (the report lists them all): at 1M rows that passes Node's default
  // heap limit, so its run gets room; the impact runs under the default.
  const room = mode === "simulate" ? ["--max-old-space-size=12288"] : [];
  const child = spawnSync(process.execPath, [...room, "-e", script], {
    encoding: "utf8",
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`${mode} run failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as ReviewReport;
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "inbound-bench-review-"));
  try {
    const file = path.join(dir, "hr-1m.csv");
    await generate(file, ROWS);
    const simulated = runChild("simulate", file);
    const impact = runChild("impact", file);
    const ratio = impact.cpuSeconds / simulated.cpuSeconds;
    console.log(
      `simulate, 1M rows:    ${simulated.cpuSeconds.toFixed(1)} CPU s, peak RSS ${simulated.peakMB.toFixed(0)} MB (${simulated.summary})`,
    );
    console.log(
      `diff --csv impact:    ${impact.cpuSeconds.toFixed(1)} CPU s, ${ratio.toFixed(2)}x one simulate (target <= 2.5x) ${ratio <= 2.5 ? "ok" : "MISSED"}; peak RSS ${impact.peakMB.toFixed(0)} MB (target < 400 MB) ${impact.peakMB < 400 ? "ok" : "MISSED"} (${impact.summary})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
