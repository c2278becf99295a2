import fc from "fast-check";
import { isMap, isScalar, parseDocument, Scalar, stringify } from "yaml";
import { scalarSourceOffsets, ScalarStyle } from "../../lib/loader/scalarPositions";

/** The value of `key: ...` in `text`, and the source offset of each of its characters. */
function offsets(text: string): { value: string; offsets: number[] | undefined } {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error("not a map");
  const node = doc.contents.items[0].value as Scalar<string>;
  if (!isScalar(node) || !node.range) throw new Error("not a scalar");
  return {
    value: node.value,
    offsets: scalarSourceOffsets(
      text,
      node.type as ScalarStyle,
      node.range[0],
      node.range[1],
      node.value,
    ),
  };
}

const at = (text: string, list: number[] | undefined) => list?.map((o) => text[o]).join("");

describe("scalarSourceOffsets", () => {
  it("decodes double-quoted escapes to the offset of their backslash", () => {
    const text = 'k: "a\\x41\\u00e9\\U0001F600\\"b"\n';
    const r = offsets(text);
    expect(r.value).toBe('aAé\u{1F600}"b');
    expect(r.offsets).toEqual([4, 5, 9, 15, 15, 25, 27, 28]);
  });

  it("drops an escaped line break and the next line's indentation", () => {
    const text = 'k: "ab\\\n    cd"\n';
    const r = offsets(text);
    expect(r.value).toBe("abcd");
    expect(at(text, r.offsets)).toBe('abcd"');
  });

  it("reads CRLF block scalars", () => {
    const text = "k: |\r\n  ab\r\n  cd\r\n";
    const r = offsets(text);
    expect(r.value).toBe("ab\ncd\n");
    expect(at(text, r.offsets?.slice(0, 5))).toBe("ab\ncd");
  });

  it("gives up, rather than guess, when the value does not align", () => {
    expect(scalarSourceOffsets('"abc"', "QUOTE_DOUBLE", 0, 5, "xyz")).toBeUndefined();
  });

  it("aligns every string the YAML library writes, in every style", () => {
    const styles = ["PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL", "BLOCK_FOLDED"];
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."aZ1 \t\n\"'\\[](),:#-é".split("")), maxLength: 60 }),
        fc.constantFrom(...styles),
        fc.integer({ min: 10, max: 40 }),
        (value, style, lineWidth) => {
          const text = stringify(
            { k: value },
            { defaultStringType: style as Scalar.Type, lineWidth, minContentWidth: 5 },
          );
          // Aligned with what the parser reads back (a block scalar of only spaces reads as "").
          const r = offsets(text);
          expect(r.offsets).toBeDefined();
          const list = r.offsets!;
          expect(list).toHaveLength(r.value.length + 1);
          for (let i = 1; i < list.length; i++) expect(list[i]).toBeGreaterThanOrEqual(list[i - 1]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
