import { InvalidArgumentError } from "commander";
import type { ProvisioningApp } from "../lib/model/schema";

/** Commander parser of `--delimiter`: one character; `tab` and `\t` name the tab. */
export function delimiterArgument(value: string): string {
  const delimiter = value === "tab" || value === "\\t" ? "\t" : value;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new InvalidArgumentError(
      "It must be one character other than a quote or a line break (tab: --delimiter tab).",
    );
  }
  return delimiter;
}

/** The app with `--delimiter` in place of the spec's `uploader.csv.delimiter`. */
export function withDelimiter(
  app: ProvisioningApp,
  delimiter: string | undefined,
): ProvisioningApp {
  if (delimiter === undefined || !app.uploader) return app;
  return { ...app, uploader: { ...app.uploader, csv: { ...app.uploader.csv, delimiter } } };
}
