/**
 * The drop container as a source of HR exports. The state store and its lease are lib/upload/blob.ts,
 * shared with `inbound upload --state https://…`.
 */
import type { Uploader } from "../../lib/model/schema";
import type { BlobItemLike, ContainerClientLike } from "../../lib/upload";
import { dropExtensions } from "../../components/uploader/azure";

/** One HR export in the drop container: a CSV or a JSON file. */
export interface DropFile {
  name: string;
  lastModified?: Date;
  read(): AsyncIterable<Buffer>;
}

/** Whether `name` is an export the app reads: at the top of the container, with its extension. */
export function isDropFile(name: string, source: Uploader["source"]): boolean {
  const lower = name.toLowerCase();
  return !name.includes("/") && dropExtensions(source).some((e) => lower.endsWith(e));
}

export function blobDropFile(container: ContainerClientLike, item: BlobItemLike): DropFile {
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
 * The newest export the app reads (isDropFile) at the top of the drop container, by last-modified
 * time; files in folders (`pushed/`, `archive/`...) are not HR exports to process.
 */
export async function newestDropFile(
  container: ContainerClientLike,
  source: Uploader["source"],
): Promise<DropFile | undefined> {
  let newest: BlobItemLike | undefined;
  for await (const item of container.listBlobsFlat()) {
    if (!isDropFile(item.name, source)) continue;
    const time = item.properties.lastModified?.getTime() ?? 0;
    const best = newest?.properties.lastModified?.getTime() ?? -1;
    if (time > best || (time === best && newest && item.name > newest.name)) newest = item;
  }
  return newest ? blobDropFile(container, newest) : undefined;
}
