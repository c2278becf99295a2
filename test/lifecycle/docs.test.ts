/**
 * docs/lifecycle-workflows.md's task catalog is the data module's: every task, its id, categories
 * and arguments, cell by cell (prettier's padding aside).
 */
import * as fs from "fs";
import * as path from "path";
import {
  CATALOG_DOC,
  CATALOG_HEADER,
  documentedCatalog,
  taskCatalogRows,
  taskCatalogTable,
  withGeneratedCatalog,
} from "../../lib/lifecycle/catalogDoc";
import { TASKS } from "../../lib/lifecycle/tasks";

const doc = fs.readFileSync(path.join(__dirname, "..", "..", CATALOG_DOC), "utf8");

test("the documented task catalog is the generated one (run `npm run docs:lifecycle` after editing lib/lifecycle/tasks.ts)", () => {
  expect(documentedCatalog(doc)).toEqual([[...CATALOG_HEADER], ...taskCatalogRows()]);
});

test("the table has one row per task, with its id or the deploy-time lookup, and bold required arguments", () => {
  const rows = taskCatalogRows();
  expect(rows).toHaveLength(TASKS.length);
  expect(rows.find((r) => r[0] === "`generateTemporaryAccessPass`")).toEqual([
    "`generateTemporaryAccessPass`",
    "Generate TAP and send email",
    "`1b555e50-7f65-41d5-b514-5894a026d10d`",
    "joiner",
    "**lifetimeMinutes (an integer 10-43200 (minutes))** → `tapLifetimeMinutes`; **usableOnce (true or false)** → `tapIsUsableOnce`; email arguments",
  ]);
  expect(rows.find((r) => r[0] === "`disableUserAccount`")![4]).toBe(
    "disableOnPremisesAccount (true or false) → `disableOnPremisesAccount`",
  );
  expect(rows.find((r) => r[0] === "`updateUserAttributes`")!.slice(2)).toEqual([
    "looked up by name",
    "joiner, leaver, mover",
    "passed through as written",
  ]);
  expect(rows.find((r) => r[0] === "`sendInactivityEmail`")!.slice(2)).toEqual([
    "looked up by name",
    "leaver",
    "passed through as written",
  ]);
});

test("regenerating replaces only the table between the markers", () => {
  const stale = doc.replace("| `sendWelcomeEmail` ", "| `sendWelcomeMail` ");
  expect(documentedCatalog(stale)).not.toEqual(documentedCatalog(doc));
  const regenerated = withGeneratedCatalog(stale);
  expect(documentedCatalog(regenerated)).toEqual(documentedCatalog(doc));
  expect(regenerated).toContain(taskCatalogTable());
  const outside = (text: string) =>
    text.replace(/<!-- task catalog[\s\S]*end of task catalog -->/, "");
  expect(outside(regenerated)).toBe(outside(doc));
});
