/**
 * The provisioning app's own costs. Targets:
 * - compiling a large app's schema (300 mappings, 50 custom attributes, 20 scoping groups) into
 *   the template schema, and the drift check a refresh runs on it, under 50 ms each: a deployment
 *   does each a few times per app;
 * - `npm start` (the offline plan of examples/tenants/contoso.yaml, a whole Pulumi program under
 *   mocks in a fresh process) under 10 s.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { compileSchema, type SchemaSpec } from "../lib/provisioning/schema";
import {
  compileManaged,
  diffManaged,
  extractManaged,
  normalizeManaged,
} from "../lib/provisioning/managed";

const ROOT = path.join(__dirname, "..");
const URN = "urn:ietf:params:scim:schemas:extension:bench:1.0:User";
const OPERATORS = { equals: "EQUALS", isTrue: "IS_TRUE", regexMatch: "REGEX_MATCH" };

function largeApp(): SchemaSpec {
  const mappings: SchemaSpec["mappings"] = {};
  const attributes: Record<string, "string" | "dateTime"> = {};
  for (let i = 0; i < 50; i++) attributes[`Custom${i}`] = i % 5 === 0 ? "dateTime" : "string";
  for (let i = 0; i < 300; i++) {
    mappings[`target${String(i).padStart(3, "0")}`] =
      i % 3 === 0
        ? `Join(" ", [name.givenName], [ext:Custom${i % 50}])`
        : i % 3 === 1
          ? { expression: `[ext:Custom${i % 50}]`, default: "none", apply: "onCreate" }
          : 'Switch([enterprise:department], "Other", "IT", "Tech", "HR", "People")';
  }
  mappings.employeeId = "[externalId]";
  return {
    actions: ["create", "update"],
    matching: [{ source: "externalId", target: "employeeId" }],
    mappings,
    scimExtension: { urn: URN, attributes },
    scope: {
      anyOf: Array.from({ length: 20 }, (_, g) => ({
        allOf: [
          { attribute: "enterprise:department", operator: "equals" as const, value: `D${g}` },
          { attribute: "active", operator: "isTrue" as const },
          { attribute: "userName", operator: "regexMatch" as const, value: "^[a-z]+$" },
        ],
      })),
    },
  };
}

function timed<T>(runs: number, fn: () => T): { ms: number; last: T } {
  let last = fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) last = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6 / runs, last };
}

export async function main(): Promise<void> {
  const template = JSON.parse(
    fs.readFileSync(path.join(ROOT, "lib/emulator/fixtures/api2aad-template-schema.json"), "utf8"),
  );
  const app = largeApp();
  const compile = timed(20, () => compileSchema(template, app, { operatorNames: OPERATORS }));
  const wanted = compileManaged(app, OPERATORS, "bench");
  const drift = timed(20, () =>
    diffManaged(normalizeManaged(extractManaged(compile.last)), wanted),
  );
  if (drift.last.length !== 0)
    throw new Error(`bench: unexpected drift ${JSON.stringify(drift.last)}`);
  const bytes = JSON.stringify(compile.last).length;

  const start = Date.now();
  await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "bin", "inbound.js"), "plan", "examples/tenants/contoso.yaml", "--json"],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const planSeconds = (Date.now() - start) / 1000;

  const rows = [
    ["what", "measured", "target"],
    [
      `compile schema (301 mappings, ${(bytes / 1024).toFixed(0)} KiB body)`,
      `${compile.ms.toFixed(1)} ms`,
      "< 50 ms",
    ],
    ["drift check of that schema", `${drift.ms.toFixed(1)} ms`, "< 50 ms"],
    ["inbound plan contoso.yaml (fresh process)", `${planSeconds.toFixed(1)} s`, "< 10 s"],
  ];
  const width = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(width[c])).join("  "));
}
