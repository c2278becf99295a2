import { storageAccountLockedDown } from "../../policies/rules/storageAccountLockedDown";
import { violations } from "./harness";

const TYPE = "azure-native:storage:StorageAccount";
const happy = () => ({
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
  minimumTlsVersion: "TLS1_2",
  enableHttpsTrafficOnly: true,
});

describe("inbound-storage-account-locked-down", () => {
  it("accepts a locked-down account", async () => {
    expect(await violations(storageAccountLockedDown, TYPE, happy())).toEqual([]);
  });

  it("reports each weakness with how to fix it", async () => {
    const props = {
      ...happy(),
      allowBlobPublicAccess: true,
      allowSharedKeyAccess: undefined,
      minimumTlsVersion: "TLS1_0",
      enableHttpsTrafficOnly: false,
    };
    expect(await violations(storageAccountLockedDown, TYPE, props)).toEqual([
      "allowBlobPublicAccess must be false: HR exports must never be public.",
      "allowSharedKeyAccess must be false: use the uploader's managed identity, not account keys.",
      'minimumTlsVersion must be "TLS1_2".',
      "enableHttpsTrafficOnly must not be false.",
    ]);
  });

  it("ignores other resource types", async () => {
    expect(
      await violations(storageAccountLockedDown, "azure-native:storage:BlobContainer", {}),
    ).toEqual([]);
  });
});
