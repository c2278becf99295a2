/**
 * The exported spec as YAML, with each note as a comment at its place: before the key it is about
 * (or its nearest existing parent, for what could not be exported), so nothing found in the tenant
 * is dropped silently. Built with the `yaml` library's Document API, which keeps comments.
 */
import { Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from "yaml";
import type { ExportNote, SpecPath } from "./convert";

const HEADER = [
  " Exported by `inbound export` from the live tenant. Lines starting `gap:` are what the spec",
  " has no form for, or what could not be read: review them before the first `pulumi up`.",
];

function pairAt(map: YAMLMap, key: string | number): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key)) as
    Pair | undefined;
}

/** The node holding the comment: the key's pair in its map, the item of a list, or the root. */
function anchorFor(doc: Document, path: SpecPath): { node: Node; before: boolean } {
  let node = doc.contents as Node;
  let target: { node: Node; before: boolean } = { node, before: true };
  for (const key of path) {
    if (isMap(node)) {
      const pair = pairAt(node, key);
      if (!pair) break;
      target = { node: pair.key as Node, before: true };
      node = pair.value as Node;
    } else if (isSeq(node) && typeof key === "number" && node.items[key]) {
      node = node.items[key] as Node;
      target = { node, before: true };
    } else {
      break;
    }
  }
  return target;
}

const asComment = (text: string) =>
  text
    .split("\n")
    .map((line) => ` ${line}`)
    .join("\n");

/** The spec's YAML text with every note as a comment. */
export function specDocument(spec: unknown, notes: readonly ExportNote[]): string {
  const doc = new Document(spec);
  doc.commentBefore = HEADER.join("\n");
  const grouped = new Map<Node, string[]>();
  const order: Node[] = [];
  for (const note of notes) {
    const { node } =
      note.path.length === 0 ? { node: doc.contents as Node } : anchorFor(doc, note.path);
    if (!grouped.has(node)) {
      grouped.set(node, []);
      order.push(node);
    }
    grouped.get(node)!.push(asComment(note.text));
  }
  for (const node of order) {
    const lines = grouped.get(node)!.join("\n");
    if (node === doc.contents) {
      doc.commentBefore = `${doc.commentBefore}\n\n${lines}`;
    } else {
      node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${lines}` : lines;
    }
  }
  return doc.toString({ lineWidth: 0 });
}
