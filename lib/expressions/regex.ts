/**
 * User regular expressions (Replace's regexPattern, scoping clauses' regexMatch) run in
 * JavaScript's backtracking engine, where a pattern like `^(a+)+$` takes exponential time on a
 * 35-character value. No linear-time engine is available here (V8's own is behind a flag and
 * lacks the `d` flag that Replace's group mode needs), so the guard is a static check of the
 * pattern plus a bound on the input:
 *
 * - refused: backreferences; a repeat that can run more than once around a variable-length
 *   repeat (`(a+)+`, `(\w+\s?)*`, `(a{1,3}){2}`), unless a required character the inner repeat
 *   cannot take ends it (`([a-z]+\.)+` is fine); such a repeat around an alternation whose
 *   branches can start with the same character or match nothing (`(a|ab)*`, `(\w|a){2}`); unbounded repeats in a row
 *   that can trade characters, each one more factor of the input length, as is a search without
 *   `^` (which tries every start): two of them unanchored (`\s*\s*$`), three anchored
 *   (`^.*a.*b.*c`);
 * - bounded: the value a pattern runs on is at most MAX_REGEX_INPUT characters, which keeps the
 *   quadratic patterns that remain (`^(.*)@(.*)$`) to about a million steps.
 *
 * The analysis reads JavaScript's syntax, which agrees with .NET's for the constructs Microsoft
 * documents; character sets are compared over the Basic Multilingual Plane.
 */

/** The longest value a user regular expression runs on; longer values are refused. */
export const MAX_REGEX_INPUT = 1024;

/** Groups may nest this deep in a pattern (the analysis recurses over them). */
const MAX_GROUP_DEPTH = 100;

export interface RegexProblem {
  /** Not a regular expression at all, or one refused as unsafe. */
  kind: "syntax" | "unsafe";
  /** 0-based offset in the pattern. */
  offset: number;
  length: number;
  message: string;
}

type CharSet = Uint8Array; // one byte per BMP code unit: cheap to build, cheap to intersect

interface Base {
  /** Span in the pattern, for messages. */
  offset: number;
  length: number;
}
type Node =
  | (Base & { t: "char"; set: CharSet })
  | (Base & { t: "seq"; items: Node[] })
  | (Base & { t: "alt"; alts: Node[] })
  | (Base & { t: "group"; body: Node })
  | (Base & { t: "look"; body: Node })
  | (Base & { t: "assert"; caret: boolean })
  | (Base & { t: "repeat"; body: Node; min: number; max: number });

class Unsafe {
  constructor(readonly problem: RegexProblem) {}
}

const setCache = new Map<string, CharSet>();

/** The BMP characters that a one-character pattern (`a`, `\d`, `[^x-z]`, `.`) matches. */
function charSet(source: string, flags: string): CharSet {
  const key = `${flags}/${source}`;
  let set = setCache.get(key);
  if (set) return set;
  set = new Uint8Array(0x10000);
  if (source.length === 1 && source !== "." && !flags.includes("i")) {
    set[source.charCodeAt(0)] = 1;
  } else {
    const re = new RegExp(`^(?:${source})$`, flags.replace(/[gdy]/g, ""));
    for (let c = 0; c < 0x10000; c++) if (re.test(String.fromCharCode(c))) set[c] = 1;
  }
  setCache.set(key, set);
  return set;
}

function union(a: CharSet, b: CharSet): CharSet {
  const out = new Uint8Array(0x10000);
  for (let i = 0; i < 0x10000; i++) out[i] = a[i] | b[i];
  return out;
}

function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < 0x10000; i++) if (a[i] & b[i]) return true;
  return false;
}

const EMPTY: CharSet = new Uint8Array(0x10000);

/** A recursive-descent reader of the pattern's structure (the RegExp constructor checked syntax). */
class Reader {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly p: string,
    private readonly flags: string,
  ) {}

  parse(): Node {
    const node = this.alternation();
    return node;
  }

  private unsafe(offset: number, length: number, message: string): never {
    throw new Unsafe({ kind: "unsafe", offset, length: Math.max(1, length), message });
  }

  private alternation(): Node {
    const start = this.i;
    const alts = [this.sequence()];
    while (this.p[this.i] === "|") {
      this.i++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0] : { t: "alt", alts, offset: start, length: this.i - start };
  }

  private sequence(): Node {
    const start = this.i;
    const items: Node[] = [];
    while (this.i < this.p.length && this.p[this.i] !== "|" && this.p[this.i] !== ")") {
      let atom = this.atom();
      atom = this.quantified(atom);
      items.push(atom);
    }
    return { t: "seq", items, offset: start, length: this.i - start };
  }

  private quantified(atom: Node): Node {
    const c = this.p[this.i];
    let min: number;
    let max: number;
    if (c === "*" || c === "+" || c === "?") {
      min = c === "+" ? 1 : 0;
      max = c === "?" ? 1 : Infinity;
      this.i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
      if (!m) return atom; // a literal brace (annex B)
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      this.i += m[0].length;
    } else return atom;
    if (this.p[this.i] === "?") this.i++; // lazy: same backtracking, other order
    return {
      t: "repeat",
      body: atom,
      min,
      max,
      offset: atom.offset,
      length: this.i - atom.offset,
    };
  }

  private atom(): Node {
    const start = this.i;
    const c = this.p[this.i];
    const node = <T extends object>(n: T) => ({ ...n, offset: start, length: this.i - start });
    if (c === "(") {
      if (++this.depth > MAX_GROUP_DEPTH) {
        this.unsafe(start, 1, `groups nest more than ${MAX_GROUP_DEPTH} deep`);
      }
      this.i++;
      let look = false;
      if (this.p[this.i] === "?") {
        const m = /^\?(?:<?[=!]|:|<[A-Za-z_$][\w$]*>|'[A-Za-z_]\w*')/.exec(this.p.slice(this.i));
        if (m) {
          look = /[=!]$/.test(m[0]);
          this.i += m[0].length;
        }
      }
      const body = this.alternation();
      this.i++; // ")"
      this.depth--;
      return node(look ? { t: "look" as const, body } : { t: "group" as const, body });
    }
    if (c === "[") {
      this.i++;
      if (this.p[this.i] === "^") this.i++;
      if (this.p[this.i] === "]") this.i++;
      while (this.i < this.p.length && this.p[this.i] !== "]") {
        if (this.p[this.i] === "\\") this.i++;
        this.i++;
      }
      this.i++;
      return node({ t: "char" as const, set: charSet(this.p.slice(start, this.i), this.flags) });
    }
    if (c === "^" || c === "$") {
      this.i++;
      return node({ t: "assert" as const, caret: c === "^" });
    }
    if (c === "\\") {
      const next = this.p[this.i + 1];
      if (next === "b" || next === "B") {
        this.i += 2;
        return node({ t: "assert" as const, caret: false });
      }
      if ((next >= "1" && next <= "9") || next === "k") {
        this.unsafe(
          start,
          next === "k" ? (/^\\k<[^>]*>/.exec(this.p.slice(start))?.[0].length ?? 2) : 2,
          "backreferences can make matching take exponential time; match the text again instead of referring back to a group",
        );
      }
      const m =
        /^\\(?:[pP]\{[^}]*\}|x[0-9A-Fa-f]{2}|u\{[0-9A-Fa-f]+\}|u[0-9A-Fa-f]{4}|c[A-Za-z]|0|[\s\S])/.exec(
          this.p.slice(this.i),
        );
      this.i += m ? m[0].length : 1;
      return node({ t: "char" as const, set: charSet(this.p.slice(start, this.i), this.flags) });
    }
    // One code point (a surrogate pair is one character to a `u` regex, two to ours: both fine).
    this.i++;
    return node({ t: "char" as const, set: charSet(this.p.slice(start, this.i), this.flags) });
  }
}

/** Whether the node can match the empty string. */
function nullable(n: Node): boolean {
  switch (n.t) {
    case "char":
      return false;
    case "seq":
      return n.items.every(nullable);
    case "alt":
      return n.alts.some(nullable);
    case "group":
      return nullable(n.body);
    case "repeat":
      return n.min === 0 || nullable(n.body);
    default:
      return true;
  }
}

/** The characters a match of the node can start with. */
function first(n: Node): CharSet {
  switch (n.t) {
    case "char":
      return n.set;
    case "seq": {
      let set = EMPTY;
      for (const item of n.items) {
        set = set === EMPTY ? first(item) : union(set, first(item));
        if (!nullable(item)) break;
      }
      return set;
    }
    case "alt":
      return n.alts.map(first).reduce((a, b) => (a === EMPTY ? b : union(a, b)), EMPTY);
    case "group":
    case "repeat":
      return first(n.body);
    default:
      return EMPTY;
  }
}

/** The characters a match of the node can end with. */
function ends(n: Node): CharSet {
  switch (n.t) {
    case "char":
      return n.set;
    case "seq": {
      let set = EMPTY;
      for (let k = n.items.length - 1; k >= 0; k--) {
        const item = n.items[k];
        set = set === EMPTY ? ends(item) : union(set, ends(item));
        if (!nullable(item)) break;
      }
      return set;
    }
    case "alt":
      return n.alts.map(ends).reduce((a, b) => (a === EMPTY ? b : union(a, b)), EMPTY);
    case "group":
    case "repeat":
      return ends(n.body);
    default:
      return EMPTY;
  }
}

/** Every character the node can match anywhere in its match. */
function chars(n: Node): CharSet {
  switch (n.t) {
    case "char":
      return n.set;
    case "seq":
      return n.items.map(chars).reduce((a, b) => (a === EMPTY ? b : union(a, b)), EMPTY);
    case "alt":
      return n.alts.map(chars).reduce((a, b) => (a === EMPTY ? b : union(a, b)), EMPTY);
    case "group":
    case "repeat":
      return chars(n.body);
    default:
      return EMPTY;
  }
}

/** Whether the node is, or holds, a repeat without an upper bound. */
function unbounded(n: Node): boolean {
  return (
    (n.t === "repeat" && n.max === Infinity) || innerRepeats(n).some((r) => r.max === Infinity)
  );
}

/** The repeats inside a node (not the node itself). */
function innerRepeats(n: Node): Extract<Node, { t: "repeat" }>[] {
  const out: Extract<Node, { t: "repeat" }>[] = [];
  const walk = (m: Node): void => {
    if (m.t === "repeat") out.push(m);
    if (m.t === "seq") m.items.forEach(walk);
    else if (m.t === "alt") m.alts.forEach(walk);
    else if (m.t === "group" || m.t === "look" || m.t === "repeat") walk(m.body);
  };
  if (n.t === "repeat" || n.t === "group" || n.t === "look") walk(n.body);
  else if (n.t === "seq" || n.t === "alt") walk(n);
  return out;
}

function alternations(n: Node): Extract<Node, { t: "alt" }>[] {
  const out: Extract<Node, { t: "alt" }>[] = [];
  const walk = (m: Node): void => {
    if (m.t === "alt") {
      out.push(m);
      m.alts.forEach(walk);
    } else if (m.t === "seq") m.items.forEach(walk);
    else if (m.t === "group" || m.t === "look" || m.t === "repeat") walk(m.body);
  };
  walk(n);
  return out;
}

/** A sequence's items with plain groups opened, so `(.*)@(.*)` reads as `.*`, `@`, `.*`. */
function flatItems(n: Node): Node[] {
  if (n.t === "seq") return n.items.flatMap(flatItems);
  if (n.t === "group" && n.body.t !== "alt") return flatItems(n.body);
  return [n];
}

/** Whether the sequence can only match at the start of the value (it begins with ^). */
function anchoredStart(n: Node): boolean {
  const items = flatItems(n);
  const head = items[0];
  return head !== undefined && head.t === "assert" && head.caret;
}

function check(n: Node): void {
  if (n.t === "repeat") {
    const loops = n.max > 1;
    // A simple repeat that a required, different character ends inside the body is not
    // ambiguous: ([a-z]+\.)+ has one way to split a value into its iterations.
    const items = flatItems(n.body);
    const delimited = new Set<Node>();
    items.forEach((item, k) => {
      const next = items[k + 1];
      if (item.t === "repeat" && item.body.t === "char" && next && !nullable(next)) {
        if (!overlaps(first(next), chars(item))) delimited.add(item);
      }
    });
    for (const inner of innerRepeats(n)) {
      if (delimited.has(inner)) continue;
      const variable = inner.max > inner.min;
      // Bounded loops multiply too: ((.{1,3}){1,3}){1,3} has 3^27 ways to try.
      if (loops && variable) {
        throw new Unsafe({
          kind: "unsafe",
          offset: n.offset,
          length: n.length,
          message:
            "a repeat inside a repeat can make matching take exponential time on a value that almost matches; " +
            "repeat one thing only, e.g. [\\w\\s]+ instead of (\\w+\\s?)+",
        });
      }
    }
    if (loops) {
      for (const alt of alternations(n.body)) {
        const sets = alt.alts.map(first);
        const clash =
          alt.alts.some(nullable) ||
          sets.some((a, i) => sets.some((b, j) => j > i && overlaps(a, b)));
        if (clash) {
          throw new Unsafe({
            kind: "unsafe",
            offset: n.offset,
            length: n.length,
            message:
              "a repeated alternation whose branches can start with the same character can make matching take " +
              "exponential time; make the branches start differently or use one character class, e.g. [\\w-]+",
          });
        }
      }
    }
  }
  if (n.t === "seq") chains(flatItems(n), anchoredStart(n));
  if (n.t === "seq") n.items.forEach(check);
  else if (n.t === "alt") n.alts.forEach(check);
  else if (n.t === "group" || n.t === "look" || n.t === "repeat") check(n.body);
}

/**
 * Unbounded repeats in a row that can take each other's characters multiply the work by the
 * input length once each, and a search that is not anchored with `^` tries every start, one
 * factor more: `\s*\s*$`, `\d*\w{1,3}.+x` and `.*a.*b.*c` are cubic or worse on a value that
 * almost matches. Those are refused; `^(.*)@(.*)$` is quadratic, which the input bound keeps to
 * about a million steps. Two repeats can trade characters when the earlier one can match the
 * start of what follows it and the later one the end of what precedes it (so ([a-z]+\.)+[a-z]+
 * cannot: the first always ends with "." and the second cannot take it).
 */
function chains(items: Node[], anchored: boolean): void {
  const seq = (list: Node[]): Node => ({ t: "seq", items: list, offset: 0, length: 0 });
  // For each unbounded item: the longest chain of trading repeats ending with it, and its start.
  const chain = new Map<number, { length: number; from: Node }>();
  for (let x = 0; x < items.length; x++) {
    const later = items[x];
    if (!unbounded(later)) continue;
    let best = { length: 1, from: later };
    for (const [p, link] of chain) {
      const earlier = items[p];
      const between = items.slice(p + 1, x);
      const trades =
        overlaps(chars(earlier), first(seq([...between, later]))) &&
        overlaps(chars(later), ends(seq([earlier, ...between])));
      if (trades && link.length + 1 > best.length)
        best = { length: link.length + 1, from: link.from };
    }
    chain.set(x, best);
    if (best.length + (anchored ? 0 : 1) >= 3) {
      throw new Unsafe({
        kind: "unsafe",
        offset: best.from.offset,
        length: later.offset + later.length - best.from.offset,
        message:
          "unbounded repeats in a row that can take each other's characters make matching take time " +
          `growing with a power of the value's length; ${anchored ? "" : "anchor the pattern with ^ or "}` +
          "use classes that exclude what follows, e.g. [^@]+@ instead of .+@",
      });
    }
  }
}

/**
 * Why the pattern may not run (a syntax error, or a form that can backtrack catastrophically),
 * with its position in the pattern; undefined for a pattern that is safe to run.
 */
export function regexProblem(pattern: string, flags = ""): RegexProblem | undefined {
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    return { kind: "syntax", offset: 0, length: pattern.length, message: (err as Error).message };
  }
  try {
    check(new Reader(pattern, flags).parse());
  } catch (err) {
    if (err instanceof Unsafe) return err.problem;
    throw err;
  }
  return undefined;
}

const safeCache = new Map<string, RegExp | RegexProblem>();

/**
 * The RegExp for a user pattern, or the problem that refuses it. Each distinct pattern is
 * analysed once per process.
 */
export function safeRegExp(pattern: string, flags = ""): RegExp | RegexProblem {
  const key = `${flags}/${pattern}`;
  let result = safeCache.get(key);
  if (!result) {
    result = regexProblem(pattern, flags) ?? new RegExp(pattern, flags);
    safeCache.set(key, result);
  }
  return result;
}

/** The message for a value too long to run a user regular expression on, or undefined. */
export function regexInputProblem(value: string): string | undefined {
  return value.length > MAX_REGEX_INPUT
    ? `the value is ${value.length} characters long; regular expressions run on at most ${MAX_REGEX_INPUT}`
    : undefined;
}
