/**
 * The .NET date handling behind CDate, DateAdd, DateDiff, FormatDateTime, NumFromDate and
 * DateFromNum. Entra runs these on UTC servers, so every DateTime here is a JS Date read with the
 * UTC accessors, and a string with an offset is converted to UTC (what DateTime.Parse with
 * RoundtripKind yields on such a server). Precision is the millisecond, not .NET's 100 ns tick.
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Builds a UTC date from wall-clock fields and an offset in minutes, or null if a field is out of range. */
function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  offsetMinutes: number,
): Date | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const d = new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60000,
  );
  // Date.UTC maps years 0-99 to 1900-1999; .NET does not.
  if (year < 100) d.setUTCFullYear(d.getUTCFullYear() - 1900);
  return d;
}

function parseOffset(text: string | undefined): number | null {
  if (!text) return 0;
  if (text === "Z" || text === "z") return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (Number(m[2]) > 14 || Number(m[3] ?? 0) > 59) return null;
  return m[1] === "-" ? -minutes : minutes;
}

function fraction(text: string | undefined): number {
  return text ? Math.floor(Number(`0.${text}`) * 1000) : 0;
}

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;
const US =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*(AM|PM)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/**
 * DateTime.Parse with the invariant culture, for the forms the docs use: ISO 8601 dates with or
 * without time and offset (`2020-03-16-07:00`, `2009-06-15T01:45:30-07:00`, `2021-08-24`) and the
 * US form Entra itself prints (`8/25/2021 5:41:18 PM`). No offset means UTC. Null if unparseable.
 */
export function parseDateTime(input: string): Date | null {
  const text = input.trim();
  let m = ISO.exec(text);
  if (m) {
    const offset = parseOffset(m[8]);
    if (offset === null) return null;
    return build(
      Number(m[1]),
      Number(m[2]),
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      fraction(m[7]),
      offset,
    );
  }
  m = US.exec(text);
  if (m) {
    const offset = parseOffset(m[9]);
    if (offset === null) return null;
    let hour = Number(m[4] ?? 0);
    const ampm = m[8]?.toUpperCase();
    if (ampm) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (ampm === "PM" ? 12 : 0);
    }
    return build(
      Number(m[3]),
      Number(m[1]),
      Number(m[2]),
      hour,
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      fraction(m[7]),
      offset,
    );
  }
  return null;
}

/** Entra's output form for DateTime values: `M/d/yyyy h:mm:ss tt`, in UTC. */
export function formatDefault(d: Date): string {
  const h = d.getUTCHours();
  return (
    `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ` +
    `${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)} ` +
    (h < 12 ? "AM" : "PM")
  );
}

type FormatToken =
  { kind: "field"; letter: string; count: number } | { kind: "literal"; text: string };

const FIELD_LETTERS = new Set(["y", "M", "d", "H", "h", "m", "s", "f", "F", "t", "z", "K"]);

/** Splits a .NET custom date format (`yyyy-MM-dd'T'HH:mm`) into fields and literals. */
export function tokenizeFormat(format: string): FormatToken[] {
  const out: FormatToken[] = [];
  const literal = (text: string): void => {
    const last = out[out.length - 1];
    if (last && last.kind === "literal") last.text += text;
    else out.push({ kind: "literal", text });
  };
  for (let i = 0; i < format.length;) {
    const c = format[i];
    if (c === "'" || c === '"') {
      const end = format.indexOf(c, i + 1);
      literal(format.slice(i + 1, end < 0 ? format.length : end));
      i = end < 0 ? format.length : end + 1;
    } else if (c === "\\") {
      literal(format[i + 1] ?? "");
      i += 2;
    } else if (c === "%") {
      i++;
    } else if (FIELD_LETTERS.has(c)) {
      let j = i;
      while (format[j] === c) j++;
      out.push({ kind: "field", letter: c, count: j - i });
      i = j;
    } else {
      literal(c);
      i++;
    }
  }
  return out;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface ExactParser {
  regex: RegExp;
  fields: { letter: string; count: number }[];
}

const exactCache = new Map<string, ExactParser>();

function exactParser(format: string): ExactParser {
  const cached = exactCache.get(format);
  if (cached) return cached;
  const fields: { letter: string; count: number }[] = [];
  let source = "";
  for (const tok of tokenizeFormat(format)) {
    if (tok.kind === "literal") {
      source += escapeRegex(tok.text);
      continue;
    }
    const { letter, count } = tok;
    let group: string;
    switch (letter) {
      case "y":
        group =
          count >= 4
            ? `\\d{${count}}`
            : count === 3
              ? "\\d{3,4}"
              : count === 2
                ? "\\d{2}"
                : "\\d{1,2}";
        break;
      case "M":
        group =
          count >= 4
            ? MONTHS.join("|")
            : count === 3
              ? MONTHS.map((m) => m.slice(0, 3)).join("|")
              : count === 2
                ? "\\d{2}"
                : "\\d{1,2}";
        break;
      case "d":
        group =
          count >= 4
            ? DAYS.join("|")
            : count === 3
              ? DAYS.map((m) => m.slice(0, 3)).join("|")
              : count === 2
                ? "\\d{2}"
                : "\\d{1,2}";
        break;
      case "H":
      case "h":
      case "m":
      case "s":
        group = count >= 2 ? "\\d{2}" : "\\d{1,2}";
        break;
      case "f":
        group = `\\d{${count}}`;
        break;
      case "F":
        group = `\\d{0,${count}}`;
        break;
      case "t":
        group = count >= 2 ? "AM|PM" : "A|P";
        break;
      case "z":
        group = count >= 3 ? "[+-]\\d{2}:\\d{2}" : count === 2 ? "[+-]\\d{2}" : "[+-]\\d{1,2}";
        break;
      default: // K
        group = "Z|[+-]\\d{2}:\\d{2}|";
    }
    fields.push({ letter, count });
    source += `(${group})`;
  }
  const parser = { regex: new RegExp(`^\\s*${source}\\s*$`, "i"), fields };
  exactCache.set(format, parser);
  return parser;
}

/** DateTime.ParseExact with the invariant culture; an offset (zzz, K) converts the result to UTC. */
export function parseExact(input: string, format: string): Date | null {
  const { regex, fields } = exactParser(format);
  const m = regex.exec(input);
  if (!m) return null;
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let pm: boolean | undefined;
  let hour12 = false;
  let offset = 0;
  for (let i = 0; i < fields.length; i++) {
    const { letter, count } = fields[i];
    const v = m[i + 1];
    switch (letter) {
      case "y":
        year = Number(v);
        if (count <= 2) year += year < 50 ? 2000 : 1900;
        break;
      case "M":
        month =
          count >= 3
            ? MONTHS.findIndex((n) => n.toLowerCase().startsWith(v.toLowerCase())) + 1
            : Number(v);
        break;
      case "d":
        if (count <= 2) day = Number(v);
        break;
      case "H":
        hour = Number(v);
        break;
      case "h":
        hour = Number(v);
        hour12 = true;
        break;
      case "m":
        minute = Number(v);
        break;
      case "s":
        second = Number(v);
        break;
      case "f":
      case "F":
        ms = fraction(v);
        break;
      case "t":
        pm = v.toUpperCase().startsWith("P");
        break;
      default: {
        const o = parseOffset(v === "" ? undefined : v);
        if (o === null) return null;
        offset = o;
      }
    }
  }
  if (hour12) {
    if (hour < 1 || hour > 12) return null;
    hour %= 12;
  }
  if (pm) hour += 12;
  return build(year, month, day, hour, minute, second, ms, offset);
}

/** DateTime.ToString(format) with the invariant culture. The value is UTC, so zzz is +00:00. */
export function formatExact(d: Date, format: string): string {
  let out = "";
  for (const tok of tokenizeFormat(format)) {
    if (tok.kind === "literal") {
      out += tok.text;
      continue;
    }
    const { letter, count } = tok;
    const h = d.getUTCHours();
    switch (letter) {
      case "y": {
        const y = d.getUTCFullYear();
        out += count === 2 ? pad(y % 100, 2) : count === 1 ? String(y % 100) : pad(y, count);
        break;
      }
      case "M": {
        const mo = d.getUTCMonth();
        out += count >= 4 ? MONTHS[mo] : count === 3 ? MONTHS[mo].slice(0, 3) : pad(mo + 1, count);
        break;
      }
      case "d": {
        const wd = d.getUTCDay();
        out +=
          count >= 4 ? DAYS[wd] : count === 3 ? DAYS[wd].slice(0, 3) : pad(d.getUTCDate(), count);
        break;
      }
      case "H":
        out += pad(h, Math.min(count, 2));
        break;
      case "h":
        out += pad(h % 12 === 0 ? 12 : h % 12, Math.min(count, 2));
        break;
      case "m":
        out += pad(d.getUTCMinutes(), Math.min(count, 2));
        break;
      case "s":
        out += pad(d.getUTCSeconds(), Math.min(count, 2));
        break;
      case "f":
      case "F": {
        const digits = (pad(d.getUTCMilliseconds(), 3) + "0000").slice(0, count);
        out += letter === "F" ? digits.replace(/0+$/, "") : digits;
        break;
      }
      case "t":
        out += count >= 2 ? (h < 12 ? "AM" : "PM") : h < 12 ? "A" : "P";
        break;
      case "z":
        out += count >= 3 ? "+00:00" : count === 2 ? "+00" : "+0";
        break;
      default:
        out += "Z";
    }
  }
  return out;
}

export const DATE_INTERVALS = ["yyyy", "m", "d", "ww", "h", "n", "s"] as const;
export type DateInterval = (typeof DATE_INTERVALS)[number];

export function isDateInterval(s: string): s is DateInterval {
  return (DATE_INTERVALS as readonly string[]).includes(s);
}

/** DateAdd: months and years clamp the day to the month's end, like DateTime.AddMonths. */
export function addInterval(interval: DateInterval, value: number, d: Date): Date {
  const n = Math.trunc(value);
  switch (interval) {
    case "yyyy":
    case "m": {
      const months = interval === "m" ? n : n * 12;
      const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
      const year = Math.floor(total / 12);
      const month = total - year * 12;
      const day = Math.min(d.getUTCDate(), daysInMonth(year, month + 1));
      const r = new Date(d.getTime());
      r.setUTCFullYear(year, month, day);
      return r;
    }
    case "d":
      return new Date(d.getTime() + n * 86400000);
    case "ww":
      return new Date(d.getTime() + n * 7 * 86400000);
    case "h":
      return new Date(d.getTime() + n * 3600000);
    case "n":
      return new Date(d.getTime() + n * 60000);
    default:
      return new Date(d.getTime() + n * 1000);
  }
}

const startOfDay = (d: Date): number =>
  Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

/**
 * Microsoft.VisualBasic DateDiff: years and months count calendar boundaries, weeks count
 * Sundays crossed, and days/hours/minutes/seconds truncate the elapsed time. This is what makes
 * the documented "ww" row -493 rather than the -492 whole weeks elapsed.
 */
export function diffInterval(interval: DateInterval, d1: Date, d2: Date): number {
  const elapsed = d2.getTime() - d1.getTime();
  switch (interval) {
    case "yyyy":
      return d2.getUTCFullYear() - d1.getUTCFullYear();
    case "m":
      return (
        (d2.getUTCFullYear() - d1.getUTCFullYear()) * 12 + (d2.getUTCMonth() - d1.getUTCMonth())
      );
    case "ww": {
      const w1 = startOfDay(d1) - d1.getUTCDay() * 86400000;
      const w2 = startOfDay(d2) - d2.getUTCDay() * 86400000;
      return Math.round((w2 - w1) / (7 * 86400000));
    }
    case "d":
      return Math.trunc(elapsed / 86400000);
    case "h":
      return Math.trunc(elapsed / 3600000);
    case "n":
      return Math.trunc(elapsed / 60000);
    default:
      return Math.trunc(elapsed / 1000);
  }
}

/** Milliseconds between 1601-01-01 (the Windows FILETIME epoch AD uses) and 1970-01-01. */
const FILETIME_EPOCH_MS = 11644473600000n;

/** NumFromDate: AD's FILETIME (100 ns ticks since 1601-01-01 UTC), as a decimal string. */
export function toFileTime(d: Date): string {
  return ((BigInt(d.getTime()) + FILETIME_EPOCH_MS) * 10000n).toString();
}

/** DateFromNum: the inverse of toFileTime; null when the text is not an integer. */
export function fromFileTime(text: string): Date | null {
  if (!/^-?\d+$/.test(text.trim())) return null;
  const ms = BigInt(text.trim()) / 10000n - FILETIME_EPOCH_MS;
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? null : d;
}
