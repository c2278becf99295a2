/**
 * The CI examples of docs/examples/ parse, do what docs/multi-tenant.md says they do, and call
 * only `inbound` commands and options that exist.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { parse } from "yaml";
import { COMMANDS } from "../../cli/main";
import type { CliIo } from "../../cli/io";

const examples = path.resolve(__dirname, "../../docs/examples");
const files = ["github-actions", "azure-pipelines"].flatMap((dir) =>
  fs
    .readdirSync(path.join(examples, dir))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => path.join(dir, f)),
);
const text = (file: string) => fs.readFileSync(path.join(examples, file), "utf8");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (file: string): any => parse(text(file));

/** Every shell script in a workflow or pipeline (`run`, `script`, `inlineScript`). */
function scripts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(scripts);
  if (node && typeof node === "object") {
    return Object.entries(node).flatMap(([key, value]) =>
      ["run", "script", "inlineScript"].includes(key) && typeof value === "string"
        ? [value]
        : scripts(value),
    );
  }
  return [];
}

const SHELL_OPERATORS = new Set(["|", "||", "&&", ";", ">", ">>", "2>&1", ")"]);

/** The argument words of each `npm run --silent inbound -- ...` in a script, up to the first operator. */
function inboundCalls(script: string): string[][] {
  const calls: string[][] = [];
  for (const line of script.split("\n")) {
    for (const [, rest] of line.matchAll(/npm run --silent inbound -- (.*)$/g)) {
      const words = rest.match(/"[^"]*"|'[^']*'|[^\s]+/g) ?? [];
      const end = words.findIndex((w) => SHELL_OPERATORS.has(w) || /^[|>;&)]/.test(w));
      calls.push(end < 0 ? words : words.slice(0, end));
    }
  }
  return calls;
}

const io: CliIo = { out: () => {}, err: () => {}, isTTY: false, env: {}, cwd: process.cwd() };

async function commandOf(name: string): Promise<Command> {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`inbound has no command ${name}`);
  const program = new Command();
  (await entry.load()).register(program, io, () => {});
  return program.commands[0];
}

test("there are the four examples", () => {
  expect(files.sort()).toEqual([
    "azure-pipelines/inbound-deploy.yml",
    "azure-pipelines/inbound-review.yml",
    "github-actions/inbound-deploy.yml",
    "github-actions/inbound-review.yml",
  ]);
});

describe.each(files)("%s", (file) => {
  const calls = scripts(load(file)).flatMap(inboundCalls);

  test("uses inbound", () => {
    expect(calls.length).toBeGreaterThan(0);
  });

  test("every inbound command and option it uses exists, with its value", async () => {
    for (const [name, ...args] of calls) {
      const command = await commandOf(name);
      args.forEach((arg, i) => {
        if (!arg.startsWith("--")) return;
        const option = command.options.find((o) => o.long === arg);
        expect({ call: [name, ...args].join(" "), option: option?.long }).toEqual({
          call: [name, ...args].join(" "),
          option: arg,
        });
        if (option!.required) expect(args[i + 1]).toMatch(/^[^-]/);
      });
    }
  });

  test("the review passes --csv when HR samples are in the checkout", () => {
    if (!file.endsWith("inbound-review.yml")) return;
    const script = scripts(load(file)).join("\n");
    expect(script).toContain('if [ -d hr-samples ]; then csv="--csv hr-samples"; fi');
    const diffs = calls.filter((c) => c[0] === "diff");
    expect(diffs.length).toBe(2);
    for (const call of diffs) expect(call).toContain("$csv");
  });

  test("stores no secret", () => {
    expect(text(file)).not.toMatch(/\$\{\{\s*secrets\./);
    expect(text(file)).not.toMatch(/client-?secret|ARM_CLIENT_SECRET|PULUMI_ACCESS_TOKEN/i);
  });
});

describe("GitHub Actions", () => {
  const review = load("github-actions/inbound-review.yml");
  const deploy = load("github-actions/inbound-deploy.yml");

  test("a pull request gets validate, diff and plan in one comment", () => {
    expect(Object.keys(review.on)).toEqual(["pull_request"]);
    const calls = scripts(review).flatMap(inboundCalls);
    expect(calls.map((c) => c[0])).toEqual(["validate", "diff", "diff", "plan"]);
    expect(calls[1]).toEqual(expect.arrayContaining(["--all", "--base-ref", "--markdown"]));
    const steps = review.jobs.review.steps;
    expect(
      steps.filter((s: { uses?: string }) => s.uses?.startsWith("actions/github-script")),
    ).toHaveLength(1);
    expect(review.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  test("a merge runs pulumi up per tenant stack, federated, limited, with the policy pack", () => {
    expect(deploy.on.push.branches).toEqual(["main"]);
    expect(deploy.permissions["id-token"]).toBe("write");
    expect(deploy.concurrency["cancel-in-progress"]).toBe(false);
    const up = deploy.jobs.up;
    expect(up.strategy.matrix.include).toBe("${{ fromJSON(needs.stacks.outputs.matrix) }}");
    expect(up.strategy["max-parallel"]).toBeGreaterThan(0);
    expect(up.concurrency.group).toContain("${{ matrix.stack }}");
    expect(up.env.ARM_USE_OIDC).toBe("true");
    expect(scripts(up).join("\n")).toMatch(/pulumi up .*--policy-pack policies/);
    expect(
      scripts(deploy.jobs.stacks)
        .flatMap(inboundCalls)
        .map((c) => c[0]),
    ).toEqual(["stacks", "stacks"]);
  });
});

describe("Azure Pipelines", () => {
  const review = load("azure-pipelines/inbound-review.yml");
  const deploy = load("azure-pipelines/inbound-deploy.yml");

  test("a pull request gets validate, diff and plan in one comment", () => {
    expect(review.trigger).toBe("none");
    expect(review.pr.branches.include).toEqual(["main"]);
    const calls = scripts(review).flatMap(inboundCalls);
    expect(calls.map((c) => c[0])).toEqual(["validate", "diff", "diff", "plan"]);
    // One comment per pull request: its thread is found by the marker and updated.
    const post = scripts(review).find((s) => s.includes("/threads?api-version="))!;
    expect(post).toContain('startswith("<!-- inbound-review -->")');
    expect(post).toMatch(/-X PATCH .*\n.*\/threads\/\$1\/comments\/\$2\?api-version=/);
    expect(scripts(review).join("\n")).toContain("printf '<!-- inbound-review -->\\n'");
  });

  test("a merge runs pulumi up per tenant stack, federated, limited, with the policy pack", () => {
    expect(deploy.pr).toBe("none");
    const up = deploy.stages.find((s: { stage: string }) => s.stage === "up").jobs[0];
    expect(up.strategy.matrix).toBe("$[ stageDependencies.stacks.list.outputs['list.matrix'] ]");
    expect(up.strategy.maxParallel).toBeGreaterThan(0);
    const azure = up.steps.find((s: { task?: string }) => s.task === "AzureCLI@2");
    expect(azure.inputs.addSpnToEnvironment).toBe(true);
    expect(azure.inputs.inlineScript).toContain('ARM_OIDC_TOKEN="$idToken"');
    expect(azure.inputs.inlineScript).toMatch(/pulumi up .*--policy-pack policies/);
  });
});
