/**
 * Where a Graph bearer token may go: Microsoft Graph itself, in whichever national cloud, or a
 * local emulator. A token sent anywhere else (a typo'd `graph.baseUrl`, an `--endpoint` pasted
 * from a phishing mail, an `@odata.nextLink` pointing away) is a token given away. Kept free of
 * the Graph SDK: the deployed uploader function uses it too.
 */

/**
 * Microsoft Graph's hosts, one per national cloud deployment: global, US Government L4, US
 * Government L5 (DoD), and China operated by 21Vianet
 * (https://learn.microsoft.com/en-us/graph/deployments#microsoft-graph-and-graph-explorer-service-root-endpoints).
 */
export const GRAPH_HOSTS: readonly string[] = [
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "microsoftgraph.chinacloudapi.cn",
];

/** The emulator and the sandbox listen on the loopback interface, over plain http. */
const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "[::1]"];

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** An http(s) URL on the loopback interface: where the emulator and the sandbox listen. */
export const isLoopback = (url: URL) =>
  (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.includes(url.hostname);

/**
 * Why `url` may not receive a Graph token, or undefined when it may: `https://` on a Graph host
 * of a national cloud, or `http(s)://` on 127.0.0.1, localhost or [::1] at any port.
 */
export function graphUrlProblem(url: string): string | undefined {
  const parsed = parse(url);
  const expected =
    `must be https:// on a Microsoft Graph host (${GRAPH_HOSTS.join(", ")}), ` +
    `or http://127.0.0.1, localhost or [::1] for the emulator`;
  if (!parsed) return `${expected}; ${JSON.stringify(url)} is not a URL`;
  if (parsed.username || parsed.password) {
    return `must not carry a user name or password; ${expected}`;
  }
  if (isLoopback(parsed)) return undefined;
  if (parsed.protocol === "https:" && GRAPH_HOSTS.includes(parsed.hostname)) return undefined;
  return `${expected}; got ${JSON.stringify(url)}`;
}

/** True when `url` is on a host a Graph token may be sent to (see graphUrlProblem). */
export function isGraphHost(url: string): boolean {
  return graphUrlProblem(url) === undefined;
}

/**
 * Whether a request to `url`, made by a client for `baseUrl`, may carry the client's token: a
 * Graph host, and a loopback address only when it is the client's own (a token for the real
 * Graph is not handed to whatever else listens on this machine).
 */
export function mayCarryToken(url: string, baseUrl: string): boolean {
  if (!isGraphHost(url)) return false;
  const target = parse(url)!;
  return !isLoopback(target) || target.origin === parse(baseUrl)?.origin;
}

/** The error for a request that would carry a token away from Graph; it is never sent. */
export function tokenRefusal(url: string): Error {
  const parsed = parse(url);
  const where = parsed ? parsed.origin : JSON.stringify(url);
  return new Error(
    `refused to send a Graph token to ${where}: a token goes only to Microsoft Graph (${GRAPH_HOSTS.join(", ")}) or to the local emulator`,
  );
}
