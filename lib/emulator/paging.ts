/**
 * Lists answered a page at a time, as Graph pages them: `value` holds at most `pageSize` items and
 * `@odata.nextLink` the absolute URL of the next page while more remain
 * (https://learn.microsoft.com/en-us/graph/paging). The link carries the request's own query
 * ($filter, $select) and a `$skiptoken`, which the client must follow as it is.
 */
import type { EmulatorRequest, EmulatorResponse } from "./index";

export function paged(
  request: EmulatorRequest,
  items: readonly unknown[],
  pageSize: number,
): EmulatorResponse {
  const skip = Number(request.query.get("$skiptoken") ?? 0);
  const value = items.slice(skip, skip + pageSize);
  if (skip + pageSize >= items.length) return { status: 200, body: { value } };
  const query = new URLSearchParams(request.query);
  query.set("$skiptoken", String(skip + pageSize));
  const host = request.headers.host ? `http://${String(request.headers.host)}` : "";
  return {
    status: 200,
    body: { value, "@odata.nextLink": `${host}/v1.0${request.path}?${query}` },
  };
}
