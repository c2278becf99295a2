/**
 * docs/uploader-azure.md tells operators which settings to change; each must be one they can
 * reach, a field of the spec's `uploader` section, not an argument only TypeScript callers of the
 * component could pass.
 */
import * as fs from "fs";
import * as path from "path";
import { provisioningApp } from "../../lib/model/schema";

const DOC = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "uploader-azure.md"), "utf8");
const uploaderKeys = Object.keys(provisioningApp.shape.uploader.unwrap().shape);

test("every `uploader.<field>` the doc names is a field of the spec", () => {
  const named = [...DOC.matchAll(/`uploader\.(\w+)/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(0);
  expect(named.filter((key) => !uploaderKeys.includes(key))).toEqual([]);
});

test("what the doc tells operators to set is written as its spec path", () => {
  const settings = [...DOC.matchAll(/\b(?:[Ss]et|[Cc]hange|[Oo]verride it with) `([\w.]+)/g)].map(
    (m) => m[1],
  );
  expect(settings.filter((setting) => !setting.startsWith("uploader."))).toEqual([]);
});
