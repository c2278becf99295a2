/**
 * Everything the uploader keeps per record id during a run, in a few bytes each: a 1M-person HR
 * file must fit in well under 200 MB, and a `Map<string, object>` costs that much on its own.
 *
 * Ids live once, as UTF-8 bytes in one growing buffer, found through an open-addressing table of
 * int32 slots; the per-record facts (the 8-byte digest of what was last accepted, flags, the CSV
 * line and a 32-bit check of the planned content) live in fixed-size pages of typed arrays, so
 * growing never copies them and never doubles the memory held. About 40 bytes a record in all.
 */

/**
 * Bytes of a content digest, a truncated sha256. A record is only ever compared with its own last
 * version, so the chance that an edit goes unnoticed is 1 in 2^64; more bytes would only cost
 * memory (8 MB per million records per 8 bytes).
 */
export const DIGEST_BYTES = 8;

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/** `known` flags: what the state says was last accepted by the service. */
export const KNOWN = 1;
export const KNOWN_ACTIVE = 2;
export const KNOWN_INACTIVE = 4;
/** Accepted by an interrupted run (from a checkpoint), not yet folded into the records. */
export const RESUMED = 8;
/** The shard of this record must be rewritten at commit. */
export const DIRTY = 16;

/** `file` flags: what this run's CSV says. */
export const IN_FILE = 1;
/** The row converted to a SCIM user; `fileCheck` is set. */
export const CONVERTED = 2;
/** On more than one line: every copy is withheld. */
export const DUPLICATE = 4;
export const FILE_ACTIVE = 8;
export const FILE_INACTIVE = 16;
/** Decided by the plan: sent by this run. */
export const SEND = 32;
/** Acknowledged by the service during this run (`knownDigest` is then what was sent). */
export const ACCEPTED = 64;
/** The row converted to exactly what the state knows. */
export const SAME = 128;

interface Page {
  knownDigest: Uint8Array;
  /**
   * The first 32 bits of the row's digest when planned: the sending pass checks the file still
   * says the same.
   */
  fileCheck: Uint32Array;
  known: Uint8Array;
  file: Uint8Array;
  /** First CSV line of the record in this run's file (0: not in the file). */
  line: Uint32Array;
  /** End offset of the id in the arena. */
  idEnd: Uint32Array;
}

function newPage(): Page {
  return {
    knownDigest: new Uint8Array(PAGE_SIZE * DIGEST_BYTES),
    fileCheck: new Uint32Array(PAGE_SIZE),
    known: new Uint8Array(PAGE_SIZE),
    file: new Uint8Array(PAGE_SIZE),
    line: new Uint32Array(PAGE_SIZE),
    idEnd: new Uint32Array(PAGE_SIZE),
  };
}

/** FNV-1a over bytes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

export class RecordTable {
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaUsed = 0;
  private slots = new Int32Array(1 << 10).fill(-1);
  private readonly pages: Page[] = [];
  private scratch = Buffer.allocUnsafe(256);
  size = 0;

  /** Index of `id`, or -1. */
  find(id: string): number {
    const length = this.encode(id);
    const mask = this.slots.length - 1;
    for (let slot = hashBytes(this.scratch, 0, length) & mask; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot];
      if (index === -1) return -1;
      if (this.sameId(index, length)) return index;
    }
  }

  /** Index of `id`, added when new. */
  add(id: string): number {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const length = this.encode(id);
    const mask = this.slots.length - 1;
    let slot = hashBytes(this.scratch, 0, length) & mask;
    for (; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot];
      if (index === -1) break;
      if (this.sameId(index, length)) return index;
    }
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + length));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    this.scratch.copy(this.arena, this.arenaUsed, 0, length);
    this.arenaUsed += length;
    const index = this.size++;
    if (index >> PAGE_BITS >= this.pages.length) this.pages.push(newPage());
    this.page(index).idEnd[index & PAGE_MASK] = this.arenaUsed;
    this.slots[slot] = index;
    return index;
  }

  /** A hash of the id, stable across runs (it picks the state shard). */
  idHash(index: number): number {
    return hashBytes(this.arena, this.idStart(index), this.idEndOf(index));
  }

  id(index: number): string {
    return this.arena.toString("utf8", this.idStart(index), this.idEndOf(index));
  }

  known(index: number): number {
    return this.page(index).known[index & PAGE_MASK];
  }
  setKnown(index: number, flags: number): void {
    this.page(index).known[index & PAGE_MASK] = flags;
  }
  file(index: number): number {
    return this.page(index).file[index & PAGE_MASK];
  }
  setFile(index: number, flags: number): void {
    this.page(index).file[index & PAGE_MASK] = flags;
  }
  line(index: number): number {
    return this.page(index).line[index & PAGE_MASK];
  }
  setLine(index: number, line: number): void {
    this.page(index).line[index & PAGE_MASK] = line;
  }

  knownDigest(index: number): Uint8Array {
    const offset = (index & PAGE_MASK) * DIGEST_BYTES;
    return this.page(index).knownDigest.subarray(offset, offset + DIGEST_BYTES);
  }
  setKnownDigest(index: number, digest: Uint8Array): void {
    const offset = (index & PAGE_MASK) * DIGEST_BYTES;
    this.page(index).knownDigest.set(digest.subarray(0, DIGEST_BYTES), offset);
  }
  /** The digest equals the known one. */
  isKnownDigest(index: number, digest: Uint8Array): boolean {
    const page = this.page(index);
    const offset = (index & PAGE_MASK) * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i++) {
      if (page.knownDigest[offset + i] !== digest[i]) return false;
    }
    return true;
  }
  fileCheck(index: number): number {
    return this.page(index).fileCheck[index & PAGE_MASK];
  }
  setFileCheck(index: number, check: number): void {
    this.page(index).fileCheck[index & PAGE_MASK] = check;
  }

  private page(index: number): Page {
    return this.pages[index >> PAGE_BITS];
  }
  private idStart(index: number): number {
    return index === 0 ? 0 : this.idEndOf(index - 1);
  }
  private idEndOf(index: number): number {
    return this.page(index).idEnd[index & PAGE_MASK];
  }

  /** Writes `id` as UTF-8 into the scratch buffer; returns its length. */
  private encode(id: string): number {
    if (id.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(id.length * 3);
    return this.scratch.write(id, 0, "utf8");
  }

  private sameId(index: number, length: number): boolean {
    const start = this.idStart(index);
    const end = this.idEndOf(index);
    return end - start === length && this.arena.compare(this.scratch, 0, length, start, end) === 0;
  }

  private rehash(capacity: number): void {
    const slots = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let index = 0; index < this.size; index++) {
      let slot = hashBytes(this.arena, this.idStart(index), this.idEndOf(index)) & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = index;
    }
    this.slots = slots;
  }
}
