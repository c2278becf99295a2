/**
 * What to do about a provisioning log's error code, in our words, after Microsoft's table of
 * provisioning error codes ("Error codes" in "How to analyze the Microsoft Entra provisioning
 * logs", https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-analyze-provisioning-logs#error-codes).
 * Codes the table does not list get no hint rather than a guess.
 */
export const ERROR_CODES_URL =
  "https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-analyze-provisioning-logs#error-codes";

const RETRIED =
  "nothing to do: the provisioning service retries it by itself (Microsoft says within 40 minutes)";
const CONFIGURATION =
  "the target answered unexpectedly: check the app's configuration and the service's health";

const HINTS: Record<string, string> = {
  Conflict:
    "another object already has one of these values: fix the conflicting value at the source or in Entra, or review the matching attributes if the existing account should have been matched",
  EntryConflict:
    "another object already has one of these values: fix the conflicting value at the source or in Entra, or review the matching attributes if the existing account should have been matched",
  TooManyRequests: `the target was overloaded; ${RETRIED}`,
  InternalServerError: `the target returned an unexpected error; ${RETRIED}`,
  InsufficientRights:
    "Entra signed in to the target but may not make this change: review the target's permissions",
  MethodNotAllowed:
    "Entra signed in to the target but may not make this change: review the target's permissions",
  NotPermitted:
    "Entra signed in to the target but may not make this change: review the target's permissions",
  Unauthorized:
    "Entra signed in to the target but may not make this change: review the target's permissions",
  UnprocessableEntity: CONFIGURATION,
  NotImplemented: CONFIGURATION,
  WebExceptionProtocolError: `an HTTP protocol error reaching the target; ${RETRIED}`,
  InvalidAnchor:
    "the account the service created or matched earlier no longer exists: check it exists; restarting the job forces a new match of every user (a full cycle, which takes time)",
  MandatoryFieldsMissing:
    "a required value is missing: fill it in the HR record, or check that the mappings do not leave it out",
  MissingValues:
    "a required value is missing: fill it in the HR record, or check that the mappings do not leave it out",
  SchemaAttributeNotFound:
    "a mapping writes an attribute the target does not have: check the attribute mappings",
  InternalError: `an internal error of the provisioning service; ${RETRIED}`,
  InvalidDomain:
    "a value names a domain the tenant does not accept (often the UPN suffix): use a verified domain",
  Timeout: `the target took too long to answer; ${RETRIED}`,
  LicenseLimitExceeded:
    "no licence is left for this user: buy more, or check which users are assigned and with which attributes",
  DuplicateTargetEntries:
    "more than one account in Entra matches this record's matching attributes: remove the duplicate account or change the matching attributes",
  DuplicateSourceEntries:
    "more than one source record matches: keep one record per person, or change the matching attributes",
  ImportSkipped:
    "the record lacks the matching attribute, so scoping and matching could not be evaluated: send a value for it",
  EntrySynchronizationSkipped:
    "the record was out of scope, or the account already had these values: nothing to do unless it should have been in scope",
  SchemaPropertyCanOnlyAcceptValue:
    "a single-valued target attribute received several values: map a single value to it",
};

/** Microsoft's advice for `code`, or undefined when its table does not list the code. */
export function hintFor(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(HINTS, code) ? HINTS[code] : undefined;
}
