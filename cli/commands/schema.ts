import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT } from "../io";
import { editorJsonSchemaText, SCHEMA_FILE } from "../../lib/loader/jsonSchema";
import { DOCS_FILE, tenantSpecDocs } from "../../lib/loader/docs";

/** The generated files belong to the project, wherever the command is run from. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("schema")
    .description(
      "Print the tenant spec's JSON Schema, or regenerate config/tenant-spec.schema.json and docs/tenant-spec.md",
    )
    .option("--write [file]", `write the JSON Schema (default: ${SCHEMA_FILE})`)
    .option("--docs [file]", `write the field reference (default: ${DOCS_FILE})`)
    .action((options: { write?: string | boolean; docs?: string | boolean }) => {
      if (options.write === undefined && options.docs === undefined) {
        io.out(editorJsonSchemaText());
        done(EXIT.ok);
        return;
      }
      const outputs: [string | boolean | undefined, string, () => string][] = [
        [options.write, SCHEMA_FILE, editorJsonSchemaText],
        [options.docs, DOCS_FILE, tenantSpecDocs],
      ];
      for (const [option, fallback, generate] of outputs) {
        if (option === undefined) continue;
        const target =
          typeof option === "string"
            ? path.resolve(io.cwd, option)
            : path.join(PROJECT_ROOT, fallback);
        const shown = typeof option === "string" ? option : fallback;
        try {
          fs.writeFileSync(target, generate());
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? String(err);
          io.err(`inbound schema: cannot write ${shown}: ${code}\n`);
          done(EXIT.failed);
          return;
        }
        io.out(`wrote ${shown}\n`);
      }
      done(EXIT.ok);
    });
}
