/**
 * Compiles an expression tree once into nested closures, so evaluating a record is a few
 * function calls and property reads: no re-parsing and no interpreter walk per record (the
 * uploader evaluates every mapping for every CSV row).
 *
 * Value model inside the closures: string, number, boolean, Date (a DateTime), string[] (a
 * multi-valued attribute), null, and undefined for "dropped from the flow"
 * (IgnoreFlowIfNullOrEmpty). The compiled function converts its result to Entra's output form:
 * strings, "True"/"False", `M/d/yyyy h:mm:ss tt` dates, string arrays, null or undefined.
 */
import { Call, Expr, ExpressionError } from "./ast";
import { attributeAliases } from "./attributes";
import { structuralDiagnostics } from "./checker";
import {
  addInterval,
  compileExactParser,
  compileFormatter,
  DateInterval,
  DEFAULT_DATE_TIME_STYLES,
  diffInterval,
  formatDefault,
  fromFileTime,
  isDateInterval,
  parseDateTime,
  parseDateTimeStyles,
  toFileTime,
} from "./dates";
import { findFunction } from "./functions";
import { numberValue } from "./parser";
import { regexInputProblem, safeRegExp } from "./regex";
import { base64Utf16, normalizeDiacritics, properCase, utf8Hex, word } from "./text";

export type ExpressionRecord = Record<string, unknown>;
export type CompiledExpression = (record: ExpressionRecord) => unknown;
type Fn = (r: ExpressionRecord) => unknown;

export interface CompileOptions {
  /** Now(); defaults to the system clock. */
  clock?: () => Date;
  /** RandomString and Guid; a function returning [0, 1) like Math.random (the default). */
  random?: () => number;
  /** What DefaultDomain() returns; without it DefaultDomain() fails at evaluation. */
  defaultDomain?: string;
  /** Lets `[ext:X]` also find a value given under `<extensionUrn>:X`. */
  extensionUrn?: string;
  /**
   * SelectUniqueValue's uniqueness test against the target directory. Offline there is no
   * directory, so by default every value counts as unique and the first non-empty rule wins.
   */
  isUnique?: (value: string) => boolean;
}

interface Ctx {
  options: CompileOptions;
  clock: () => Date;
  random: () => number;
}

function fail(fn: string, message: string): never {
  throw new ExpressionError(`${fn}: ${message}`);
}

const isArray = Array.isArray;

function isNullish(v: unknown): boolean {
  return v === null || v === undefined || (isArray(v) && v.length === 0);
}

function isNullOrEmpty(v: unknown): boolean {
  return isNullish(v) || v === "" || (isArray(v) && v.every((x) => x === null || x === ""));
}

/** A single value: a multi-valued attribute in a single-valued position yields its first value. */
function scalar(v: unknown): unknown {
  return isArray(v) ? (v.length > 0 ? v[0] : null) : v;
}

export function toStr(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return String(v);
    case "boolean":
      return v ? "True" : "False";
    case "bigint":
      return v.toString();
  }
  if (v instanceof Date) return formatDefault(v);
  if (isArray(v)) return v.length > 0 ? toStr(v[0]) : null;
  return JSON.stringify(v);
}

/** Entra's output form of a value: strings (and arrays of them), or null/undefined. */
export function toOutput(v: unknown): unknown {
  if (v === undefined || v === null || typeof v === "string") return v;
  if (isArray(v)) return v.map((x) => (x === null || x === undefined ? null : toStr(x)));
  return toStr(v);
}

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

function numericValue(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && NUMERIC.test(v)) return Number(v);
  return null;
}

function toNum(fn: string, param: string, v: unknown): number | null {
  const s = scalar(v);
  if (s === null || s === undefined) return null;
  if (typeof s === "string" && /^\s*&H[0-9A-Fa-f]+\s*$/.test(s)) return numberValue(s.trim());
  const n = numericValue(s);
  if (n === null) fail(fn, `${param} must be a number, got ${JSON.stringify(toStr(s))}`);
  return n;
}

function toInt(fn: string, param: string, v: unknown): number | null {
  const n = toNum(fn, param, v);
  return n === null ? null : Math.trunc(n);
}

/** A condition's truth: booleans, "True"/"False" (any case), non-zero numbers. Null is false. */
function truth(fn: string, v: unknown): boolean {
  const s = scalar(v);
  if (s === null || s === undefined) return false;
  if (typeof s === "boolean") return s;
  if (typeof s === "number") return s !== 0;
  if (typeof s === "string") {
    const lower = s.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    const n = numericValue(s);
    if (n !== null) return n !== 0;
  }
  return fail(fn, `expected True or False, got ${JSON.stringify(toStr(s))}`);
}

const isTrue = (v: unknown): boolean =>
  v === true || (typeof v === "string" && v.length === 4 && v.toLowerCase() === "true");

/**
 * CBool: "If the expression evaluates to a non-zero value, then CBool returns True, else it
 * returns False" (Microsoft Learn). Zero, False, null and the empty string are the zero values;
 * any other value, "yes" or a date included, is True.
 */
function cbool(v: unknown): boolean {
  const s = scalar(v);
  if (s === null || s === undefined || s === "") return false;
  if (typeof s === "boolean") return s;
  if (typeof s === "number") return s !== 0;
  if (typeof s === "string") {
    if (s.toLowerCase() === "false") return false;
    const n = numericValue(s);
    if (n !== null) return n !== 0;
  }
  return true;
}

function toDate(fn: string, param: string, v: unknown): Date | null {
  const s = scalar(v);
  if (s === null || s === undefined) return null;
  if (s instanceof Date) return s;
  const text = toStr(s) as string;
  const d = parseDateTime(text);
  if (!d)
    fail(
      fn,
      `${param} ${JSON.stringify(text)} is not a date/time (use e.g. 2021-08-24T10:00:00Z or 8/24/2021 10:00:00 AM)`,
    );
  return d;
}

/** Applies a string function to a value, element-wise for a multi-valued attribute. */
function mapStrings(v: unknown, f: (s: string) => unknown): unknown {
  if (v === null || v === undefined) return null;
  if (isArray(v))
    return v.map((x) => (x === null || x === undefined ? null : f(toStr(x) as string)));
  return f(toStr(v) as string);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const x = scalar(a);
  const y = scalar(b);
  // Entra: "If the source attribute used within the IIF function is empty or null, the
  // condition check fails" — any comparison with a missing value is false.
  if (x === null || x === undefined || y === null || y === undefined) return false;
  let c: number;
  const nx = numericValue(x);
  const ny = numericValue(y);
  const numeric =
    nx !== null &&
    ny !== null &&
    (op !== "=" && op !== "<>" ? true : typeof x === "number" || typeof y === "number");
  if (numeric) c = (nx as number) - (ny as number);
  else if (x instanceof Date && y instanceof Date) c = x.getTime() - y.getTime();
  else {
    const sx = toStr(x) as string;
    const sy = toStr(y) as string;
    c = sx < sy ? -1 : sx > sy ? 1 : 0;
  }
  switch (op) {
    case "=":
      return c === 0;
    case "<>":
      return c !== 0;
    case ">":
      return c > 0;
    case "<":
      return c < 0;
    case ">=":
      return c >= 0;
    default:
      return c <= 0;
  }
}

const NULL_FN: Fn = () => null;

/** The literal value of an argument node, if it is one (string, number, boolean, bare name). */
function literalOf(node: Expr | null): string | undefined {
  if (!node) return undefined;
  switch (node.kind) {
    case "string":
      return node.value;
    case "number":
      return node.text[0] === "&" ? String(node.value) : node.text;
    case "boolean":
      return node.value ? "True" : "False";
    case "identifier":
      return node.name;
    default:
      return undefined;
  }
}

function compileAttribute(name: string, ctx: Ctx): Fn {
  const keys = attributeAliases(name, ctx.options.extensionUrn);
  const k0 = keys[0];
  if (keys.length === 1) return (r) => r[k0];
  const rest = keys.slice(1);
  return (r) => {
    let v = r[k0];
    for (let i = 0; v === undefined && i < rest.length; i++) v = r[rest[i]];
    return v;
  };
}

function compileNode(node: Expr, ctx: Ctx): Fn {
  switch (node.kind) {
    case "attribute": {
      const get = compileAttribute(node.name, ctx);
      return (r) => {
        const v = get(r);
        return v === undefined ? null : v;
      };
    }
    case "string":
    case "number":
    case "boolean":
    case "identifier": {
      const value = literalOf(node);
      return () => value;
    }
    case "comparison": {
      const left = compileNode(node.left, ctx);
      const right = compileNode(node.right, ctx);
      const op = node.op;
      return (r) => compare(op, left(r), right(r));
    }
    case "call":
      return compileCall(node, ctx);
  }
}

type Builder = (a: (Fn | null)[], node: Call, ctx: Ctx) => Fn;

/** Argument i, or a function returning null for an omitted (empty) argument. */
const at = (a: (Fn | null)[], i: number): Fn => a[i] ?? NULL_FN;

const unary =
  (f: (v: unknown) => unknown): Builder =>
  (a) => {
    const x = at(a, 0);
    return (r) => f(x(r));
  };

const stringMap =
  (f: (s: string) => unknown): Builder =>
  (a) => {
    const x = at(a, 0);
    return (r) => mapStrings(x(r), f);
  };

/**
 * RandomString's special characters: "Characters allowed can be identified here", Microsoft
 * Learn's RandomString links the non-alphanumeric set of Windows' password complexity policy,
 * https://learn.microsoft.com/en-us/windows/security/threat-protection/security-policy-settings/password-must-meet-complexity-requirements#reference
 */
export const SPECIAL_CHARS = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";

/**
 * RandomString. The length rule is Microsoft's: Length "should be greater than or equal to the
 * sum of MinimumNumbers, MinimumSpecialCharacters, and MinimumCapital. 256 characters max." The
 * lower-case minimum is not in that sum, so it is met as far as the length leaves room.
 */
function randomString(
  ctx: Ctx,
  length: number,
  counts: [number, number, number, number],
  avoid: string,
): string {
  const pools = [
    "0123456789",
    SPECIAL_CHARS,
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "abcdefghijklmnopqrstuvwxyz",
  ].map((pool) => [...pool].filter((c) => !avoid.includes(c)).join(""));
  const need = counts[0] + counts[1] + counts[2];
  if (length > 256) fail("RandomString", `length can be at most 256, got ${length}`);
  if (need > length) {
    fail(
      "RandomString",
      `length ${length} is less than minimumNumbers + minimumSpecialCharacters + minimumCapital (${need})`,
    );
  }
  const quota: number[] = [...counts.slice(0, 3), Math.min(counts[3], length - need)];
  const pick = (pool: string): string => pool[Math.floor(ctx.random() * pool.length) % pool.length];
  const chars: string[] = [];
  quota.forEach((n, i) => {
    if (n > 0 && pools[i] === "")
      fail("RandomString", "charactersToAvoid leaves no characters for a minimum");
    for (let k = 0; k < n; k++) chars.push(pick(pools[i]));
  });
  const all = pools.join("");
  if (all === "") fail("RandomString", "charactersToAvoid excludes every character");
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = Math.floor(ctx.random() * (i + 1)) % (i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

function dotnetReplacement(s: string): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, "$$<$1>");
}

/**
 * The compiled regexPattern, refused if it could backtrack catastrophically (see regex.ts): an
 * HR value must not be able to hang simulate or upload.
 */
function regexFor(pattern: string, cache: Map<string, RegExp>): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const safe = safeRegExp(pattern, "gd");
    if (!(safe instanceof RegExp)) {
      return fail(
        "Replace",
        safe.kind === "syntax"
          ? `invalid regexPattern ${JSON.stringify(pattern)}: ${safe.message}`
          : `regexPattern ${JSON.stringify(pattern)} is refused at character ${safe.offset + 1}: ${safe.message}`,
      );
    }
    // A copy of our own: the `g` flag keeps state in lastIndex.
    re = new RegExp(safe);
    cache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

/** The text a user regex may run on: at most MAX_REGEX_INPUT characters (see regex.ts). */
function regexInput(s: string): string {
  const problem = regexInputProblem(s);
  return problem ? fail("Replace", `${problem} (regexPattern)`) : s;
}

/** Replaces the named group's text inside every match (Replace mode 4). */
function replaceGroup(source: string, re: RegExp, group: string, replacement: string): string {
  let out = "";
  let last = 0;
  re.lastIndex = 0;
  for (const m of source.matchAll(re)) {
    const span = m.indices?.groups?.[group];
    if (!span) continue;
    out += source.slice(last, span[0]) + replacement;
    last = span[1];
  }
  return out + source.slice(last);
}

const buildReplace: Builder = (a, node) => {
  const [source, oldValue, pattern, groupName, replacement, replacementAttr, template] = [
    0, 1, 2, 3, 4, 5, 6,
  ].map((i) => at(a, i));
  const has = (i: number): boolean => Boolean(a[i]);
  const cache = new Map<string, RegExp>();
  const constPattern = literalOf(node.args[2] ?? null);
  if (constPattern !== undefined) regexFor(constPattern, cache);
  const str = (f: Fn, r: ExpressionRecord): string => toStr(f(r)) ?? "";

  if (has(1)) {
    if (has(6)) {
      // Mode 2: put source into template in place of oldValue.
      return (r) => {
        const s = toStr(source(r));
        if (s === null) return null;
        return str(template, r).split(str(oldValue, r)).join(s);
      };
    }
    // Mode 1: replace every occurrence of oldValue.
    return (r) =>
      mapStrings(source(r), (s) => {
        const old = str(oldValue, r);
        return old === "" ? s : s.split(old).join(str(replacement, r));
      });
  }
  if (has(3) && has(5)) {
    // Mode 5: source if it has a value, else the named group of the pattern in the other attribute.
    return (r) => {
      const s = source(r);
      if (!isNullOrEmpty(s)) return s;
      const other = toStr(replacementAttr(r));
      if (other === null) return null;
      const re = regexFor(str(pattern, r), cache);
      const m = re.exec(regexInput(other));
      re.lastIndex = 0;
      return m?.groups?.[str(groupName, r)] ?? null;
    };
  }
  if (has(3)) {
    // Mode 4: replace only the named group's text.
    return (r) =>
      mapStrings(source(r), (s) =>
        replaceGroup(
          regexInput(s),
          regexFor(str(pattern, r), cache),
          str(groupName, r),
          str(replacement, r),
        ),
      );
  }
  // Mode 3: regex replace, group references allowed in the replacement.
  return (r) =>
    mapStrings(source(r), (s) =>
      regexInput(s).replace(
        regexFor(str(pattern, r), cache),
        dotnetReplacement(str(replacement, r)),
      ),
    );
};

const buildSwitch: Builder = (a, node) => {
  const source = at(a, 0);
  const fallback = at(a, 1);
  const pairs = (a.length - 2) / 2;
  const keyNodes = node.args.slice(2).filter((_, i) => i % 2 === 0);
  const keyLiterals = keyNodes.map((k) => literalOf(k));
  const values = Array.from({ length: pairs }, (_, i) => at(a, 3 + 2 * i));
  // The common case, constant keys, is one Map lookup per evaluation.
  if (keyLiterals.every((k) => k !== undefined)) {
    const index = new Map<string, number>();
    keyLiterals.forEach((k, i) => {
      if (!index.has(k as string)) index.set(k as string, i);
    });
    return (r) => {
      // A missing source matches the "" key, the documented way to handle empty values.
      const key = toStr(scalar(source(r))) ?? "";
      const i = index.get(key);
      return i === undefined ? fallback(r) : values[i](r);
    };
  }
  const keys = Array.from({ length: pairs }, (_, i) => at(a, 2 + 2 * i));
  return (r) => {
    const key = toStr(scalar(source(r))) ?? "";
    for (let i = 0; i < pairs; i++)
      if ((toStr(scalar(keys[i](r))) ?? "") === key) return values[i](r);
    return fallback(r);
  };
};

const buildJoin: Builder = (a) => {
  const sep = at(a, 0);
  const sources = a.slice(1).map((f) => f ?? NULL_FN);
  const n = sources.length;
  return (r) => {
    const separator = toStr(sep(r)) ?? "";
    let out = "";
    let first = true;
    for (let i = 0; i < n; i++) {
      const v = sources[i](r);
      if (v === null || v === undefined || v === "") continue;
      if (isArray(v)) {
        for (const x of v) {
          const s = toStr(x);
          if (s === null || s === "") continue;
          out = first ? s : out + separator + s;
          first = false;
        }
        continue;
      }
      const s = typeof v === "string" ? v : (toStr(v) as string);
      out = first ? s : out + separator + s;
      first = false;
    }
    return out;
  };
};

const BUILDERS: Record<string, Builder> = {
  append: (a) => {
    const source = at(a, 0);
    const suffix = at(a, 1);
    return (r) => {
      const x = toStr(suffix(r)) ?? "";
      return mapStrings(source(r), (s) => s + x);
    };
  },
  approleassignmentscomplex: unary((v) => v ?? null),
  bitand: (a) => {
    const x = at(a, 0);
    const y = at(a, 1);
    return (r) => {
      const p = toInt("BitAnd", "value1", x(r));
      const q = toInt("BitAnd", "value2", y(r));
      return p === null || q === null ? null : Number(BigInt(p) & BigInt(q));
    };
  },
  cbool: unary(cbool),
  cdate: unary((v) => toDate("CDate", "expression", v)),
  coalesce: (a) => {
    const sources = a.map((f) => f ?? NULL_FN);
    return (r) => {
      for (const f of sources) {
        const v = f(r);
        if (!isNullish(v)) return v;
      }
      return null;
    };
  },
  converttobase64: stringMap(base64Utf16),
  converttoutf8hex: stringMap(utf8Hex),
  count: unary((v) =>
    isArray(v) ? v.filter((x) => x !== null && x !== undefined).length : isNullish(v) ? 0 : 1,
  ),
  cstr: unary((v) => (isArray(v) ? v.map((x) => toStr(x)) : toStr(v))),
  dateadd: (a) => {
    const [interval, value, date] = [at(a, 0), at(a, 1), at(a, 2)];
    return (r) => {
      const i = intervalOf("DateAdd", interval(r));
      const n = toNum("DateAdd", "value", value(r));
      const d = toDate("DateAdd", "dateTime", date(r));
      return n === null || d === null ? null : addInterval(i, n, d);
    };
  },
  datediff: (a) => {
    const [interval, d1, d2] = [at(a, 0), at(a, 1), at(a, 2)];
    return (r) => {
      const i = intervalOf("DateDiff", interval(r));
      const x = toDate("DateDiff", "date1", d1(r));
      const y = toDate("DateDiff", "date2", d2(r));
      return x === null || y === null ? null : diffInterval(i, x, y);
    };
  },
  datefromnum: unary((v) => {
    const s = toStr(scalar(v));
    if (s === null) return null;
    const d = fromFileTime(s);
    if (!d)
      fail(
        "DateFromNum",
        `value ${JSON.stringify(s)} is not an AD date number (100 ns ticks since 1601)`,
      );
    return d;
  }),
  defaultdomain: (_a, _node, ctx) => {
    const domain = ctx.options.defaultDomain;
    return () =>
      domain ??
      fail(
        "DefaultDomain",
        "the tenant's default verified domain is not known offline; pass defaultDomain to compileExpression",
      );
  },
  formatdatetime: (a, node, ctx) => {
    const [source, styles, inFmt, outFmt] = [at(a, 0), at(a, 1), at(a, 2), at(a, 3)];
    const stylesOf = (text: string | null): number => {
      const flags = parseDateTimeStyles(text ?? "");
      return typeof flags === "string" ? fail("FormatDateTime", flags) : flags;
    };
    // Constant styles and formats (the usual case) are compiled once, not once per record.
    const [constStyles, constIn, constOut] = [1, 2, 3].map((i) => literalOf(node.args[i] ?? null));
    const fixedStyles = a[1]
      ? constStyles === undefined
        ? undefined
        : stylesOf(constStyles)
      : DEFAULT_DATE_TIME_STYLES;
    const fixedParser =
      fixedStyles !== undefined && constIn !== undefined
        ? compileExactParser(constIn, fixedStyles)
        : undefined;
    const fixedFormatter = constOut !== undefined ? compileFormatter(constOut) : undefined;
    return (r) => {
      const s = toStr(scalar(source(r)));
      if (s === null) return null;
      let parse = fixedParser;
      let input = constIn as string;
      if (!parse) {
        input = toStr(inFmt(r)) ?? "";
        parse = compileExactParser(input, fixedStyles ?? stylesOf(toStr(styles(r))));
      }
      const parsed = parse(s, ctx.clock);
      if (!parsed)
        fail(
          "FormatDateTime",
          `${JSON.stringify(s)} does not match inputFormat ${JSON.stringify(input)}`,
        );
      return (fixedFormatter ?? compileFormatter(toStr(outFmt(r)) ?? ""))(parsed);
    };
  },
  guid: (_a, _node, ctx) => () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(ctx.random() * 16) % 16);
    hex[12] = 4;
    hex[16] = 8 + (hex[16] % 4);
    const s = hex.map((h) => h.toString(16)).join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  },
  ignoreflowifnullorempty: unary((v) => (isNullOrEmpty(v) ? undefined : v)),
  iif: (a) => {
    const [cond, yes, no] = [at(a, 0), at(a, 1), at(a, 2)];
    return (r) => (truth("IIF", cond(r)) ? yes(r) : no(r));
  },
  instr: (a) => {
    const [v1, v2, start, mode] = [at(a, 0), at(a, 1), at(a, 2), at(a, 3)];
    return (r) => {
      let s = toStr(scalar(v1(r)));
      let find = toStr(scalar(v2(r)));
      if (s === null || find === null) return null;
      const from = toInt("InStr", "start", start(r)) ?? 1;
      if (from < 1) fail("InStr", `start must be 1 or more, got ${from}`);
      const m = toStr(mode(r));
      if (m === "vbTextCompare" || m === "1") {
        s = s.toLowerCase();
        find = find.toLowerCase();
      } else if (m !== null && m !== "vbBinaryCompare" && m !== "0") {
        fail(
          "InStr",
          `compareType must be vbBinaryCompare or vbTextCompare, got ${JSON.stringify(m)}`,
        );
      }
      return s.indexOf(find, from - 1) + 1;
    };
  },
  isnull: unary((v) => isNullish(v)),
  isnullorempty: unary((v) => isNullOrEmpty(v)),
  ispresent: unary((v) => !isNullOrEmpty(v)),
  isstring: unary((v) => typeof scalar(v) === "string"),
  item: (a) => {
    const [attr, index] = [at(a, 0), at(a, 1)];
    return (r) => {
      const v = attr(r);
      const list = isArray(v) ? v : isNullish(v) ? [] : [v];
      const i = toInt("Item", "index", index(r));
      if (i === null) return null;
      return list[i - 1] ?? null;
    };
  },
  join: buildJoin,
  left: (a) => {
    const [s, n] = [at(a, 0), at(a, 1)];
    return (r) => {
      const text = toStr(scalar(s(r)));
      const count = toInt("Left", "numChars", n(r)) ?? 0;
      if (text === null || count === 0) return "";
      return count < 0 ? text : text.slice(0, count);
    };
  },
  len: unary((v) => (toStr(scalar(v)) ?? "").length),
  mid: (a) => {
    const [source, start, length] = [at(a, 0), at(a, 1), at(a, 2)];
    return (r) => {
      const from = toInt("Mid", "start", start(r));
      const count = toInt("Mid", "length", length(r));
      if (from === null || count === null) return null;
      if (from < 1) fail("Mid", `start is 1-based and must be 1 or more, got ${from}`);
      if (count < 0) fail("Mid", `length must not be negative, got ${count}`);
      return mapStrings(source(r), (s) => s.substr(from - 1, count));
    };
  },
  normalizediacritics: stringMap(normalizeDiacritics),
  // "If source value is True, returns False. Otherwise, returns True." (Microsoft Learn, Not):
  // null, "False", "yes" and 1 all give True.
  not: unary((v) => !isTrue(scalar(v))),
  now: (_a, _node, ctx) => () => ctx.clock(),
  numfromdate: unary((v) => {
    const d = toDate("NumFromDate", "value", v);
    return d === null ? null : toFileTime(d);
  }),
  pcase: (a) => {
    const [source, seps] = [at(a, 0), a[1]];
    return (r) => {
      const separators = seps ? (toStr(seps(r)) ?? undefined) : undefined;
      return mapStrings(source(r), (s) => properCase(s, separators));
    };
  },
  randomstring: (a, _node, ctx) => {
    const f = [0, 1, 2, 3, 4].map((i) => at(a, i));
    const avoid = at(a, 5);
    return (r) => {
      const n = f.map((g, i) => toInt("RandomString", RANDOM_PARAMS[i], g(r)) ?? 0);
      if (n.some((x) => x < 0)) fail("RandomString", "lengths and minimums must not be negative");
      return randomString(ctx, n[0], [n[1], n[2], n[3], n[4]], toStr(avoid(r)) ?? "");
    };
  },
  redact: unary((v) => v),
  removeduplicates: unary((v) => {
    if (!isArray(v)) return v;
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const x of v) {
      const key = toStr(x) ?? "";
      if (!seen.has(key)) {
        seen.add(key);
        out.push(x);
      }
    }
    return out;
  }),
  replace: buildReplace,
  selectuniquevalue: (a, _node, ctx) => {
    const rules = a.map((f) => f ?? NULL_FN);
    const isUnique = ctx.options.isUnique ?? (() => true);
    return (r) => {
      for (const rule of rules) {
        const v = toStr(scalar(rule(r)));
        if (v !== null && v !== "" && isUnique(v)) return v;
      }
      return fail(
        "SelectUniqueValue",
        "every generated value already exists in the target (Entra escrows such an entry)",
      );
    };
  },
  singleapproleassignment: unary((v) => {
    if (!isArray(v)) return v ?? null;
    if (v.length > 1) fail("SingleAppRoleAssignment", "the user has several app role assignments");
    return v.length === 1 ? v[0] : null;
  }),
  split: (a) => {
    const [source, delim] = [at(a, 0), at(a, 1)];
    return (r) => {
      const v = source(r);
      if (isNullish(v)) return null;
      const d = toStr(delim(r)) ?? "";
      const parts = (s: string): string[] => (d === "" ? [s] : s.split(d));
      return isArray(v)
        ? v.flatMap((x) => (x === null ? [] : parts(toStr(x) as string)))
        : parts(toStr(v) as string);
    };
  },
  stripspaces: stringMap((s) => (s.includes(" ") ? s.replace(/ /g, "") : s)),
  switch: buildSwitch,
  tolower: caseBuilder("lower"),
  toupper: caseBuilder("upper"),
  word: (a) => {
    const [s, n, d] = [at(a, 0), at(a, 1), at(a, 2)];
    return (r) => {
      const text = toStr(scalar(s(r)));
      const k = toInt("Word", "wordNumber", n(r));
      if (text === null || k === null) return "";
      return word(text, k, toStr(d(r)) ?? "");
    };
  },
};

const RANDOM_PARAMS = [
  "length",
  "minimumNumbers",
  "minimumSpecialCharacters",
  "minimumCapital",
  "minimumLowerCase",
];

function caseBuilder(which: "lower" | "upper"): Builder {
  return (a) => {
    const [source, culture] = [at(a, 0), a[1]];
    const fn = which === "lower" ? "ToLower" : "ToUpper";
    return (r) => {
      const c = culture ? toStr(culture(r)) : null;
      if (c) {
        try {
          Intl.getCanonicalLocales(c);
        } catch {
          fail(fn, `culture ${JSON.stringify(c)} is not an RFC 4646 name like en-US`);
        }
      }
      return mapStrings(source(r), (s) =>
        which === "lower"
          ? c
            ? s.toLocaleLowerCase(c)
            : s.toLowerCase()
          : c
            ? s.toLocaleUpperCase(c)
            : s.toUpperCase(),
      );
    };
  };
}

function intervalOf(fn: string, v: unknown): DateInterval {
  const s = toStr(scalar(v));
  if (s === null || !isDateInterval(s)) {
    fail(fn, `interval must be one of yyyy, m, d, ww, h, n, s; got ${JSON.stringify(s)}`);
  }
  return s;
}

function compileCall(node: Call, ctx: Ctx): Fn {
  const spec = findFunction(node.name);
  const build = spec ? BUILDERS[spec.name.toLowerCase()] : undefined;
  if (!spec || !build) throw new ExpressionError(`unknown function ${node.name}`);
  const args = node.args.map((arg) => (arg ? compileNode(arg, ctx) : null));
  return build(args, node, ctx);
}

/**
 * Compiles a parsed expression into a function of a record (a flat map keyed by attribute name
 * as written, or by its canonical URN form). Throws ExpressionError if the tree is not a valid
 * call structure (unknown function, wrong argument count); evaluation errors also throw
 * ExpressionError, naming the function.
 */
export function compileExpression(ast: Expr, options: CompileOptions = {}): CompiledExpression {
  const diagnostics = structuralDiagnostics(ast);
  if (diagnostics.length > 0) {
    throw new ExpressionError(diagnostics.map((d) => d.message).join("; "), diagnostics);
  }
  const ctx: Ctx = {
    options,
    clock: options.clock ?? (() => new Date()),
    random: options.random ?? Math.random,
  };
  const fn = compileNode(ast, ctx);
  // A bare [attribute] flows the source value as it is, typed (a Boolean `active` stays a
  // Boolean); only values computed by functions take Entra's string output forms.
  if (ast.kind === "attribute") return fn;
  return (record) => toOutput(fn(record));
}

/** Names of every function the evaluator implements (lower-case), for the completeness test. */
export function implementedFunctions(): string[] {
  return Object.keys(BUILDERS);
}
