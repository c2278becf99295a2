/** Waiting on Pulumi's mocks in the component tests (pulumi.runtime.setMocks). */
import * as pulumi from "@pulumi/pulumi";

/** The value an output resolves to; rejects when there is no output at all. */
export const settled = <T>(o: pulumi.Output<T> | undefined) =>
  new Promise<T>((resolve, reject) =>
    o ? o.apply((v) => resolve(v)) : reject(new Error("no output")),
  );

/**
 * Waits until the resource and everything under it are registered: a child's urn and id resolve
 * only after the mock's newResource returned, so nothing of a test arrives after it ends.
 */
export async function registeredTree(resource: pulumi.Resource): Promise<void> {
  const children = [
    ...((resource as unknown as { __childResources?: Set<pulumi.Resource> }).__childResources ??
      []),
  ];
  await Promise.all(
    children.map(async (child) => {
      await registeredTree(child);
      if (child instanceof pulumi.CustomResource) await settled(child.id);
    }),
  );
  await settled(resource.urn);
}
