/**
 * The compact per-id table and the sharded state: ids found back across pages and rehashes, the
 * version 1 `records.json` read and replaced, only touched shards rewritten, damaged state named
 * precisely, and a file that changes between the planning and the sending pass.
 */
import { createHash } from "crypto";
import { serializeUser } from "../../lib/records/convert";
import { compileConverter } from "../../lib/records/convert";
import { executePlan, planUpload } from "../../lib/upload/engine";
import { RecordTable } from "../../lib/upload/recordTable";
import { LineBuffer, MemoryStateStore, SHARDS, shardKey } from "../../lib/upload/state";
import {
  csvOf,
  csvSource,
  csvStream,
  externalIds,
  FakeClock,
  HEADER,
  makeApp,
  recordingGraph,
  row,
} from "./helpers";

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
const RATE = { requestsPerWindow: 40, windowSeconds: 5 };

async function run(csv: string, store: MemoryStateStore, clock = new FakeClock()) {
  const { plan } = await planUpload({ app: makeApp(), csv: csvSource(csv), store, clock });
  const transport = recordingGraph(clock);
  const result = await executePlan(plan!, { ...transport, store, rate: RATE, clock });
  return { plan: plan!, result, transport };
}

describe("RecordTable", () => {
  it("finds every id back across pages and rehashes, and gives each one index", () => {
    const table = new RecordTable();
    const all = Array.from({ length: 150_000 }, (_, i) => `W${i}`);
    all.push("é", "名前", "👩‍💻", "");
    const wrong = all.filter((id, i) => table.add(id) !== i);
    expect(wrong).toEqual([]);
    expect(table.size).toBe(all.length);
    expect(table.add("W70000")).toBe(70_000);
    for (let i = 0; i < all.length; i += 997) expect(table.find(all[i])).toBe(i);
    expect(table.find("👩‍💻")).toBe(all.length - 2);
    expect(table.id(all.length - 3)).toBe("名前");
    expect(table.find("W150000")).toBe(-1);
    table.setLine(140_000, 123_456);
    table.setFile(140_000, 5);
    expect([table.line(140_000), table.file(140_000), table.file(139_999)]).toEqual([
      123_456, 5, 0,
    ]);
  });
});

describe("LineBuffer", () => {
  it("holds each document's lines as UTF-8, grows past its first size and starts over clean", () => {
    const lines = new LineBuffer();
    const long = "x".repeat(200_000);
    const first = ["é", "名前", "👩‍💻", "", long];
    first.forEach((l) => lines.add(l));
    expect(lines.lines).toBe(5);
    expect(Buffer.from(lines.bytes()).toString("utf8")).toBe(first.join("\n") + "\n");
    lines.clear();
    expect(lines.bytes().length).toBe(0);
    lines.add('["1","sent",2]');
    expect([lines.lines, Buffer.from(lines.bytes()).toString("utf8")]).toEqual([
      1,
      '["1","sent",2]\n',
    ]);
  });
});

describe("state", () => {
  it("reads a version 1 records.json, then writes shards and removes it", async () => {
    const store = new MemoryStateStore();
    const rows = ids(20).map((id) => row(id));
    // What the earlier format kept: the whole sha256 of each user's canonical JSON.
    const header = HEADER.split(",");
    const converter = compileConverter(makeApp(), header).converter!;
    const records: Record<string, [string, boolean]> = {};
    rows.forEach((text, i) => {
      const user = converter.convert(text.split(","), i + 2).user!;
      records[String(i + 1)] = [
        createHash("sha256").update(serializeUser(user)).digest("base64url"),
        true,
      ];
    });
    await store.put("records.json", JSON.stringify({ version: 1, records }));
    const { plan } = await run(csvOf(rows), store);
    expect(plan.unchanged).toBe(20);
    expect(plan.toSend).toBe(0);
    // A run with nothing to send still commits (the CLI's commitUnsent); here a changed row does.
    const changed = [...rows];
    changed[0] = row("1", { JobTitle: "Architect" });
    const next = await run(csvOf(changed), store);
    expect(externalIds(next.transport.received)).toEqual(["1"]);
    expect(await store.get("records.json")).toBeUndefined();
    const lines = (await store.list("records/")).flatMap((k) =>
      store.documents.get(k)!.trim().split("\n"),
    );
    expect(lines).toHaveLength(20);
    expect((await run(csvOf(changed), store)).plan.unchanged).toBe(20);
  });

  it("rewrites only the shards whose records changed", async () => {
    const store = new MemoryStateStore();
    const rows = ids(200).map((id) => row(id));
    await run(csvOf(rows), store);
    expect((await store.list("records/")).length).toBe(SHARDS);
    const puts: string[] = [];
    const put = store.put.bind(store);
    store.put = async (key, text) => {
      puts.push(key);
      return put(key, text);
    };
    const changed = [...rows];
    changed[41] = row("42", { JobTitle: "Architect" });
    await run(csvOf(changed), store);
    const shards = puts.filter((k) => k.startsWith("records/"));
    expect(shards).toHaveLength(1);
    expect(store.documents.get(shards[0])).toContain('["42",');
  });

  it("names the shard and line of a damaged state document", async () => {
    const store = new MemoryStateStore();
    await store.put(shardKey(3), '["1","AAAAAAAAAAA",true]\n["2",\n');
    await expect(
      planUpload({ app: makeApp(), csv: csvSource(csvOf([row("1")])), store }),
    ).rejects.toThrow(/^state document memory\/records\/03\.jsonl:2 is not valid JSON \(.*\)$/);
  });
});

describe("a file that changes between the two passes", () => {
  it("stops sending at the first row that differs, keeps what was accepted and says why", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const before = csvOf(ids(120).map((id) => row(id)));
    const after = csvOf(ids(120).map((id) => row(id, id === "80" ? { JobTitle: "CEO" } : {})));
    let opened = 0;
    const csv = () => csvStream(opened++ === 0 ? before : after);
    const { plan } = await planUpload({ app: makeApp(), csv, store, clock });
    const transport = recordingGraph(clock);
    const result = await executePlan(plan!, { ...transport, store, rate: RATE, clock });
    expect(result.stopped).toBe(
      "the CSV file changed while it was being sent (line 81 is not what was planned); run again to send the rest",
    );
    expect(result.accepted).toBe(50);
    expect(result.notAttempted).toBe(70);
    const again = await run(after, store, clock);
    expect(again.plan.unchanged).toBe(50);
    expect(again.result.accepted).toBe(70);
  });
});
