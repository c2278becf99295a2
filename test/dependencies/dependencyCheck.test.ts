/**
 * The offline dependency check (issue 16: `npm audit` cannot reach an advisory service from CI).
 * The last test is the gate itself: the repository's own lock file against the vetted list.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  type Advisory,
  advisoryListProblems,
  checkLockfile,
  compareVersions,
  DEFAULT_ADVISORIES,
  main,
  packageName,
  parseRange,
  parseVersion,
  satisfies,
} from "../../scripts/dependencyCheck";

const INTEGRITY = "sha512-" + "A".repeat(86) + "==";

const BRACES: Advisory = {
  id: "GHSA-grv7-fg5c-xmjg",
  cve: "CVE-2024-4068",
  package: "braces",
  vulnerable: "<3.0.3",
  fixed: "3.0.3",
  summary: "uncontrolled resource consumption",
  url: "https://github.com/advisories/GHSA-grv7-fg5c-xmjg",
};

const lock = (packages: Record<string, Record<string, unknown>>) => ({
  name: "x",
  lockfileVersion: 3,
  packages: { "": { name: "x" }, ...packages },
});

describe("versions and ranges", () => {
  test.each([
    ["3.0.2", "<3.0.3", true],
    ["3.0.3", "<3.0.3", false],
    ["7.5.1", "<5.7.2 || >=6.0.0 <6.3.1 || >=7.0.0 <7.5.2", true],
    ["7.5.2", "<5.7.2 || >=6.0.0 <6.3.1 || >=7.0.0 <7.5.2", false],
    ["6.3.0", "<5.7.2 || >=6.0.0 <6.3.1 || >=7.0.0 <7.5.2", true],
    ["5.7.2", "<5.7.2 || >=6.0.0 <6.3.1 || >=7.0.0 <7.5.2", false],
    ["2.0.0-5", ">=2.0.0-5 <2.2.2", true],
    ["2.0.0-4", ">=2.0.0-5 <2.2.2", false],
    ["2.0.0", ">=2.0.0-5 <2.2.2", true],
    ["2.2.2-rc.1", "<2.2.2", true],
    ["1.2.3", "= 1.2.3", true],
    ["1.2.3", "1.2.3", true],
    ["1.2.3+build.7", "<=1.2.3", true],
    ["1.10.0", ">1.9.99 <1.10.1", true],
  ])("%s in %s: %s", (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  test("prereleases sort by SemVer 2.0.0 precedence", () => {
    const order = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ];
    for (let i = 1; i < order.length; i++) {
      expect(compareVersions(parseVersion(order[i - 1])!, parseVersion(order[i])!)).toBe(-1);
      expect(compareVersions(parseVersion(order[i])!, parseVersion(order[i - 1])!)).toBe(1);
    }
  });

  test("what is not a version or a range is said so, and never matches", () => {
    expect(parseVersion("git+https://github.com/a/b.git")).toBeUndefined();
    expect(parseRange("<3.0.3 ||")).toEqual({ error: 'empty alternative in "<3.0.3 ||"' });
    expect(parseRange("~1.2.3")).toEqual({
      error: '"~1.2.3" in "~1.2.3" is not a comparator like <1.2.3',
    });
    expect(satisfies("1.2.3", "~1.2.3")).toBe(false);
  });

  test("packageName reads the last node_modules segment, scopes included", () => {
    expect(packageName("node_modules/a/node_modules/@s/b")).toBe("@s/b");
    expect(packageName("node_modules/braces")).toBe("braces");
  });
});

describe("checkLockfile", () => {
  test("a nested vulnerable copy is found, with the advisory, the fix and the source", () => {
    const found = checkLockfile(
      lock({
        "node_modules/braces": { version: "3.0.3", integrity: INTEGRITY },
        "node_modules/micromatch/node_modules/braces": { version: "3.0.2", integrity: INTEGRITY },
      }),
      [BRACES],
    );
    expect(found).toEqual([
      {
        where: 'packages["node_modules/micromatch/node_modules/braces"]',
        message:
          "braces@3.0.2 is vulnerable: GHSA-grv7-fg5c-xmjg (CVE-2024-4068) uncontrolled resource consumption; affected <3.0.3, fixed in 3.0.3; https://github.com/advisories/GHSA-grv7-fg5c-xmjg",
      },
    ]);
  });

  test("content not pinned or not from the public registry is refused", () => {
    const found = checkLockfile(
      lock({
        "node_modules/no-hash": { version: "1.0.0" },
        "node_modules/sha1-only": { version: "1.0.0", integrity: "sha1-abc=" },
        "node_modules/elsewhere": {
          version: "1.0.0",
          integrity: INTEGRITY,
          resolved: "https://registry.example.com/elsewhere/-/elsewhere-1.0.0.tgz",
        },
        "node_modules/plain-http": {
          version: "1.0.0",
          integrity: INTEGRITY,
          resolved: "http://registry.npmjs.org/plain-http/-/plain-http-1.0.0.tgz",
        },
        "node_modules/from-git": {
          version: "git+ssh://git@github.com/a/b.git#abc",
          resolved: "git+ssh://git@github.com/a/b.git#abc",
          integrity: INTEGRITY,
        },
        "node_modules/good": {
          version: "1.0.0",
          integrity: INTEGRITY,
          resolved: "https://registry.npmjs.org/good/-/good-1.0.0.tgz",
        },
        "packages/local": { version: "1.0.0" },
        "node_modules/local": { resolved: "packages/local", link: true },
      }),
      [],
    );
    expect(found.map((f) => `${f.where}: ${f.message}`)).toEqual([
      'packages["node_modules/no-hash"]: no-hash@1.0.0: no sha512 integrity hash, so its content is not pinned',
      'packages["node_modules/sha1-only"]: sha1-only@1.0.0: no sha512 integrity hash, so its content is not pinned',
      'packages["node_modules/elsewhere"]: elsewhere@1.0.0: resolved https://registry.example.com/elsewhere/-/elsewhere-1.0.0.tgz is not on https://registry.npmjs.org/ (expected https://registry.npmjs.org/elsewhere/-/...)',
      'packages["node_modules/plain-http"]: plain-http@1.0.0: resolved http://registry.npmjs.org/plain-http/-/plain-http-1.0.0.tgz is not on https://registry.npmjs.org/ (expected https://registry.npmjs.org/plain-http/-/...)',
      'packages["node_modules/from-git"]: from-git@git+ssh://git@github.com/a/b.git#abc: resolved git+ssh://git@github.com/a/b.git#abc is not on https://registry.npmjs.org/ (expected https://registry.npmjs.org/from-git/-/...)',
      'packages["node_modules/from-git"]: from-git: version "git+ssh://git@github.com/a/b.git#abc" is not a registry version (git, file and URL dependencies are not allowed)',
    ]);
  });

  test("an npm 6 lock file (no packages map) is refused rather than passed", () => {
    expect(checkLockfile({ lockfileVersion: 1, dependencies: {} }, [BRACES])).toEqual([
      {
        where: "lockfileVersion",
        message:
          'expected a lockfileVersion 2 or 3 file with "packages" (npm 7 or later), got lockfileVersion 1',
      },
    ]);
  });
});

describe("the advisory list", () => {
  test("a typo cannot silently match nothing", () => {
    expect(
      advisoryListProblems([
        { ...BRACES, id: "CVE-2024-4068" },
        { ...BRACES, vulnerable: "^3.0.0" },
        { ...BRACES, fixed: "3.0.2" },
        { ...BRACES, url: "https://example.com/x", summary: "" },
      ]),
    ).toEqual([
      'advisories[0].id "CVE-2024-4068" is not a GHSA id',
      'advisories[1].vulnerable: "^3.0.0" in "^3.0.0" is not a comparator like <1.2.3',
      "advisories[2].fixed 3.0.2 is inside its own vulnerable range <3.0.3",
      "advisories[3].summary is missing",
      "advisories[3].url must be the advisory's page on https://github.com/advisories/",
    ]);
    expect(advisoryListProblems({})).toEqual(["advisories must be an array"]);
  });

  test("the repository's list is well formed", () => {
    const list = JSON.parse(fs.readFileSync(DEFAULT_ADVISORIES, "utf8"));
    expect(advisoryListProblems(list.advisories)).toEqual([]);
    expect(list.advisories.length).toBeGreaterThan(10);
  });
});

describe("main", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-deps-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(
      args,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out, err };
  };

  test("a vulnerable lock file exits 1 naming the file and the entry", () => {
    const lockFile = path.join(dir, "package-lock.json");
    const listFile = path.join(dir, "list.json");
    fs.writeFileSync(
      lockFile,
      JSON.stringify(lock({ "node_modules/braces": { version: "2.3.2", integrity: INTEGRITY } })),
    );
    fs.writeFileSync(listFile, JSON.stringify({ advisories: [BRACES] }));
    const { code, out, err } = run([lockFile, listFile]);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      `${lockFile}: packages["node_modules/braces"]: braces@2.3.2 is vulnerable: GHSA-grv7-fg5c-xmjg (CVE-2024-4068) uncontrolled resource consumption; affected <3.0.3, fixed in 3.0.3; https://github.com/advisories/GHSA-grv7-fg5c-xmjg`,
      "dependency check: 1 problem(s); update the package (npm update <name>) or add an override",
    ]);
  });

  test("a missing file or a broken list exits 1 with what and where", () => {
    const missing = path.join(dir, "nope.json");
    expect(run([missing]).err).toEqual([`dependency check: cannot read ${missing}: ENOENT`]);
    const listFile = path.join(dir, "bad-list.json");
    fs.writeFileSync(listFile, JSON.stringify({ advisories: [{ ...BRACES, vulnerable: "3.x" }] }));
    const { code, err } = run([path.join(__dirname, "../../package-lock.json"), listFile]);
    expect(code).toBe(1);
    expect(err).toEqual([
      `${listFile}: advisories[0].vulnerable: "3.x" in "3.x" is not a comparator like <1.2.3`,
    ]);
  });

  test("the repository's package-lock.json passes: every package pinned, from npmjs.org, none vetted as vulnerable", () => {
    const { code, out, err } = run([]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toMatch(
      /^dependency check: \d+ locked packages, none resolved outside https:\/\/registry\.npmjs\.org\/, all with sha512 integrity, none in the \d+ vetted advisories$/,
    );
  });
});
