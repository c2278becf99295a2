/**
 * The app's synchronization secrets
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-serviceprincipal-put-synchronization).
 * PUT replaces the whole collection and PATCH is unsupported
 * (https://learn.microsoft.com/en-us/entra/identity/hybrid/cloud-sync/how-to-inbound-synch-ms-graph),
 * so the resource reads the live collection, merges the keys the spec owns into it and writes it
 * back; keys set by someone else (the portal's agent settings, say) survive.
 */
import type { ProvisioningApp } from "../model/schema";

export interface SecretPair {
  key: string;
  value: string;
}

/**
 * Where an `activeDirectory` target's domain and default OU go. These keys are undocumented for
 * API2AD (no Microsoft document names them): configure an app once in the portal,
 * `GET /servicePrincipals/{id}/synchronization/secrets`, and set what it shows.
 */
export interface ActiveDirectorySecretKeys {
  /** Secret key of the AD domain. */
  domainKey: string;
  /** `json` writes `{"domain":"<domain>"}` (the cloud-sync form), `plain` the bare name. */
  domainFormat: "json" | "plain";
  /** Secret key of the default OU's distinguished name. */
  ouKey: string;
}

/**
 * BEST GUESS, UNCONFIRMED: `Domain` as the cloud-sync doc writes it, and the enum member whose name
 * suggests an AD container. Used only when nothing is configured, with a warning.
 */
export const BEST_GUESS_AD_SECRET_KEYS: ActiveDirectorySecretKeys = {
  domainKey: "Domain",
  domainFormat: "json",
  ouKey: "SyncAgentADContainer",
};

/**
 * The synchronization secret keys the spec decides for every app: the notification and
 * accidental-deletion settings (one JSON value) and SkipOutOfScopeDeletions
 * (https://learn.microsoft.com/en-us/entra/identity/hybrid/cloud-sync/how-to-inbound-synch-ms-graph).
 */
export const SECRET_KEYS = {
  notification: "SyncNotificationSettings",
  skipOutOfScopeDeletions: "SkipOutOfScopeDeletions",
} as const;

/** The secrets the spec decides, in a fixed order. Pure. */
export function compileSecrets(
  app: Pick<
    ProvisioningApp,
    | "notificationEmail"
    | "deletionThreshold"
    | "skipOutOfScopeDeletions"
    | "target"
    | "activeDirectory"
  >,
  activeDirectoryKeys: ActiveDirectorySecretKeys = BEST_GUESS_AD_SECRET_KEYS,
): SecretPair[] {
  const secrets: SecretPair[] = [
    {
      key: SECRET_KEYS.notification,
      // Keys and value types as the documented example writes them
      // (https://learn.microsoft.com/en-us/entra/identity/hybrid/cloud-sync/how-to-inbound-synch-ms-graph).
      value: JSON.stringify({
        Enabled: true,
        Recipients: app.notificationEmail,
        DeleteThresholdEnabled: true,
        DeleteThresholdValue: app.deletionThreshold,
      }),
    },
    {
      key: SECRET_KEYS.skipOutOfScopeDeletions,
      value: app.skipOutOfScopeDeletions ? "True" : "False",
    },
  ];
  if (app.target === "activeDirectory" && app.activeDirectory) {
    const { domain, defaultOu } = app.activeDirectory;
    secrets.push({
      key: activeDirectoryKeys.domainKey,
      value: activeDirectoryKeys.domainFormat === "json" ? JSON.stringify({ domain }) : domain,
    });
    secrets.push({ key: activeDirectoryKeys.ouKey, value: defaultOu });
  }
  return secrets;
}

/**
 * Graph answers GET .../synchronization/secrets with credential-type values masked (`*****`;
 * https://learn.microsoft.com/en-us/graph/api/synchronization-synchronization-secrets). A value
 * made only of asterisks is taken for the mask.
 */
export function isMaskedSecret(value: string | null | undefined): boolean {
  return typeof value === "string" && /^\*+$/.test(value);
}

/** Raised before a write that would have to send a masked value back. */
export class MaskedSecretsError extends Error {
  readonly code = "MaskedSecrets";
  constructor(readonly keys: string[]) {
    super(
      `the synchronization secrets of this service principal include ${keys.join(", ")}, which Graph ` +
        "returns masked; its secrets collection can only be replaced whole (PUT, no PATCH), so " +
        "writing it would replace those credentials with the mask or drop them. Nothing was written: " +
        "remove those secrets in the portal, or set the spec's settings there",
    );
    this.name = "MaskedSecretsError";
  }
}

/**
 * What to PUT, or undefined when the live collection already holds what is wanted (no write).
 * The body is `mergeSecrets`: the keys the spec owns plus every other live key unchanged, since a
 * PUT replaces the whole collection. A live value that is masked is never sent back: if a key
 * the spec does not own is masked, its real value cannot be carried, and MaskedSecretsError is
 * thrown before anything is written. Pure.
 */
export function secretsToWrite(
  existing: readonly SecretPair[],
  desired: readonly SecretPair[],
  previouslyManaged: readonly string[] = [],
): SecretPair[] | undefined {
  const merged = mergeSecrets(existing, desired, previouslyManaged);
  if (JSON.stringify(merged) === JSON.stringify(existing)) return undefined;
  const masked = merged.filter((s) => isMaskedSecret(s.value)).map((s) => s.key);
  if (masked.length > 0) throw new MaskedSecretsError(masked);
  return merged;
}

/**
 * The collection to PUT: `existing` with `desired` written over it and keys this resource managed
 * before (`previouslyManaged`) but no longer wants removed. Pure.
 */
export function mergeSecrets(
  existing: readonly SecretPair[],
  desired: readonly SecretPair[],
  previouslyManaged: readonly string[] = [],
): SecretPair[] {
  const wanted = new Map(desired.map((s) => [s.key, s.value]));
  const dropped = new Set(previouslyManaged.filter((key) => !wanted.has(key)));
  const merged: SecretPair[] = [];
  for (const secret of existing) {
    if (dropped.has(secret.key)) continue;
    if (wanted.has(secret.key)) {
      merged.push({ key: secret.key, value: wanted.get(secret.key)! });
      wanted.delete(secret.key);
    } else {
      merged.push({ key: secret.key, value: secret.value });
    }
  }
  for (const [key, value] of wanted) merged.push({ key, value });
  return merged;
}

/**
 * A secret's value as compared for drift: Graph may echo a JSON value (SyncNotificationSettings)
 * with its keys in another order, and a boolean in another case, without anything having changed.
 */
export function comparableSecret(value: string): string {
  if (/^(true|false)$/i.test(value)) return value.toLowerCase();
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      return JSON.stringify(
        Object.fromEntries(
          Object.keys(record)
            .sort()
            .map((k) => [k, record[k]]),
        ),
      );
    }
  } catch {
    // Not JSON: compared as written.
  }
  return value;
}

/** The whole set of pairs as compared: order and each value's spelling do not matter. */
export const comparableSecrets = (credentials: readonly SecretPair[] | undefined) =>
  JSON.stringify(
    [...(credentials ?? [])]
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((c) => [c.key, comparableSecret(c.value)]),
  );

/** Per key, how `after` differs from `before`. */
export function secretChanges(
  before: readonly SecretPair[] | undefined,
  after: readonly SecretPair[] | undefined,
): Record<string, "ADD" | "UPDATE" | "DELETE"> {
  const changes: Record<string, "ADD" | "UPDATE" | "DELETE"> = {};
  const olds = new Map((before ?? []).map((c) => [c.key, c.value]));
  const news = new Map((after ?? []).map((c) => [c.key, c.value]));
  for (const [key, value] of news) {
    if (!olds.has(key)) changes[key] = "ADD";
    else if (comparableSecret(olds.get(key)!) !== comparableSecret(value)) changes[key] = "UPDATE";
  }
  for (const key of olds.keys()) if (!news.has(key)) changes[key] = "DELETE";
  return changes;
}

/**
 * The live pairs of the keys in `owned`, as the secrets resource reads them. A masked value
 * (Graph masks credentials on read) says nothing about the real one: it is not drift, so the
 * owned value stands.
 */
export function ownedLiveSecrets(
  live: readonly SecretPair[],
  owned: readonly SecretPair[] | undefined,
): SecretPair[] {
  const values = new Map((owned ?? []).map((c) => [c.key, c.value]));
  return live
    .filter((s) => values.has(s.key))
    .map((s) => (isMaskedSecret(s.value) ? { key: s.key, value: values.get(s.key)! } : s));
}
