import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffSpecs } from "../../lib/review/diff";
import { escapeMarkdown } from "../../lib/review/format";
import { loadSide } from "../../lib/review/source";
import { inbound } from "../cli/harness";

const repo = path.resolve(__dirname, "../..");
const original = fs.readFileSync(path.join(repo, "examples/tenants/contoso.yaml"), "utf8");

/** The bundled examples as a user's config/, with contoso.yaml as given, loaded through loadSide. */
function load(text: string, dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-"))) {
  fs.cpSync(path.join(repo, "examples"), path.join(dir, "config"), { recursive: true });
  fs.writeFileSync(path.join(dir, "config/tenants/contoso.yaml"), text);
  const r = loadSide("config/tenants/contoso.yaml", dir);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.spec!;
}

function codes(after: string): string[] {
  return diffSpecs(load(original), load(after)).risks.map((r) => r.code);
}

test("no change when only comments change", () => {
  const d = diffSpecs(load(original), load(original.replace(/#.*$/gm, "")));
  expect(d.changes).toEqual([]);
});

test("delete-enabled", () => {
  expect(codes(original.replace("[create, update]", "[create, update, delete]"))).toContain(
    "delete-enabled",
  );
});

test("deletion-guard-weakened: threshold raised", () => {
  expect(codes(original.replace("deletionThreshold: 25", "deletionThreshold: 90"))).toContain(
    "deletion-guard-weakened",
  );
});

test("a threshold lowered is a change but no risk", () => {
  const d = diffSpecs(
    load(original),
    load(original.replace("deletionThreshold: 25", "deletionThreshold: 10")),
  );
  expect(d.changes.length).toBe(1);
  expect(d.risks).toEqual([]);
});

test("a git revision side reads the file at that revision", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-git-"));
  load(original, dir);
  const git = (...a: string[]) => execFileSync("git", a, { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  git("add", ".");
  git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base");
  fs.writeFileSync(
    path.join(dir, "config/tenants/contoso.yaml"),
    original.replace("deletionThreshold: 25", "deletionThreshold: 90"),
  );
  const base = loadSide("HEAD:config/tenants/contoso.yaml", dir).spec!;
  const head = loadSide("config/tenants/contoso.yaml", dir).spec!;
  expect(diffSpecs(base, head).risks.map((r) => r.code)).toEqual(["deletion-guard-weakened"]);
});

test("matching-changed", () => {
  expect(codes(original.replace("target: employeeId", "target: mailNickname"))).toContain(
    "matching-changed",
  );
});

describe("inbound diff", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-cli-"));
  load(original, dir);
  fs.writeFileSync(
    path.join(dir, "config/tenants/head.yaml"),
    original.replace("[create, update]", "[create, update, delete]"),
  );

  test("exit 0 on no change", async () => {
    const r = await inbound(
      ["diff", "config/tenants/contoso.yaml", "config/tenants/contoso.yaml"],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
  });

  test("exit 3 with risks in JSON on a change", async () => {
    const r = await inbound(
      ["diff", "config/tenants/contoso.yaml", "config/tenants/head.yaml", "--json"],
      { cwd: dir },
    );
    expect(r.code).toBe(3);
    const risk = JSON.parse(r.out).risks[0];
    expect(risk.code).toBe("delete-enabled");
    // The tenant's name from its spec, not the file named on the command line.
    expect(risk.tenant).toBe("contoso");
  });

  test("--markdown: the summary table and the risks first, details collapsed", async () => {
    const r = await inbound(
      ["diff", "config/tenants/contoso.yaml", "config/tenants/head.yaml", "--markdown"],
      { cwd: dir },
    );
    expect(r.code).toBe(3);
    const summary = r.out.indexOf("| tenant | file | changes | risks | workflows |");
    const risks = r.out.indexOf("| contoso | `delete-enabled` |");
    const details = r.out.indexOf("<details><summary>contoso");
    expect(summary).toBeGreaterThan(0);
    expect(risks).toBeGreaterThan(summary);
    expect(details).toBeGreaterThan(risks);
  });

  test("--json and --markdown together are a usage error", async () => {
    const r = await inbound(
      ["diff", "config/tenants/contoso.yaml", "config/tenants/head.yaml", "--json", "--markdown"],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain("inbound diff --help");
  });

  test("exit 1 when a side does not load", async () => {
    const r = await inbound(["diff", "config/tenants/missing.yaml", "config/tenants/head.yaml"], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
  });
});

test("an expression rewritten with the same meaning is no change", () => {
  const after = original.replace('employeeId: "[externalId]"', 'employeeId: "[ externalId ]"');
  expect(after).not.toBe(original);
  expect(diffSpecs(load(original), load(after)).changes).toEqual([]);
});

test("--markdown shows spec values inert: no image, link, autolink or mention renders (issue 26, case 13)", () => {
  const value =
    "![t](http://evil.example/track.png) [x](https://evil.example) @org/security-team *b*";
  const cell = escapeMarkdown(value);
  expect(cell).not.toMatch(/[![\]()@*:]/);
  // Character references render as the characters themselves.
  const decoded = cell.replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)));
  expect(decoded).toBe(value);
});
