/**
 * The HR API presets of docs/hr-sources.md, read from the page itself, against stand-ins that answer
 * as the vendors' documentation shows (BambooHR's "Get Employee Directory" sample response,
 * Personio's v2 persons page with `_data` and `_meta.links.next.href`), uploaded into the Graph
 * emulator.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { inbound } from "../cli/harness";
import { emulatorAppPerTest, hrStandInPerFile, makeSpecInput } from "./helpers";

const DOC = readFileSync(path.join(__dirname, "..", "..", "docs", "hr-sources.md"), "utf8");

/** The uploader section of the preset named `name` in the docs page. */
function preset(name: string): { uploader: Record<string, unknown> } {
  const block = DOC.split("```yaml\n").find((b) => b.startsWith(`# preset: ${name}\n`));
  if (!block) throw new Error(`docs/hr-sources.md has no preset ${name}`);
  return parse(block.slice(0, block.indexOf("```"))) as { uploader: Record<string, unknown> };
}

/** BambooHR's documented sample response, a second employee added. */
const BAMBOO = {
  fields: [
    { id: "displayName", type: "text", name: "Display Name" },
    { id: "firstName", type: "text", name: "First Name" },
    { id: "lastName", type: "text", name: "Last Name" },
    { id: "jobTitle", type: "list", name: "Job Title" },
    { id: "workPhone", type: "text", name: "Work Phone" },
  ],
  employees: [
    {
      id: 123,
      displayName: "John Doe",
      firstName: "John",
      lastName: "Doe",
      gender: "Male",
      jobTitle: "Customer Service Representative",
      workPhone: "555-555-5555",
      workPhoneExtension: null,
      skypeUsername: "JohnDoe",
      facebook: "JohnDoeFacebook",
    },
    {
      id: 124,
      displayName: "Jane Roe",
      firstName: "Jane",
      lastName: "Roe",
      jobTitle: "Engineer",
      workPhone: null,
    },
  ],
};

const PERSONIO_PAGES = [
  [
    {
      id: "1001",
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@contoso.com",
      status: "ACTIVE",
    },
    {
      id: "1002",
      first_name: "Alan",
      last_name: "Turing",
      email: "alan@contoso.com",
      status: "ACTIVE",
    },
  ],
  [
    {
      id: "1003",
      first_name: "Grace",
      last_name: "Hopper",
      email: "grace@contoso.com",
      status: "INACTIVE",
    },
  ],
];

const auth: string[] = [];
const hr = hrStandInPerFile((req, res, url) => {
  res.setHeader("content-type", "application/json");
  if (url.pathname === "/v2/auth/token") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      const ok = form.get("client_secret") === "personio-secret";
      res.statusCode = ok ? 200 : 401;
      res.end(
        JSON.stringify(
          ok ? { access_token: "personio-token", token_type: "Bearer", expires_in: 86400 } : {},
        ),
      );
    });
    return;
  }
  auth.push(req.headers.authorization ?? "");
  if (url.pathname.endsWith("/employees/directory")) return res.end(JSON.stringify(BAMBOO));
  if (url.pathname === "/v2/persons") {
    const page = url.searchParams.get("cursor") === "cur_2" ? 1 : 0;
    const next = page === 0 ? { href: `${hr.base}/v2/persons?limit=50&cursor=cur_2` } : undefined;
    return res.end(
      JSON.stringify({
        _data: PERSONIO_PAGES[page],
        _meta: { links: { self: { href: url.href }, ...(next ? { next } : {}) } },
      }),
    );
  }
  res.statusCode = 404;
  res.end("{}");
});

const ctx = emulatorAppPerTest("inbound-preset-");
beforeEach(() => {
  auth.length = 0;
});

/** The preset with its vendor host replaced by the stand-in's. */
function writeSpec(name: string) {
  const { uploader } = preset(name);
  const text = JSON.stringify(uploader).replace(/https:\/\/api\.[a-z]+\.(com|de)/g, hr.base);
  const section = JSON.parse(text) as Record<string, unknown>;
  const columns = section.columns as Record<string, string>;
  const input = makeSpecInput(columns, { ...section, csv: {} });
  writeFileSync(path.join(ctx.dir, "tenant.yaml"), stringify(input));
}

const sent = () =>
  ctx.emulator.state.directory.bulkUploads.flatMap((u) =>
    (u.body as { Operations: { data: Record<string, unknown> }[] }).Operations.map((o) => o.data),
  );
const upload = (env: NodeJS.ProcessEnv) =>
  inbound(
    ["upload", "--spec", "tenant.yaml", "--app", "employees", "--endpoint", ctx.app.endpoint],
    {
      cwd: ctx.dir,
      env: { INBOUND_GRAPH_TOKEN: ctx.emulator.token, ...env },
    },
  );

describe("HR API presets (docs/hr-sources.md)", () => {
  it("BambooHR: the directory's employees, with Basic auth from BAMBOOHR_BASIC", async () => {
    writeSpec("bamboohr");
    const basic = Buffer.from("api-key:x").toString("base64");
    const run = await upload({ BAMBOOHR_BASIC: basic });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(auth).toEqual([`Basic ${basic}`]);
    const users = sent();
    expect(users.map((u) => [u.externalId, u.displayName, u.name, u.title])).toEqual([
      [
        "123",
        "John Doe",
        { familyName: "Doe", givenName: "John" },
        "Customer Service Representative",
      ],
      ["124", "Jane Roe", { familyName: "Roe", givenName: "Jane" }, "Engineer"],
    ]);
    expect(users[0].phoneNumbers).toEqual([{ type: "work", value: "555-555-5555" }]);
    expect(users[1].phoneNumbers).toBeUndefined();
  });

  it("Personio: persons over two pages, signed in with client credentials", async () => {
    writeSpec("personio");
    const run = await upload({ PERSONIO_CLIENT_SECRET: "personio-secret" });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(auth).toEqual(["Bearer personio-token", "Bearer personio-token"]);
    expect(sent().map((u) => [u.externalId, u.userName, u.displayName, u.active])).toEqual([
      ["1001", "ada@contoso.com", "Ada Lovelace", true],
      ["1002", "alan@contoso.com", "Alan Turing", true],
      ["1003", "grace@contoso.com", "Grace Hopper", false],
    ]);
    const refused = await upload({ PERSONIO_CLIENT_SECRET: "wrong" });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/127\.0\.0\.1:\d+: page 1: the token request: answered 401/);
  });
});
