/**
 * Preloaded (`node -r`) into a process the bench measures as a whole: at exit, writes the kernel's
 * peak resident set size of the process (getrusage's ru_maxrss, the figure `/usr/bin/time -v`
 * prints as "Maximum resident set size"), in bytes, to the file INBOUND_BENCH_PEAK_FILE names.
 */
import { writeFileSync } from "fs";

process.on("exit", () => {
  const file = process.env.INBOUND_BENCH_PEAK_FILE;
  // ru_maxrss is in kilobytes on Linux.
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
