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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in a 1-based month (proleptic Gregorian, as .NET's DateTime). */
function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

/** 0 = Sunday, for a 1-based month (Sakamoto's method; no Date allocated). */
const MONTH_OFFSETS = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
function dayOfWeekOf(year: number, month: number, day: number): number {
  const y = month < 3 ? year - 1 : year;
  const n = y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
  return (((n + MONTH_OFFSETS[month - 1] + day) % 7) + 7) % 7;
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

/**
 * .NET's DateTimeStyles flags, by their documented values
 * (https://learn.microsoft.com/en-us/dotnet/api/system.globalization.datetimestyles).
 */
const STYLE_FLAGS: Record<string, number> = {
  none: 0,
  allowleadingwhite: 1,
  allowtrailingwhite: 2,
  allowinnerwhite: 4,
  allowwhitespaces: 7,
  nocurrentdatedefault: 8,
  adjusttouniversal: 16,
  assumelocal: 32,
  assumeuniversal: 64,
  roundtripkind: 128,
};
const ALLOW_LEADING = 1;
const ALLOW_TRAILING = 2;
const ALLOW_INNER = 4;
const NO_CURRENT_DATE_DEFAULT = 8;
const ADJUST_TO_UNIVERSAL = 16;
const ASSUME_LOCAL = 32;
const ASSUME_UNIVERSAL = 64;
const ROUNDTRIP_KIND = 128;
const ALL_STYLES = 255;

/**
 * FormatDateTime's default when dateTimeStyles is left empty: "DateTimeStyles.RoundtripKind,
 * DateTimeStyles.AllowLeadingWhite, DateTimeStyles.AllowTrailingWhite" (Microsoft Learn,
 * https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#formatdatetime).
 */
export const DEFAULT_DATE_TIME_STYLES = ROUNDTRIP_KIND | ALLOW_LEADING | ALLOW_TRAILING;

/**
 * Reads a dateTimeStyles argument the way .NET's Enum.Parse reads DateTimeStyles: names (any
 * case, with or without the `DateTimeStyles.` prefix) separated by commas (we also take `|`),
 * or the number. Returns the flags, or a message naming what is wrong, including the
 * combinations DateTime.ParseExact refuses.
 */
export function parseDateTimeStyles(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === "") return DEFAULT_DATE_TIME_STYLES;
  let flags = 0;
  if (/^\d+$/.test(trimmed)) {
    flags = Number(trimmed);
    if (flags > ALL_STYLES)
      return `dateTimeStyles ${trimmed} is not a DateTimeStyles value (0 to ${ALL_STYLES})`;
  } else {
    for (const part of trimmed.split(/[,|]/)) {
      const name = part.trim().replace(/^DateTimeStyles\./i, "");
      const flag = STYLE_FLAGS[name.toLowerCase()];
      if (flag === undefined) {
        return `unknown dateTimeStyles value ${JSON.stringify(part.trim())}: use DateTimeStyles names (${Object.keys(
          STYLE_FLAGS,
        )
          .map(styleName)
          .join(", ")}) separated by commas`;
      }
      flags |= flag;
    }
  }
  if (flags & ROUNDTRIP_KIND && flags & (ASSUME_LOCAL | ASSUME_UNIVERSAL | ADJUST_TO_UNIVERSAL)) {
    return "dateTimeStyles RoundtripKind cannot be combined with AssumeLocal, AssumeUniversal or AdjustToUniversal";
  }
  if (flags & ASSUME_LOCAL && flags & ASSUME_UNIVERSAL) {
    return "dateTimeStyles AssumeLocal and AssumeUniversal cannot be combined";
  }
  return flags;
}

function styleName(lower: string): string {
  return {
    none: "None",
    allowleadingwhite: "AllowLeadingWhite",
    allowtrailingwhite: "AllowTrailingWhite",
    allowinnerwhite: "AllowInnerWhite",
    allowwhitespaces: "AllowWhiteSpaces",
    nocurrentdatedefault: "NoCurrentDateDefault",
    adjusttouniversal: "AdjustToUniversal",
    assumelocal: "AssumeLocal",
    assumeuniversal: "AssumeUniversal",
    roundtripkind: "RoundtripKind",
  }[lower] as string;
}

/** .NET's DateTimeKind of a parsed value; it decides what the `K` specifier prints. */
export type DateKind = "utc" | "local" | "unspecified";

/**
 * A UTC date/time as fields, what FormatDateTime reads and prints. Working on fields rather
 * than a Date saves an allocation and the field arithmetic of every getUTC* call per record.
 */
export interface DateFields {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  kind: DateKind;
}

// Parse steps, one object shape for all (the hot loop stays monomorphic).
const LITERAL = 0;
const SPACE = 1;
const DIGITS = 2;
const FRACTION = 3;
const NAMES = 4;
const AMPM = 5;
const OFFSET = 6;
const K_OFFSET = 7;

// Fields that DIGITS and NAMES steps set.
const YEAR = 0;
const MONTH = 1;
const DAY = 2;
const HOUR24 = 3;
const HOUR12 = 4;
const MINUTE = 5;
const SECOND = 6;
const WEEKDAY = 7;

interface ParseStep {
  kind: number;
  field: number;
  min: number;
  max: number;
  /** The literal's character code. */
  code: number;
  names: string[];
}

const step = (
  kind: number,
  field = 0,
  min = 0,
  max = 0,
  code = 0,
  names: string[] = [],
): ParseStep => ({
  kind,
  field,
  min,
  max,
  code,
  names,
});

/** Char.IsWhiteSpace. */
const isWhite = (code: number): boolean =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0x85 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000;

const DAY_NAMES_LOWER = DAYS.map((d) => d.toLowerCase());
const MONTH_NAMES_LOWER = MONTHS.map((m) => m.toLowerCase());
const DIGIT_FIELDS: Record<string, number> = {
  y: YEAR,
  M: MONTH,
  d: DAY,
  H: HOUR24,
  h: HOUR12,
  m: MINUTE,
  s: SECOND,
};

function parseSteps(format: string): ParseStep[] {
  const steps: ParseStep[] = [];
  for (const tok of tokenizeFormat(format)) {
    if (tok.kind === "literal") {
      for (let i = 0; i < tok.text.length; i++) {
        const code = tok.text.charCodeAt(i);
        steps.push(code === 32 ? step(SPACE) : step(LITERAL, 0, 0, 0, code));
      }
      continue;
    }
    const { letter, count } = tok;
    switch (letter) {
      case "y":
        // .NET's ParseDigits: one letter means one or two digits, more letters exactly that many.
        steps.push(step(DIGITS, YEAR, count === 1 ? 1 : count, count === 1 ? 2 : count));
        break;
      case "M":
      case "d":
        if (count >= 3) {
          const names = letter === "M" ? MONTH_NAMES_LOWER : DAY_NAMES_LOWER;
          const field = letter === "M" ? MONTH : WEEKDAY;
          steps.push(
            step(NAMES, field, 0, 0, 0, count === 3 ? names.map((n) => n.slice(0, 3)) : names),
          );
        } else steps.push(step(DIGITS, DIGIT_FIELDS[letter], count, 2));
        break;
      case "H":
      case "h":
      case "m":
      case "s":
        steps.push(step(DIGITS, DIGIT_FIELDS[letter], Math.min(count, 2), 2));
        break;
      case "f":
        steps.push(step(FRACTION, 0, count, count));
        break;
      case "F":
        steps.push(step(FRACTION, 0, 0, count));
        break;
      case "t":
        steps.push(step(AMPM, 0, count >= 2 ? 2 : 1));
        break;
      case "z":
        steps.push(step(OFFSET, 0, count));
        break;
      default:
        steps.push(step(K_OFFSET, 0, 3));
    }
  }
  return steps;
}

/** The offset, in minutes, that the last successful readOffset read. */
let lastOffset = 0;

/**
 * Reads `+h`/`+hh` (z, zz) or `+hh:mm` (zzz, K) at `i`; returns the index after it, or -1. The
 * value goes to lastOffset, which spares an allocation per record.
 */
function readOffset(input: string, i: number, end: number, count: number): number {
  const sign = input.charCodeAt(i) === 45 ? -1 : input.charCodeAt(i) === 43 ? 1 : 0;
  if (sign === 0) return -1;
  i++;
  let hours = 0;
  let digits = 0;
  while (digits < 2 && i < end) {
    const c = input.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    hours = hours * 10 + c;
    digits++;
    i++;
  }
  if (digits === 0 || (count >= 2 && digits < 2)) return -1;
  let minutes = 0;
  if (count >= 3) {
    const m1 = input.charCodeAt(i + 1) - 48;
    const m2 = input.charCodeAt(i + 2) - 48;
    if (
      i + 3 > end ||
      input.charCodeAt(i) !== 58 ||
      !(m1 >= 0 && m1 <= 9) ||
      !(m2 >= 0 && m2 <= 9)
    ) {
      return -1;
    }
    minutes = m1 * 10 + m2;
    i += 3;
  }
  if (hours > 14 || minutes > 59) return -1;
  lastOffset = sign * (hours * 60 + minutes);
  return i;
}

export type ExactParser = (input: string, today: () => Date) => DateFields | null;

const exactParsers = new Map<string, ExactParser>();

/**
 * DateTime.ParseExact with the invariant culture and the given DateTimeStyles, compiled once per
 * format and styles. Like .NET it reads each field greedily, left to right, without
 * backtracking; a value with an offset (`zzz`, `K`) is converted to UTC, the server's zone.
 */
export function compileExactParser(format: string, styles = DEFAULT_DATE_TIME_STYLES): ExactParser {
  const key = `${styles}\u0000${format}`;
  let parser = exactParsers.get(key);
  if (!parser) {
    parser = buildExactParser(parseSteps(format), styles);
    exactParsers.set(key, parser);
  }
  return parser;
}

function buildExactParser(steps: ParseStep[], styles: number): ExactParser {
  const inner = (styles & ALLOW_INNER) !== 0;
  const leading = (styles & ALLOW_LEADING) !== 0;
  const trailing = (styles & ALLOW_TRAILING) !== 0;
  // White space at the ends of the format goes with the input's (DoStrictParse trims both).
  let first = 0;
  let last = steps.length;
  if (leading) while (first < last && steps[first].kind === SPACE) first++;
  if (trailing) while (last > first && steps[last - 1].kind === SPACE) last--;
  const hasDate = steps.some(
    (s) =>
      (s.kind === DIGITS || s.kind === NAMES) &&
      (s.field === YEAR || s.field === MONTH || s.field === DAY),
  );
  return (input, today) => {
    let i = 0;
    let end = input.length;
    if (leading) while (i < end && isWhite(input.charCodeAt(i))) i++;
    if (trailing) while (end > i && isWhite(input.charCodeAt(end - 1))) end--;
    let year = -1;
    let month = -1;
    let day = -1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let ms = 0;
    let weekday = -1;
    let pm = -1;
    let hour12 = false;
    let hasOffset = false;
    let offset = 0;
    let utc = false;
    for (let k = first; k < last; k++) {
      const st = steps[k];
      if (inner) while (i < end && isWhite(input.charCodeAt(i))) i++;
      switch (st.kind) {
        case SPACE:
          if (inner) break;
          if (i >= end || input.charCodeAt(i) !== 32) return null;
          i++;
          break;
        case LITERAL:
          if (i >= end || input.charCodeAt(i) !== st.code) return null;
          i++;
          break;
        case DIGITS:
        case FRACTION: {
          let n = 0;
          let digits = 0;
          while (digits < st.max && i < end) {
            const c = input.charCodeAt(i) - 48;
            if (c < 0 || c > 9) break;
            n = n * 10 + c;
            digits++;
            i++;
          }
          if (digits < st.min) return null;
          if (st.kind === FRACTION) {
            // Milliseconds without floating point: .1 is 100, .1234567 is 123.
            ms = digits <= 3 ? n * 10 ** (3 - digits) : Math.floor(n / 10 ** (digits - 3));
            break;
          }
          switch (st.field) {
            case YEAR:
              // Two-digit years: the invariant calendar's TwoDigitYearMax is 2049.
              year = st.max <= 2 ? n + (n < 50 ? 2000 : 1900) : n;
              break;
            case MONTH:
              month = n;
              break;
            case DAY:
              day = n;
              break;
            case HOUR24:
              hour = n;
              break;
            case HOUR12:
              hour = n;
              hour12 = true;
              break;
            case MINUTE:
              minute = n;
              break;
            default:
              second = n;
          }
          break;
        }
        case NAMES: {
          // The longest name that the input starts with, case-insensitively.
          let found = -1;
          for (let n = 0; n < st.names.length; n++) {
            const name = st.names[n];
            if (i + name.length > end) continue;
            if (input.slice(i, i + name.length).toLowerCase() !== name) continue;
            if (found < 0 || name.length > st.names[found].length) found = n;
          }
          if (found < 0) return null;
          i += st.names[found].length;
          if (st.field === MONTH) month = found + 1;
          else weekday = found;
          break;
        }
        case AMPM: {
          const c = input.charCodeAt(i) | 0x20;
          if (i >= end || (c !== 97 && c !== 112)) return null;
          if (st.min === 2 && (i + 1 >= end || (input.charCodeAt(i + 1) | 0x20) !== 109))
            return null;
          i += st.min;
          pm = c === 112 ? 1 : 0;
          break;
        }
        case K_OFFSET:
          if (input.charCodeAt(i) === 90 /* Z */ && i < end) {
            hasOffset = true;
            offset = 0;
            utc = true;
            i++;
            break;
          }
          if (i >= end || (input.charCodeAt(i) !== 43 && input.charCodeAt(i) !== 45)) break;
          i = readOffset(input, i, end, 3);
          if (i < 0) return null;
          hasOffset = true;
          offset = lastOffset;
          break;
        default:
          i = readOffset(input, i, end, st.min);
          if (i < 0) return null;
          hasOffset = true;
          offset = lastOffset;
      }
    }
    if (i !== end) return null;
    if (hour12) {
      if (hour < 1 || hour > 12) return null;
      hour %= 12;
    }
    if (pm === 1) hour += 12;
    if (!hasDate && !(styles & NO_CURRENT_DATE_DEFAULT)) {
      // ParseExact: with only a time in the string, the date is the current date.
      const now = today();
      year = now.getUTCFullYear();
      month = now.getUTCMonth() + 1;
      day = now.getUTCDate();
    }
    if (year < 0) year = 1;
    if (month < 0) month = 1;
    if (day < 0) day = 1;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    if (hour > 23 || minute > 59 || second > 59) return null;
    // .NET refuses a day name that does not match the date it was read with.
    if (weekday >= 0 && dayOfWeekOf(year, month, day) !== weekday) return null;
    let kind: DateKind;
    if (hasOffset) {
      kind = styles & ADJUST_TO_UNIVERSAL || (styles & ROUNDTRIP_KIND && utc) ? "utc" : "local";
    } else if (styles & (ASSUME_LOCAL | ASSUME_UNIVERSAL)) {
      kind = styles & ADJUST_TO_UNIVERSAL ? "utc" : "local";
    } else kind = "unspecified";
    const fields: DateFields = { year, month, day, hour, minute, second, ms, kind };
    return offset === 0 ? fields : shiftMinutes(fields, -offset);
  };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The fields `minutes` later, date carried over (days_from_civil's inverse, civil_from_days). */
function shiftMinutes(f: DateFields, minutes: number): DateFields {
  let total = f.hour * 60 + f.minute + minutes;
  let days = daysFromCivil(f.year, f.month, f.day) + Math.floor(total / 1440);
  total -= Math.floor(total / 1440) * 1440;
  days += 719468;
  const era = Math.floor(days / 146097);
  const doe = days - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { ...f, year, month, day, hour: Math.floor(total / 60), minute: total % 60 };
}

export type Formatter = (f: DateFields) => string;

const formatters = new Map<string, Formatter>();

const pad2 = (n: number): string => (n < 10 ? "0" + n : "" + n);

/**
 * DateTime.ToString(format) with the invariant culture, compiled once per format. The value is
 * UTC and so is the server, so `zzz` is +00:00; `K` prints what .NET prints for the value's
 * kind: "Z" for UTC, the offset for local, nothing for unspecified.
 */
export function compileFormatter(format: string): Formatter {
  let f = formatters.get(format);
  if (!f) {
    const tokens = tokenizeFormat(format);
    const letters = tokens.map((t) => (t.kind === "field" ? t.letter : ""));
    const counts = tokens.map((t) => (t.kind === "field" ? t.count : 0));
    const texts = tokens.map((t) => (t.kind === "literal" ? t.text : ""));
    f = (fields) => formatFields(letters, counts, texts, fields);
    formatters.set(format, f);
  }
  return f;
}

function formatFields(letters: string[], counts: number[], texts: string[], f: DateFields): string {
  let out = "";
  for (let t = 0; t < letters.length; t++) {
    const count = counts[t];
    switch (letters[t]) {
      case "":
        out += texts[t];
        break;
      case "y":
        out +=
          count === 2
            ? pad2(f.year % 100)
            : count === 1
              ? String(f.year % 100)
              : pad(f.year, count);
        break;
      case "M":
        out +=
          count >= 4
            ? MONTHS[f.month - 1]
            : count === 3
              ? MONTHS[f.month - 1].slice(0, 3)
              : count === 2
                ? pad2(f.month)
                : "" + f.month;
        break;
      case "d":
        if (count >= 3) {
          const wd = DAYS[dayOfWeekOf(f.year, f.month, f.day)];
          out += count >= 4 ? wd : wd.slice(0, 3);
        } else out += count === 2 ? pad2(f.day) : "" + f.day;
        break;
      case "H":
        out += count >= 2 ? pad2(f.hour) : "" + f.hour;
        break;
      case "h": {
        const h = f.hour % 12 === 0 ? 12 : f.hour % 12;
        out += count >= 2 ? pad2(h) : "" + h;
        break;
      }
      case "m":
        out += count >= 2 ? pad2(f.minute) : "" + f.minute;
        break;
      case "s":
        out += count >= 2 ? pad2(f.second) : "" + f.second;
        break;
      case "f":
      case "F": {
        const digits = (pad(f.ms, 3) + "0000").slice(0, count);
        out += letters[t] === "F" ? digits.replace(/0+$/, "") : digits;
        break;
      }
      case "t": {
        const am = f.hour < 12;
        out += count >= 2 ? (am ? "AM" : "PM") : am ? "A" : "P";
        break;
      }
      case "z":
        out += count >= 3 ? "+00:00" : count === 2 ? "+00" : "+0";
        break;
      default:
        out += f.kind === "utc" ? "Z" : f.kind === "local" ? "+00:00" : "";
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
