/**
 * The drop container as a source of HR exports. The state store and its lease are lib/upload/blob.ts,
 * shared with `inbound upload --state https://…`.
 */
import type { BlobItemLike, ContainerClientLike } from "../../lib/upload";

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
