/**
 * The offline dependency check: `npm audit` needs an advisory service, which CI here cannot
 * reach. This reads package-lock.json and refuses
 *
 * - a locked package whose version falls in a range of scripts/known-vulnerabilities.json, a
 *   list vetted by hand from the GitHub Advisory Database (each entry names its source);
 * - a locked package without an `integrity` hash, or fetched from anywhere but the public npm
 *   registry over HTTPS (git, file, tarball URLs or another host).
 *
 * The lock file may leave `resolved` out (npm's omit-lockfile-registry-resolved): npm then takes
 * the package from the configured registry, and the sha512 `integrity` still pins its bytes.
 */
import * as fs from "fs";
import * as path from "path";

export const REGISTRY = "https://registry.npmjs.org/";

export interface Advisory {
  /** GHSA id of the GitHub Advisory Database. */
  id: string;
  cve?: string;
  package: string;
  /** npm range syntax: comparators (`<`, `<=`, `>`, `>=`, `=`) joined by spaces, `||` between sets. */
  vulnerable: string;
  /** The first fixed version of each vulnerable line, comma-separated, for the message. */
  fixed: string;
  summary: string;
  url: string;
}

export interface Finding {
  /** Where in package-lock.json: `packages["node_modules/x"]`. */
  where: string;
  message: string;
}

type Version = { numbers: [number, number, number]; prerelease: (string | number)[] };

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return {
    numbers: [Number(m[1]), Number(m[2]), Number(m[3])],
    prerelease: m[4] ? m[4].split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [],
  };
}

/** SemVer 2.0.0 precedence (section 11): numbers, then a prerelease sorts before its release. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a.numbers[i] !== b.numbers[i]) return a.numbers[i] < b.numbers[i] ? -1 : 1;
  }
  if (a.prerelease.length === 0 && b.prerelease.length === 0) return 0;
  if (a.prerelease.length === 0) return 1;
  if (b.prerelease.length === 0) return -1;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

const COMPARATOR = /^(<=|>=|<|>|=)?\s*(\S+)$/;

/** Parses a range, or says what is wrong with it. */
export function parseRange(
  range: string,
): { sets: { op: string; version: Version }[][] } | { error: string } {
  const sets: { op: string; version: Version }[][] = [];
  for (const alternative of range.split("||")) {
    // "< 3.0.3" and "<3.0.3" are the same comparator.
    const parts = alternative
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, "$1")
      .split(/\s+/);
    if (parts.length === 1 && parts[0] === "") return { error: `empty alternative in "${range}"` };
    const set = [];
    for (const part of parts) {
      const m = COMPARATOR.exec(part);
      const version = m && parseVersion(m[2]);
      if (!m || !version)
        return { error: `"${part}" in "${range}" is not a comparator like <1.2.3` };
      set.push({ op: m[1] ?? "=", version });
    }
    sets.push(set);
  }
  return { sets };
}

export function satisfies(versionText: string, range: string): boolean {
  const version = parseVersion(versionText);
  const parsed = parseRange(range);
  if (!version || "error" in parsed) return false;
  return parsed.sets.some((set) =>
    set.every(({ op, version: bound }) => {
      const c = compareVersions(version, bound);
      return op === "<"
        ? c < 0
        : op === "<="
          ? c <= 0
          : op === ">"
            ? c > 0
            : op === ">="
              ? c >= 0
              : c === 0;
    }),
  );
}

/** Problems of the advisory list itself, so that a typo cannot silently match nothing. */
export function advisoryListProblems(advisories: unknown): string[] {
  if (!Array.isArray(advisories)) return ["advisories must be an array"];
  const problems: string[] = [];
  advisories.forEach((entry, i) => {
    const at = `advisories[${i}]`;
    const a = entry as Partial<Advisory>;
    for (const field of ["id", "package", "vulnerable", "fixed", "summary", "url"] as const) {
      if (typeof a[field] !== "string" || a[field] === "")
        problems.push(`${at}.${field} is missing`);
    }
    if (typeof a.id === "string" && !/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(a.id)) {
      problems.push(`${at}.id ${JSON.stringify(a.id)} is not a GHSA id`);
    }
    if (typeof a.url === "string" && !a.url.startsWith("https://github.com/advisories/GHSA-")) {
      problems.push(`${at}.url must be the advisory's page on https://github.com/advisories/`);
    }
    if (typeof a.vulnerable === "string") {
      const parsed = parseRange(a.vulnerable);
      if ("error" in parsed) problems.push(`${at}.vulnerable: ${parsed.error}`);
    }
    if (typeof a.fixed === "string" && typeof a.vulnerable === "string") {
      for (const fixed of a.fixed.split(",").map((f) => f.trim())) {
        if (!parseVersion(fixed)) problems.push(`${at}.fixed "${fixed}" is not a version`);
        else if (satisfies(fixed, a.vulnerable)) {
          problems.push(`${at}.fixed ${fixed} is inside its own vulnerable range ${a.vulnerable}`);
        }
      }
    }
  });
  return problems;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
export function packageName(lockPath: string): string {
  return lockPath.slice(lockPath.lastIndexOf("node_modules/") + "node_modules/".length);
}

export function checkLockfile(lock: unknown, advisories: readonly Advisory[]): Finding[] {
  const findings: Finding[] = [];
  const packages = (lock as { lockfileVersion?: number; packages?: Record<string, LockEntry> })
    ?.packages;
  const version = (lock as { lockfileVersion?: number })?.lockfileVersion;
  if (!packages || typeof packages !== "object" || (version !== 2 && version !== 3)) {
    return [
      {
        where: "lockfileVersion",
        message: `expected a lockfileVersion 2 or 3 file with "packages" (npm 7 or later), got lockfileVersion ${version}`,
      },
    ];
  }
  const byPackage = new Map<string, Advisory[]>();
  for (const a of advisories) byPackage.set(a.package, [...(byPackage.get(a.package) ?? []), a]);
  for (const [lockPath, entry] of Object.entries(packages)) {
    // The root project, and workspace links, are this repository's own code.
    if (lockPath === "" || !lockPath.includes("node_modules/") || entry.link) continue;
    const where = `packages[${JSON.stringify(lockPath)}]`;
    const name = packageName(lockPath);
    if (!entry.integrity || !/^sha512-[A-Za-z0-9+/]+=*$/.test(entry.integrity)) {
      findings.push({
        where,
        message: `${name}@${entry.version}: no sha512 integrity hash, so its content is not pinned`,
      });
    }
    if (entry.resolved !== undefined) {
      const expected = `${REGISTRY}${name}/-/`;
      if (!entry.resolved.startsWith(expected)) {
        findings.push({
          where,
          message: `${name}@${entry.version}: resolved ${entry.resolved} is not on ${REGISTRY} (expected ${expected}...)`,
        });
      }
    }
    if (!entry.version || !parseVersion(entry.version)) {
      findings.push({
        where,
        message: `${name}: version ${JSON.stringify(entry.version)} is not a registry version (git, file and URL dependencies are not allowed)`,
      });
      continue;
    }
    for (const advisory of byPackage.get(name) ?? []) {
      if (satisfies(entry.version, advisory.vulnerable)) {
        findings.push({
          where,
          message: `${name}@${entry.version} is vulnerable: ${advisory.id}${advisory.cve ? ` (${advisory.cve})` : ""} ${advisory.summary}; affected ${advisory.vulnerable}, fixed in ${advisory.fixed}; ${advisory.url}`,
        });
      }
    }
  }
  return findings;
}

export const DEFAULT_ADVISORIES = path.join(__dirname, "known-vulnerabilities.json");

/** Runs the check on files; returns the exit code (0 clean, 1 findings or unreadable input). */
export function main(
  argv: readonly string[],
  out: (line: string) => void = (l) => process.stdout.write(l + "\n"),
  err: (line: string) => void = (l) => process.stderr.write(l + "\n"),
): number {
  const lockFile = path.resolve(argv[0] ?? path.join(__dirname, "..", "package-lock.json"));
  const advisoryFile = path.resolve(argv[1] ?? DEFAULT_ADVISORIES);
  const read = (file: string): unknown => {
    try {
      return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      err(`dependency check: cannot read ${file}: ${reason}`);
      return undefined;
    }
  };
  const lock = read(lockFile);
  const list = read(advisoryFile) as { advisories?: unknown } | undefined;
  if (lock === undefined || list === undefined) return 1;
  const listProblems = advisoryListProblems(list.advisories);
  if (listProblems.length > 0) {
    for (const p of listProblems) err(`${advisoryFile}: ${p}`);
    return 1;
  }
  const advisories = list.advisories as Advisory[];
  const findings = checkLockfile(lock, advisories);
  for (const f of findings) err(`${lockFile}: ${f.where}: ${f.message}`);
  if (findings.length > 0) {
    err(
      `dependency check: ${findings.length} problem(s); update the package (npm update <name>) or add an override`,
    );
    return 1;
  }
  const count = Object.keys((lock as { packages: object }).packages).length - 1;
  out(
    `dependency check: ${count} locked packages, none resolved outside ${REGISTRY}, all with sha512 integrity, none in the ${advisories.length} vetted advisories`,
  );
  return 0;
}
