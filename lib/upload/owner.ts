/**
 * Whose state it is. A state directory holds what one provisioning job of one tenant has
 * accepted: read for another tenant or job (the same spec pointed at another `tenant.id`, an
 * `--endpoint` of another job with the default state path), every record looked "unchanged" and
 * nothing was sent. The owner is written once, on the first run, in a document of its own
 * (`owner.json`), and every later run must be for the same tenant, app and job.
 */
import { StateDamaged, type StateStore } from "./state";

export interface StateOwner {
  /** The Entra tenant (spec `tenant.id`). */
  tenantId: string;
  /** The spec's provisioning app key. */
  app: string;
  /** The job's bulkUpload URL, known once the job is found (the first run that sends). */
  job?: string;
}

export const OWNER = "owner.json";

const describe = (owner: StateOwner) =>
  `tenant ${owner.tenantId}, app ${owner.app}${owner.job ? `, job ${owner.job}` : ""}`;

async function readOwner(store: StateStore): Promise<StateOwner | undefined> {
  const text = await store.get(OWNER);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<StateOwner>;
    if (typeof parsed.tenantId === "string" && typeof parsed.app === "string") {
      return {
        tenantId: parsed.tenantId,
        app: parsed.app,
        ...(typeof parsed.job === "string" ? { job: parsed.job } : {}),
      };
    }
  } catch {
    // reported below
  }
  throw new StateDamaged(
    `${store.location}/${OWNER}`,
    "is not a state owner (expected tenantId and app)",
  );
}

/**
 * Why the state at `store` may not be used for `owner`, or undefined when it may. Compares the
 * job only when both sides know it. Tenant ids are GUIDs, compared without case.
 */
export async function ownerProblem(
  store: StateStore,
  owner: StateOwner,
): Promise<string | undefined> {
  const recorded = await readOwner(store);
  if (!recorded) return undefined;
  const same =
    recorded.tenantId.toLowerCase() === owner.tenantId.toLowerCase() &&
    recorded.app === owner.app &&
    (!recorded.job || !owner.job || jobPath(recorded.job) === jobPath(owner.job));
  if (same) return undefined;
  return (
    `the state at ${store.location} was recorded for ${describe(recorded)}, ` +
    `but this run is for ${describe(owner)}; nothing was sent: ` +
    `give this tenant and job a state of its own (--state <new directory>)`
  );
}

/**
 * A job is its path (service principal and job id): the host of one emulator run and the next
 * differs by its port, and a job does not move between clouds.
 */
function jobPath(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, "");
  } catch {
    return url;
  }
}

/** Records the owner, or adds the job to it; a state that already names them is left alone. */
export async function recordOwner(store: StateStore, owner: StateOwner): Promise<void> {
  const recorded = await readOwner(store);
  if (recorded && (recorded.job || !owner.job)) return;
  await store.put(OWNER, JSON.stringify({ ...recorded, ...owner }));
}
