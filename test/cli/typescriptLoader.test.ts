/**
 * bin/typescript.js, the `.ts` loader of bin/inbound.js: transpiled output is reused only for the
 * file as it was, and never from a cache directory another account could write into. Each run is a
 * child Node with TMPDIR pointing at a directory of the test's own.
 */
import { execFileSync } from "child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const LOADER = path.resolve(__dirname, "..", "..", "bin", "typescript.js");

let dir: string;
let tmp: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "inbound-loader-"));
  tmp = path.join(dir, "tmp");
  mkdirSync(tmp);
});

const cacheDir = () => path.join(tmp, `inbound-ts-cache-${process.getuid!()}`);

/** What `module.ts`'s `value` is, loaded through the loader in a fresh process. */
function load(module: string): string {
  return execFileSync(
    process.execPath,
    ["-r", LOADER, "-e", `process.stdout.write(String(require(${JSON.stringify(module)}).value))`],
    { env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: "utf8" },
  );
}

test("a TypeScript module is transpiled, cached, and transpiled again once it changes", () => {
  const module = path.join(dir, "m.ts");
  writeFileSync(module, "export const value: number = 1;\n");
  expect(load(module)).toBe("1");
  expect(readdirSync(cacheDir())).toHaveLength(1);
  expect(load(module)).toBe("1");
  expect(readdirSync(cacheDir())).toHaveLength(1);

  // Same size, new time: an edit in place must not be served from the cache.
  writeFileSync(module, "export const value: number = 2;\n");
  const later = new Date(Date.now() + 5000);
  utimesSync(module, later, later);
  expect(load(module)).toBe("2");
  expect(readdirSync(cacheDir())).toHaveLength(2);
});

test("a cache directory others can write into is not used", () => {
  mkdirSync(cacheDir(), { mode: 0o777 });
  chmodSync(cacheDir(), 0o777);
  const module = path.join(dir, "m.ts");
  writeFileSync(module, "export const value: string = 'ok';\n");
  expect(load(module)).toBe("ok");
  expect(readdirSync(cacheDir())).toEqual([]);
});
