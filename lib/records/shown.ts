/**
 * A value from the HR file or the service (an externalId, Graph's `sourceIdentity.id`) as it is
 * printed on one line: control characters (a newline among them) and the bidirectional controls
 * (U+202E turns the rest of a line around) are shown escaped, `\n` and `\u{202e}`, so a value can
 * neither start a line of its own nor disguise the one it is on.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

export function shownValue(text: string): string {
  return text.replace(
    UNSAFE,
    (c) => NAMED[c] ?? `\\u{${c.codePointAt(0)!.toString(16).padStart(4, "0")}}`,
  );
}
