/**
 * The uploader's state in an Azure Blob container: each state document a block blob, the run lock
 * a lease. The deployed Function and `inbound upload --state https://…` use this one store, so a
 * CLI run in CI keeps its state where the next run, on another machine, finds it.
 *
 * The clients are described structurally (the few @azure/storage-blob ContainerClient methods
 * used), so the store is unit-tested with an in-memory container as well as against Azurite;
 * `openBlobStateStore` builds the real ContainerClient.
 */
import { isIP } from "net";
import type { HeldLock, LockAttempt, StateStore } from "./state";

export interface BlobItemLike {
  name: string;
  properties: { lastModified?: Date; etag?: string; contentLength?: number };
}

export interface BlobLeaseClientLike {
  acquireLease(duration: number): Promise<unknown>;
  renewLease(): Promise<unknown>;
  releaseLease(): Promise<unknown>;
}

export interface BlockBlobClientLike {
  upload(
    body: string | Uint8Array,
    contentLength: number,
    options?: {
      blobHTTPHeaders?: { blobContentType?: string };
      conditions?: { ifNoneMatch?: string };
    },
  ): Promise<unknown>;
  download(): Promise<{ readableStreamBody?: NodeJS.ReadableStream }>;
  deleteIfExists(): Promise<unknown>;
  getBlobLeaseClient(): BlobLeaseClientLike;
}

export interface ContainerClientLike {
  readonly url: string;
  getBlockBlobClient(name: string): BlockBlobClientLike;
  listBlobsFlat(options?: { prefix?: string }): AsyncIterable<BlobItemLike>;
  /** Only the CLI's store creates its container; the Function's is created by the deploy. */
  createIfNotExists?(): Promise<unknown>;
}

const statusOf = (err: unknown) => (err as { statusCode?: number } | undefined)?.statusCode;
const codeOf = (err: unknown) => (err as { code?: string } | undefined)?.code;

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === "string" ? Buffer.from(part) : part);
  return Buffer.concat(parts).toString("utf8");
}

/** The lock blob, under the store's prefix; the same name as a directory store's lock file. */
export const LOCK_KEY = "lock";

export interface BlobStoreOptions extends LockOptions {
  /** Blob names start with this (a "folder" of the container), e.g. `contoso/employees/`. */
  prefix?: string;
}

/** Each state document is one block blob; a single-shot upload replaces it atomically. */
export class BlobStateStore implements StateStore {
  readonly location: string;
  private readonly prefix: string;

  constructor(
    private readonly container: ContainerClientLike,
    private readonly options: BlobStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? "";
    this.location = `${container.url}${this.prefix ? `/${this.prefix.replace(/\/$/, "")}` : ""}`;
  }

  private blob(key: string): BlockBlobClientLike {
    return this.container.getBlockBlobClient(`${this.prefix}${key}`);
  }

  /**
   * The run lock is a lease on the `lock` blob (see acquireBlobLock). The holder is not written
   * down: a leased blob can only be written with the lease id, and the lease expires by itself
   * within a minute of its holder dying, so there is never a stale lock to judge. A container that
   * does not exist yet is created first (a first CLI run against a new container).
   */
  async lock(): Promise<LockAttempt> {
    const take = () => acquireBlobLock(this.container, `${this.prefix}${LOCK_KEY}`, this.options);
    let lock: BlobLock | undefined;
    try {
      lock = await take();
    } catch (err) {
      if (codeOf(err) !== "ContainerNotFound" || !this.container.createIfNotExists) throw err;
      await this.container.createIfNotExists();
      lock = await take();
    }
    return lock ? { lock } : { heldBy: `another run (a lease on ${this.location}/${LOCK_KEY})` };
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const response = await this.blob(key).download();
      const body = response.readableStreamBody;
      return body ? await readAll(body as AsyncIterable<Buffer>) : "";
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async put(key: string, text: string | Uint8Array): Promise<void> {
    const length = typeof text === "string" ? Buffer.byteLength(text) : text.byteLength;
    await this.blob(key).upload(text, length, {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const all = `${this.prefix}${prefix}`;
    try {
      for await (const item of this.container.listBlobsFlat({ prefix: all })) {
        names.push(item.name.slice(this.prefix.length));
      }
    } catch (err) {
      // A container not created yet holds no state (a dry run, or `inbound report`).
      if (codeOf(err) === "ContainerNotFound") return [];
      throw err;
    }
    return names.sort();
  }

  async delete(key: string): Promise<void> {
    await this.blob(key).deleteIfExists();
  }
}

export interface LockOptions {
  /** Lease length; Azure allows 15-60 s (or infinite, which a crash would leave behind). */
  durationSeconds?: number;
  renewEveryMs?: number;
  onRenewFailure?: (err: unknown) => void;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  now?: () => number;
}

export interface BlobLock extends HeldLock {
  /** Aborted, with the reason, once the lease is lost. */
  readonly lost: AbortSignal;
}

/**
 * Takes the run lock: a lease on `key` in the state container, renewed while the run lasts.
 * Resolves undefined when another run holds it. The lease expires by itself if the host dies.
 *
 * The lease is lost when a renewal is refused (409/412: it was broken, or expired and taken), or
 * when renewals have failed for so long that it would expire before the next one; `lost` then
 * fires and the run stops sending (lib/upload/engine.ts), since another run may now hold it.
 */
export async function acquireBlobLock(
  container: ContainerClientLike,
  key: string,
  options: LockOptions = {},
): Promise<BlobLock | undefined> {
  const duration = options.durationSeconds ?? 60;
  const every = options.renewEveryMs ?? (duration * 1000) / 3;
  const set = options.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref());
  const clear = options.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout));
  const now = options.now ?? Date.now;
  const blob = container.getBlockBlobClient(key);
  const lease = blob.getBlobLeaseClient();
  const acquire = async (): Promise<boolean> => {
    try {
      await lease.acquireLease(duration);
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  };
  let acquired: boolean;
  try {
    acquired = await acquire();
  } catch (err) {
    if (statusOf(err) !== 404 || codeOf(err) === "ContainerNotFound") throw err;
    // First run: create the lock blob. A concurrent creator wins harmlessly (409/412).
    try {
      await blob.upload("", 0, { conditions: { ifNoneMatch: "*" } });
    } catch (uploadErr) {
      const status = statusOf(uploadErr);
      if (status !== 409 && status !== 412) throw uploadErr;
    }
    acquired = await acquire();
  }
  if (!acquired) return undefined;
  const lost = new AbortController();
  let renewed = now();
  let renewing = false;
  const timer = set(() => {
    if (renewing || lost.signal.aborted) return;
    renewing = true;
    lease
      .renewLease()
      .then(() => void (renewed = now()))
      .catch((err: unknown) => {
        options.onRenewFailure?.(err);
        const status = statusOf(err);
        if (status === 409 || status === 412) {
          lost.abort(`the run lock (a lease on ${container.url}/${key}) was lost: ${String(err)}`);
        } else if (now() - renewed + every >= duration * 1000) {
          lost.abort(
            `the run lock (a lease on ${container.url}/${key}) could not be renewed for ${Math.round((now() - renewed) / 1000)} s and would expire: ${String(err)}`,
          );
        }
      })
      .finally(() => (renewing = false));
  }, every);
  lost.signal.addEventListener("abort", () => clear(timer), { once: true });
  return {
    lost: lost.signal,
    async release() {
      clear(timer);
      if (lost.signal.aborted) return;
      try {
        await lease.releaseLease();
      } catch {
        // Expires by itself within `duration`: the next run waits at most that long.
      }
    },
  };
}

/** Where `--state` or `uploader.state` points: a directory, or a blob container and a prefix. */
export type StateLocation =
  { kind: "directory"; path: string } | { kind: "blob"; containerUrl: string; prefix: string };

/**
 * Reads a state location. An `http(s)://` URL is a blob container, with an optional prefix after
 * the container's name (`https://<account>.blob.core.windows.net/<container>/<prefix>`, or
 * `http://127.0.0.1:10000/<account>/<container>/<prefix>` for Azurite's path-style URLs); it is
 * never taken as a directory named `http:`. Other URL schemes are refused.
 */
export function parseStateLocation(value: string): StateLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "directory", path: value };
  if (scheme !== "http" && scheme !== "https") {
    throw new Error(
      `${value}: a state location is a directory or an Azure Blob container URL (https://<account>.blob.core.windows.net/<container>[/<prefix>]), not a ${scheme}:// URL`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${value}: not a valid URL`);
  }
  if (url.search || url.hash) {
    throw new Error(
      `${value}: give the container URL without a query (a SAS token): sign in with DefaultAzureCredential or AZURE_STORAGE_CONNECTION_STRING`,
    );
  }
  const segments = url.pathname.split("/").filter((s) => s.length > 0);
  // Azurite and other emulators address the account in the path, not in the host name.
  const pathStyle =
    isIP(url.hostname.replace(/^\[|\]$/g, "")) !== 0 || url.hostname === "localhost";
  const base = pathStyle ? 2 : 1;
  if (segments.length < base) {
    throw new Error(
      `${value}: no container in the URL; expected ${pathStyle ? "http://<host>:<port>/<account>/<container>[/<prefix>]" : "https://<account>.blob.core.windows.net/<container>[/<prefix>]"}`,
    );
  }
  const container = segments[base - 1];
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
    throw new Error(
      `${value}: "${container}" is not a container name (3-63 lowercase letters, digits and single hyphens)`,
    );
  }
  const rest = segments.slice(base);
  return {
    kind: "blob",
    containerUrl: `${url.protocol}//${url.host}/${segments.slice(0, base).join("/")}`,
    prefix: rest.length > 0 ? `${rest.map(decodeURIComponent).join("/")}/` : "",
  };
}

/**
 * The blob store at a container URL, signed in with AZURE_STORAGE_CONNECTION_STRING when it is set
 * (it must be for the same account) and DefaultAzureCredential otherwise.
 */
export function openBlobStateStore(
  location: Extract<StateLocation, { kind: "blob" }>,
  env: NodeJS.ProcessEnv,
  options: LockOptions = {},
): BlobStateStore {
  // Loaded here: only a run with its state in Azure pays for the storage SDK.
  const { BlobServiceClient, ContainerClient } =
    require("@azure/storage-blob") as typeof import("@azure/storage-blob");
  const containerName = location.containerUrl.slice(location.containerUrl.lastIndexOf("/") + 1);
  let container: import("@azure/storage-blob").ContainerClient;
  const connection = env.AZURE_STORAGE_CONNECTION_STRING;
  if (connection) {
    let service;
    try {
      service = BlobServiceClient.fromConnectionString(connection);
    } catch (err) {
      throw new Error(`AZURE_STORAGE_CONNECTION_STRING cannot be read (${(err as Error).message})`);
    }
    container = service.getContainerClient(containerName);
    if (container.url.replace(/\/$/, "") !== location.containerUrl) {
      throw new Error(
        `AZURE_STORAGE_CONNECTION_STRING is for ${service.url}, not for the state container ${location.containerUrl}`,
      );
    }
  } else {
    const { DefaultAzureCredential } =
      require("@azure/identity") as typeof import("@azure/identity");
    container = new ContainerClient(location.containerUrl, new DefaultAzureCredential());
  }
  return new BlobStateStore(container, { ...options, prefix: location.prefix });
}
