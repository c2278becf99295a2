/**
 * An in-memory stand-in for @azure/storage-blob's ContainerClient, with the service's answers
 * for the cases the uploader relies on: 404 on a missing blob, 409 on a held lease or an
 * existing blob under `ifNoneMatch: "*"`.
 */
import { Readable } from "stream";
import type { BlobItemLike, BlockBlobClientLike, ContainerClientLike } from "../../lib/upload/blob";

class RestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeContainer implements ContainerClientLike {
  readonly blobs = new Map<string, { content: Buffer; lastModified: Date }>();
  readonly leases = new Map<string, boolean>();
  readonly calls: string[] = [];

  constructor(readonly url = "https://acct.blob.core.windows.net/state") {}

  add(name: string, content: string, lastModified = new Date("2025-01-01T00:00:00Z")): void {
    this.blobs.set(name, { content: Buffer.from(content), lastModified });
  }

  text(name: string): string | undefined {
    return this.blobs.get(name)?.content.toString("utf8");
  }

  getBlockBlobClient(name: string): BlockBlobClientLike {
    return {
      upload: async (body, contentLength, options) => {
        this.calls.push(`upload ${name}`);
        if (options?.conditions?.ifNoneMatch === "*" && this.blobs.has(name)) {
          throw new RestError(409, "BlobAlreadyExists");
        }
        if (Buffer.byteLength(body) !== contentLength) throw new Error("content length mismatch");
        this.blobs.set(name, { content: Buffer.from(body), lastModified: new Date() });
      },
      download: async () => {
        const blob = this.blobs.get(name);
        if (!blob) throw new RestError(404, "BlobNotFound");
        // Several chunks, like a real stream.
        const parts = [blob.content.subarray(0, 3), blob.content.subarray(3)];
        return { readableStreamBody: Readable.from(parts) };
      },
      deleteIfExists: async () => {
        this.calls.push(`delete ${name}`);
        this.blobs.delete(name);
      },
      getBlobLeaseClient: () => {
        return {
          acquireLease: async (duration: number) => {
            this.calls.push(`acquire ${name} ${duration}`);
            if (!this.blobs.has(name)) throw new RestError(404, "BlobNotFound");
            if (this.leases.get(name)) throw new RestError(409, "LeaseAlreadyPresent");
            this.leases.set(name, true);
          },
          renewLease: async () => {
            this.calls.push(`renew ${name}`);
          },
          releaseLease: async () => {
            this.calls.push(`release ${name}`);
            this.leases.set(name, false);
          },
        };
      },
    };
  }

  async *listBlobsFlat(options?: { prefix?: string }): AsyncIterable<BlobItemLike> {
    // The service lists in name order.
    for (const name of [...this.blobs.keys()].sort()) {
      if (options?.prefix && !name.startsWith(options.prefix)) continue;
      const blob = this.blobs.get(name)!;
      yield {
        name,
        properties: { lastModified: blob.lastModified, contentLength: blob.content.length },
      };
    }
  }
}
