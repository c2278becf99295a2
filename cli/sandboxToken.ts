/**
 * The token for a local Graph. The emulator behind `inbound sandbox` accepts only the token the
 * sandbox wrote to `.inbound-sandbox/<port>/env`; without INBOUND_GRAPH_TOKEN the commands would
 * fall back to an Azure sign-in, which cannot give a token for 127.0.0.1 and fails with one error
 * per credential it tries. One line saying which file to load is what helps.
 */
import * as fs from "fs";
import * as path from "path";
import { isLoopback } from "../lib/graph/hosts";
import { environmentToken } from "../lib/graph/token";
import type { CliIo } from "./io";
import { pasteable } from "./invocation";

/** Where a sandbox keeps its token file and the uploader's state, under the working directory. */
export const SANDBOX_DIR = ".inbound-sandbox";

/**
 * Why no token can be had for `graphBaseUrl`, or undefined: a local Graph and no
 * INBOUND_GRAPH_TOKEN.
 */
export function missingSandboxToken(io: CliIo, graphBaseUrl: string): string | undefined {
  if (environmentToken(io.env)) return undefined;
  let url: URL;
  try {
    url = new URL(graphBaseUrl);
  } catch {
    return undefined;
  }
  if (!isLoopback(url)) return undefined;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const envFile = path.join(SANDBOX_DIR, port, "env");
  if (fs.existsSync(path.join(io.cwd, envFile))) {
    return `INBOUND_GRAPH_TOKEN is not set: load the sandbox's token with \`. ${envFile}\` in this shell, then run the command again`;
  }
  return `INBOUND_GRAPH_TOKEN is not set, and ${url.origin} is a local Graph, which takes no Azure sign-in: start \`${pasteable(io.command, ["sandbox", "--port", port])}\` from this directory and load the token file it names (${envFile})`;
}
