/**
 * Blob storage behind the engine's small interfaces: a StateStore over the `state` container, the
 * `drop` container as a source of CSV files, and a run lock from a blob lease.
 *
 * The clients are described structurally (the few @azure/storage-blob ContainerClient methods
 * used), so this file type-checks and is unit-tested without that package; functions/src/index.ts
 * passes real ContainerClients.
 */
import type { LockAttempt, StateStore } from "../../lib/upload";

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
}

const statusOf = (err: unknown) => (err as { statusCode?: number } | undefined)?.statusCode;

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === "string" ? Buffer.from(part) : part);
  return Buffer.concat(parts).toString("utf8");
}

/** The lock blob in the state container. */
export const LOCK_KEY = "lock";

/** Each state document is one block blob; a single-shot upload replaces it atomically. */
export class BlobStateStore implements StateStore {
  readonly location: string;

  constructor(
    private readonly container: ContainerClientLike,
    private readonly lockOptions: LockOptions = {},
  ) {
    this.location = container.url;
  }

  /**
   * The run lock is a lease on the `lock` blob (see acquireBlobLock). The holder is not written
   * down: a leased blob can only be written with the lease id, and the lease expires by itself
   * within a minute of its holder dying, so there is never a stale lock to judge.
   */
  async lock(): Promise<LockAttempt> {
    const lock = await acquireBlobLock(this.container, LOCK_KEY, this.lockOptions);
    return lock ? { lock } : { heldBy: `another run (a lease on ${this.location}/${LOCK_KEY})` };
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const response = await this.container.getBlockBlobClient(key).download();
      const body = response.readableStreamBody;
      return body ? await readAll(body as AsyncIterable<Buffer>) : "";
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async put(key: string, text: string | Uint8Array): Promise<void> {
    const length = typeof text === "string" ? Buffer.byteLength(text) : text.byteLength;
    await this.container.getBlockBlobClient(key).upload(text, length, {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix })) names.push(item.name);
    return names.sort();
  }

  async delete(key: string): Promise<void> {
    await this.container.getBlockBlobClient(key).deleteIfExists();
  }
}

/** One HR export in the drop container. */
export interface CsvSource {
  name: string;
  lastModified?: Date;
  read(): AsyncIterable<Buffer>;
}

export function blobCsvSource(container: ContainerClientLike, item: BlobItemLike): CsvSource {
  return {
    name: item.name,
    lastModified: item.properties.lastModified,
    async *read() {
      const response = await container.getBlockBlobClient(item.name).download();
      if (!response.readableStreamBody) return;
      for await (const part of response.readableStreamBody as AsyncIterable<Buffer | string>) {
        yield typeof part === "string" ? Buffer.from(part) : part;
      }
    },
  };
}

/**
 * The newest `.csv` at the top of the drop container, by last-modified time; files in folders
 * (`pushed/`, `archive/`...) are not HR exports to process.
 */
export async function newestCsv(container: ContainerClientLike): Promise<CsvSource | undefined> {
  let newest: BlobItemLike | undefined;
  for await (const item of container.listBlobsFlat()) {
    if (item.name.includes("/") || !item.name.toLowerCase().endsWith(".csv")) continue;
    const time = item.properties.lastModified?.getTime() ?? 0;
    const best = newest?.properties.lastModified?.getTime() ?? -1;
    if (time > best || (time === best && newest && item.name > newest.name)) newest = item;
  }
  return newest ? blobCsvSource(container, newest) : undefined;
}

export interface Lock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Lease length; Azure allows 15-60 s (or infinite, which a crash would leave behind). */
  durationSeconds?: number;
  renewEveryMs?: number;
  onRenewFailure?: (err: unknown) => void;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

/**
 * Takes the run lock: a lease on `key` in the state container, renewed while the run lasts.
 * Resolves undefined when another run holds it. The lease expires by itself if the host dies.
 */
export async function acquireBlobLock(
  container: ContainerClientLike,
  key: string,
  options: LockOptions = {},
): Promise<Lock | undefined> {
  const duration = options.durationSeconds ?? 60;
  const every = options.renewEveryMs ?? (duration * 1000) / 3;
  const set = options.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref());
  const clear = options.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout));
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
    if (statusOf(err) !== 404) throw err;
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
  const timer = set(() => {
    lease.renewLease().catch((err: unknown) => options.onRenewFailure?.(err));
  }, every);
  return {
    async release() {
      clear(timer);
      await lease.releaseLease();
    },
  };
}
