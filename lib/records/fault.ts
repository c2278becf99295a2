/**
 * A fault of the HR input as a whole (not of one record): nothing of it may be sent. Each reader
 * (csv.ts, json.ts, rest.ts) says where, the uploader only that the input is refused.
 */
export class RecordFileError extends Error {
  constructor(
    /** 1-based line (or, for an HR API, page) where the fault is. */
    readonly line: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "RecordFileError";
  }
}
