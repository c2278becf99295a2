/**
 * `inbound plan` of a spec with a `function` uploader shows the code archive that `pulumi up`
 * uploads to the Flex Consumption deployment container, next to the app that runs it. This proves
 * what the program registers and what the plan prints, not what Azure accepts.
 */
import { inboundProcess, plannedNamed, plannedResources } from "./harness";

const SPEC = "examples/tenants/contoso.yaml";

test("the function uploader's code archive is uploaded to its deployment container, by the deployer", async () => {
  const text = await inboundProcess("plan", SPEC);
  const account = /https:\/\/(inb[a-z0-9]+)\.blob\.core\.windows\.net\/app-package/.exec(text)?.[1];
  expect(account).toBeDefined();
  expect(text).toContain(
    `      + contoso-employees-uploader-package  pulumi-nodejs:dynamic/inbound-function-package:Resource: uploads the function's code archive (built from this repository) to https://${account}.blob.core.windows.net/app-package/released-package.zip`,
  );
  const resources = await plannedResources(SPEC);
  const named = (name: string) => plannedNamed(resources, name);
  const pkg = named("contoso-employees-uploader-package");
  expect(pkg.parent).toBe("contoso-employees-uploader");
  expect(pkg.inputs.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  expect(pkg.inputs.siteId).toBe("contoso-employees-uploader-function-id");
  // The app runs from the container the archive goes to.
  expect(
    named("contoso-employees-uploader-function").inputs.functionAppConfig.deployment.storage.value,
  ).toBe(pkg.inputs.containerUrl);
  expect(named("contoso-employees-uploader-package-writer").inputs).toMatchObject({
    principalId: "<deployer>",
    roleDefinitionId: expect.stringMatching(/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/),
  });
}, 120_000);
