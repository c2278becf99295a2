/**
 * The tenant spec: the single source of truth for its shape, its defaults and its documentation.
 * The JSON Schema for editors (config/tenant-spec.schema.json) and docs/tenant-spec.md are
 * generated from the descriptions here.
 *
 * Defaults are the secure choice and are defined here once: a deletion threshold is on, target
 * object Delete is off, the uploader's safeguard is on.
 */
import { z } from "zod";
import { graphUrlProblem } from "../graph/hosts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 5322 is far wider; this is what Entra accepts for a notification address in practice.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
// ISO 8601 duration as Graph writes it: PT30M, PT1H, P1D...
const ISO_DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

export const guid = () =>
  z.string().regex(GUID, { message: "must be a GUID like 00000000-0000-0000-0000-000000000000" });
const email = () =>
  z.string().regex(EMAIL, { message: "must be an email address like alerts@contoso.com" });
const domain = () =>
  z.string().regex(DOMAIN, { message: "must be a DNS domain name like contoso.com" });

/**
 * NCRONTAB as Azure Functions reads it: six fields, seconds first. Each field is `*`, a number, a
 * range `a-b`, a list `a,b` or a step `*\/n`; names of days and months are accepted too.
 */
const NCRONTAB_FIELD =
  /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;
const NCRONTAB_RANGES: [number, number][] = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
export function ncrontabProblem(text: string): string | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `must be an NCRONTAB expression with 6 fields (second minute hour day month day-of-week), got ${fields.length}`;
  }
  for (let i = 0; i < 6; i++) {
    const field = fields[i];
    if (!NCRONTAB_FIELD.test(field)) return `NCRONTAB field ${i + 1} "${field}" is not valid`;
    const [min, max] = NCRONTAB_RANGES[i];
    for (const n of field.match(/(?<![/\d])\d+/g) ?? []) {
      if (Number(n) < min || Number(n) > max) {
        return `NCRONTAB field ${i + 1} value ${n} is out of range ${min}-${max}`;
      }
    }
  }
  return undefined;
}
const ncrontab = () =>
  z.string().superRefine((value, ctx) => {
    const problem = ncrontabProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

// ---------------------------------------------------------------------------------------------
// provisioning

export const ATTRIBUTE_TYPES = [
  "string",
  "boolean",
  "integer",
  "dateTime",
  "reference",
  "binary",
] as const;

const scimExtension = z
  .strictObject({
    urn: z
      .string()
      .regex(/^urn:ietf:params:scim:schemas:extension:[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)*:User$/, {
        message:
          "must be a SCIM extension URN ending in :User, like urn:ietf:params:scim:schemas:extension:contoso:1.0:User",
      })
      .describe(
        "The SCIM schema URN of the custom attributes; listed in each bulk request's `schemas`.",
      ),
    attributes: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: "must be a name of letters, digits and _" }),
        z.enum(ATTRIBUTE_TYPES),
      )
      .describe("Custom attribute name: type. Referenced in expressions as `[ext:Name]`."),
  })
  .describe(
    "Custom attributes the API accepts besides SCIM core and enterprise (the portal's 'Edit attribute list for API').",
  );

const matchingRule = z
  .strictObject({
    source: z.string().min(1).describe("SCIM attribute of the incoming record, e.g. `externalId`."),
    target: z.string().min(1).describe("Entra / AD attribute to match on, e.g. `employeeId`."),
  })
  .describe("One matching attribute; the list order is Entra's matching precedence.");

export const SCOPE_OPERATORS = [
  "equals",
  "notEquals",
  "isTrue",
  "isFalse",
  "isNull",
  "isNotNull",
  "regexMatch",
  "notRegexMatch",
  "greaterThan",
  "greaterThanOrEquals",
  "includes",
  "endsWith",
  "lessThan",
] as const;
export const UNARY_SCOPE_OPERATORS: readonly string[] = [
  "isTrue",
  "isFalse",
  "isNull",
  "isNotNull",
];

const scopeClause = z
  .strictObject({
    attribute: z
      .string()
      .min(1)
      .describe("Source attribute (short forms `enterprise:` and `ext:` allowed)."),
    operator: z
      .enum(SCOPE_OPERATORS)
      .describe("Comparison; compiled to Entra's operator name, looked up at deploy time."),
    value: z
      .union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))])
      .optional()
      .describe("Value(s) to compare with; omitted for isTrue/isFalse/isNull/isNotNull."),
  })
  .superRefine((clause, ctx) => {
    const unary = UNARY_SCOPE_OPERATORS.includes(clause.operator);
    if (unary && clause.value !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `operator ${clause.operator} takes no value`,
      });
    }
    if (!unary && clause.value === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `operator ${clause.operator} needs a value`,
      });
    }
  });

const scope = z
  .strictObject({
    anyOf: z
      .array(
        z
          .strictObject({
            name: z.string().optional().describe("Name of the scoping group shown in the portal."),
            allOf: z.array(scopeClause).min(1).describe("Clauses that must all hold (AND)."),
          })
          .describe("One scoping filter group."),
      )
      .min(1)
      .describe("Groups of which any one must hold (OR)."),
  })
  .describe("Which incoming records are in scope. Omit to take every record.");

export const APPLY_MODES = ["always", "onCreate"] as const;

const mappingLong = z
  .strictObject({
    expression: z
      .string()
      .optional()
      .describe(
        "Entra attribute-mapping expression; omit for a 'None' mapping that only sets `default`.",
      ),
    default: z
      .union([z.string(), z.number(), z.boolean()])
      .optional()
      .describe("Value used when the expression evaluates to null (Entra: defaultValue)."),
    apply: z
      .enum(APPLY_MODES)
      .default("always")
      .describe(
        "When the mapping applies: `always` or `onCreate` (Entra flowType Always / ObjectAddOnly).",
      ),
  })
  .refine((m) => m.expression !== undefined || m.default !== undefined, {
    message: "a mapping needs an `expression`, a `default`, or both",
  });

export const mapping = z
  .union([z.string(), mappingLong])
  .describe('An expression string (`[attr]`, `"constant"`, `Join(...)`), or the long form.');

export const UPLOADER_KINDS = ["function", "logicApp", "none"] as const;

const columnMap = z
  .record(z.string().min(1), z.string().min(1))
  .refine((columns) => Object.keys(columns).length > 0, {
    message: "at least one column mapping is needed",
  });

const csvSettings = z
  .strictObject({
    delimiter: z.string().length(1).default(",").describe("Field delimiter of the HR file."),
    encoding: z
      .enum(["utf-8", "utf-16le", "latin1"])
      .default("utf-8")
      .describe("Text encoding of the HR file; a byte-order mark is recognised and skipped."),
    header: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "The HR file's column names. When given, `validate` checks every `[Column]` the expressions in `columns` read against it; otherwise columns are checked against the file's header at upload time.",
      ),
    columns: columnMap
      .optional()
      .describe(
        "The place `uploader.columns` had before other sources than CSV: still accepted, for CSV only; give one of the two.",
      ),
  })
  .describe("How to read the HR export.");

/**
 * The range of a Flex Consumption app's `maximumInstanceCount`: Microsoft's Flex Consumption
 * samples take 40-1000 (`@minValue(40)`, `@maxValue(1000)` in
 * https://github.com/Azure-Samples/azure-functions-flex-consumption-samples), and "Azure Functions
 * Flex Consumption plan hosting" gives 40 as the lowest maximum, lower values being accepted only
 * in some regions (https://learn.microsoft.com/en-us/azure/azure-functions/flex-consumption-plan).
 */
export const FLEX_MAXIMUM_INSTANCES = { lowest: 40, highest: 1000 } as const;
/** A JSON Pointer (RFC 6901): "" for the whole document, else "/"-separated tokens. */
const jsonPointer = () =>
  z.string().regex(/^(\/([^~]|~[01])*)*$/, {
    message: 'must be a JSON Pointer (RFC 6901), e.g. "/employees" or "/data/items"',
  });

const jsonSettings = z
  .strictObject({
    records: jsonPointer()
      .optional()
      .describe(
        "Where the records are when the file is one object holding them: a JSON Pointer to the array, e.g. `/employees`. Without it the file is a JSON array of records, or JSON Lines (one record per line).",
      ),
  })
  .describe("How to read an HR JSON file (`uploader.source: json`).");

/** The name of an environment variable (or app setting) holding a secret: never the secret. */
const envName = () =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    message: "must be the name of an environment variable (letters, digits, _), not its value",
  });

const restAuth = z
  .union([
    z
      .strictObject({
        bearerEnv: envName().describe(
          "Environment variable holding the bearer token sent as `Authorization: Bearer <token>`.",
        ),
      })
      .describe("A bearer token from an environment variable."),
    z
      .strictObject({
        oauth2: z.strictObject({
          tokenUrl: z
            .string()
            .url()
            .describe("The token endpoint: a client-credentials grant is posted to it."),
          clientId: z.string().min(1).describe("The client id."),
          clientSecretEnv: envName().describe(
            "Environment variable (in the Function: an app setting, which may be a Key Vault reference) holding the client secret.",
          ),
          scope: z
            .string()
            .min(1)
            .optional()
            .describe("The `scope` of the grant, if the API asks for one."),
        }),
      })
      .describe("OAuth 2.0 client credentials (RFC 6749 section 4.4)."),
    z
      .strictObject({
        apiKey: z.strictObject({
          header: z
            .string()
            .regex(/^[A-Za-z0-9-]+$/, { message: "must be an HTTP header name" })
            .describe("The header that carries the key, e.g. `X-API-Key`."),
          env: envName().describe("Environment variable holding the key."),
          prefix: z
            .string()
            .optional()
            .describe("Text before the key in the header, e.g. `Basic ` for a pre-encoded pair."),
        }),
      })
      .describe("An API key sent in a header."),
  ])
  .describe("How the uploader signs in to the HR API. Secrets come from the environment only.");

const restSettings = z
  .strictObject({
    url: z
      .string()
      .url()
      .refine(
        (url) => /^https:\/\//i.test(url) || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(url),
        {
          message: "must be https (http only for 127.0.0.1 or localhost)",
        },
      )
      .describe("The first page's URL."),
    method: z
      .enum(["GET", "POST"])
      .default("GET")
      .describe(
        "The HTTP method of each page's request: `POST` for an API whose bulk read is a search with its query in the body (HiBob's people search).",
      ),
    body: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "With `method: POST`: the JSON object sent as each page's request body, a read query such as the fields to return. Not a secret: it is in the spec.",
      ),
    records: jsonPointer()
      .default("")
      .describe(
        'JSON Pointer to the array of records in each page; `""` when the page is the array.',
      ),
    paging: z
      .union([
        z
          .strictObject({
            next: jsonPointer().describe(
              "JSON Pointer to the next page's URL (absolute or relative to the page); the last page has none, null or an empty string.",
            ),
          })
          .describe("Follow a link to the next page."),
        z
          .strictObject({
            pageParam: z.string().min(1).describe("Query parameter of the page number."),
            firstPage: z.number().int().min(0).default(1).describe("Number of the first page."),
            sizeParam: z.string().min(1).optional().describe("Query parameter of the page size."),
            size: z.number().int().min(1).default(100).describe("Records per page asked for."),
          })
          .describe("Numbered pages; a page with fewer records than `size` is the last."),
        z
          .strictObject({
            offsetParam: z
              .string()
              .min(1)
              .describe("Query parameter of the first record's offset."),
            limitParam: z.string().min(1).describe("Query parameter of the page size."),
            limit: z.number().int().min(1).default(100).describe("Records per page asked for."),
          })
          .describe("Offset and limit; a page with fewer records than `limit` is the last."),
      ])
      .optional()
      .describe("How to get the next page; without it the first page is all."),
    auth: restAuth,
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string())
      .optional()
      .describe("Extra request headers (not secrets: they are in the spec), e.g. `Accept`."),
    timeoutSeconds: z
      .number()
      .min(1)
      .max(600)
      .default(60)
      .describe("How long one request may wait for its answer before it is retried."),
    maxPages: z
      .number()
      .int()
      .min(1)
      .default(100000)
      .describe("A read that needs more pages than this stops: the paging is wrong."),
  })
  .refine((rest) => rest.body === undefined || rest.method === "POST", {
    path: ["body"],
    message: "a request body needs `method: POST`",
  })
  .describe(
    "An HR REST API (`uploader.source: rest`): read whole, every page, before anything is sent.",
  );

export const UPLOADER_SOURCES = ["csv", "json", "rest"] as const;

const uploader = z
  .strictObject({
    kind: z
      .enum(UPLOADER_KINDS)
      .default("function")
      .describe(
        "`function` (Azure Functions, Flex Consumption), `logicApp` (Consumption Logic App) or `none` (CLI only).",
      ),
    schedule: ncrontab()
      .default("0 30 1 * * *")
      .describe("NCRONTAB schedule of the deployed uploader (UTC)."),
    state: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Where `inbound upload` and `inbound report` keep the uploader's state (what was sent, the run lock, the run records) when `--state` is not given: a directory (relative to the spec file), or an Azure Blob container URL with an optional prefix (`https://<account>.blob.core.windows.net/<container>/<prefix>`), so that a run on another machine (CI) finds it. Default `.inbound-state/<tenant>/<app>`.",
      ),
    safeguard: z
      .strictObject({
        maxDisablePercent: z
          .number()
          .min(0)
          .max(100)
          .default(10)
          .describe(
            "Refuse a run that would disable, or lose, more than this share of known users.",
          ),
        maxLeaverPercent: z
          .number()
          .min(0)
          .max(100)
          .default(5)
          .describe(
            "Refuse a run that sets or moves the leave date of more than this share of known users to a day within leaverWindowDays (`--allow-leavers` overrides).",
          ),
        leaverWindowDays: z
          .number()
          .int()
          .min(1)
          .max(3650)
          .default(30)
          .describe("How many days ahead a new leave date counts for maxLeaverPercent."),
        maxChangePercent: z
          .number()
          .min(0)
          .max(100)
          .default(20)
          .describe(
            "Refuse a run that changes, for more than this share of known users, an attribute that a workflow trigger (`attributeChanged`), a workflow scope or the provisioning scope reads (`--allow-changes` overrides).",
          ),
      })
      .default({
        maxDisablePercent: 10,
        maxLeaverPercent: 5,
        leaverWindowDays: 30,
        maxChangePercent: 20,
      })
      .describe(
        "Guards against a truncated or wrong HR file: mass disables, missing records, leave dates and changes that start workflows.",
      ),
    rate: z
      .strictObject({
        requestsPerWindow: z
          .number()
          .int()
          .min(1)
          .max(40)
          .default(40)
          .describe("Requests per window (API limit 40)."),
        windowSeconds: z
          .number()
          .min(1)
          .default(5)
          .describe("Window length in seconds (API limit: 5)."),
        dailyQuota: z
          .number()
          .int()
          .min(1)
          .default(2000)
          .describe(
            "bulkUpload calls per 24 h: 2,000 with Entra ID P1/P2, 6,000 with ID Governance.",
          ),
      })
      .default({ requestsPerWindow: 40, windowSeconds: 5, dailyQuota: 2000 })
      .describe("API rate limits; the uploader stays under them."),
    requests: z
      .strictObject({
        timeoutSeconds: z
          .number()
          .min(1)
          .max(600)
          .default(100)
          .describe(
            "How long one bulkUpload request may wait for an answer before it is retried (Microsoft's Graph SDKs wait 100 s).",
          ),
        stopAfterRepeatedErrors: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe(
            "Stop the run when this many requests in a row are answered with the same 400 or 404 (401 and 403 stop at once): the rest would fail too, and each costs a call of the daily quota.",
          ),
      })
      .default({ timeoutSeconds: 100, stopAfterRepeatedErrors: 3 })
      .describe("How bulkUpload requests give up."),
    httpTrigger: z
      .strictObject({
        audience: z
          .string()
          .min(1)
          .describe(
            "The `aud` the caller's token must carry, naming the app registration the HR system requests its token for: with the default v1.0 issuer its Application ID URI (e.g. `api://contoso-hr-push`); with a v2.0 issuer its client id (a GUID), which v2.0 access tokens always carry as `aud`.",
          ),
        callerAppId: guid().describe(
          "Client id of the HR system's app registration or managed identity: only its tokens are accepted (`appid` claim, `azp` for a v2.0 issuer).",
        ),
        issuer: z
          .string()
          .regex(/^https:\/\/(sts\.windows\.net|login\.microsoftonline\.com)\//, {
            message:
              "must start with https://sts.windows.net/ or https://login.microsoftonline.com/ (the issuers Logic Apps accepts)",
          })
          .optional()
          .describe(
            "Token issuer. Defaults to `https://sts.windows.net/<tenant.id>/` (v1 tokens).",
          ),
        allowedCallerIpRanges: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe("Caller IP ranges (`x.x.x.x/n` or `x.x.x.x-y.y.y.y`). Defaults to any."),
      })
      .optional()
      .describe(
        "`logicApp` kind (required there): the push trigger accepts only an Entra ID token from this caller; the callback URL's signature alone is refused.",
      ),
    storageAccountName: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, {
        message:
          "must be 3-24 lowercase letters and digits (it becomes <name>.blob.core.windows.net)",
      })
      .optional()
      .describe(
        "`function` and `logicApp` kinds: the storage account's name, global across Azure. Defaults to `inb<tenant><app><hash of tenant.id>`.",
      ),
    dropRetentionDays: z
      .number()
      .int()
      .min(0)
      .default(30)
      .describe(
        "`function` and `logicApp` kinds: days after which files in the drop container are deleted, since they are HR personal data; 0 keeps them.",
      ),
    blobEventSubscription: z
      .boolean()
      .default(false)
      .describe(
        "`function` kind: also run when a CSV lands in the drop container (an Event Grid subscription to the blob extension's webhook). Turn it on in a second `pulumi up`, once the function code is deployed (docs/uploader-azure.md); until then the timer alone picks the newest CSV up.",
      ),
    functionApp: z
      .strictObject({
        instanceMemoryMB: z
          .union([z.literal(512), z.literal(2048), z.literal(4096)])
          .default(2048)
          .describe("Memory of one Flex Consumption instance: 512, 2048 or 4096 MB."),
        maximumInstanceCount: z
          .number()
          .int()
          .min(FLEX_MAXIMUM_INSTANCES.lowest, {
            message: `must be at least ${FLEX_MAXIMUM_INSTANCES.lowest}: the lowest maximum every Flex Consumption region accepts (lower values only in some regions; docs/uploader-azure.md)`,
          })
          .max(FLEX_MAXIMUM_INSTANCES.highest, {
            message: `must be at most ${FLEX_MAXIMUM_INSTANCES.highest}, the highest Flex Consumption allows`,
          })
          .default(FLEX_MAXIMUM_INSTANCES.lowest)
          .describe(
            `Most instances at once: ${FLEX_MAXIMUM_INSTANCES.lowest} (the lowest every region accepts) to ${FLEX_MAXIMUM_INSTANCES.highest}. The state's lease lets one run at a time send, however many instances start.`,
          ),
      })
      .default({ instanceMemoryMB: 2048, maximumInstanceCount: FLEX_MAXIMUM_INSTANCES.lowest })
      .describe("`function` kind: Flex Consumption sizing."),
    keyVault: z
      .strictObject({
        id: z
          .string()
          .regex(
            /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[A-Za-z0-9-]{3,24}$/i,
            {
              message:
                "must be a Key Vault's resource id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>",
            },
          )
          .describe(
            "Resource id of the Key Vault (Azure RBAC permission model) that holds the HR API's secrets.",
          ),
        secrets: z
          .record(
            envName(),
            z.string().regex(/^[0-9A-Za-z-]{1,127}$/, {
              message: "must be a Key Vault secret name (letters, digits and -)",
            }),
          )
          .describe(
            "App setting (the environment variable `rest.auth` names) to the name of the Key Vault secret that fills it, e.g. `HR_TOKEN: hr-api-token`. The setting becomes a Key Vault reference, and the uploader's identity is made Key Vault Secrets User of that secret alone.",
          ),
      })
      .optional()
      .describe(
        "`function` kind: where the deployed uploader's secrets for the HR API (`source: rest`) come from. The app settings are Key Vault references, resolved by the platform; no secret is in the spec, the stack or the app settings.",
      ),
    source: z
      .enum(UPLOADER_SOURCES)
      .default("csv")
      .describe(
        "Where the records come from: `csv` (a file), `json` (a file: an array, an object holding one, or JSON Lines) or `rest` (an HR API, `uploader.rest`).",
      ),
    columns: columnMap
      .optional()
      .describe(
        "SCIM attribute: expression over the HR record's fields (`[WorkerID]`; a JSON record's nested field with dots, `[name.first]`). Must map `externalId`.",
      ),
    csv: csvSettings.default({ delimiter: ",", encoding: "utf-8" }),
    json: jsonSettings.optional(),
    rest: restSettings.optional(),
  })
  .superRefine((uploader, ctx) => {
    if (uploader.columns && uploader.csv.columns) {
      ctx.addIssue({
        code: "custom",
        path: ["csv", "columns"],
        message:
          "give the column mapping once: `uploader.columns` (csv.columns is its older place)",
      });
    } else if (!uploader.columns && !uploader.csv.columns) {
      ctx.addIssue({
        code: "custom",
        path: ["columns"],
        message: "the uploader needs `columns`: SCIM attribute to expression over the HR record",
      });
    }
    if (uploader.source !== "csv" && uploader.csv.columns) {
      ctx.addIssue({
        code: "custom",
        path: ["csv", "columns"],
        message: `a ${uploader.source} source reads \`uploader.columns\`; move the mapping there`,
      });
    }
    if (uploader.source === "rest" && !uploader.rest) {
      ctx.addIssue({
        code: "custom",
        path: ["rest"],
        message: "`source: rest` needs `rest: { url, records, auth }`",
      });
    }
  })
  .describe("The uploader that turns the HR records into SCIM bulk requests.");

/**
 * The column mapping wherever the spec writes it (`uploader.columns`, or the older
 * `uploader.csv.columns`), with its path under the uploader for diagnostics.
 */
export function uploaderColumns(uploader: Uploader | undefined): {
  columns: Record<string, string>;
  path: string[];
} {
  if (uploader?.csv.columns) return { columns: uploader.csv.columns, path: ["csv", "columns"] };
  return { columns: uploader?.columns ?? {}, path: ["columns"] };
}

export const TARGETS = ["entra", "activeDirectory"] as const;
export const ACTIONS = ["create", "update", "delete"] as const;

export const provisioningApp = z
  .strictObject({
    displayName: z.string().min(1).max(256).describe("Display name of the enterprise application."),
    target: z
      .enum(TARGETS)
      .default("entra")
      .describe("Where accounts are provisioned: `entra` or `activeDirectory`."),
    activeDirectory: z
      .strictObject({
        domain: domain().describe("The on-premises AD domain, e.g. contoso.local."),
        defaultOu: z
          .string()
          .regex(/^(OU|CN)=.+,DC=.+/i, {
            message: "must be a distinguished name like OU=Users,DC=contoso,DC=local",
          })
          .describe("OU for new accounts when no parentDistinguishedName mapping says otherwise."),
      })
      .optional()
      .describe("Settings of an `activeDirectory` target."),
    notificationEmail: email().describe(
      "Receives quarantine and accidental-deletion alerts (mandatory in Entra).",
    ),
    deletionThreshold: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe(
        "Accidental-deletion guard: a cycle that would delete more accounts than this stops.",
      ),
    skipOutOfScopeDeletions: z
      .boolean()
      .default(false)
      .describe(
        "Keep accounts that leave the scope instead of disabling them (Entra: SkipOutOfScopeDeletions).",
      ),
    actions: z
      .array(z.enum(ACTIONS))
      .min(1)
      .default(["create", "update"])
      .describe("Target object actions. `delete` is off unless asked for."),
    scimExtension: scimExtension.optional(),
    matching: z
      .array(matchingRule)
      .min(1)
      .default([{ source: "externalId", target: "employeeId" }])
      .describe("Matching precedence: the first rule is tried first."),
    scope: scope.optional(),
    mappings: z
      .record(z.string().min(1), mapping)
      .describe(
        "Target attribute: mapping. These are all of the job's mappings; nothing is kept from the template.",
      ),
    uploader: uploader.optional(),
    applicationTemplateId: guid()
      .optional()
      .describe(
        "Override of the gallery template id; by default it is looked up by display name at deploy time.",
      ),
    synchronizationTemplateId: z
      .string()
      .optional()
      .describe(
        "Override of the synchronization template id (e.g. API2AAD); by default discovered at deploy time.",
      ),
  })
  .superRefine((app, ctx) => {
    if (app.target === "activeDirectory" && !app.activeDirectory) {
      ctx.addIssue({
        code: "custom",
        path: ["activeDirectory"],
        message: "an activeDirectory target needs `activeDirectory: { domain, defaultOu }`",
      });
    }
    if (app.target === "entra" && app.activeDirectory) {
      ctx.addIssue({
        code: "custom",
        path: ["activeDirectory"],
        message: "`activeDirectory` applies only to `target: activeDirectory`",
      });
    }
  })
  .describe("One API-driven provisioning app: one HR population.");

// ---------------------------------------------------------------------------------------------
// lifecycle workflows

export const WORKFLOW_CATEGORIES = ["joiner", "mover", "leaver"] as const;
export const TRIGGER_ATTRIBUTES = [
  "employeeHireDate",
  "employeeLeaveDateTime",
  "createdDateTime",
  "lastSignInDateTime",
] as const;

const timeTrigger = z
  .strictObject({
    attribute: z.enum(TRIGGER_ATTRIBUTES).describe("The user date the workflow is timed from."),
    offsetDays: z
      .number()
      .int()
      .min(-180)
      .max(180)
      .default(0)
      .describe("Days before (negative) or after the date."),
  })
  .describe("Time-based trigger.");

const attributeChangeTrigger = z
  .strictObject({
    attributeChanged: z
      .array(z.string().min(1))
      .min(1)
      .describe("Mover trigger: the workflow runs when any of these user attributes changes."),
  })
  .describe("Attribute-change trigger (movers).");

const groupTrigger = z
  .strictObject({
    group: z
      .string()
      .min(1)
      .describe("Display name of the group, resolved to its id at deploy time."),
    change: z
      .enum(["added", "removed"])
      .describe("Run when a user is added to or removed from the group."),
  })
  .describe("Group-membership trigger.");

const taskEntry = z
  .union([
    z.string().min(1),
    z.record(z.string().min(1), z.union([z.record(z.string(), z.unknown()), z.null()])),
  ])
  .describe("A task: its name (`sendWelcomeEmail`) or `name: { arguments }`.");

const workflow = z
  .strictObject({
    category: z.enum(WORKFLOW_CATEGORIES).describe("`joiner`, `mover` or `leaver`."),
    displayName: z.string().min(1).max(256).describe("Workflow name shown in the portal."),
    description: z.string().max(1024).optional().describe("Workflow description."),
    enabled: z.boolean().default(true).describe("Whether the workflow runs at all."),
    schedulingEnabled: z
      .boolean()
      .default(true)
      .describe("Whether the workflow runs on the tenant schedule."),
    trigger: z
      .union([timeTrigger, attributeChangeTrigger, groupTrigger])
      .describe("When the workflow runs for a user."),
    scope: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Users in scope, in Entra's rule syntax: `(department eq 'IT') and (employeeType eq 'Employee')`.",
      ),
    tasks: z.array(taskEntry).min(1).max(25).describe("Tasks in order (at most 25)."),
    purgeOnDelete: z
      .boolean()
      .default(false)
      .describe("When the workflow is removed from the spec, also purge it from deleted items."),
  })
  .describe("One lifecycle workflow.");

const customTaskExtension = z
  .strictObject({
    displayName: z.string().min(1).describe("Name of the custom task extension."),
    description: z.string().optional().describe("Description."),
    logicApp: z
      .strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_.()-]{1,80}$/, {
            message: "must be a Logic App name of letters, digits and _.()-",
          })
          .describe("Name of the Logic App to create."),
        resourceGroup: z
          .string()
          .optional()
          .describe("Resource group; defaults to `azure.resourceGroup`."),
      })
      .describe("The Consumption Logic App that implements the extension."),
    callbackTimeout: z
      .string()
      .regex(ISO_DURATION, { message: "must be an ISO 8601 duration like PT30M" })
      .default("PT30M")
      .describe("How long Lifecycle Workflows waits for the Logic App's callback (PT5M to PT3H)."),
  })
  .describe("A custom task extension backed by a Logic App.");

/**
 * Graph's quarantineConfiguration (v1.0): a list of count- or percentage-based conditions and
 * whether any or all must be met
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-quarantineconfiguration).
 * Graph documents no range for either threshold; the bounds here are only what a count of users
 * and a percentage can mean.
 */
const quarantineCondition = z.union([
  z
    .strictObject({
      threshold: z
        .number()
        .int()
        .min(0)
        .max(Number.MAX_SAFE_INTEGER)
        .describe(
          "countBasedQuarantineCondition: the most users one scheduled run may process before the workflow is quarantined.",
        ),
    })
    .describe("A limit on the number of users one run processes."),
  z
    .strictObject({
      percentage: z
        .number()
        .int()
        .min(0)
        .max(100)
        .describe(
          "percentageBasedQuarantineCondition: the largest percentage of in-scope users one scheduled run may process before the workflow is quarantined.",
        ),
    })
    .describe("A limit on the percentage of in-scope users one run processes."),
]);

const quarantineConfiguration = z
  .strictObject({
    matchMode: z
      .enum(["any", "all"])
      .default("any")
      .describe(
        "Whether any or all conditions must be met for a workflow to be quarantined. `any` is what the admin center does with both limits set.",
      ),
    conditions: z
      .array(quarantineCondition)
      .min(1)
      .max(2)
      .refine(
        (list) =>
          new Set(list.map((c) => ("threshold" in c ? "count" : "percentage"))).size ===
          list.length,
        {
          message: "at most one `threshold` and one `percentage` condition",
        },
      )
      .describe(
        "The execution limits: `{threshold: N}` (users per run) and/or `{percentage: P}` (percent of in-scope users per run).",
      ),
  })
  .describe(
    "Execution limits for every workflow without its own: a scheduled run that would exceed them quarantines the workflow until a Lifecycle Workflows Administrator, signed in, approves it (docs/lifecycle-workflows.md#quarantine). Left out, the tenant's limits stay as they are.",
  );

const lifecycleWorkflowSettings = z
  .strictObject({
    workflowScheduleIntervalInHours: z
      .number()
      .int()
      .min(1)
      .max(24)
      .default(3)
      .describe("How often scheduled workflows run (1-24 h)."),
    emailSettings: z
      .strictObject({
        senderDomain: domain()
          .optional()
          .describe("Verified domain that Lifecycle Workflows mail is sent from."),
        useCompanyBranding: z
          .boolean()
          .default(false)
          .describe("Use the tenant's company branding in mails."),
      })
      .optional(),
    quarantineConfiguration: quarantineConfiguration.optional(),
  })
  .describe("Tenant-wide Lifecycle Workflows settings.");

// ---------------------------------------------------------------------------------------------
// monitoring

const WORKSPACE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.OperationalInsights\/workspaces\/[A-Za-z0-9-]{4,63}$/i;

/** Defaults of `monitoring`, defined once: the schema's and the component's. */
export const MONITORING_DEFAULTS = {
  retentionInDays: 30,
  provisioningFailuresPerHour: 10,
  // The default schedule runs daily; a day and two hours without a run means one was missed.
  uploaderMissedRunHours: 26,
  // The logs trail an accepted request by minutes; two hours without one record processed is a
  // stopped job, not a slow one.
  acceptedNotProcessedHours: 2,
} as const;

const monitoringAlerts = z
  .strictObject({
    provisioningFailuresPerHour: z
      .number()
      .int()
      .min(1)
      .default(MONITORING_DEFAULTS.provisioningFailuresPerHour)
      .describe(
        "Alert when more provisioning log records than this fail within an hour, per provisioning app (AADProvisioningLogs, ResultType failure).",
      ),
    quarantine: z
      .boolean()
      .default(true)
      .describe(
        "Alert when a provisioning job goes into quarantine (audit activity `Quarantine`).",
      ),
    uploaderFailures: z
      .boolean()
      .default(true)
      .describe(
        "Alert when an uploader run fails: for a `function` uploader, Application Insights requests of its functions with Success false; for a `logicApp` uploader, the workflow's RunsFailed metric.",
      ),
    uploaderMissedRunHours: z
      .number()
      .int()
      .min(0)
      .max(48)
      .default(MONITORING_DEFAULTS.uploaderMissedRunHours)
      .describe(
        "Alert when a `function` uploader has not run for this many hours: set it a little above the longest gap of `uploader.schedule` (`validate` warns when it is not); at most 48, since the rule reads the last two days of logs; 0 turns the alert off.",
      ),
    acceptedNotProcessedHours: z
      .number()
      .int()
      .min(0)
      .max(24)
      .default(MONITORING_DEFAULTS.acceptedNotProcessedHours)
      .describe(
        "Alert when a `function` uploader's run had records accepted by bulkUpload and the provisioning job processed none of them within this many hours (no AADProvisioningLogs record of the job): a paused job, or an inactive provisioning agent; 0 turns the alert off.",
      ),
    lifecycleWorkflowFailures: z
      .boolean()
      .default(true)
      .describe("Alert when a lifecycle workflow run has failed tasks (Entra audit logs)."),
    lifecycleWorkflowQuery: z
      .string()
      .min(1)
      .optional()
      .describe(
        "KQL over the workspace that returns one row per failed lifecycle workflow task, replacing the default over AuditLogs (Lifecycle Workflows service, TaskManagement and WorkflowManagement categories, result failure): Microsoft notes that audit activities of Lifecycle Workflows may change.",
      ),
    workflowQuarantine: z
      .boolean()
      .default(true)
      .describe(
        "Alert when a lifecycle workflow is quarantined by its execution limits (Entra audit logs; the activity name is not documented, see `workflowQuarantineQuery`).",
      ),
    workflowQuarantineQuery: z
      .string()
      .min(1)
      .optional()
      .describe(
        'KQL over the workspace that returns one row per workflow quarantine, replacing the default over AuditLogs (Lifecycle Workflows service, an activity whose name contains "quarantin"): Microsoft documents no audit activity for it, so check the tenant\'s audit log and set this when the default misses it.',
      ),
  })
  .describe("Log search alert rules; each sends mail through the action group.");

const monitoring = z
  .strictObject({
    workspace: z
      .strictObject({
        existingId: z
          .string()
          .regex(WORKSPACE_ID, {
            message:
              "must be a Log Analytics workspace resource id like /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>",
          })
          .optional()
          .describe("Use this existing Log Analytics workspace instead of creating one."),
        name: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/, {
            message: "must be 4-63 letters, digits and -, starting and ending alphanumeric",
          })
          .optional()
          .describe("Name of the created workspace. Defaults to `<tenant.name>-inbound-logs`."),
        retentionInDays: z
          .number()
          .int()
          .min(30)
          .max(730)
          .optional()
          .describe("Retention of the created workspace, 30-730 days. Defaults to 30."),
      })
      .superRefine((workspace, ctx) => {
        if (workspace.existingId === undefined) return;
        for (const key of ["name", "retentionInDays"] as const) {
          if (workspace[key] !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: `\`${key}\` applies only to a workspace inbound creates; leave it out with \`existingId\``,
            });
          }
        }
      })
      .default({})
      .describe(
        "The Log Analytics workspace: created in `azure.resourceGroup`, or an existing one.",
      ),
    entraDiagnosticSetting: z
      .boolean()
      .default(true)
      .describe(
        "Create the tenant's Entra diagnostic setting that sends ProvisioningLogs and AuditLogs to the workspace. Set false when the tenant already sends them there (Entra allows few settings per tenant).",
      ),
    notificationEmails: z
      .array(email())
      .min(1)
      .optional()
      .describe(
        "Who the action group mails. Defaults to the provisioning apps' `notificationEmail`s.",
      ),
    alerts: monitoringAlerts.default({
      provisioningFailuresPerHour: MONITORING_DEFAULTS.provisioningFailuresPerHour,
      quarantine: true,
      uploaderFailures: true,
      uploaderMissedRunHours: MONITORING_DEFAULTS.uploaderMissedRunHours,
      acceptedNotProcessedHours: MONITORING_DEFAULTS.acceptedNotProcessedHours,
      lifecycleWorkflowFailures: true,
      workflowQuarantine: true,
    }),
    workbook: z
      .boolean()
      .default(true)
      .describe(
        "Deploy a workbook over the workspace: outcomes over time, top errors, joiners and leavers processed.",
      ),
  })
  .describe(
    "Azure Monitor for the tenant: Entra's provisioning and audit logs in Log Analytics, alert rules, an action group and a workbook (docs/monitoring.md). Needs `azure`.",
  );

// ---------------------------------------------------------------------------------------------
// the file

export const tenantSpec = z
  .strictObject({
    $schema: z.string().optional().describe("JSON Schema reference for editors; ignored."),
    extends: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe(
        "Base file(s) this file extends, relative to it. Maps deep-merge, lists replace, keyed maps merge by key.",
      ),
    tenant: z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$/, {
            message: "must be 2-32 characters of a-z, 0-9 and -",
          })
          .describe("Short name used in resource names."),
        id: guid().describe("Entra tenant id."),
        domain: domain().describe("Primary domain; available in strings as ${tenant.domain}."),
      })
      .describe("The Entra tenant."),
    azure: z
      .strictObject({
        subscriptionId: guid().describe("Azure subscription of the uploader's resources."),
        resourceGroup: z
          .string()
          .regex(/^[-\w._()]{1,90}$/, { message: "must be a resource group name" })
          .describe("Resource group (created)."),
        location: z
          .string()
          .regex(/^[a-z0-9]+$/, { message: "must be an Azure region name like westeurope" })
          .describe("Azure region."),
        tags: z
          .record(z.string().min(1).max(512), z.string().max(256))
          .optional()
          .describe("Tags put on every Azure resource inbound creates."),
      })
      .optional()
      .describe("Where the uploader's and extensions' Azure resources live."),
    provisioning: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "must be a key of a-z, 0-9 and -" }),
        provisioningApp,
      )
      .default({})
      .describe("API-driven provisioning apps by key."),
    lifecycleWorkflows: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "must be a key of a-z, 0-9 and -" }),
        workflow,
      )
      .default({})
      .describe("Lifecycle workflows by key."),
    customTaskExtensions: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "must be a key of a-z, 0-9 and -" }),
        customTaskExtension,
      )
      .default({})
      .describe("Custom task extensions by key."),
    lifecycleWorkflowSettings: lifecycleWorkflowSettings.optional(),
    monitoring: monitoring.optional(),
    attributesSetElsewhere: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_/]*$/, { message: "must be an Entra user attribute" }),
        z.string().min(1),
      )
      .default({})
      .describe(
        "Entra user attribute: what sets it, for attributes that workflows read but no provisioning app of this spec writes, or whose SCIM source no uploader column sends because another system posts it (e.g. `employeeLeaveDateTime: Entra Connect from on-premises AD`). `validate` then trusts that they are set.",
      ),
    graph: z
      .strictObject({
        baseUrl: z
          .url()
          .superRefine((url, ctx) => {
            const problem = graphUrlProblem(url);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          })
          .default("https://graph.microsoft.com")
          .describe(
            "Graph endpoint, which receives the Graph token: https:// on a Microsoft Graph host of a national cloud (graph.microsoft.com, graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn), or http://127.0.0.1, localhost or [::1] for the emulator.",
          ),
      })
      .default({ baseUrl: "https://graph.microsoft.com" })
      .describe("Microsoft Graph endpoint."),
  })
  .describe("One Entra tenant's HR-driven identity flow.");

/** The spec after defaults, as the rest of the program sees it. */
export type TenantSpec = z.output<typeof tenantSpec>;
/** The spec as written (before defaults). */
export type TenantSpecInput = z.input<typeof tenantSpec>;
export type ProvisioningApp = TenantSpec["provisioning"][string];
export type Mapping = z.output<typeof mapping>;
export type Workflow = TenantSpec["lifecycleWorkflows"][string];
export type CustomTaskExtension = TenantSpec["customTaskExtensions"][string];
export type Uploader = NonNullable<ProvisioningApp["uploader"]>;
export type ScopeClause = z.output<typeof scopeClause>;
export type Monitoring = NonNullable<TenantSpec["monitoring"]>;
