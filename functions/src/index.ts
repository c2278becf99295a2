/**
 * Azure Functions (Node v4 programming model) registration of the uploader. Kept tiny: everything
 * else is in adapter.ts, blob.ts and lib/upload. A `csv` or `json` source is read from the drop
 * container (on a blob event and on the timer); a `rest` source from the HR API, on the timer only. Type-checked with the repository (@azure/functions
 * and @azure/storage-blob are dependencies of both package.json files).
 */
import { app, InvocationContext } from "@azure/functions";
import { ContainerClient } from "@azure/storage-blob";
import { DefaultAzureCredential } from "@azure/identity";
import {
  graphTarget,
  handleTrigger,
  readSettings,
  RunReport,
  Trigger,
  UploaderRuntime,
} from "./adapter";
import { DropFile, isDropFile, newestDropFile } from "./blob";
import { BlobStateStore } from "../../lib/upload";
import { FUNCTION_NAMES } from "../../components/uploader/azure";

const settings = readSettings(process.env);
// AZURE_CLIENT_ID selects the user-assigned identity.
const credential = new DefaultAzureCredential();
const drop = new ContainerClient(settings.dropContainerUrl, credential);
const stateContainer = new ContainerClient(settings.stateContainerUrl, credential);
const target = graphTarget(settings, process.env);

function runtime(context: InvocationContext): UploaderRuntime {
  const log = {
    info: (m: string) => context.log(m),
    warn: (m: string) => context.warn(m),
    error: (m: string) => context.error(m),
  };
  return {
    appKey: settings.appKey,
    app: settings.app,
    tenantId: settings.tenantId,
    workflows: settings.workflows,
    // The HR API's secrets: app settings, filled in from Key Vault references by the platform.
    env: process.env,
    state: new BlobStateStore(stateContainer, {
      onRenewFailure: (e) => log.warn(`lock renewal failed: ${String(e)}`),
    }),
    target,
    log,
  };
}

async function run(
  context: InvocationContext,
  trigger: Trigger,
  file: DropFile | undefined,
): Promise<void> {
  const report: RunReport = await handleTrigger(runtime(context), trigger, file);
  // A failed run fails the invocation, so it shows in monitoring and alerts.
  if (report.status === "failed") throw new Error(report.reason ?? "upload failed");
}

const source = settings.app.uploader?.source ?? "csv";

// Flex Consumption supports only the Event Grid based blob trigger (docs/uploader-azure.md). The
// subscription filters the events by extension; the name is checked again here.
if (source !== "rest") {
  app.storageBlob(FUNCTION_NAMES.blob, {
    path: "drop/{name}",
    connection: "AzureWebJobsStorage",
    source: "EventGrid",
    handler: async (_content: unknown, context: InvocationContext) => {
      const name = String(context.triggerMetadata?.name);
      if (!isDropFile(name, source)) {
        context.log(`${name}: not a ${source} export at the top of the drop container; ignored`);
        return;
      }
      // Streamed again rather than using the bound bytes: the same path as the timer run.
      const properties = await drop.getBlockBlobClient(name).getProperties();
      await run(context, "blob", {
        name,
        lastModified: properties.lastModified,
        async *read() {
          const body = (await drop.getBlockBlobClient(name).download()).readableStreamBody;
          if (body) for await (const part of body) yield part as Buffer;
        },
      });
    },
  });
}

app.timer(FUNCTION_NAMES.timer, {
  // The spec's NCRONTAB schedule, from the app setting the component writes.
  schedule: "%INBOUND_SCHEDULE%",
  handler: async (_timer: unknown, context: InvocationContext) => {
    // A rest source reads the HR API: handleTrigger needs no file.
    await run(context, "timer", source === "rest" ? undefined : await newestDropFile(drop, source));
  },
});
