/**
 * Line numbers in a message, bounded: twenty thousand rows sharing one id are one short line,
 * not a list of twenty thousand numbers repeated on every one of them (which took `simulate` and
 * `upload` out of memory).
 */

/** How many line numbers a message names before it counts the rest. */
export const LINES_SHOWN = 5;

/**
 * The lines of a group as "2, 3, 4, 5, 6 and 19,995 more" (at most `LINES_SHOWN` numbers),
 * leaving out `except`, the line the message is about (a member of the group). `lines` may be
 * only the group's first lines when `total` gives its size: each call reads at most a few
 * entries, so a message per member costs linear time, not the group's square.
 */
export function listLines(lines: readonly number[], except?: number, total = lines.length): string {
  const shown: number[] = [];
  for (let i = 0; i < lines.length && shown.length < LINES_SHOWN; i++) {
    if (lines[i] !== except) shown.push(lines[i]);
  }
  const more = total - (except === undefined ? 0 : 1) - shown.length;
  return more > 0
    ? `${shown.join(", ")} and ${more.toLocaleString("en-US")} more`
    : shown.join(", ");
}
