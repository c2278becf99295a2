/**
 * The workbook's content, in the Notebook/1.0 form the Workbooks service stores as
 * `serializedData` (schema: https://github.com/microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json).
 */
import { createHash } from "crypto";
import { workbookQueries } from "./queries";

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

// Item types of the workbook schema: 1 is a text (markdown) step, 3 a query step; queryType 0
// is a Log Analytics query.
const TEXT = 1;
const QUERY = 3;

export function workbookContent(workspaceId: string, jobIds: readonly string[]): string {
  const queries = workbookQueries(jobIds);
  const query = (name: string, title: string, kql: string, visualization: string) => ({
    type: QUERY,
    name,
    content: {
      version: "KqlItem/1.0",
      title,
      query: kql,
      size: 0,
      queryType: 0,
      resourceType: "microsoft.operationalinsights/workspaces",
      crossComponentResources: [workspaceId],
      visualization,
      timeContext: { durationMs: WEEK_MS },
    },
  });
  return JSON.stringify({
    version: "Notebook/1.0",
    items: [
      {
        type: TEXT,
        name: "about",
        content: {
          json: "## HR-driven provisioning\nWhat Entra did with the records the uploader sent, from the provisioning logs (last 7 days). Deployed by inbound; edits in the portal are overwritten by the next `pulumi up`.",
        },
      },
      query("outcomes", "Outcomes over time", queries.outcomesOverTime, "timechart"),
      query("top-errors", "Top errors", queries.topErrors, "table"),
      query(
        "joiners-leavers",
        "Joiners and leavers processed",
        queries.joinersAndLeavers,
        "barchart",
      ),
    ],
    fallbackResourceIds: [workspaceId],
    $schema:
      "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
  });
}

/**
 * The workbook's resource name must be a UUID. One derived from the tenant keeps it stable across
 * runs, so an update changes the workbook instead of adding another.
 */
export function stableUuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex").slice(0, 32).split("");
  hex[12] = "5"; // version nibble, as a name-based UUID
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16); // RFC 4122 variant
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
