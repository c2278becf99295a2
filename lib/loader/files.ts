/**
 * Reading the files a user names (a spec, a base file, an HR export) without hanging: only a
 * regular file has an end. A device (`/dev/zero`), a FIFO or a terminal (`/dev/stdin`) would be
 * read until memory runs out, or wait forever for a writer.
 */
import * as fs from "fs";

/** What kind of thing a path is, in the words of the message. */
function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Why `file` cannot be read as a file with an end, or undefined when it is a regular file (or
 * cannot be looked at: the reader that follows reports a missing file in its own words).
 * Symbolic links are followed, so `/dev/stdin` is judged by what it points to.
 */
export function regularFileProblem(file: string): string | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch {
    return undefined;
  }
  return stats.isFile() ? undefined : notRegular(stats);
}

function notRegular(stats: fs.Stats): string {
  return `it is ${kindOf(stats)}, not a regular file; save the data to a file and name that`;
}

export type BoundedRead =
  { bytes: Buffer } | { problem: string } | { tooLarge: number } | { error: string };

/**
 * Reads a regular file of at most `limit` bytes. The type is checked on the path before it is
 * opened (opening a FIFO waits for a writer) and again on the open descriptor, so a file swapped
 * for a FIFO in between is refused too; at most `limit + 1` bytes are read whatever the file
 * claims its size is.
 */
export function readBoundedFile(file: string, limit: number): BoundedRead {
  let fd: number | undefined;
  try {
    const before = fs.statSync(file);
    if (!before.isFile()) return { problem: notRegular(before) };
    if (before.size > limit) return { tooLarge: before.size };
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return { problem: notRegular(stats) };
    // One byte past the limit tells a file that grew since it was measured from one that did not.
    const buffer = Buffer.allocUnsafe(limit + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) return { tooLarge: Math.max(stats.size, length) };
    }
    return { bytes: buffer.subarray(0, length) };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
