/**
 * A user's tenant and stack files are out of the suite's reach (test/userFiles.js): a tenant added
 * to config/tenants/ and its Pulumi.<stack>.yaml, as the README says, leave `npm test` green.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

test.each([
  ["a tenant file", () => fs.readFileSync(path.join(ROOT, "config", "tenants", "mine.yaml"))],
  ["the tenant directory", () => fs.readdirSync(path.join(ROOT, "config", "tenants"))],
  ["a base", () => fs.existsSync(path.join(ROOT, "config", "base", "mine.yaml"))],
  ["a stack file", () => fs.statSync(path.join(ROOT, "Pulumi.mine.yaml"))],
  ["a stack file, asynchronously", () => fs.promises.readFile(path.join(ROOT, "Pulumi.mine.yaml"))],
])("reading %s fails the test, whether it exists or not", async (_what, read) => {
  await expect(async () => read()).rejects.toThrow(
    /a user's file: tests read the bundled examples/,
  );
});

test("the bundled examples, the JSON Schema and the project file stay readable", () => {
  expect(fs.readdirSync(path.join(ROOT, "examples", "tenants")).sort()).toEqual([
    "contoso-ad.yaml",
    "contoso.yaml",
    "fabrikam.yaml",
  ]);
  expect(fs.existsSync(path.join(ROOT, "config", "tenant-spec.schema.json"))).toBe(true);
  expect(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).toContain("name: inbound");
});
