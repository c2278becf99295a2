/**
 * The safeguard's per-record digests (lib/records/watch.ts): for each record of the `RecordTable`
 * (same index), a 16-bit digest per watched value as last accepted (`known`) and as this run's
 * file has it (`file`), 0 meaning "not known". Kept beside the table in pages of typed arrays, as
 * the table's own facts are, so that memory is 4 bytes a record per watched value.
 */
const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/** `flags`: the record's new leave date falls within the safeguard's window. */
export const LEAVING = 1;

interface Page {
  known: Uint16Array;
  file: Uint16Array;
  flags: Uint8Array;
}

export class WatchTable {
  private readonly pages: Page[] = [];

  /** `names`: the watched values, in the order of each record's digests. */
  constructor(readonly names: readonly string[]) {}

  get width(): number {
    return this.names.length;
  }

  private page(index: number): Page {
    const number = index >> PAGE_BITS;
    while (this.pages.length <= number) {
      this.pages.push({
        known: new Uint16Array(PAGE_SIZE * this.width),
        file: new Uint16Array(PAGE_SIZE * this.width),
        flags: new Uint8Array(PAGE_SIZE),
      });
    }
    return this.pages[number];
  }

  known(index: number, value: number): number {
    return this.page(index).known[(index & PAGE_MASK) * this.width + value];
  }
  /** Whether every watched value of the record has a known digest. */
  hasKnown(index: number): boolean {
    const page = this.page(index);
    const start = (index & PAGE_MASK) * this.width;
    for (let i = 0; i < this.width; i++) if (page.known[start + i] === 0) return false;
    return true;
  }
  setKnown(index: number, digests: ArrayLike<number>): void {
    this.page(index).known.set(digests, (index & PAGE_MASK) * this.width);
  }
  file(index: number, value: number): number {
    return this.page(index).file[(index & PAGE_MASK) * this.width + value];
  }
  fileDigests(index: number): Uint16Array {
    const start = (index & PAGE_MASK) * this.width;
    return this.page(index).file.subarray(start, start + this.width);
  }
  knownDigests(index: number): Uint16Array {
    const start = (index & PAGE_MASK) * this.width;
    return this.page(index).known.subarray(start, start + this.width);
  }
  setFile(index: number, digests: ArrayLike<number>): void {
    this.page(index).file.set(digests, (index & PAGE_MASK) * this.width);
  }
  flags(index: number): number {
    return this.page(index).flags[index & PAGE_MASK];
  }
  setFlags(index: number, flags: number): void {
    this.page(index).flags[index & PAGE_MASK] = flags;
  }
}

/** The digests of a record as the state writes them: base64url of 2 bytes each, little-endian. */
export function encodeWatch(digests: Uint16Array): string {
  const bytes = Buffer.alloc(digests.length * 2);
  digests.forEach((d, i) => bytes.writeUInt16LE(d, i * 2));
  return bytes.toString("base64url");
}

export function decodeWatch(text: string): Uint16Array | undefined {
  const bytes = Buffer.from(text, "base64url");
  if (bytes.length % 2 !== 0) return undefined;
  const digests = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < digests.length; i++) digests[i] = bytes.readUInt16LE(i * 2);
  return digests;
}
