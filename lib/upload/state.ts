/**
 * What the uploader remembers between runs: per record, a digest of what was last accepted and
 * whether it was active (delta and the safeguard); the times of recent bulkUpload calls (the
 * daily quota); and, during a run, one checkpoint per acknowledged request (resume).
 *
 * The records are split into `SHARDS` documents by a hash of the id, one JSON array per line, so
 * no document of a million-person population has to be held or parsed in one piece, and a small
 * delta rewrites only the shards it touched.
 *
 * Storage is a `StateStore` of small named documents with atomic writes, so the same logic runs
 * over a local directory (CLI) or a blob container (the deployed Function: each document a block
 * blob, `put` an upload, `list` a prefix listing; see docs/uploader.md).
 */
import { promises as fs } from "fs";
import * as path from "path";
import {
  ACCEPTED,
  DIGEST_BYTES,
  DIRTY,
  FILE_ACTIVE,
  FILE_INACTIVE,
  IN_FILE,
  KNOWN,
  KNOWN_ACTIVE,
  KNOWN_INACTIVE,
  RecordTable,
  RESUMED,
} from "./records";

export interface StateStore {
  /** Where the state lives, for messages. */
  readonly location: string;
  get(key: string): Promise<string | undefined>;
  /** Replaces the document atomically: a reader sees the old or the new text, never a part. */
  put(key: string, text: string): Promise<void>;
  /** Keys that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** A directory on disk; keys with `/` are subdirectories. */
export class DirectoryStateStore implements StateStore {
  constructor(readonly location: string) {}

  private file(key: string): string {
    if (!KEY.test(key) || key.split("/").includes("..")) throw new Error(`bad state key ${key}`);
    return path.join(this.location, ...key.split("/"));
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.file(key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async put(key: string, text: string): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await fs.open(temp, "w");
    try {
      await handle.writeFile(text, "utf8");
      // The rename is only atomic for what has reached the disk.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw err;
      }
      for (const entry of entries) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), key);
        else if (!entry.name.endsWith(".tmp") && key.startsWith(prefix)) out.push(key);
      }
    };
    await walk(this.location, "");
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}

/** In memory, for tests and dry runs. */
export class MemoryStateStore implements StateStore {
  readonly location = "memory";
  readonly documents = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.documents.get(key);
  }
  async put(key: string, text: string): Promise<void> {
    this.documents.set(key, text);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.documents.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(key: string): Promise<void> {
    this.documents.delete(key);
  }
}

/** One line of a records shard or one entry of a checkpoint: [externalId, digest, active]. */
export type RecordEntry = [externalId: string, digest: string, active: boolean | null];

export interface UploaderState {
  /** Known records (from the shards and any interrupted run's checkpoints), then this run's. */
  table: RecordTable;
  /** Epoch ms of bulkUpload calls in the last 24 h (retries included: each is a call). */
  calls: number[];
  /** Checkpoint keys read, deleted once a run completes. */
  checkpointKeys: string[];
  /** A version 1 `records.json` was read: every shard is written and it is removed. */
  legacy: boolean;
}

export interface Checkpoint {
  records: RecordEntry[];
  calls: number[];
}

export const SHARDS = 32;
const SHARD_PREFIX = "records/";
const LEGACY_RECORDS = "records.json";
const CALLS = "calls.json";
export const CHECKPOINT_PREFIX = "checkpoint/";
const DAY_MS = 24 * 60 * 60 * 1000;

export function shardKey(shard: number): string {
  return `${SHARD_PREFIX}${shard.toString(16).padStart(2, "0")}.jsonl`;
}

export function encodeDigest(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, DIGEST_BYTES).toString("base64url");
}

function decodeDigest(text: string): Buffer {
  // Version 1 kept the whole sha256; its first bytes are the same digest truncated.
  return Buffer.from(text, "base64url").subarray(0, DIGEST_BYTES);
}

function activeFlags(active: boolean | null): number {
  return active === true ? KNOWN_ACTIVE : active === false ? KNOWN_INACTIVE : 0;
}

function knowRecord(table: RecordTable, entry: RecordEntry, extra: number): void {
  const [id, digest, active] = entry;
  const index = table.add(id);
  table.setKnown(index, KNOWN | activeFlags(active) | extra | (table.known(index) & DIRTY));
  table.setKnownDigest(index, decodeDigest(digest));
}

export async function loadState(store: StateStore, now: number): Promise<UploaderState> {
  const table = new RecordTable();
  const legacyText = await store.get(LEGACY_RECORDS);
  if (legacyText) {
    const parsed = parseDocument(store, LEGACY_RECORDS, legacyText) as {
      records?: Record<string, [string, boolean | null]>;
    };
    for (const [id, [digest, active]] of Object.entries(parsed.records ?? {})) {
      knowRecord(table, [id, digest, active], DIRTY);
    }
  }
  for (let shard = 0; shard < SHARDS; shard++) {
    const key = shardKey(shard);
    const text = await store.get(key);
    if (!text) continue;
    let lineNumber = 0;
    for (let start = 0; start < text.length;) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = text.length;
      lineNumber++;
      if (end > start) {
        knowRecord(
          table,
          parseDocument(store, key, text.slice(start, end), lineNumber) as RecordEntry,
          0,
        );
      }
      start = end + 1;
    }
  }
  const callsText = await store.get(CALLS);
  const calls = callsText
    ? ((parseDocument(store, CALLS, callsText) as { calls?: number[] }).calls ?? [])
    : [];
  const checkpointKeys = await store.list(CHECKPOINT_PREFIX);
  for (const key of checkpointKeys) {
    const text = await store.get(key);
    if (!text) continue;
    const checkpoint = parseDocument(store, key, text) as Checkpoint;
    for (const entry of checkpoint.records) knowRecord(table, entry, RESUMED | DIRTY);
    calls.push(...checkpoint.calls);
  }
  return {
    table,
    calls: calls.filter((t) => t > now - DAY_MS).sort((a, b) => a - b),
    checkpointKeys,
    legacy: legacyText !== undefined,
  };
}

function parseDocument(store: StateStore, key: string, text: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const where = line === undefined ? key : `${key}:${line}`;
    throw new Error(
      `state document ${store.location}/${where} is not valid JSON (${(err as Error).message}); restore it or delete the state and run with --full`,
    );
  }
}

/**
 * Folds a finished run into the state: the records this run had accepted take their new digest,
 * an interrupted run's records (already folded in by `loadState`) are written down, records that
 * left the HR file are forgotten when `forgetLost`, and the checkpoints are removed last (a crash
 * in between only means they are folded in again, which changes nothing).
 */
export async function commitState(
  store: StateStore,
  state: UploaderState,
  forgetLost: boolean,
  calls: number[],
  now: number,
): Promise<void> {
  const { table } = state;
  const dirty = new Uint8Array(SHARDS);
  const shards = new Uint8Array(table.size);
  for (let index = 0; index < table.size; index++) {
    let known = table.known(index);
    const file = table.file(index);
    if (file & ACCEPTED) {
      const active = file & FILE_ACTIVE ? KNOWN_ACTIVE : file & FILE_INACTIVE ? KNOWN_INACTIVE : 0;
      known = KNOWN | active | DIRTY;
    } else if (forgetLost && known & KNOWN && !(file & IN_FILE)) {
      known = DIRTY;
    }
    table.setKnown(index, known);
    shards[index] = table.idHash(index) % SHARDS;
    if (known & DIRTY || state.legacy) dirty[shards[index]] = 1;
  }
  // The records of each shard in table order, by counting sort: one pass, not one per shard.
  const starts = new Int32Array(SHARDS + 1);
  for (let index = 0; index < table.size; index++) starts[shards[index] + 1]++;
  for (let shard = 0; shard < SHARDS; shard++) starts[shard + 1] += starts[shard];
  const order = new Int32Array(table.size);
  const next = starts.slice(0, SHARDS);
  for (let index = 0; index < table.size; index++) order[next[shards[index]]++] = index;
  for (let shard = 0; shard < SHARDS; shard++) {
    if (!dirty[shard]) continue;
    const lines: string[] = [];
    for (let at = starts[shard]; at < starts[shard + 1]; at++) {
      const index = order[at];
      const known = table.known(index);
      if (!(known & KNOWN)) continue;
      const active = known & KNOWN_ACTIVE ? true : known & KNOWN_INACTIVE ? false : null;
      lines.push(JSON.stringify([table.id(index), encodeDigest(table.knownDigest(index)), active]));
    }
    if (lines.length > 0) await store.put(shardKey(shard), lines.join("\n") + "\n");
    else await store.delete(shardKey(shard));
  }
  if (state.legacy) await store.delete(LEGACY_RECORDS);
  const recent = [...state.calls, ...calls].filter((t) => t > now - DAY_MS).sort((a, b) => a - b);
  await store.put(CALLS, JSON.stringify({ version: 2, calls: recent }));
  const fresh = await store.list(CHECKPOINT_PREFIX);
  for (const key of fresh) await store.delete(key);
}
