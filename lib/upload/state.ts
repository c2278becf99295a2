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
import { constants as fsConstants, promises as fs, readFileSync } from "fs";
import { hostname } from "os";
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
} from "./recordTable";
import { decodeWatch, encodeWatch, WatchTable } from "./watchTable";

export interface StateStore {
  /** Where the state lives, for messages. */
  readonly location: string;
  get(key: string): Promise<string | undefined>;
  /**
   * Replaces the document atomically: a reader sees the old or the new text, never a part. The
   * text comes as a string or as its UTF-8 bytes (a `LineBuffer`'s, which are reused once the
   * promise settles).
   */
  put(key: string, text: string | Uint8Array): Promise<void>;
  /** Keys that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /**
   * Takes the run lock, so that two runs over the same state never interleave checkpoints;
   * released by the run that took it.
   */
  lock(): Promise<LockAttempt>;
}

/**
 * A document of many lines (a records shard, a part of a run record), built as UTF-8 in one buffer
 * that is reused from document to document. A million-record run writes some 60 MB of such text at
 * its end; built as strings, every document was a large V8 object that only a full collection
 * frees, and the heap grew by most of that before one ran (`npm run bench`, the CLI's peak RSS).
 */
export class LineBuffer {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  /** Lines added since the last `clear`. */
  lines = 0;

  add(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit, and 1 for the newline.
    const most = line.length * 3 + 1;
    if (this.used + most > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + most));
      this.buffer.copy(bigger, 0, 0, this.used);
      this.buffer = bigger;
    }
    this.used += this.buffer.write(line, this.used, "utf8");
    this.buffer[this.used++] = 0x0a;
    this.lines++;
  }

  /** The lines so far, each ending in a newline; valid until the next `add` or `clear`. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  clear(): void {
    this.used = 0;
    this.lines = 0;
  }
}

export interface HeldLock {
  release(): Promise<void>;
  /** Fires when the lock is lost while held (a blob lease that could not be renewed). */
  readonly lost?: AbortSignal;
}

/** The lock, with a notice when a dead run's lock was taken over; or who holds it. */
export type LockAttempt = { lock: HeldLock; notice?: string } | { heldBy: string };

/** Who holds a lock file: enough to find the process, or to see that it is gone. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /**
   * When the process started, as the kernel counts it (field 22 of /proc/<pid>/stat), where there
   * is a /proc: a pid reused by another process has another start.
   */
  processStart?: string;
}

/** The subset of `fs.promises` the directory store uses; injectable to simulate a full disk. */
export type StateFs = Pick<
  typeof fs,
  | "readFile"
  | "open"
  | "rename"
  | "mkdir"
  | "readdir"
  | "rm"
  | "unlink"
  | "stat"
  | "utimes"
  | "chmod"
>;

/**
 * The lock's heartbeat: its holder touches the lock file every `LOCK_RENEW_MS`, as the Function's
 * blob lease is renewed, and a lock not renewed for `LOCK_STALE_MS` is a dead run's on any host
 * (a CI container or pod with a new hostname each run, over a shared volume, was locked out for
 * ever). Ten missed renewals: a busy disk or a paused VM does not lose a live run its lock.
 */
export const LOCK_RENEW_MS = 30_000;
export const LOCK_STALE_MS = 5 * 60_000;

/** How the directory store judges a lock's holder; injectable for tests. */
export interface LockClock {
  /** Whether the process runs (not gone, not a zombie). */
  alive(pid: number): boolean;
  /** The process's start as the kernel counts it, or undefined where that cannot be read. */
  processStart(pid: number): string | undefined;
  now(): number;
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** A directory on disk; keys with `/` are subdirectories. */
export class DirectoryStateStore implements StateStore {
  private readonly processes: LockClock;
  constructor(
    readonly location: string,
    private readonly fsImpl: StateFs = fs,
    /** Whether a process still runs (a stale lock's holder); injectable for tests. */
    alive: (pid: number) => boolean = processAlive,
    processes: Partial<LockClock> = {},
  ) {
    this.processes = { alive, processStart, now: Date.now, ...processes };
  }

  private file(key: string): string {
    if (!KEY.test(key) || key.split("/").includes("..")) throw new Error(`bad state key ${key}`);
    return path.join(this.location, ...key.split("/"));
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await this.fsImpl.readFile(this.file(key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async put(key: string, text: string | Uint8Array): Promise<void> {
    const file = this.file(key);
    // The state says who works where and when: only its owner may read it.
    await this.fsImpl.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const handle = await this.fsImpl.open(temp, "w", 0o600);
      try {
        await handle.writeFile(text);
        // The rename is only atomic for what has reached the disk.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.fsImpl.rename(temp, file);
    } catch (err) {
      // A full disk must not also leave half-written files behind.
      await this.fsImpl.rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.walk()).filter((key) => !key.endsWith(".tmp") && key.startsWith(prefix));
  }

  private async walk(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await this.fsImpl.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw err;
      }
      for (const entry of entries) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), key);
        else out.push(key);
      }
    };
    await walk(this.location, "");
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await this.fsImpl.rm(this.file(key), { force: true });
  }

  /**
   * A lock file created with O_EXCL, naming its holder, and renewed (its modification time) every
   * LOCK_RENEW_MS while held. It is taken over when it is stale: not renewed for LOCK_STALE_MS,
   * whichever host wrote it, or, on this host, when its process is gone, a zombie, or another
   * process that reuses its pid (another start time).
   */
  async lock(): Promise<LockAttempt> {
    await this.fsImpl.mkdir(this.location, { recursive: true, mode: 0o700 });
    const tightened = await this.tighten();
    const file = path.join(this.location, LOCK_FILE);
    const start = this.processes.processStart(process.pid);
    const me: LockHolder = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date(this.processes.now()).toISOString(),
      ...(start ? { processStart: start } : {}),
    };
    let notice: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await this.fsImpl.open(
          file,
          fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
          0o600,
        );
        try {
          await handle.writeFile(JSON.stringify(me), "utf8");
          await handle.sync();
        } finally {
          await handle.close();
        }
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw err;
      }
      const holder = await this.readHolder(file);
      const renewed = await this.fsImpl
        .stat(file)
        .then((st) => st.mtimeMs)
        .catch(() => undefined);
      const silentMs = renewed === undefined ? Infinity : this.processes.now() - renewed;
      const why = holder && this.staleness(holder, me.host, silentMs);
      if (holder && !why) {
        const until = new Date(renewed! + LOCK_STALE_MS).toISOString();
        return {
          heldBy: `process ${holder.pid} on ${holder.host}, started ${holder.startedAt} (lock file ${file}, renewed ${Math.round(silentMs / 1000)} s ago; if that run has stopped, its lock is stale at ${until})`,
        };
      }
      notice = holder
        ? `took over the lock of process ${holder.pid} on ${holder.host} (started ${holder.startedAt}), ${why}`
        : `took over the unreadable lock file ${file}`;
      await this.fsImpl.rm(file, { force: true });
    }
    // Holding the lock, any temp file is a dead run's: it never became a document.
    for (const key of await this.walk()) {
      if (key.endsWith(".tmp")) await this.fsImpl.rm(this.file(key), { force: true });
    }
    const heartbeat = setInterval(() => {
      const now = new Date(this.processes.now());
      // A failed renewal is tried again at the next beat; ten in a row lose the lock.
      this.fsImpl.utimes(file, now, now).catch(() => undefined);
    }, LOCK_RENEW_MS);
    heartbeat.unref();
    return {
      lock: {
        release: () => {
          clearInterval(heartbeat);
          return this.fsImpl.rm(file, { force: true });
        },
      },
      notice: [tightened, notice].filter(Boolean).join("\n") || undefined,
    };
  }

  /**
   * A state directory others may write is one whose records anyone can change, so that records
   * are not sent, or are sent where they should not be: its group and other permissions are
   * removed (0700, as the store creates it), and the run says so.
   */
  private async tighten(): Promise<string | undefined> {
    const { mode } = await this.fsImpl.stat(this.location);
    if (!(mode & 0o022)) return undefined;
    await this.fsImpl.chmod(this.location, 0o700);
    return `the state directory ${this.location} was writable by others (mode ${(mode & 0o777).toString(8)}); its permissions are now 700 (owner only)`;
  }

  /** Why a holder's lock is stale, or undefined while it is not. */
  private staleness(holder: LockHolder, host: string, silentMs: number): string | undefined {
    if (silentMs > LOCK_STALE_MS) {
      return `whose lock was not renewed for ${Math.round(silentMs / 1000)} s (stale after ${LOCK_STALE_MS / 1000} s)`;
    }
    if (holder.host !== host) return undefined;
    if (!this.processes.alive(holder.pid)) return "which is no longer running";
    const start = this.processes.processStart(holder.pid);
    if (holder.processStart && start && start !== holder.processStart) {
      return `which is no longer running (its pid is another process's now)`;
    }
    return undefined;
  }

  private async readHolder(file: string): Promise<LockHolder | undefined> {
    try {
      const holder = JSON.parse(await this.fsImpl.readFile(file, "utf8")) as LockHolder;
      return Number.isInteger(holder.pid) &&
        typeof holder.host === "string" &&
        (holder.processStart === undefined || typeof holder.processStart === "string")
        ? holder
        : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The run lock of a directory store; not a state document (no `.json`, never listed by prefix). */
export const LOCK_FILE = "lock";

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parens). */
function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A killed process its parent has not reaped (a container whose PID 1 reaps slowly) still
  // answers kill(pid, 0): its state in /proc/<pid>/stat is Z (proc(5)).
  return procStat(pid)?.[0] !== "Z";
}

/** starttime, field 22 of /proc/<pid>/stat (proc(5)); undefined without /proc. */
function processStart(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** In memory, for tests and dry runs. */
export class MemoryStateStore implements StateStore {
  readonly location = "memory";
  readonly documents = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.documents.get(key);
  }
  async put(key: string, text: string | Uint8Array): Promise<void> {
    this.documents.set(key, typeof text === "string" ? text : Buffer.from(text).toString("utf8"));
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.documents.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(key: string): Promise<void> {
    this.documents.delete(key);
  }
  private locked = false;
  async lock(): Promise<LockAttempt> {
    if (this.locked) return { heldBy: "another run in this process" };
    this.locked = true;
    return { lock: { release: async () => void (this.locked = false) } };
  }
}

/**
 * One line of a records shard or one entry of a checkpoint: [externalId, digest, active], and
 * since version 3 the digests of the values the safeguard compares (`encodeWatch`, in the order
 * of the document's `watch` names) when there are any.
 */
export type RecordEntry =
  | [externalId: string, digest: string, active: boolean | null]
  | [externalId: string, digest: string, active: boolean | null, watch: string];

export interface UploaderState {
  /** Known records (from the shards and any interrupted run's checkpoints), then this run's. */
  table: RecordTable;
  /**
   * Epoch ms of bulkUpload calls in the last 24 h (retries included: each is a call), sent and
   * not only acknowledged ones: the quota, and the rate window a new run inherits.
   */
  calls: number[];
  /** Checkpoint and send-journal keys read, deleted once a run completes. */
  checkpointKeys: string[];
  /** A version 1 `records.json` was read: every shard is written and it is removed. */
  legacy: boolean;
  /** Shards that exist in the store (possibly empty); the manifest of the next commit. */
  shards: Set<number>;
  /** Call times that were in the future, now counted as the time the state was read. */
  callsAhead?: number;
  /** The safeguard's digests per record (version 3), for the names `loadState` was given. */
  watch: WatchTable;
  /**
   * The shards were written for other watched names (or before version 3): every shard is
   * rewritten, so that the names in calls.json describe every line.
   */
  rewrite: boolean;
}

/**
 * Call times later than `now` (a clock that ran ahead when they were written, or another
 * machine's) are taken as `now`, in place: waited for as they are, an hour or a year in the
 * future held the run, and its lock, for that long. Returns how many there were.
 */
export function clampFutureCalls(calls: number[], now: number): number {
  let ahead = 0;
  for (let i = 0; i < calls.length; i++) {
    if (calls[i] > now) {
      calls[i] = now;
      ahead++;
    }
  }
  return ahead;
}

export interface Checkpoint {
  records: RecordEntry[];
  calls: number[];
  /** The names of the entries' watch digests (version 3). */
  watch?: string[];
}

export const SHARDS = 32;
const SHARD_PREFIX = "records/";
const LEGACY_RECORDS = "records.json";
export const CALLS = "calls.json";
/**
 * 2: shards and a manifest; 3: the safeguard's watch digests (names in calls.json `watch`). Older
 * versions are read and upgraded by the next commit, never discarded.
 */
const CALLS_VERSION = 3;
export const CHECKPOINT_PREFIX = "checkpoint/";
/**
 * One document per run, `sent/<run>.json`, rewritten before each call with the times of the run's
 * calls: a call counts against the quota and the rate window from the moment it is sent, even when
 * the run dies before its checkpoint.
 */
export const SENT_PREFIX = "sent/";

/** The run a checkpoint or journal key belongs to (`checkpoint/<run>-<n>.json`, `sent/<run>.json`). */
function runOf(key: string): string {
  return key.replace(/^[^/]+\//, "").replace(/(-\d{6})?\.json$/, "");
}

/**
 * The send journal of one run, written by group commit: the calls that start while a write is
 * under way share the next one, so a window's 40 starts cost a write or two, not 40. A call is made
 * only once a write that holds its time has succeeded.
 */
export class SendJournal {
  private readonly times: number[] = [];
  private written = 0;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly store: StateStore,
    readonly key: string,
  ) {}

  async record(time: number): Promise<void> {
    this.times.push(time);
    const need = this.times.length;
    while (this.written < need) {
      this.writing ??= this.write().finally(() => (this.writing = undefined));
      await this.writing;
    }
  }

  private async write(): Promise<void> {
    const count = this.times.length;
    await this.store.put(this.key, JSON.stringify({ calls: this.times.slice(0, count) }));
    this.written = count;
  }
}
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The state cannot be read as it is. Names the document; `recovery` (set by the caller that
 * knows its own commands) says how to get going again.
 */
export class StateDamaged extends Error {
  constructor(
    readonly document: string,
    readonly problem: string,
  ) {
    super(`state document ${document} ${problem}`);
  }
}

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

function knowRecord(table: RecordTable, entry: RecordEntry, extra: number): number {
  const [id, digest, active] = entry;
  const index = table.add(id);
  table.setKnown(index, KNOWN | activeFlags(active) | extra | (table.known(index) & DIRTY));
  table.setKnownDigest(index, decodeDigest(digest));
  return index;
}

/**
 * Where each digest of a document's `watch` names goes among the names this run watches (-1:
 * no longer watched). Values newly watched have no digest: the plan fills them in from records
 * that are unchanged, so that the next change is seen.
 */
function watchMap(stored: readonly string[], watch: WatchTable): number[] {
  return stored.map((name) => watch.names.indexOf(name));
}

function knowWatch(watch: WatchTable, index: number, entry: RecordEntry, map: number[]): boolean {
  if (entry.length < 4 || watch.width === 0) return true;
  const stored = decodeWatch(entry[3] as string);
  if (!stored || stored.length !== map.length) return false;
  const digests = new Uint16Array(watch.width);
  map.forEach((to, from) => {
    if (to >= 0) digests[to] = stored[from];
  });
  watch.setKnown(index, digests);
  return true;
}

const isNames = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((n) => typeof n === "string");

const sameNames = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((n, i) => n === b[i]);

const isEntry = (value: unknown): value is RecordEntry =>
  Array.isArray(value) &&
  (value.length === 3 || (value.length === 4 && typeof value[3] === "string")) &&
  typeof value[0] === "string" &&
  typeof value[1] === "string" &&
  /^[A-Za-z0-9_-]{11,}$/.test(value[1]) &&
  (value[2] === true || value[2] === false || value[2] === null);

const isTimes = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((t) => typeof t === "number" && Number.isFinite(t));

export async function loadState(
  store: StateStore,
  now: number,
  /** The values the safeguard compares (lib/records/watch.ts), in the order it reads them. */
  watchNames: readonly string[] = [],
): Promise<UploaderState> {
  const where = (key: string, line?: number) =>
    `${store.location}/${key}${line === undefined ? "" : `:${line}`}`;
  const table = new RecordTable();
  const watch = new WatchTable(watchNames);
  let storedWatch: string[] = [];
  const legacyText = await store.get(LEGACY_RECORDS);
  if (legacyText) {
    const parsed = parseDocument(store, LEGACY_RECORDS, legacyText) as {
      version?: unknown;
      records?: unknown;
    };
    if (parsed?.version !== 1) {
      throw new StateDamaged(
        where(LEGACY_RECORDS),
        `has version ${String(parsed?.version)}, not 1`,
      );
    }
    const records = parsed.records ?? {};
    if (typeof records !== "object" || Array.isArray(records)) {
      throw new StateDamaged(where(LEGACY_RECORDS), "has no records map");
    }
    for (const [id, value] of Object.entries(records as Record<string, unknown>)) {
      const entry = Array.isArray(value) ? [id, ...value] : undefined;
      if (!isEntry(entry)) {
        throw new StateDamaged(
          where(LEGACY_RECORDS),
          `has a malformed record for ${JSON.stringify(id)}`,
        );
      }
      knowRecord(table, entry, DIRTY);
    }
  }
  const callsText = await store.get(CALLS);
  let calls: number[] = [];
  let manifest: number[] | undefined;
  if (callsText !== undefined) {
    const parsed = parseDocument(store, CALLS, callsText) as {
      version?: unknown;
      calls?: unknown;
      shards?: unknown;
      watch?: unknown;
    };
    if (parsed?.version !== 1 && parsed?.version !== 2 && parsed?.version !== CALLS_VERSION) {
      throw new StateDamaged(
        where(CALLS),
        `has version ${String(parsed?.version)}; this inbound reads versions 1 to ${CALLS_VERSION}`,
      );
    }
    if (parsed.watch !== undefined) {
      if (!isNames(parsed.watch)) throw new StateDamaged(where(CALLS), "has malformed watch names");
      storedWatch = parsed.watch;
    }
    if (!isTimes(parsed.calls ?? []))
      throw new StateDamaged(where(CALLS), "has malformed call times");
    calls = [...((parsed.calls as number[] | undefined) ?? [])];
    if (parsed.shards !== undefined) {
      if (!isTimes(parsed.shards))
        throw new StateDamaged(where(CALLS), "has a malformed shard list");
      manifest = parsed.shards;
    }
  }
  const shards = new Set<number>();
  const shardWatch = watchMap(storedWatch, watch);
  for (let shard = 0; shard < SHARDS; shard++) {
    const key = shardKey(shard);
    const text = await store.get(key);
    if (text === undefined) {
      if (manifest?.includes(shard)) {
        throw new StateDamaged(where(key), "is missing (the last run wrote it)");
      }
      continue;
    }
    shards.add(shard);
    let lineNumber = 0;
    for (let start = 0; start < text.length;) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = text.length;
      lineNumber++;
      if (end > start) {
        const entry = parseDocument(store, key, text.slice(start, end), lineNumber);
        if (!isEntry(entry)) {
          throw new StateDamaged(
            where(key, lineNumber),
            "is not a record (expected [externalId, digest, active])",
          );
        }
        if (!knowWatch(watch, knowRecord(table, entry, 0), entry, shardWatch)) {
          throw new StateDamaged(where(key, lineNumber), "has malformed watch digests");
        }
      }
      start = end + 1;
    }
  }
  const checkpointKeys = await store.list(CHECKPOINT_PREFIX);
  const sentKeys = await store.list(SENT_PREFIX);
  // A run's calls are in its send journal; its checkpoints repeat them.
  const journaled = new Set(sentKeys.map(runOf));
  for (const key of sentKeys) {
    const text = await store.get(key);
    if (text === undefined) continue;
    const sent = parseDocument(store, key, text) as { calls?: unknown };
    if (!isTimes(sent?.calls)) throw new StateDamaged(where(key), "has no call times");
    calls.push(...sent.calls);
  }
  for (const key of checkpointKeys) {
    const text = await store.get(key);
    if (text === undefined) continue;
    const checkpoint = parseDocument(store, key, text) as Partial<Checkpoint>;
    if (!Array.isArray(checkpoint?.records) || !isTimes(checkpoint.calls)) {
      throw new StateDamaged(where(key), "is not a checkpoint (expected records and calls)");
    }
    const names = checkpoint.watch ?? [];
    if (!isNames(names)) throw new StateDamaged(where(key), "has malformed watch names");
    const map = watchMap(names, watch);
    for (const entry of checkpoint.records) {
      if (!isEntry(entry)) throw new StateDamaged(where(key), "has a malformed record");
      if (!knowWatch(watch, knowRecord(table, entry, RESUMED | DIRTY), entry, map)) {
        throw new StateDamaged(where(key), "has malformed watch digests");
      }
    }
    if (!journaled.has(runOf(key))) calls.push(...checkpoint.calls);
  }
  const ahead = clampFutureCalls(calls, now);
  return {
    ...(ahead > 0 ? { callsAhead: ahead } : {}),
    table,
    calls: calls.filter((t) => t > now - DAY_MS).sort((a, b) => a - b),
    checkpointKeys: [...checkpointKeys, ...sentKeys],
    legacy: legacyText !== undefined,
    shards,
    watch,
    rewrite: !sameNames(storedWatch, watch.names),
  };
}

function parseDocument(store: StateStore, key: string, text: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const where = line === undefined ? key : `${key}:${line}`;
    throw new StateDamaged(
      `${store.location}/${where}`,
      `is not valid JSON (${(err as Error).message})`,
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
      if (state.watch.width > 0) state.watch.setKnown(index, state.watch.fileDigests(index));
    } else if (forgetLost && known & KNOWN && !(file & IN_FILE)) {
      known = DIRTY;
    }
    table.setKnown(index, known);
    shards[index] = table.idHash(index) % SHARDS;
    if (known & DIRTY || state.legacy || state.rewrite) dirty[shards[index]] = 1;
  }
  // The records of each shard in table order, by counting sort: one pass, not one per shard.
  const starts = new Int32Array(SHARDS + 1);
  for (let index = 0; index < table.size; index++) starts[shards[index] + 1]++;
  for (let shard = 0; shard < SHARDS; shard++) starts[shard + 1] += starts[shard];
  const order = new Int32Array(table.size);
  const next = starts.slice(0, SHARDS);
  for (let index = 0; index < table.size; index++) order[next[shards[index]]++] = index;
  const lines = new LineBuffer();
  for (let shard = 0; shard < SHARDS; shard++) {
    if (!dirty[shard]) continue;
    lines.clear();
    for (let at = starts[shard]; at < starts[shard + 1]; at++) {
      const index = order[at];
      const known = table.known(index);
      if (!(known & KNOWN)) continue;
      const active = known & KNOWN_ACTIVE ? true : known & KNOWN_INACTIVE ? false : null;
      lines.add(JSON.stringify(shardEntry(state, index, active)));
    }
    // An emptied shard stays, empty: a shard the manifest lists is never legitimately missing.
    if (lines.lines > 0 || state.shards.has(shard)) {
      await store.put(shardKey(shard), lines.bytes());
      state.shards.add(shard);
    }
  }
  if (state.legacy) await store.delete(LEGACY_RECORDS);
  const recent = [...state.calls, ...calls].filter((t) => t > now - DAY_MS).sort((a, b) => a - b);
  await store.put(
    CALLS,
    JSON.stringify({
      version: CALLS_VERSION,
      calls: recent,
      shards: [...state.shards].sort((a, b) => a - b),
      ...(state.watch.width > 0 ? { watch: state.watch.names } : {}),
    }),
  );
  // The journal goes after the checkpoints: a crash in between leaves calls counted twice at
  // worst, never a call not counted.
  for (const key of await store.list(CHECKPOINT_PREFIX)) await store.delete(key);
  for (const key of await store.list(SENT_PREFIX)) await store.delete(key);
}

/** A known record as a shard line: with its watch digests when it has any. */
function shardEntry(state: UploaderState, index: number, active: boolean | null): RecordEntry {
  const { table, watch } = state;
  const entry: RecordEntry = [table.id(index), encodeDigest(table.knownDigest(index)), active];
  if (watch.width === 0) return entry;
  const digests = watch.knownDigests(index);
  return digests.some((d) => d !== 0) ? [...entry, encodeWatch(digests)] : entry;
}

/** A document of the size of one checkpoint: proves there is room for the next one. */
function probeText(now: number): string {
  const entry: RecordEntry = ["x".repeat(64), "A".repeat(11), true];
  return JSON.stringify({
    records: Array.from({ length: 50 }, () => entry),
    calls: Array.from({ length: 8 }, () => now),
  });
}

const PROBE = "probe.json";

/**
 * Writes, reads back and deletes a checkpoint-sized document, the way every checkpoint is written
 * (for a directory: write, fsync, rename, delete), so that a read-only or full store stops the
 * run before its first request instead of after Graph accepted records that cannot be recorded.
 */
export async function proveWritable(store: StateStore, now: number): Promise<void> {
  const text = probeText(now);
  await store.put(PROBE, text);
  if ((await store.get(PROBE)) !== text) {
    throw new Error(`${store.location}/${PROBE} did not read back what was written`);
  }
  await store.delete(PROBE);
}

/**
 * Sets the state aside for `--reset-state`: every document moves under `backup-<time>/` (nothing
 * is deleted, so a damaged state can still be examined or restored), and the call times that can
 * still be read are kept, so the daily quota and the rate window still hold. Every record is
 * then sent again, as on a first run.
 */
export async function resetState(
  store: StateStore,
  now: number,
): Promise<{ backup: string; documents: number }> {
  const backup = `backup-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  const keys = (await store.list("")).filter(
    (k) => k !== LOCK_FILE && !k.startsWith("backup-") && k !== PROBE,
  );
  const calls: number[] = [];
  const journaled = new Set(keys.filter((k) => k.startsWith(SENT_PREFIX)).map(runOf));
  for (const key of keys) {
    const text = (await store.get(key)) ?? "";
    const repeats = key.startsWith(CHECKPOINT_PREFIX) && journaled.has(runOf(key));
    if (
      !repeats &&
      (key === CALLS || key.startsWith(SENT_PREFIX) || key.startsWith(CHECKPOINT_PREFIX))
    ) {
      try {
        const times = (JSON.parse(text) as { calls?: unknown }).calls;
        if (isTimes(times)) calls.push(...times);
      } catch {
        // damaged: its calls are lost with it
      }
    }
    await store.put(`${backup}/${key}`, text);
  }
  for (const key of keys) await store.delete(key);
  const recent = calls.filter((t) => t > now - DAY_MS).sort((a, b) => a - b);
  await store.put(CALLS, JSON.stringify({ version: CALLS_VERSION, calls: recent, shards: [] }));
  return { backup: `${store.location}/${backup}`, documents: keys.length };
}
