/**
 * The task catalog table of docs/lifecycle-workflows.md, generated from the one data module
 * (./tasks) so that the page cannot drift from what `inbound validate` accepts. The table sits
 * between two markers; `npm run docs:lifecycle` rewrites it and a test compares it cell by cell
 * (prettier pads the cells, so the comparison ignores padding).
 */
import { describeArgument, TASKS, type TaskArgument, type TaskDefinition } from "./tasks";

export const CATALOG_DOC = "docs/lifecycle-workflows.md";
export const CATALOG_START =
  "<!-- task catalog: generated from lib/lifecycle/tasks.ts by `npm run docs:lifecycle`; edit that file, not this table -->";
export const CATALOG_END = "<!-- end of task catalog -->";

export const CATALOG_HEADER = [
  "spec name",
  "Entra task",
  "taskDefinitionId",
  "categories",
  "arguments (spec → Graph)",
] as const;

const EMAIL = ["to", "cc", "customSubject", "customBody", "locale"];

function argumentCell(task: TaskDefinition): string {
  if (task.arguments === undefined) return "passed through as written";
  if (task.arguments.length === 0) return "none";
  const names = task.arguments.map((a) => a.name);
  const emailAt = names.findIndex((_name, i) => EMAIL.every((e, j) => names[i + j] === e));
  const own: readonly TaskArgument[] =
    emailAt < 0 ? task.arguments : task.arguments.slice(0, emailAt);
  const parts = own.map((a) => {
    const described = a.required ? `**${describeArgument(a)}**` : describeArgument(a);
    return `${described} → \`${a.wireName}\``;
  });
  if (emailAt >= 0) parts.push("email arguments");
  return parts.join("; ");
}

/** One row per task of the catalog, as table cells. */
export function taskCatalogRows(): string[][] {
  return TASKS.map((task) => [
    `\`${task.name}\``,
    task.displayName,
    task.taskDefinitionId ? `\`${task.taskDefinitionId}\`` : "looked up by name",
    task.categories.join(", "),
    argumentCell(task),
  ]);
}

/** The table as Markdown (unpadded; prettier aligns it). */
export function taskCatalogTable(): string {
  const row = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    row(CATALOG_HEADER),
    row(CATALOG_HEADER.map(() => "---")),
    ...taskCatalogRows().map(row),
  ].join("\n");
}

/** The cells of the Markdown table between the markers of `doc`, or undefined without markers. */
export function documentedCatalog(doc: string): string[][] | undefined {
  const start = doc.indexOf(CATALOG_START);
  const end = doc.indexOf(CATALOG_END);
  if (start < 0 || end < start) return undefined;
  return doc
    .slice(start + CATALOG_START.length, end)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !cells.every((c) => /^:?-+:?$/.test(c)));
}

/** `doc` with the table between the markers replaced by the generated one. */
export function withGeneratedCatalog(doc: string): string {
  const start = doc.indexOf(CATALOG_START);
  const end = doc.indexOf(CATALOG_END);
  if (start < 0 || end < start) {
    throw new Error(
      `${CATALOG_DOC} has no task catalog markers (${CATALOG_START} ... ${CATALOG_END})`,
    );
  }
  return (
    doc.slice(0, start + CATALOG_START.length) +
    "\n\n" +
    taskCatalogTable() +
    "\n\n" +
    doc.slice(end)
  );
}
