/**
 * One API-driven inbound provisioning app (one `provisioning` entry of the spec): the gallery app
 * instantiated from its template, its provisioning job, the job's secrets and schema, and the start
 * of the job once both are in place, as in
 * https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-configuration-api.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import type { ProvisioningApp } from "../lib/model/schema";
import { EXPECTED_TEMPLATE } from "../lib/provisioning/graphApi";
import { APPLICATION_TEMPLATE_NAMES } from "../lib/provisioning/graphApi";
import { schemaSpecOf } from "../lib/provisioning/managed";
import { bulkUploadUrl } from "../lib/tenant";
import {
  BEST_GUESS_AD_SECRET_KEYS,
  compileSecrets,
  type ActiveDirectorySecretKeys,
} from "../lib/provisioning/secrets";
import { ProvisioningJob, ProvisioningJobStart } from "./graph/provisioningJob";
import { SynchronizationSchema } from "./graph/synchronizationSchema";
import { SynchronizationSecrets } from "./graph/synchronizationSecrets";

export const API_PROVISIONING_APP_TYPE = "inbound:provisioning:ApiProvisioningApp";

export interface ApiProvisioningAppArgs {
  /** The spec's provisioning app, after defaults (plain: it decides which children exist). */
  readonly app: ProvisioningApp;
  /** The app's key under `provisioning`; named in error messages. */
  readonly appKey: string;
  /** The tenant's short name (spec `tenant.name`); informational. */
  readonly tenantName?: string;
  /** Graph endpoint, e.g. https://graph.microsoft.com (spec `graph.baseUrl`). */
  readonly graphBaseUrl: string;
  /**
   * The spec's tenant id (`tenant.id`). The Graph resources then refuse a sign-in token of any
   * other tenant, as the azuread provider pinned to this tenant does. Omit only in tests.
   */
  readonly tenantId?: string;
  /**
   * Secret keys of an `activeDirectory` target's domain and OU. UNCONFIRMED in Microsoft's docs:
   * read them from a portal-configured app. Defaults to the stack config
   * `inbound:activeDirectorySecretKeys` (JSON), else a best guess with a warning.
   */
  readonly activeDirectorySecretKeys?: ActiveDirectorySecretKeys;
  /**
   * The azuread import id of an app that already exists
   * (`/applicationTemplates/{template}/instantiate/{application}/{servicePrincipal}`): it is
   * imported instead of instantiated, and its job, secrets and schema are adopted through it (the
   * job resource takes the job the service principal has; secrets and schema are written only
   * where they differ from the spec). See docs/adopting.md.
   */
  readonly adoptApplication?: string;
}

export class ApiProvisioningApp extends pulumi.ComponentResource {
  /** Object id of the app's service principal (the `{servicePrincipalId}` of every URL). */
  public readonly servicePrincipalId: pulumi.Output<string>;
  /** Id of the provisioning job, `API2AAD.<tenant>.<guid>` or `API2AD.…` as observed. */
  public readonly jobId: pulumi.Output<string>;
  /** Where the uploader posts SCIM bulk requests. */
  public readonly bulkUploadUrl: pulumi.Output<string>;
  public readonly application: azuread.ApplicationFromTemplate;
  public readonly job: ProvisioningJob;
  public readonly secrets: SynchronizationSecrets;
  public readonly schema: SynchronizationSchema;
  public readonly start: ProvisioningJobStart;

  constructor(name: string, args: ApiProvisioningAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super(API_PROVISIONING_APP_TYPE, name, {}, opts);
    const { app, appKey } = args;
    const child = { parent: this };
    // Where Graph is and which tenant it must be, for every Graph resource of the app.
    const graph = args.tenantId
      ? { graphBaseUrl: args.graphBaseUrl, tenantId: args.tenantId }
      : { graphBaseUrl: args.graphBaseUrl };

    // Template ids are undocumented: looked up by the gallery name
    // (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-configure-app).
    const templateId =
      app.applicationTemplateId ??
      azuread.getApplicationTemplateOutput(
        { displayName: APPLICATION_TEMPLATE_NAMES[app.target] },
        child,
      ).templateId;
    this.application = new azuread.ApplicationFromTemplate(
      `${name}-app`,
      { displayName: app.displayName, templateId },
      args.adoptApplication ? { ...child, import: args.adoptApplication } : child,
    );
    this.servicePrincipalId = this.application.servicePrincipalObjectId;

    this.job = new ProvisioningJob(
      `${name}-job`,
      {
        servicePrincipalId: this.servicePrincipalId,
        synchronizationTemplateId: app.synchronizationTemplateId,
        expectedTemplateId: EXPECTED_TEMPLATE[app.target],
        ...graph,
      },
      child,
    );
    this.jobId = this.job.jobId;

    this.secrets = new SynchronizationSecrets(
      `${name}-secrets`,
      {
        servicePrincipalId: this.servicePrincipalId,
        credentials: compileSecrets(app, activeDirectoryKeys(app, appKey, args)),
        ...graph,
      },
      { parent: this, dependsOn: [this.job] },
    );

    this.schema = new SynchronizationSchema(
      `${name}-schema`,
      {
        servicePrincipalId: this.servicePrincipalId,
        jobId: this.jobId,
        appKey,
        provisioning: schemaSpecOf(app),
        ...graph,
      },
      child,
    );

    // Started last: without the notification email the job goes into quarantine
    // (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-configure-app).
    this.start = new ProvisioningJobStart(
      `${name}-start`,
      { servicePrincipalId: this.servicePrincipalId, jobId: this.jobId, ...graph },
      { parent: this, dependsOn: [this.secrets, this.schema] },
    );

    this.bulkUploadUrl = pulumi
      .all([this.servicePrincipalId, this.jobId])
      .apply(([sp, job]) => bulkUploadUrl(args.graphBaseUrl, sp, job));

    this.registerOutputs({
      servicePrincipalId: this.servicePrincipalId,
      jobId: this.jobId,
      bulkUploadUrl: this.bulkUploadUrl,
    });
  }
}

function activeDirectoryKeys(
  app: ProvisioningApp,
  appKey: string,
  args: ApiProvisioningAppArgs,
): ActiveDirectorySecretKeys | undefined {
  if (app.target !== "activeDirectory") return undefined;
  if (args.activeDirectorySecretKeys) return args.activeDirectorySecretKeys;
  const configured = new pulumi.Config("inbound").getObject<ActiveDirectorySecretKeys>(
    "activeDirectorySecretKeys",
  );
  if (configured) {
    if (
      !configured.domainKey ||
      !configured.ouKey ||
      !["json", "plain"].includes(configured.domainFormat)
    ) {
      throw new Error(
        'inbound:activeDirectorySecretKeys must be {"domainKey": "...", "domainFormat": "json"|"plain", "ouKey": "..."}',
      );
    }
    return configured;
  }
  pulumi.log.warn(
    `provisioning.${appKey}: the AD domain/OU secret keys are not documented; using the best guess ` +
      `${JSON.stringify(BEST_GUESS_AD_SECRET_KEYS)}. Configure an app in the portal, GET ` +
      "/servicePrincipals/{id}/synchronization/secrets and set inbound:activeDirectorySecretKeys.",
  );
  return BEST_GUESS_AD_SECRET_KEYS;
}
