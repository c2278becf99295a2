// How the `inbound` process ends: with the command's exit code, once everything it wrote has
// reached its reader. On a pipe Node writes standard output asynchronously (whatever the pipe's
// 64 KB buffer does not take at once waits in the stream), and process.exit() drops what is still
// waiting: `inbound simulate --json | jq .` got the first 65,536 bytes. A reader that goes away
// early (`| head -1`) is not an error of the command: its output is dropped from then on and the
// command ends as it would have.

/** Keeps EPIPE (the reader closed the pipe) from ending the process as an uncaught error. */
function tolerateClosedReaders() {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err) => {
      // The stream is destroyed by the failed write; processIo (cli/io.ts) writes no more to it.
      if (err && (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED")) return;
      throw err;
    });
  }
}

/**
 * Exits with `code` once standard output and standard error are flushed: an empty write's
 * callback runs after every earlier write has been handed to the reader (or has failed).
 */
function exitWhenFlushed(code) {
  process.exitCode = code;
  const streams = [process.stdout, process.stderr];
  let pending = streams.length;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of streams) {
    if (stream.destroyed || stream.writableLength === 0) flushed();
    else stream.write("", flushed);
  }
}

module.exports = { exitWhenFlushed, tolerateClosedReaders };
