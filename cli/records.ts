/**
 * The HR records a command reads: `--csv FILE`, `--json FILE`, or (for `upload`) the spec's REST
 * source when neither is given. One place, so `upload` and `simulate` agree on what each means.
 */
import * as path from "path";
import { CliIo, refuseIrregularFile } from "./io";
import type { ProvisioningApp } from "../lib/model/schema";
import { type RecordSource, recordSource } from "../lib/records";

export interface RecordFiles {
  csv?: string;
  json?: string;
}

export type RecordInput =
  /** A file: `name` is as the user typed it, for messages. */
  | { kind: "file"; name: string; option: "--csv" | "--json"; path: string; source: RecordSource }
  /** The spec's `uploader.rest`. */
  | { kind: "rest"; name: string };

/**
 * The input `options` name for `app`, or undefined after printing why there is none. `jsonOption`
 * is how the command spells its JSON file option (`simulate` keeps `--json` for its output).
 */
export function recordInput(
  io: CliIo,
  app: ProvisioningApp,
  files: RecordFiles,
  jsonOption = "--json",
): RecordInput | undefined {
  if (files.csv !== undefined && files.json !== undefined) {
    io.err(`--csv and ${jsonOption} exclude each other: the records come from one file\n`);
    return undefined;
  }
  const given = files.csv ?? files.json;
  if (given === undefined) {
    if (app.uploader?.source === "rest" && app.uploader.rest) {
      return { kind: "rest", name: new URL(app.uploader.rest.url).host };
    }
    io.err(
      `pass --csv FILE or ${jsonOption} FILE (the spec's uploader.source is ${app.uploader?.source ?? "csv"}, not rest)\n`,
    );
    return undefined;
  }
  const option = files.csv !== undefined ? "--csv" : "--json";
  const onDisk = path.resolve(io.cwd, given);
  if (refuseIrregularFile(io, option === "--csv" ? option : jsonOption, given, onDisk)) {
    return undefined;
  }
  return {
    kind: "file",
    name: given,
    option,
    path: onDisk,
    source: recordSource(app, onDisk, option === "--csv" ? "csv" : "json"),
  };
}
