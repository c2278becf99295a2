/**
 * The JSON source's two figures (issue 29), each beside its target:
 *
 * 1. Conversion: CPU time to read a 100,000-record JSON Lines file and convert every record to its
 *    SCIM JSON (lib/records/source.ts, json.ts, convert.ts), against `JSON.parse` of the same
 *    records as one JSON array; the conversion may cost at most 2x the parse alone.
 * 2. Memory: peak RSS of a full run over a 1,000,000-record JSON Lines file, in a child process of
 *    its own, as upload.bench.ts measures the CSV run; target the same, under 200 MB.
 *
 * The records are upload.bench.ts's rows as JSON objects (the same columns address them), written
 * into a temporary directory and removed afterwards.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "fs";
import { once } from "events";
import { tmpdir } from "os";
import * as path from "path";
import { compileChild, convertAll, HEADER, line, runChild } from "./upload.bench";

const CONVERT_RECORDS = 100_000;
const MEMORY_RECORDS = 1_000_000;
const COLUMNS = HEADER.split(",");

/** Row `i` of upload.bench.ts as a JSON record (its one quoted field holds no comma). */
function record(i: number): string {
  const values = line(i, false).split(",");
  const out: Record<string, string> = {};
  COLUMNS.forEach((c, k) => (out[c] = values[k].replace(/^"(.*)"$/, "$1")));
  return JSON.stringify(out);
}

async function write(file: string, records: number, asArray: boolean): Promise<void> {
  const out = createWriteStream(file);
  let chunk = asArray ? "[" : "";
  for (let i = 0; i < records; i++) {
    chunk += (asArray && i > 0 ? ",\n" : "") + record(i) + (asArray ? "" : "\n");
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(asArray ? chunk + "]" : chunk);
  await once(out, "finish");
}

function cpu<T>(fn: () => T): { value: T; seconds: number } {
  const started = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(started);
  return { value, seconds: (used.user + used.system) / 1e6 };
}

async function cpuAsync<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(started);
  return { value, seconds: (used.user + used.system) / 1e6 };
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "inbound-bench-json-"));
  try {
    const lines = path.join(dir, "hr-100k.jsonl");
    const array = path.join(dir, "hr-100k.json");
    await write(lines, CONVERT_RECORDS, false);
    await write(array, CONVERT_RECORDS, true);
    let parsed = { value: 0, seconds: Infinity };
    let converted = { value: 0, seconds: Infinity };
    for (let i = 0; i < 5; i++) {
      const p = cpu(() => (JSON.parse(readFileSync(array, "utf8")) as unknown[]).length);
      const c = await cpuAsync(() => convertAll(lines, "json"));
      if (p.seconds < parsed.seconds) parsed = p;
      if (c.seconds < converted.seconds) converted = c;
    }
    if (parsed.value !== CONVERT_RECORDS || converted.value !== CONVERT_RECORDS) {
      throw new Error(`parsed ${parsed.value} and converted ${converted.value}`);
    }
    const ratio = converted.seconds / parsed.seconds;
    console.log(
      `JSON.parse of the array: ${parsed.seconds.toFixed(2)} CPU s for ${CONVERT_RECORDS.toLocaleString("en")} records`,
    );
    console.log(
      `JSON Lines to SCIM:      ${converted.seconds.toFixed(2)} CPU s: ${ratio.toFixed(2)}x the parse (target <= 2x) ${ratio <= 2 ? "ok" : "MISSED"}`,
    );

    const big = path.join(dir, "hr-1m.jsonl");
    await write(big, MEMORY_RECORDS, false);
    const module = compileChild(dir);
    const run = runChild(module, big, path.join(dir, "state"), "json");
    console.log(
      `full run, JSON Lines: ${run.rows.toLocaleString("en")} records, ${run.sent.toLocaleString("en")} sent, ${run.seconds.toFixed(1)} s: peak RSS ${run.peakMB.toFixed(0)} MB (target < 200 MB) ${run.peakMB < 200 ? "ok" : "MISSED"}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
