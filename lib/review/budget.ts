/**
 * Fitting a Markdown report into one pull-request comment. GitHub refuses a comment body over
 * 65,536 characters; the budget stays under it with room for what a workflow adds around the
 * report (a header, a second command's output). Parts are kept in order: the summary first, so
 * that what is cut is always detail, and the report says what it left out.
 */
export const COMMENT_BUDGET = 60_000;

export interface MarkdownPart {
  /** What the part is, named in the note when it is left out: `details of contoso`. */
  name: string;
  /** Lines that open the part (a `<details>` tag), kept only if some of `lines` fit. */
  open?: string[];
  lines: string[];
  /** Lines that close it; always written when `open` was. */
  close?: string[];
}

/** Room kept for the note saying what was left out. */
const NOTE_ROOM = 1_000;

const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

/**
 * The parts as one Markdown text of at most `budget` characters. A part that does not fit whole
 * keeps its first lines that do (a table keeps its header) and every later part is left out; the
 * note at the end counts the lines and names the parts that were.
 */
export function fitMarkdown(parts: MarkdownPart[], budget = COMMENT_BUDGET): string {
  const whole = parts.flatMap((p) => [...(p.open ?? []), ...p.lines, ...(p.close ?? [])]);
  if (size(whole) <= budget) return whole.join("\n") + "\n";
  const out: string[] = [];
  let room = budget - NOTE_ROOM;
  const cut: string[] = [];
  let linesLeft = 0;
  for (const [index, part] of parts.entries()) {
    const frame = size(part.open ?? []) + size(part.close ?? []);
    if (cut.length > 0 || room <= frame) {
      cut.push(part.name);
      linesLeft += part.lines.length;
      continue;
    }
    const kept: string[] = [];
    let used = frame;
    for (const line of part.lines) {
      if (used + line.length + 1 > room) break;
      kept.push(line);
      used += line.length + 1;
    }
    if (kept.length === 0 && part.lines.length > 0) {
      cut.push(part.name);
      linesLeft += part.lines.length;
      continue;
    }
    out.push(...(part.open ?? []), ...kept, ...(part.close ?? []));
    room -= used;
    if (kept.length < part.lines.length) {
      // The part was cut: a later part written after a gap would read as if nothing was missing.
      cut.push(`the rest of ${part.name}`);
      linesLeft += part.lines.length - kept.length;
      for (const later of parts.slice(index + 1)) {
        cut.push(later.name);
        linesLeft += later.lines.length;
      }
      break;
    }
  }
  out.push("", omissionNote(cut, linesLeft, budget));
  return out.join("\n") + "\n";
}

function omissionNote(cut: string[], lines: number, budget: number): string {
  let names = "";
  let listed = 0;
  for (const name of cut) {
    const next = names ? `${names}; ${name}` : name;
    if (next.length > NOTE_ROOM - 300) break;
    names = next;
    listed++;
  }
  const more = cut.length - listed;
  return (
    `> **Left out to fit one comment (${budget.toLocaleString("en-US")} characters):** ${names}` +
    (more > 0 ? `; and ${more} more part${more === 1 ? "" : "s"}` : "") +
    ` (${lines.toLocaleString("en-US")} line${lines === 1 ? "" : "s"}). ` +
    "Run the command locally, or with `--json`, for everything."
  );
}
