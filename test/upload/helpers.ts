/** Shared test material for the uploader: a spec app over Microsoft's sample columns, a fake clock. */
import { randomUUID } from "crypto";
import { mkdtempSync } from "fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "http";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { Readable } from "stream";
import { tenantSpec, ProvisioningApp } from "../../lib/model/schema";
import type { Clock } from "../../lib/upload/scheduler";
import type { BulkTarget } from "../../lib/upload/bulk";
import { createGraphClient } from "../../lib/graph";
import { type GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { bulkUploadUrl } from "../../lib/tenant";
import { SAMPLE_COLUMNS } from "./sampleColumns";

export const FIXTURES = path.join(__dirname, "..", "fixtures", "upload");
export const SAMPLE_1000 = path.join(FIXTURES, "csv-with-1000-records.csv");
export const SAMPLE_2 = path.join(FIXTURES, "csv-with-2-records.csv");
export const SAMPLE_5_CRLF = path.join(FIXTURES, "csv-with-5-records.txt");
export const EXT_URN = "urn:ietf:params:scim:schemas:extension:contoso:1.0:User";

export const COLUMNS = SAMPLE_COLUMNS;

export function makeSpecInput(
  columns: Record<string, string> = COLUMNS,
  uploader: Record<string, unknown> = {},
  app: Record<string, unknown> = {},
) {
  return {
    tenant: { name: "contoso", id: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f", domain: "contoso.com" },
    provisioning: {
      employees: {
        displayName: "Contoso HR inbound - employees",
        notificationEmail: "iam-alerts@contoso.com",
        scimExtension: {
          urn: EXT_URN,
          attributes: {
            HireDate: "dateTime",
            OnLeave: "boolean",
            Grade: "integer",
            UsageLocation: "string",
          },
        },
        mappings: {
          employeeId: "[externalId]",
          accountEnabled: "[active]",
          givenName: "[name.givenName]",
          department: "[enterprise:department]",
          employeeHireDate: "[ext:HireDate]",
          usageLocation: { default: "NL" },
        },
        uploader: { kind: "none", csv: { columns }, ...uploader },
        ...app,
      },
    },
  };
}

export function makeApp(
  columns: Record<string, string> = COLUMNS,
  uploader: Record<string, unknown> = {},
  app: Record<string, unknown> = {},
): ProvisioningApp {
  return tenantSpec.parse(makeSpecInput(columns, uploader, app)).provisioning.employees;
}

export function csvStream(text: string): Readable {
  return Readable.from([Buffer.from(text, "utf8")]);
}

/** The text as the engine reads it: opened afresh for each of its two passes. */
export function csvSource(text: string): () => Readable {
  return () => csvStream(text);
}

export const HEADER =
  "WorkerID,WorkerStatus,WorkerType,UserID,FirstName,LastName,FullName,GenderPronoun,ManagerID,HireDate,OnLeave,Department,Division,CostCenter,Company,Location,JobTitle,StreetAddress,City,CountryCode,OfficePhone,Custom01,Custom02,ZipCode";

/** A data row of the sample layout; `over` replaces columns by name. */
export function row(id: string, over: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    WorkerID: id,
    WorkerStatus: "Active",
    WorkerType: "Employee",
    UserID: `EMP${id}`,
    FirstName: "Ada",
    LastName: "Lovelace",
    FullName: "Ada Lovelace",
    GenderPronoun: "SHE/HER",
    ManagerID: "",
    HireDate: "2020-01-02",
    OnLeave: "False",
    Department: "IT",
    Division: "Pharma",
    CostCenter: "CC1",
    Company: "Contoso",
    Location: "Europe",
    JobTitle: "Engineer",
    StreetAddress: "1 Way",
    City: "Paris",
    CountryCode: "FR",
    OfficePhone: "555-0100",
    Custom01: "",
    Custom02: "",
    ZipCode: "75001",
    ...over,
  };
  return HEADER.split(",")
    .map((c) => values[c])
    .join(",");
}

export function csvOf(rows: string[]): string {
  return [HEADER, ...rows].join("\n") + "\n";
}

/**
 * Virtual time: `sleep` registers a timer, and when every task is waiting (the event loop reaches
 * its check phase) the earliest timer fires and time jumps to it.
 */
export class FakeClock implements Clock {
  time = 1_700_000_000_000;
  private timers: { at: number; resolve: () => void }[] = [];
  private scheduled = false;
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + Math.max(0, ms), resolve });
      this.schedule();
    });
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) return;
      this.time = Math.max(this.time, next.at);
      next.resolve();
      if (this.timers.length > 0) this.schedule();
    });
  }
}

export interface Received {
  at: number;
  body: {
    schemas: string[];
    Operations: { method: string; bulkId: string; path: string; data: Record<string, unknown> }[];
    failOnErrors: null;
  };
}

/** What an in-process bulkUpload service answers: a status, and what Graph would send with it. */
export interface BulkAnswer {
  status: number;
  body?: string;
  retryAfter?: string;
  requestId?: string;
}

export const TEST_ENDPOINT =
  "https://graph.microsoft.com/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.abc.def/bulkUpload";

/**
 * The project's Graph client (createGraphClient, the one deploys use: bearer, retry policy,
 * timeout, error reading) with an in-process bulkUpload service in place of the network, so the
 * engine's tests run the real HTTP path under a fake clock. An Error from `service` is what
 * Node's fetch throws when no answer comes (a TypeError with the socket error as its cause).
 */
export function graphFor(
  service: (body: string, request: { url: string; headers: Headers }) => Promise<BulkAnswer>,
): BulkTarget {
  const graph = createGraphClient({
    token: "test-token",
    random: () => 0.5,
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      let answer: BulkAnswer;
      try {
        answer = await service(String(init?.body ?? ""), {
          url: String(input),
          headers: new Headers(init?.headers),
        });
      } catch (err) {
        throw new TypeError("fetch failed", { cause: err });
      }
      const headers = new Headers();
      if (answer.body?.startsWith("{")) headers.set("content-type", "application/json");
      if (answer.retryAfter !== undefined) headers.set("retry-after", answer.retryAfter);
      if (answer.requestId !== undefined) headers.set("request-id", answer.requestId);
      return new Response(answer.body || null, { status: answer.status, headers });
    }) as typeof fetch,
  });
  return { graph, endpoint: TEST_ENDPOINT };
}

/** A bulkUpload service that records each body and answers from `respond` (default 202). */
export function recordingGraph(
  clock: Clock,
  respond: (call: number, body: Received["body"]) => BulkAnswer | Error = () => ({
    status: 202,
  }),
): BulkTarget & { received: Received[]; accepted: Received[] } {
  const received: Received[] = [];
  const accepted: Received[] = [];
  const target = graphFor(async (text) => {
    const body = JSON.parse(text) as Received["body"];
    const entry = { at: clock.now(), body };
    received.push(entry);
    const answer = respond(received.length, body);
    if (answer instanceof Error) throw answer;
    if (answer.status >= 200 && answer.status < 300) accepted.push(entry);
    return answer;
  });
  return Object.assign(target, { received, accepted });
}

export function externalIds(received: Received[]): string[] {
  return received.flatMap((r) => r.body.Operations.map((o) => String(o.data.externalId)));
}

/**
 * Instantiates an API-driven app in the emulator and creates its job, the way the stack does, and
 * forgets those requests so a test sees only its own.
 */
/**
 * A gallery app instantiated as Graph does it, with one job from `synchronizationTemplateId`; a
 * template the emulator does not list (a decoy such as Workday's) is added to its gallery first.
 */
export async function seedGalleryApp(
  emulator: GraphEmulator,
  displayName: string,
  synchronizationTemplateId: string,
  galleryName = synchronizationTemplateId,
): Promise<{ servicePrincipalId: string; jobId: string }> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${emulator.url}/v1.0${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, { id: string }> & { id: string };
  };
  const templates = emulator.state.directory.applicationTemplates;
  let template = templates.find((t) => t.synchronizationTemplateId === synchronizationTemplateId);
  if (!template) {
    template = { id: randomUUID(), displayName: galleryName, synchronizationTemplateId };
    templates.push(template);
  }
  const { servicePrincipal } = await post(`/applicationTemplates/${template.id}/instantiate`, {
    displayName,
  });
  const job = await post(`/servicePrincipals/${servicePrincipal.id}/synchronization/jobs`, {
    templateId: synchronizationTemplateId,
  });
  emulator.requests.length = 0;
  return { servicePrincipalId: servicePrincipal.id, jobId: job.id };
}

export async function seedApiDrivenApp(
  emulator: GraphEmulator,
  displayName: string,
): Promise<{ servicePrincipalId: string; jobId: string; endpoint: string }> {
  const { servicePrincipalId, jobId } = await seedGalleryApp(emulator, displayName, "API2AAD");
  return {
    servicePrincipalId,
    jobId,
    endpoint: bulkUploadUrl(emulator.url, servicePrincipalId, jobId),
  };
}

/** The display name of the sample app (makeSpecInput), by which the commands find it. */
export const SAMPLE_APP_NAME = "Contoso HR inbound - employees";

/** What a test of the commands against the emulator works with; fresh for each test. */
export interface EmulatorApp {
  emulator: GraphEmulator;
  /** The sample app, instantiated in the emulator as an API-driven provisioning app. */
  app: { servicePrincipalId: string; jobId: string; endpoint: string };
  /** An empty working directory for the command's files. */
  dir: string;
}

/**
 * Before each test of the file: a new Graph emulator with the sample app and an empty directory
 * named `<dirPrefix>…`; after it, the emulator is closed. The fields of the returned object are
 * the current test's.
 */
export function emulatorAppPerTest(dirPrefix: string): EmulatorApp {
  const current = {} as EmulatorApp;
  beforeEach(async () => {
    current.emulator = await startGraphEmulator();
    current.app = await seedApiDrivenApp(current.emulator, SAMPLE_APP_NAME);
    current.dir = mkdtempSync(path.join(tmpdir(), dirPrefix));
  });
  afterEach(() => current.emulator.close());
  return current;
}

/**
 * A stand-in HR API on 127.0.0.1 for the tests of a file: started before the first, closed after
 * the last. `handle` answers each request, given with its URL; the returned `base` is the
 * stand-in's origin once it has started.
 */
export function hrStandInPerFile(
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => void,
): { base: string } {
  const standIn = { base: "" };
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => handle(req, res, new URL(req.url!, standIn.base)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    standIn.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return standIn;
}

/** The sample columns (COLUMNS) for JSON records, whose name is an object { first, last }. */
export const JSON_COLUMNS: Record<string, string> = {
  ...COLUMNS,
  "name.givenName": "[name.first]",
  "name.familyName": "[name.last]",
};

/** One HR record as a JSON source gives it, for JSON_COLUMNS; `over` changes or adds fields. */
export function jsonPerson(id: number, over: Record<string, unknown> = {}) {
  return {
    WorkerID: id,
    WorkerStatus: "Active",
    WorkerType: "Employee",
    UserID: `EMP${id}`,
    name: { first: "Ada", last: "Lovelace" },
    FullName: "Ada Lovelace",
    JobTitle: "Engineer",
    Department: "IT",
    City: "Paris",
    ZipCode: "75001",
    OfficePhone: "555-0100",
    ManagerID: "",
    HireDate: "2020-01-02",
    OnLeave: false,
    ...over,
  };
}

/** externalIds of each bulk request the emulator accepted, in the order they came. */
export function bulkIds(emulator: GraphEmulator): string[][] {
  return emulator.state.directory.bulkUploads.map((u) =>
    (u.body as { Operations: { data: { externalId: string } }[] }).Operations.map(
      (o) => o.data.externalId,
    ),
  );
}
