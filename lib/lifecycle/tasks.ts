/**
 * The built-in Lifecycle Workflows tasks under the spec's friendly names. Ids, display names and
 * descriptions are those of the v1.0 `GET /taskDefinitions` response
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecycleworkflowscontainer-list-taskdefinitions);
 * categories follow Microsoft's current task table where it differs from that older answer
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-tasks), offline;
 * at deploy time the tenant's own taskDefinitions decide (lib/lifecycle/graphApi.ts);
 * argument names and ranges come from the task-arguments concepts page
 * (https://learn.microsoft.com/en-us/graph/identitygovernance-lifecycleworkflows-task-arguments).
 *
 * Tasks added since carry no id: their ids appear only in the localized task table
 * (https://learn.microsoft.com/ja-jp/entra/id-governance/lifecycle-workflow-tasks) and, for Update
 * user attributes, one how-to's request example
 * (https://learn.microsoft.com/en-us/entra/id-governance/how-to-lifecycle-workflow-update-user-attributes),
 * which no Graph reference page or taskDefinitions response confirms. They are looked up by display
 * name at deploy time (lib/lifecycle/graphApi.ts), which costs one read and cannot send a wrong id.
 *
 * On the wire every argument is a `{ name, value }` pair whose value is a string; lists are one
 * comma-separated string.
 */
import { WORKFLOW_CATEGORIES } from "../model/schema";

export type WorkflowCategory = (typeof WORKFLOW_CATEGORIES)[number];

export type ArgumentType =
  | { kind: "string" }
  | { kind: "integer"; min: number; max: number; unit: string }
  | { kind: "boolean" }
  | { kind: "guid" }
  /** GUIDs; one or a list. */
  | { kind: "guidList" }
  /** Group display names, resolved to object ids at deploy time; one or a list. */
  | { kind: "groups" }
  /** Strings; one or a list. */
  | { kind: "stringList" }
  /** A key of `customTaskExtensions`, resolved to the extension's id at deploy time. */
  | { kind: "extension" }
  /** An email recipient: one of `values`, a user object id, or (TAP only) a user attribute. */
  | { kind: "recipient"; values: readonly string[]; userAttributes: boolean };

export interface TaskArgument {
  /** Name in the spec. */
  name: string;
  /** Name Graph expects in `arguments[].name`. */
  wireName: string;
  required: boolean;
  type: ArgumentType;
  description: string;
}

export interface TaskDefinition {
  /** Friendly name used in the spec, e.g. `sendWelcomeEmail`. */
  name: string;
  /** The API's display name; the default task display name, and the deploy-time lookup key. */
  displayName: string;
  description: string;
  /** The built-in GUID; absent when unconfirmed (resolved by display name at deploy time). */
  taskDefinitionId?: string;
  categories: readonly WorkflowCategory[];
  /** Known arguments; `undefined` when they are unconfirmed and passed through as written. */
  arguments?: readonly TaskArgument[];
}

/** Recipients the API's taskDefinitions list for the `to` argument of the email tasks. */
const RECIPIENTS = ["User", "Manager", "Sponsors"] as const;

function emailArguments(userAttributes = false): TaskArgument[] {
  return [
    {
      name: "to",
      wireName: "to",
      required: false,
      type: { kind: "recipient", values: RECIPIENTS, userAttributes },
      description: userAttributes
        ? "Recipient: User, Manager, Sponsors, a user object id, or User/otherMails, User/onPremisesExtensionAttributes/extensionAttributeN, User/extension_<appId>_<name>, User/customSecurityAttributes/<set>/<name>."
        : "Recipient: User, Manager, Sponsors or a user object id.",
    },
    {
      name: "cc",
      wireName: "cc",
      required: false,
      type: { kind: "guidList" },
      description: "User object ids copied on the mail.",
    },
    {
      name: "customSubject",
      wireName: "customSubject",
      required: false,
      type: { kind: "string" },
      description:
        "Subject; may use placeholders: {{user.graphPropertyName}} (e.g. {{user.displayName}}) in tasks created now, {{userDisplayName}}-style in older ones.",
    },
    {
      name: "customBody",
      wireName: "customBody",
      required: false,
      type: { kind: "string" },
      description: "Body text (HTML allowed); may use placeholders.",
    },
    {
      name: "locale",
      wireName: "locale",
      required: false,
      type: { kind: "string" },
      description: "Language of the mail, e.g. en-us.",
    },
  ];
}

const groups = (required: boolean): TaskArgument => ({
  name: "groups",
  wireName: "groupID",
  required,
  type: { kind: "groups" },
  description: "Group display names (cloud-only security or Microsoft 365 groups).",
});

const teams = (required: boolean): TaskArgument => ({
  name: "teams",
  wireName: "teamID",
  required,
  type: { kind: "groups" },
  description: "Team display names (a team's id is its Microsoft 365 group's id).",
});

const onPremises = (wireName: string, verb: string): TaskArgument => ({
  name: wireName,
  wireName,
  required: false,
  type: { kind: "boolean" },
  description: `Also ${verb} the on-premises AD account (users provisioned through the provisioning agent).`,
});

const licenses: TaskArgument = {
  name: "licenses",
  wireName: "licenses",
  required: true,
  type: { kind: "stringList" },
  description: "License (SKU) ids.",
};

const accessPackage: TaskArgument = {
  name: "accessPackageId",
  wireName: "accessPackageId",
  required: true,
  type: { kind: "guid" },
  description: "Access package id.",
};

/**
 * Entra's TAP policy allows 10 minutes to 30 days; the Graph concepts page
 * (https://learn.microsoft.com/en-us/graph/identitygovernance-lifecycleworkflows-task-arguments)
 * says 43000 minutes and entra-docs
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-tasks) 43200. The wider
 * bound is checked here, so that no value Entra accepts is refused; the tenant's TAP policy narrows
 * it further at run time.
 */
export const TAP_LIFETIME_MINUTES = { min: 10, max: 43200 } as const;

export const TASKS: readonly TaskDefinition[] = [
  {
    name: "sendWelcomeEmail",
    displayName: "Send welcome email",
    description: "Send welcome email to new hire",
    taskDefinitionId: "70b29d51-b59a-4773-9280-8841dfd3f2ea",
    categories: ["joiner"],
    arguments: emailArguments(),
  },
  {
    name: "sendOnboardingReminderEmail",
    displayName: "Send onboarding reminder email",
    description: "Send onboarding reminder email to user’s manager",
    // Uppercase in every Microsoft source; kept as the API lists it.
    taskDefinitionId: "3C860712-2D37-42A4-928F-5C93935D26A1",
    categories: ["joiner"],
    arguments: emailArguments(),
  },
  {
    name: "generateTemporaryAccessPass",
    displayName: "Generate TAP and send email",
    description: "Generate Temporary Access Pass and send via email to user's manager",
    taskDefinitionId: "1b555e50-7f65-41d5-b514-5894a026d10d",
    categories: ["joiner"],
    arguments: [
      {
        name: "lifetimeMinutes",
        wireName: "tapLifetimeMinutes",
        required: true,
        type: { kind: "integer", ...TAP_LIFETIME_MINUTES, unit: "minutes" },
        description: "How long the Temporary Access Pass is valid.",
      },
      {
        name: "usableOnce",
        wireName: "tapIsUsableOnce",
        required: true,
        type: { kind: "boolean" },
        description: "Whether the pass can be used only once.",
      },
      ...emailArguments(true),
    ],
  },
  {
    name: "addUserToGroups",
    displayName: "Add user to groups",
    description: "Add user to selected groups",
    taskDefinitionId: "22085229-5809-45e8-97fd-270d28d66910",
    categories: ["joiner", "leaver", "mover"],
    arguments: [groups(true)],
  },
  {
    name: "removeUserFromSelectedGroups",
    displayName: "Remove user from selected groups",
    description: "Remove user from membership of selected Azure AD groups",
    taskDefinitionId: "1953a66c-751c-45e5-8bfe-01462c70da3c",
    categories: ["joiner", "leaver", "mover"],
    arguments: [groups(true)],
  },
  {
    name: "removeUserFromAllGroups",
    displayName: "Remove user from all groups",
    description: "Remove user from all Azure AD groups memberships",
    taskDefinitionId: "b3a31406-2a15-4c9a-b25b-a658fa5f07fc",
    categories: ["leaver"],
    arguments: [],
  },
  {
    name: "addUserToTeams",
    displayName: "Add user to Teams",
    description: "Add user to selected Teams",
    taskDefinitionId: "e440ed8d-25a1-4618-84ce-091ed5be5594",
    categories: ["joiner", "leaver", "mover"],
    arguments: [teams(true)],
  },
  {
    name: "removeUserFromSelectedTeams",
    displayName: "Remove user from selected Teams",
    description: "Remove user from membership of selected Teams",
    taskDefinitionId: "06aa7acb-01af-4824-8899-b14e5ed788d6",
    // Microsoft's current task table: leavers only (the older API answer: joiner, leaver, mover).
    categories: ["leaver"],
    arguments: [teams(true)],
  },
  {
    name: "removeUserFromAllTeams",
    displayName: "Remove user from all Teams",
    description: "Remove user from all Teams memberships",
    taskDefinitionId: "81f7b200-2816-4b3b-8c5d-dc556f07b024",
    categories: ["leaver"],
    arguments: [],
  },
  {
    name: "enableUserAccount",
    displayName: "Enable user account",
    description: "Enable user account in the directory",
    taskDefinitionId: "6fc52c9d-398b-4305-9763-15f42c1676fc",
    categories: ["joiner", "leaver"],
    arguments: [onPremises("enableOnPremisesAccount", "enable")],
  },
  {
    name: "disableUserAccount",
    displayName: "Disable user account",
    description: "Disable user account in the directory",
    taskDefinitionId: "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950",
    // Microsoft's current task table: leavers only (the older API answer: joiner, leaver).
    categories: ["leaver"],
    arguments: [onPremises("disableOnPremisesAccount", "disable")],
  },
  {
    name: "deleteUserAccount",
    displayName: "Delete user account",
    description: "Delete user account in Azure AD",
    taskDefinitionId: "8d18588d-9ad3-4c0f-99d0-ec215f0e3dff",
    categories: ["leaver"],
    arguments: [onPremises("deleteOnPremisesAccount", "delete")],
  },
  {
    name: "runCustomTaskExtension",
    displayName: "Run a Custom Task Extension",
    description: "Run a Custom Task Extension to callout to an external system.",
    taskDefinitionId: "4262b724-8dba-4fad-afc3-43fcbb497a0e",
    categories: ["joiner", "leaver", "mover"],
    arguments: [
      {
        name: "extension",
        wireName: "customTaskExtensionID",
        required: true,
        type: { kind: "extension" },
        description:
          "Key of the custom task extension in `customTaskExtensions`, or the id (GUID) of an extension inbound does not manage.",
      },
    ],
  },
  {
    name: "requestUserAccessPackageAssignment",
    displayName: "Request user access package assignment",
    description: "Request user assignment to selected access package",
    taskDefinitionId: "c1ec1e76-f374-4375-aaa6-0bb6bd4c60be",
    categories: ["joiner", "mover"],
    arguments: [
      accessPackage,
      {
        name: "assignmentPolicyId",
        wireName: "assignmentPolicyId",
        required: true,
        type: { kind: "guid" },
        description: "Assignment policy id of the access package.",
      },
    ],
  },
  {
    name: "removeAccessPackageAssignment",
    displayName: "Remove access package assignment for user",
    description: "Remove user assignment of selected access package",
    taskDefinitionId: "4a0b64f2-c7ec-46ba-b117-18f262946c50",
    categories: ["leaver", "mover"],
    arguments: [accessPackage],
  },
  {
    name: "removeAllAccessPackageAssignments",
    displayName: "Remove all access package assignments for user",
    description: "Remove all access packages assigned to the user",
    taskDefinitionId: "42ae2956-193d-4f39-be06-691b8ac4fa1d",
    // Microsoft's current task table allows it in movers too (the older API answer: leaver).
    categories: ["leaver", "mover"],
    arguments: [],
  },
  {
    name: "cancelPendingAccessPackageRequests",
    displayName: "Cancel pending access package assignment requests for user",
    description: "Cancel all pending access packages assignment requests for the user",
    taskDefinitionId: "498770d9-bab7-4e4c-b73d-5ded82a1d0b3",
    // Microsoft's current task table: leavers only (the older API answer: leaver, mover).
    categories: ["leaver"],
    arguments: [],
  },
  {
    name: "assignLicenses",
    displayName: "Assign licenses to user",
    description: "Assign selected licenses to the user",
    taskDefinitionId: "683c87a4-2ad4-420b-97d4-220d90afcd24",
    categories: ["joiner", "mover"],
    arguments: [licenses],
  },
  {
    name: "removeLicenses",
    displayName: "Remove licenses from user",
    description: "Remove selected licenses assigned to the user",
    taskDefinitionId: "5fc402a8-daaf-4b7b-9203-da868b05fc5f",
    categories: ["leaver", "mover"],
    arguments: [licenses],
  },
  {
    name: "removeAllLicenses",
    displayName: "Remove all licenses for user",
    description: "Remove all licenses assigned to the user",
    taskDefinitionId: "8fa97d28-3e52-4985-b3a9-a1126f9b8b4e",
    categories: ["leaver"],
    arguments: [],
  },
  {
    name: "sendEmailBeforeLastDay",
    displayName: "Send email before user’s last day",
    description: "Send offboarding email to user’s manager before the last day of work",
    taskDefinitionId: "52853a3e-f4e5-4eb8-bb24-1ac09a1da935",
    categories: ["leaver"],
    arguments: emailArguments(),
  },
  {
    name: "sendEmailOnLastDay",
    displayName: "Send email on user’s last day",
    description: "Send offboarding email to user’s manager on the last day of work",
    taskDefinitionId: "9c0a1eaf-5bda-4392-9d9e-6e155bb57411",
    categories: ["leaver"],
    arguments: emailArguments(),
  },
  {
    name: "sendEmailAfterLastDay",
    displayName: "Send email after user’s last day",
    description: "Send offboarding email to user’s manager after the last day of work",
    taskDefinitionId: "6f22ddd4-b3a5-47a4-a846-0d7c201a49ce",
    categories: ["leaver"],
    arguments: emailArguments(),
  },
  {
    name: "notifyManagerOfUserMove",
    displayName: "Send email to notify manager of user move",
    description: "Send email to notify user’s manager of user move",
    taskDefinitionId: "aab41899-9972-422a-9d97-f626014578b7",
    categories: ["mover"],
    arguments: emailArguments(),
  },
  {
    name: "revokeAllRefreshTokens",
    displayName: "Revoke all refresh tokens for user",
    description: "Revoke all refresh tokens for user",
    taskDefinitionId: "509589a4-0466-4471-829e-49c5e502bdee",
    categories: ["leaver", "mover"],
    arguments: [],
  },
  // Looked up by display name; its argument (`attributeUpdates`, a JSON string) is sent as
  // written and checked offline against the how-to's limits (lib/lifecycle/checks.ts).
  {
    name: "updateUserAttributes",
    displayName: "Update user attributes",
    description: "Update or clear user attribute values including custom attributes",
    categories: ["joiner", "leaver", "mover"],
  },
  // Ids unconfirmed (see the top of this file) and arguments unknown: looked up by display name.
  {
    name: "sendSponsorshipChangeEmailToManager",
    displayName: "Send email to manager about sponsorship changes",
    description: "Send email to manager about sponsorship changes",
    categories: ["leaver", "mover"],
  },
  {
    name: "sendSponsorChangeEmailToCoSponsors",
    displayName: "Send email to co-sponsors about sponsor changes",
    description: "Send email to co-sponsors about sponsor changes",
    categories: ["leaver", "mover"],
  },
  {
    name: "transferAgentSponsorshipsToManager",
    displayName: "Transfer agent identity sponsorships to manager",
    description: "Transfer agent identity sponsorships to manager",
    categories: ["leaver", "mover"],
  },
  {
    name: "sendInactivityEmail",
    displayName: "Send email about user inactivity",
    description: "Send email about user inactivity",
    categories: ["leaver"],
  },
  {
    name: "sendUnsponsoredGuestRemovalEmail",
    displayName: "Send email about unsponsored guest removal",
    description: "Send email about unsponsored guest removal",
    categories: ["leaver"],
  },
];

const BY_NAME = new Map(TASKS.map((t) => [t.name, t]));
const BY_ID = new Map(
  TASKS.filter((t) => t.taskDefinitionId).map((t) => [t.taskDefinitionId!.toLowerCase(), t]),
);
export const TASK_NAMES: readonly string[] = TASKS.map((t) => t.name);

/** Keys of a task entry that set the Graph task's own properties, not its arguments. */
export const TASK_PROPERTIES = [
  "displayName",
  "description",
  "continueOnError",
  "enabled",
  "category",
] as const;

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function taskByName(name: string): TaskDefinition | undefined {
  return BY_NAME.get(name);
}

/** The catalog entry of a built-in task definition id, if it is one we know. */
export function taskById(taskDefinitionId: string): TaskDefinition | undefined {
  return BY_ID.get(taskDefinitionId.toLowerCase());
}

export function tasksForCategory(category: WorkflowCategory): string[] {
  return TASKS.filter((t) => t.categories.includes(category)).map((t) => t.name);
}

const PREVIEW = /\s*\(preview\)\s*$/i;

/**
 * Whether two task display names name the same task: case aside, and with or without the
 * " (Preview)" Microsoft appends while a task is in preview.
 */
export function sameTaskName(a: string, b: string): boolean {
  const bare = (name: string) => name.trim().replace(PREVIEW, "").toLowerCase();
  return bare(a) === bare(b);
}

/** Placeholder for a task definition id that is looked up by display name at deploy time. */
export const taskDefinitionPlaceholder = (displayName: string) => `<taskDefinition:${displayName}>`;
const PLACEHOLDER = /^<taskDefinition:(.+)>$/;
export function placeholderDisplayName(taskDefinitionId: string): string | undefined {
  return PLACEHOLDER.exec(taskDefinitionId)?.[1];
}

function describeType(type: ArgumentType): string {
  switch (type.kind) {
    case "integer":
      return `an integer ${type.min}-${type.max} (${type.unit})`;
    case "boolean":
      return "true or false";
    case "guid":
      return "a GUID";
    case "guidList":
      return "a GUID or a list of GUIDs";
    case "groups":
      return "a group display name or a list of them";
    case "stringList":
      return "a string or a list of strings";
    case "extension":
      return "a key of customTaskExtensions, or an existing extension's id";
    case "recipient":
      return `one of ${type.values.join(", ")} or a user object id`;
    case "string":
      return "a string";
  }
}

export function describeArgument(arg: TaskArgument): string {
  return `${arg.name} (${describeType(arg.type)})`;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const isScalar = (v: unknown) =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean";

const USER_ATTRIBUTE_RECIPIENT =
  /^User\/(otherMails|onPremisesExtensionAttributes\/extensionAttribute([1-9]|1[0-5])|extension_[0-9a-f]{32}_[A-Za-z0-9_]+|customSecurityAttributes\/[A-Za-z0-9_]+\/[A-Za-z0-9_]+)$/;

/**
 * What is wrong with one argument value, or undefined. `extensions` are the spec's extension keys.
 */
export function argumentProblem(
  arg: TaskArgument,
  value: unknown,
  extensions: readonly string[],
): string | undefined {
  const shown = JSON.stringify(value);
  const type = arg.type;
  switch (type.kind) {
    case "string":
      return isScalar(value) ? undefined : `${arg.name} must be a string, got ${shown}`;
    case "integer": {
      const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isInteger(n)) {
        return `${arg.name} must be an integer (${type.unit}), got ${shown}`;
      }
      if (n < type.min || n > type.max) {
        return `${arg.name} ${n} is out of range; use ${type.min}-${type.max} ${type.unit}`;
      }
      return undefined;
    }
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false"
        ? undefined
        : `${arg.name} must be true or false, got ${shown}`;
    case "guid":
      return typeof value === "string" && GUID.test(value)
        ? undefined
        : `${arg.name} must be a GUID like 00000000-0000-0000-0000-000000000000, got ${shown}`;
    case "guidList": {
      const bad = asList(value).find((v) => typeof v !== "string" || !GUID.test(v));
      return bad === undefined && asList(value).length > 0
        ? undefined
        : `${arg.name} must be user object ids (GUIDs), got ${JSON.stringify(bad ?? value)}`;
    }
    case "groups":
    case "stringList": {
      const list = asList(value);
      if (list.length === 0) return `${arg.name} must name at least one entry`;
      const bad = list.find((v) => typeof v !== "string" || v.trim() === "");
      return bad === undefined
        ? undefined
        : `${arg.name} entries must be non-empty strings, got ${JSON.stringify(bad)}`;
    }
    case "extension":
      if (typeof value === "string" && extensions.includes(value)) return undefined;
      // An extension inbound does not manage, by its id (`inbound export` writes those).
      if (typeof value === "string" && GUID.test(value)) return undefined;
      return extensions.length === 0
        ? `${arg.name} ${shown} is not a key of customTaskExtensions, which is empty; define the extension there, or give an existing extension's id`
        : `${arg.name} ${shown} is not a key of customTaskExtensions; defined: ${extensions.join(", ")}`;
    case "recipient": {
      if (typeof value !== "string") return `${arg.name} must be a string, got ${shown}`;
      if (type.values.includes(value) || GUID.test(value)) return undefined;
      if (type.userAttributes && USER_ATTRIBUTE_RECIPIENT.test(value)) return undefined;
      const allowed = [...type.values, "a user object id"];
      if (type.userAttributes) allowed.push("User/<attribute>");
      // The concepts page writes "Managers"; the API lists "Manager" (its task definitions:
      // https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecycleworkflowscontainer-list-taskdefinitions).
      const hint = value === "Managers" ? '; did you mean "Manager"?' : "";
      return `${arg.name} ${shown} is not a recipient${hint}; use ${allowed.join(", ")}`;
    }
  }
}

/** The value Graph expects: always a string; lists comma-separated. */
export function wireValue(
  arg: TaskArgument,
  value: unknown,
  resolve: { groupId(name: string): string; customTaskExtensionId(key: string): string },
): string {
  switch (arg.type.kind) {
    case "groups":
      return asList(value)
        .map((name) => resolve.groupId(String(name)))
        .join(",");
    case "guidList":
    case "stringList":
      return asList(value).map(String).join(",");
    case "extension":
      return resolve.customTaskExtensionId(String(value));
    default:
      return String(value);
  }
}
