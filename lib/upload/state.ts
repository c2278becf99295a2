/**
 * What the uploader remembers between runs: per record, the hash of what was last accepted and
 * whether it was active (delta and the safeguard); the times of recent bulkUpload calls (the
 * daily quota); and, during a run, one checkpoint per acknowledged request (resume).
 *
 * Storage is a `StateStore` of small named documents with atomic writes, so the same logic runs
 * over a local directory (CLI) or a blob container (the deployed Function: each document a block
 * blob, `put` an upload, `list` a prefix listing; see docs/uploader.md).
 */
import { promises as fs } from "fs";
import * as path from "path";

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

/** Per externalId: [hash of the accepted SCIM JSON, active (or null when not mapped)]. */
export type RecordState = [hash: string, active: boolean | null];

export interface UploaderState {
  records: Map<string, RecordState>;
  /** Epoch ms of bulkUpload calls in the last 24 h (retries included: each is a call). */
  calls: number[];
  /** Records acknowledged by an interrupted run, not yet folded into `records`. */
  resumed: Map<string, RecordState>;
  /** Checkpoint keys read, deleted once a run completes. */
  checkpointKeys: string[];
}

export interface Checkpoint {
  records: [string, string, boolean | null][];
  calls: number[];
}

const RECORDS = "records.json";
const CALLS = "calls.json";
export const CHECKPOINT_PREFIX = "checkpoint/";
const DAY_MS = 24 * 60 * 60 * 1000;

export async function loadState(store: StateStore, now: number): Promise<UploaderState> {
  const records = new Map<string, RecordState>();
  const recordsText = await store.get(RECORDS);
  if (recordsText) {
    const parsed = parseDocument(store, RECORDS, recordsText) as {
      records?: Record<string, RecordState>;
    };
    for (const [id, entry] of Object.entries(parsed.records ?? {})) records.set(id, entry);
  }
  const callsText = await store.get(CALLS);
  const calls = callsText
    ? ((parseDocument(store, CALLS, callsText) as { calls?: number[] }).calls ?? [])
    : [];
  const resumed = new Map<string, RecordState>();
  const checkpointKeys = await store.list(CHECKPOINT_PREFIX);
  for (const key of checkpointKeys) {
    const text = await store.get(key);
    if (!text) continue;
    const checkpoint = parseDocument(store, key, text) as Checkpoint;
    for (const [id, hash, active] of checkpoint.records) resumed.set(id, [hash, active]);
    calls.push(...checkpoint.calls);
  }
  return {
    records,
    calls: calls.filter((t) => t > now - DAY_MS).sort((a, b) => a - b),
    resumed,
    checkpointKeys,
  };
}

function parseDocument(store: StateStore, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(
      `state document ${store.location}/${key} is not valid JSON (${(err as Error).message}); restore it or delete it and run with --full`,
    );
  }
}

/**
 * Folds a finished run into the state: the interrupted run's records and this run's accepted
 * ones replace their entries, records that left the HR file are forgotten, and the checkpoints
 * are removed last (a crash in between only means they are folded in again).
 */
export async function commitState(
  store: StateStore,
  state: UploaderState,
  accepted: Map<string, RecordState>,
  forget: readonly string[],
  calls: number[],
  now: number,
): Promise<void> {
  const records = new Map(state.records);
  for (const [id, entry] of state.resumed) records.set(id, entry);
  for (const [id, entry] of accepted) records.set(id, entry);
  for (const id of forget) records.delete(id);
  const sorted = [...records.keys()].sort();
  const out: Record<string, RecordState> = {};
  for (const id of sorted) out[id] = records.get(id) as RecordState;
  await store.put(RECORDS, JSON.stringify({ version: 1, records: out }));
  const recent = [...state.calls, ...calls].filter((t) => t > now - DAY_MS).sort((a, b) => a - b);
  await store.put(CALLS, JSON.stringify({ version: 1, calls: recent }));
  const fresh = await store.list(CHECKPOINT_PREFIX);
  for (const key of fresh) await store.delete(key);
}
