/** One block per documented function: normal values, null/empty and multi-valued inputs. */
import {
  checkExpression,
  compileExpression,
  evaluateExpression,
  ExpressionError,
  FUNCTIONS,
  parseExpression,
} from "../../lib/expressions";
import { implementedFunctions } from "../../lib/expressions/evaluator";
import { DIACRITICS, normalizeDiacritics } from "../../lib/expressions/text";
import fc from "fast-check";

const ev = (text: string, record: Record<string, unknown> = {}): unknown =>
  evaluateExpression(text, record);

const evalError = (text: string, record: Record<string, unknown> = {}): string => {
  try {
    ev(text, record);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return (err as Error).message;
  }
  throw new Error(`expected ${text} to fail`);
};

/** A seeded generator, so RandomString and Guid are reproducible. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

it("implements every catalogued function", () => {
  expect(implementedFunctions().sort()).toEqual(FUNCTIONS.map((f) => f.name.toLowerCase()).sort());
});

describe("string functions", () => {
  it("Append", () => {
    expect(ev('Append([a], ".test")', { a: "x" })).toBe("x.test");
    expect(ev('Append([a], ".test")', { a: null })).toBeNull();
    expect(ev('Append([a], "!")', { a: ["x", "y"] })).toEqual(["x!", "y!"]);
  });
  it("Join skips null and empty values and flattens multi-valued ones", () => {
    expect(ev('Join(", ", "", [s], [g])', { s: "Doe", g: "John" })).toBe("Doe, John");
    expect(ev('Join("-", [m], [x])', { m: ["a", "", "b"], x: null })).toBe("a-b");
    expect(ev('Join("", 1000, [x])', { x: "1" })).toBe("10001");
    expect(ev('Join(",", [x])', { x: null })).toBe("");
  });
  it("Left", () => {
    expect(ev('Left("John Doe", 3)')).toBe("Joh");
    expect(ev('Left("John", 0)')).toBe("");
    expect(ev('Left("John", -1)')).toBe("John");
    expect(ev('Left("Jo", 5)')).toBe("Jo");
    expect(ev("Left([x], 2)", { x: null })).toBe("");
  });
  it("Mid", () => {
    expect(ev("Mid([a], 2, 3)", { a: "abcdef" })).toBe("bcd");
    expect(ev("Mid([a], 5, 10)", { a: "abcdef" })).toBe("ef");
    expect(ev("Mid([a], 9, 1)", { a: "abc" })).toBe("");
    expect(ev("Mid([a], 1, 1)", { a: null })).toBeNull();
    expect(evalError("Mid([a], 0, 1)", { a: "abc" })).toBe(
      "Mid: start is 1-based and must be 1 or more, got 0",
    );
    expect(evalError('Mid([a], "x", 1)', { a: "abc" })).toBe(
      'Mid: start must be a number, got "x"',
    );
  });
  it("Len", () => {
    expect(ev("Len([a])", { a: "John Doe" })).toBe("8");
    expect(ev("Len([a])", { a: null })).toBe("0");
    expect(ev("Len(42568.75)")).toBe("8");
  });
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#normalizediacritics:
  // "any diacritical characters replaced with equivalent nondiacritical characters", by the
  // table on that page; what the table leaves out stays as it is.
  it("NormalizeDiacritics follows Microsoft's table", () => {
    expect(ev("NormalizeDiacritics([a])", { a: "Zoë Åsa Øre Straße Æsir Łódź Dvořák" })).toBe(
      "Zoe Asa OEre Strasse AEsir Lodz Dvorak",
    );
    expect(ev("NormalizeDiacritics([a])", { a: "plain" })).toBe("plain");
    expect(ev("NormalizeDiacritics([a])", { a: null })).toBeNull();
    // Decomposed input is matched too; other scripts are not transliterated.
    expect(ev("NormalizeDiacritics([a])", { a: "Zoe\u0308 Ἀθῆναι Йосиф 한국" })).toBe(
      "Zoe Ἀθῆναι Йосиф 한국",
    );
    // Not in the table: đ, ð, þ, ĉ, ţ, œ alone, ẞ; in it as letter + combining marks: ā́, e̱.
    expect(ev("NormalizeDiacritics([a])", { a: "Đorđe Ðóra Þór Ĉu ţ œ ẞ" })).toBe(
      "Đorđe Ðora Þor Ĉu ţ œ ẞ",
    );
    expect(ev("NormalizeDiacritics([a])", { a: "ā́ e̱ ṻ" })).toBe("a e u");
  });
  it("NormalizeDiacritics: every table entry decomposes to its plain letter, and nothing else changes", () => {
    const special: Record<string, string> = { ı: "i", ł: "l", Ł: "L", ø: "oe", Ø: "OE", ß: "ss" };
    for (const [entry, plain] of DIACRITICS) {
      const base = entry.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
      const expected = /^[æÆ]|^[œŒøØ]/.test(base) ? plain : (special[base[0]] ?? base);
      expect([entry, plain]).toEqual([entry, expected]);
      expect(normalizeDiacritics(`x${entry}y`)).toBe(`x${plain}y`);
    }
    const tableChars = new Set([...DIACRITICS.keys()].join(""));
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        fc.pre([...text].every((c) => !tableChars.has(c) || c.charCodeAt(0) < 0x80));
        expect(normalizeDiacritics(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#pcase:
  // "If the wordSeparators parameter isn't specified, then PCase internally invokes the .NET
  // function ToTitleCase", whose words run over letters, digits and the apostrophe.
  it("PCase", () => {
    expect(ev("PCase([a])", { a: "PABLO GONSALVES (SECOND)" })).toBe("Pablo Gonsalves (Second)");
    expect(ev('PCase([a], " \'-")', { a: "PINTO-DE'SILVA" })).toBe("Pinto-De'Silva");
    expect(ev('PCase([a], " ")', { a: "o'neil-smith" })).toBe("O'neil-smith");
    expect(ev("PCase([a])", { a: "o'neil" })).toBe("O'neil");
    expect(ev("PCase([a])", { a: "PINTO-DE'SILVA d'ARCY" })).toBe("Pinto-De'silva D'arcy");
    // ToTitleCase's other rules: a word starts at a letter, so "3rd" is "3Rd"; digits and marks
    // inside a word do not start a new one; the titlecase of ǆ is ǅ.
    expect(ev("PCase([a])", { a: "3RD floor ab2cd ǆemal" })).toBe("3Rd Floor Ab2cd ǅemal");
    expect(ev("PCase([a])", { a: "jean–luc «renée» x_y" })).toBe("Jean–Luc «Renée» X_Y");
  });
  it("Replace, all five modes", () => {
    expect(ev('Replace([a], "-", , , "_", , )', { a: "EN-US-X" })).toBe("EN_US_X");
    expect(ev('Replace([a], "<u>", , , , , "<u>@contoso.com")', { a: "js" })).toBe(
      "js@contoso.com",
    );
    expect(ev('Replace([a], , "(?<d>\\\\d+)", , "#${d}#", , )', { a: "a12b3" })).toBe("a#12#b#3#");
    expect(ev('Replace([a], , "(?<n>^\\\\d*)", "n", "888", , )', { a: "545 Tremont" })).toBe(
      "888 Tremont",
    );
    expect(ev('Replace([a], , "x(?<g>\\\\d)", "g", , [b], )', { a: null, b: "x7" })).toBe("7");
    expect(ev('Replace([a], , "x(?<g>\\\\d)", "g", , [b], )', { a: "keep", b: "x7" })).toBe("keep");
    expect(ev('Replace([a], "-", , , "_", , )', { a: null })).toBeNull();
    expect(ev('Replace([a], "-", , , "_", , )', { a: ["a-b", "c-d"] })).toEqual(["a_b", "c_d"]);
  });
  it("Split", () => {
    expect(ev('Split([a], ",")', { a: "x,y" })).toEqual(["x", "y"]);
    expect(ev('Split([a], ",")', { a: ["x,y", "z"] })).toEqual(["x", "y", "z"]);
    expect(ev('Split([a], ",")', { a: null })).toBeNull();
  });
  it("StripSpaces", () => {
    expect(ev("StripSpaces([a])", { a: " a b\tc " })).toBe("ab\tc");
  });
  it("ToLower and ToUpper, with an optional culture", () => {
    expect(ev("ToLower([a])", { a: "ÄBC" })).toBe("äbc");
    expect(ev("ToUpper([a])", { a: "abc" })).toBe("ABC");
    expect(ev('ToUpper([a], "tr-TR")', { a: "i" })).toBe("İ");
    expect(evalError('ToLower([a], "not a culture!")', { a: "A" })).toBe(
      'ToLower: culture "not a culture!" is not an RFC 4646 name like en-US',
    );
  });
  it("Word", () => {
    expect(ev('Word("The quick brown fox", 3, " ")')).toBe("brown");
    expect(ev('Word("a,,b", 2, ",")')).toBe("b");
    expect(ev('Word("a b", 3, " ")')).toBe("");
    expect(ev('Word("a b", 0, " ")')).toBe("");
    expect(ev('Word([x], 1, " ")', { x: null })).toBe("");
  });
  it("InStr", () => {
    expect(ev('InStr("The quick brown fox", "quick")')).toBe("5");
    expect(ev('InStr("repEated", "e", 3, vbBinaryCompare)')).toBe("7");
    expect(ev('InStr("repEated", "e", 3, vbTextCompare)')).toBe("4");
    expect(ev('InStr("abc", "z")')).toBe("0");
    expect(ev('InStr([x], "z")', { x: null })).toBeNull();
  });
  it("ConvertToBase64 and ConvertToUTF8Hex", () => {
    expect(ev('ConvertToBase64("Hi")')).toBe("SABpAA==");
    expect(ev('ConvertToUTF8Hex("é")')).toBe("C3A9");
  });
  it("Redact returns the value itself (only logs are redacted)", () => {
    expect(ev("Redact([a])", { a: "secret" })).toBe("secret");
  });
});

describe("null tests and conversions", () => {
  it("IsNull, IsNullOrEmpty, IsPresent, IsString", () => {
    const rec = { empty: "", present: "x", list: [] as string[] };
    expect(ev("IsNull([missing])", rec)).toBe("True");
    expect(ev("IsNull([empty])", rec)).toBe("False");
    expect(ev("IsNull([list])", rec)).toBe("True");
    expect(ev("IsNullOrEmpty([empty])", rec)).toBe("True");
    expect(ev("IsPresent([present])", rec)).toBe("True");
    expect(ev("IsPresent([empty])", rec)).toBe("False");
    expect(ev("IsString([present])", rec)).toBe("True");
    expect(ev("IsString([missing])", rec)).toBe("False");
    expect(ev("IsString(Len([present]))", rec)).toBe("False");
  });
  it("Coalesce", () => {
    expect(ev('Coalesce([a], [b], "d")', { a: null, b: "B" })).toBe("B");
    expect(ev('Coalesce([a], [b], "d")', { a: null, b: null })).toBe("d");
    expect(ev("Coalesce([a], [b])", {})).toBeNull();
    expect(ev('Coalesce([a], "d")', { a: "" })).toBe("");
  });
  it("CStr, CBool, Not", () => {
    expect(ev("CStr(12)")).toBe("12");
    expect(ev("CBool([a] = [b])", { a: "x", b: "x" })).toBe("True");
    expect(ev("CBool([a] = [b])", { a: "x", b: "y" })).toBe("False");
    expect(ev("CBool(0)")).toBe("False");
    expect(ev("CBool(7)")).toBe("True");
    expect(ev("Not([a])", { a: "True" })).toBe("False");
    expect(ev("Not([a])", { a: "false" })).toBe("True");
  });
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#not:
  // "If source value is True, returns False. Otherwise, returns True."
  it("Not of anything but True is True", () => {
    expect(ev("Not([a])", { a: null })).toBe("True");
    expect(ev("Not([a])", { a: "" })).toBe("True");
    expect(ev("Not([a])", { a: "yes" })).toBe("True");
    expect(ev("Not([a])", { a: "1" })).toBe("True");
    expect(ev("Not([a])", { a: true })).toBe("False");
    expect(ev("Not([a])", { a: ["TRUE", "False"] })).toBe("False");
    expect(ev("Not(Not([a]))", { a: null })).toBe("False");
  });
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#cbool:
  // "If the expression evaluates to a non-zero value, then CBool returns True, else it returns False."
  it("CBool is True for any non-zero value", () => {
    expect(ev("CBool([a])", { a: "yes" })).toBe("True");
    expect(ev("CBool([a])", { a: "-2.5" })).toBe("True");
    expect(ev("CBool([a])", { a: "True" })).toBe("True");
    expect(ev('CBool(CDate("2021-01-01"))')).toBe("True");
    expect(ev("CBool([a])", { a: "0.0" })).toBe("False");
    expect(ev("CBool([a])", { a: "FALSE" })).toBe("False");
    expect(ev("CBool([a])", { a: "" })).toBe("False");
    expect(ev("CBool([a])", { a: null })).toBe("False");
    expect(ev("CBool([a])", { a: false })).toBe("False");
  });
  it("IgnoreFlowIfNullOrEmpty drops null and empty values (undefined = not flowed)", () => {
    expect(ev("IgnoreFlowIfNullOrEmpty([a])", { a: "" })).toBeUndefined();
    expect(ev("IgnoreFlowIfNullOrEmpty([a])", {})).toBeUndefined();
    expect(ev("IgnoreFlowIfNullOrEmpty([a])", { a: "x" })).toBe("x");
  });
  it("BitAnd", () => {
    expect(ev("BitAnd(&HF, &HF7)")).toBe("7");
    expect(ev("BitAnd([a], 6)", { a: "3" })).toBe("2");
  });
});

describe("multi-valued functions", () => {
  it("Count, Item, RemoveDuplicates", () => {
    const rec = { p: ["a", "b", "a"], one: "x", none: null };
    expect(ev("Count([p])", rec)).toBe("3");
    expect(ev("Count([one])", rec)).toBe("1");
    expect(ev("Count([none])", rec)).toBe("0");
    expect(ev("Item([p], 2)", rec)).toBe("b");
    expect(ev("Item([p], 9)", rec)).toBeNull();
    expect(ev("RemoveDuplicates([p])", rec)).toEqual(["a", "b"]);
  });
  it("SingleAppRoleAssignment and AppRoleAssignmentsComplex", () => {
    expect(ev("SingleAppRoleAssignment([r])", { r: ["User"] })).toBe("User");
    expect(evalError("SingleAppRoleAssignment([r])", { r: ["a", "b"] })).toBe(
      "SingleAppRoleAssignment: the user has several app role assignments",
    );
    expect(ev("AppRoleAssignmentsComplex([r])", { r: ["a", "b"] })).toEqual(["a", "b"]);
  });
});

describe("conditions", () => {
  it("IIF with each comparison operator", () => {
    const cases: [string, string][] = [
      ['[a] = "5"', "True"],
      ['[a] <> "5"', "False"],
      ["[a] > 4", "True"],
      ["[a] < 40", "True"],
      ["[a] >= 5", "True"],
      ["[a] <= 4", "False"],
    ];
    for (const [cond, expected] of cases) {
      expect(ev(`IIF(${cond}, "True", "False")`, { a: "5" })).toBe(expected);
    }
  });
  it("IIF compares numbers numerically and strings ordinally", () => {
    expect(ev('IIF([a] > 9, "big", "small")', { a: "10" })).toBe("big");
    expect(ev('IIF([a] > "b", "after", "before")', { a: "c" })).toBe("after");
  });
  it("a comparison with a missing value fails, as Entra documents", () => {
    expect(ev('IIF([a] = "x", "yes", "no")', {})).toBe("no");
    expect(ev('IIF([a] <> "x", "yes", "no")', {})).toBe("no");
  });
  it("Switch matches keys case-sensitively, null matches the empty key", () => {
    const sw = 'Switch([s], "dflt", "a", "A", "", "empty")';
    expect(ev(sw, { s: "a" })).toBe("A");
    expect(ev(sw, { s: "A" })).toBe("dflt");
    expect(ev(sw, { s: null })).toBe("empty");
    expect(ev('Switch([s], , "a", "A")', { s: "b" })).toBeNull();
    expect(ev('Switch([s], [d], [k], "hit")', { s: "x", k: "x", d: "d" })).toBe("hit");
    expect(ev('Switch([s], [d], [k], "hit")', { s: "y", k: "x", d: "d" })).toBe("d");
  });
});

describe("dates", () => {
  const clock = (): Date => new Date(Date.UTC(2021, 6, 2, 15, 33, 38));
  it("Now uses the injected clock", () => {
    expect(compileExpression(parseExpression("Now()").ast!, { clock })({})).toBe(
      "7/2/2021 3:33:38 PM",
    );
  });
  it("CDate accepts ISO and US forms and fails on anything else", () => {
    expect(ev("CDate([d])", { d: "2021-08-24" })).toBe("8/24/2021 12:00:00 AM");
    expect(ev("CDate([d])", { d: "8/25/2021 5:41:18 PM" })).toBe("8/25/2021 5:41:18 PM");
    expect(ev("CDate([d])", { d: null })).toBeNull();
    expect(evalError("CDate([d])", { d: "soon" })).toBe(
      'CDate: expression "soon" is not a date/time (use e.g. 2021-08-24T10:00:00Z or 8/24/2021 10:00:00 AM)',
    );
  });
  it("DateAdd clamps months to the month's end", () => {
    expect(ev('DateAdd("m", 1, CDate("2021-01-31"))')).toBe("2/28/2021 12:00:00 AM");
    expect(ev('DateAdd("h", -1, CDate("2021-01-01"))')).toBe("12/31/2020 11:00:00 PM");
    expect(ev('DateAdd("n", 90, CDate("2021-01-01"))')).toBe("1/1/2021 1:30:00 AM");
    expect(ev('DateAdd("s", 5, CDate("2021-01-01"))')).toBe("1/1/2021 12:00:05 AM");
    expect(evalError('DateAdd([i], 1, CDate("2021-01-01"))', { i: "q" })).toBe(
      'DateAdd: interval must be one of yyyy, m, d, ww, h, n, s; got "q"',
    );
  });
  it("DateDiff against Now", () => {
    const f = compileExpression(parseExpression('DateDiff("d", Now(), CDate([h]))').ast!, {
      clock,
    });
    expect(f({ h: "2021-07-09T15:33:38Z" })).toBe("7");
  });
  it("FormatDateTime parses and formats .NET custom formats", () => {
    expect(
      ev('FormatDateTime([d], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")', { d: "20150123105347.1Z" }),
    ).toBe("2015-01-23");
    expect(
      ev('FormatDateTime([d], , "M/d/yyyy hh:mm:ss tt", "yyyy-MM-dd\'T\'HH:mm")', {
        d: "3/5/2021 01:02:03 PM",
      }),
    ).toBe("2021-03-05T13:02");
    expect(
      ev('FormatDateTime([d], , "yyyy-MM-ddzzz", "dd MMM yyyy")', { d: "2020-12-31-08:00" }),
    ).toBe("31 Dec 2020");
    expect(ev('FormatDateTime([d], , "dd.MM.yy", "dddd, MMMM d")', { d: "01.02.03" })).toBe(
      "Saturday, February 1",
    );
    expect(ev('FormatDateTime([d], , "yyyy", "yyyy")', { d: null })).toBeNull();
    expect(evalError('FormatDateTime([d], , "yyyy-MM-dd", "yyyy")', { d: "2020/01/01" })).toBe(
      'FormatDateTime: "2020/01/01" does not match inputFormat "yyyy-MM-dd"',
    );
  });
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#formatdatetime:
  // dateTimeStyles "If left empty, the default value used is DateTimeStyles.RoundtripKind,
  // DateTimeStyles.AllowLeadingWhite, DateTimeStyles.AllowTrailingWhite".
  describe("FormatDateTime's dateTimeStyles", () => {
    const fdt = (styles: string, input: string, inFmt: string, outFmt: string): unknown =>
      compileExpression(
        parseExpression(
          `FormatDateTime([d], ${styles}, ${JSON.stringify(inFmt)}, ${JSON.stringify(outFmt)})`,
        ).ast!,
        { clock },
      )({ d: input });
    it("left empty, allows white space at either end but not inside", () => {
      expect(fdt("", " 2020-01-02 ", "yyyy-MM-dd", "d/M/yyyy")).toBe("2/1/2020");
      expect(() => fdt("", "2020- 01-02", "yyyy-MM-dd", "d/M/yyyy")).toThrow(
        'FormatDateTime: "2020- 01-02" does not match inputFormat "yyyy-MM-dd"',
      );
    });
    it("None refuses the white space the default allows", () => {
      expect(() => fdt('"None"', " 2020-01-02", "yyyy-MM-dd", "d/M/yyyy")).toThrow(
        /does not match inputFormat/,
      );
      expect(fdt('"None"', "2020-01-02", "yyyy-MM-dd", "d/M/yyyy")).toBe("2/1/2020");
    });
    it("AllowWhiteSpaces (or AllowInnerWhite) also skips white space inside", () => {
      expect(fdt('"AllowWhiteSpaces"', " 2020 -01- 02 ", "yyyy-MM-dd", "d/M/yyyy")).toBe(
        "2/1/2020",
      );
      expect(
        fdt(
          '"DateTimeStyles.AllowInnerWhite, DateTimeStyles.AllowLeadingWhite"',
          " 2020 -01-02",
          "yyyy-MM-dd",
          "d/M/yyyy",
        ),
      ).toBe("2/1/2020");
      expect(fdt('"4"', "2020 -01-02", "yyyy-MM-dd", "d/M/yyyy")).toBe("2/1/2020");
    });
    it("the kind the styles give decides what K prints, as DateTime.ToString does", () => {
      const out = "yyyy-MM-dd HH:mmK";
      // RoundtripKind (the default): Z stays UTC, an offset becomes local (UTC on Entra's servers), none stays unspecified.
      expect(fdt("", "2020-01-02T10:00Z", "yyyy-MM-dd'T'HH:mmK", out)).toBe("2020-01-02 10:00Z");
      expect(fdt("", "2020-01-02T10:00+02:00", "yyyy-MM-dd'T'HH:mmK", out)).toBe(
        "2020-01-02 08:00+00:00",
      );
      expect(fdt("", "2020-01-02T10:00", "yyyy-MM-dd'T'HH:mmK", out)).toBe("2020-01-02 10:00");
      expect(fdt('"AdjustToUniversal"', "2020-01-02T10:00+02:00", "yyyy-MM-dd'T'HH:mmK", out)).toBe(
        "2020-01-02 08:00Z",
      );
      expect(
        fdt('"AssumeUniversal, AdjustToUniversal"', "2020-01-02T10:00", "yyyy-MM-dd'T'HH:mm", out),
      ).toBe("2020-01-02 10:00Z");
    });
    it("a time alone is on today's date unless NoCurrentDateDefault", () => {
      expect(fdt("", "10:15", "HH:mm", "yyyy-MM-dd HH:mm")).toBe("2021-07-02 10:15");
      expect(fdt('"NoCurrentDateDefault"', "10:15", "HH:mm", "yyyy-MM-dd HH:mm")).toBe(
        "0001-01-01 10:15",
      );
    });
    it("an offset moves the date across midnight and month ends", () => {
      expect(fdt("", "2020-12-31 23:30-02:00", "yyyy-MM-dd HH:mmzzz", "yyyy-MM-dd HH:mm")).toBe(
        "2021-01-01 01:30",
      );
      expect(fdt("", "2020-03-01 00:30+01:00", "yyyy-MM-dd HH:mmzzz", "yyyy-MM-dd HH:mm")).toBe(
        "2020-02-29 23:30",
      );
    });
    it("reads fields greedily and refuses a day name that does not fit the date, like ParseExact", () => {
      expect(fdt("", "Thursday, 2 January 2020", "dddd, d MMMM yyyy", "yyyy-MM-dd")).toBe(
        "2020-01-02",
      );
      expect(() => fdt("", "Friday, 2 January 2020", "dddd, d MMMM yyyy", "yyyy-MM-dd")).toThrow(
        /does not match inputFormat/,
      );
      expect(() => fdt("", "1122020", "Mdyyyy", "yyyy-MM-dd")).toThrow(
        /does not match inputFormat/,
      );
    });
    it("refuses an unknown style or a combination .NET refuses", () => {
      expect(() => fdt('"Roundtrip"', "2020-01-02", "yyyy-MM-dd", "yyyy")).toThrow(
        /^FormatDateTime: unknown dateTimeStyles value "Roundtrip": use DateTimeStyles names \(None, AllowLeadingWhite/,
      );
      expect(() =>
        fdt('"RoundtripKind, AdjustToUniversal"', "2020-01-02", "yyyy-MM-dd", "yyyy"),
      ).toThrow(
        "FormatDateTime: dateTimeStyles RoundtripKind cannot be combined with AssumeLocal, AssumeUniversal or AdjustToUniversal",
      );
      expect(
        checkExpression('FormatDateTime([d], "AssumeLocal, AssumeUniversal", "yyyy", "yyyy")'),
      ).toEqual([
        expect.objectContaining({
          message: "dateTimeStyles AssumeLocal and AssumeUniversal cannot be combined",
          column: 21,
        }),
      ]);
    });
  });
  it("NumFromDate and DateFromNum use AD's 100 ns ticks since 1601", () => {
    expect(ev('NumFromDate("2012-01-01T23:00:00Z")')).toBe("129699324000000000");
    expect(ev("DateFromNum(129699324000000000)")).toBe("1/1/2012 11:00:00 PM");
    expect(
      ev(
        'NumFromDate(Join("", FormatDateTime([c], , "yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))',
        {
          c: "2020-12-31-08:00",
        },
      ),
    ).toBe("132539615990000000");
  });
});

describe("generated values", () => {
  it("RandomString honours the minimums and the characters to avoid", () => {
    const f = compileExpression(parseExpression('RandomString(10, 2, 2, 2, 1, "?,")').ast!, {
      random: seeded(42),
    });
    for (let i = 0; i < 50; i++) {
      const s = f({}) as string;
      expect(s).toHaveLength(10);
      expect(s.replace(/[^0-9]/g, "").length).toBeGreaterThanOrEqual(2);
      expect(s.replace(/[^A-Z]/g, "").length).toBeGreaterThanOrEqual(2);
      expect(s.replace(/[^a-z]/g, "").length).toBeGreaterThanOrEqual(1);
      expect(s.replace(/[A-Za-z0-9]/g, "").length).toBeGreaterThanOrEqual(2);
      expect(s).not.toMatch(/[?,]/);
    }
    expect(evalError("RandomString([n], 3, 0, 0, 0)", { n: "2" })).toBe(
      "RandomString: length 2 is less than minimumNumbers + minimumSpecialCharacters + minimumCapital (3)",
    );
  });
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#randomstring:
  // "Characters allowed can be identified here" (Windows' password complexity reference:
  // ~!@#$%^&*_-+=`|\(){}[]:;"'<>,.?/), and Length "should be greater than or equal to the sum
  // of MinimumNumbers, MinimumSpecialCharacters, and MinimumCapital".
  it("RandomString draws special characters from Windows' complexity set", () => {
    const f = compileExpression(parseExpression("RandomString(256, 0, 256, 0, 0)").ast!, {
      random: seeded(7),
    });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) for (const c of f({}) as string) seen.add(c);
    expect([...seen].sort().join("")).toBe(
      [..."~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/"].sort().join(""),
    );
  });
  it("RandomString leaves MinimumLowerCase out of the length rule", () => {
    const f = compileExpression(parseExpression("RandomString(4, 2, 0, 2, 3)").ast!, {
      random: seeded(3),
    });
    const s = f({}) as string;
    expect(s).toMatch(/^(?=(?:.*[0-9]){2})(?=(?:.*[A-Z]){2})[0-9A-Z]{4}$/);
    expect(checkExpression("RandomString(4, 2, 0, 2, 3)")).toEqual([]);
    expect(checkExpression("RandomString(4, 2, 1, 2, 0)").map((d) => d.message)).toEqual([
      "RandomString length 4 is less than minimumNumbers + minimumSpecialCharacters + minimumCapital (5)",
    ]);
    const g = compileExpression(parseExpression("RandomString(6, 1, 0, 1, 3)").ast!, {
      random: seeded(5),
    });
    expect(g({})).toMatch(/^(?=(?:.*[a-z]){3})(?=.*[0-9])(?=.*[A-Z]).{6}$/);
  });
  it("Guid is a version-4 GUID from the injected random source", () => {
    const f = compileExpression(parseExpression("Guid()").ast!, { random: seeded(7) });
    const g = f({}) as string;
    expect(g).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(compileExpression(parseExpression("Guid()").ast!, { random: seeded(7) })({})).toBe(g);
  });
  it("DefaultDomain needs the tenant's domain", () => {
    const ast = parseExpression('Join("@", [n], DefaultDomain())').ast!;
    expect(compileExpression(ast, { defaultDomain: "contoso.com" })({ n: "jo" })).toBe(
      "jo@contoso.com",
    );
    expect(() => compileExpression(ast)({ n: "jo" })).toThrow(
      "DefaultDomain: the tenant's default verified domain is not known offline; pass defaultDomain to compileExpression",
    );
  });
  it("SelectUniqueValue returns the first unique value", () => {
    const ast = parseExpression(
      'SelectUniqueValue(Join(".", [g], [s]), Join(".", Mid([g], 1, 1), [s]))',
    ).ast!;
    const taken = new Set(["John.Smith"]);
    const f = compileExpression(ast, { isUnique: (v) => !taken.has(v) });
    expect(f({ g: "John", s: "Smith" })).toBe("J.Smith");
    taken.add("J.Smith");
    expect(() => f({ g: "John", s: "Smith" })).toThrow(
      "SelectUniqueValue: every generated value already exists in the target (Entra escrows such an entry)",
    );
    expect(compileExpression(ast)({ g: "John", s: "Smith" })).toBe("John.Smith");
  });
});

describe("attribute lookup", () => {
  it("finds values under the name as written or its canonical form", () => {
    const urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    expect(ev("[enterprise:department]", { [urn]: "Sales" })).toBe("Sales");
    expect(ev(`[${urn}]`, { "enterprise:department": "Sales" })).toBe("Sales");
    expect(ev("[name.givenName]", { "name.givenName": "Jo" })).toBe("Jo");
    const ext = compileExpression(parseExpression("[ext:HireDate]").ast!, {
      extensionUrn: "urn:ietf:params:scim:schemas:extension:contoso:1.0:User",
    });
    expect(
      ext({ "urn:ietf:params:scim:schemas:extension:contoso:1.0:User:HireDate": "2024" }),
    ).toBe("2024");
    expect(ev("[missing]", {})).toBeNull();
  });
});

describe("compileExpression", () => {
  it("rejects trees with unknown functions or wrong arity", () => {
    expect(() => compileExpression(parseExpression("Jion([a])").ast!)).toThrow(
      "unknown function Jion; did you mean Join?",
    );
    expect(() => compileExpression(parseExpression("Mid([a], 1)").ast!)).toThrow(
      "Mid takes 3 arguments, got 2: Mid(source, start, length)",
    );
  });
  it("evaluateExpression reports the position of invalid text", () => {
    expect(evalError("Len([a]")).toBe(
      'invalid expression at 1:8: missing ")" to close Len( opened at column 4\nLen([a]\n       ^',
    );
  });
  it("returns Entra's output forms", () => {
    expect(ev("IsNull([a])")).toBe("True");
    expect(ev('CDate("2021-01-01")')).toBe("1/1/2021 12:00:00 AM");
    expect(ev("Len([a])", { a: "xy" })).toBe("2");
  });
});

describe("output forms", () => {
  it("passes a bare attribute's value through typed, converts function results", () => {
    expect(ev("[active]", { active: true })).toBe(true);
    expect(ev("[n]", { n: 3 })).toBe(3);
    expect(ev("Coalesce([active])", { active: true })).toBe("True");
  });
});
