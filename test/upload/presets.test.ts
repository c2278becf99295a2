/**
 * The HR API presets of docs/hr-sources.md, read from the page itself, against stand-ins that answer
 * with the vendors' documented response examples (test/fixtures/hr-apis: BambooHR's "Get Employee
 * Directory", two pages of Personio's v2 persons linked by `_meta.links.next.href`, HiBob's people
 * search), uploaded into the Graph emulator.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { inbound } from "../cli/harness";
import { emulatorAppPerTest, hrStandInPerFile, makeSpecInput } from "./helpers";

const DOC = readFileSync(path.join(__dirname, "..", "..", "docs", "hr-sources.md"), "utf8");

/** The uploader section of the preset named `name` in the docs page. */
function preset(name: string): {
  uploader: { rest: Record<string, unknown> } & Record<string, unknown>;
} {
  const block = DOC.split("```yaml\n").find((b) => b.startsWith(`# preset: ${name}\n`));
  if (!block) throw new Error(`docs/hr-sources.md has no preset ${name}`);
  return parse(block.slice(0, block.indexOf("```"))) as ReturnType<typeof preset>;
}

const STANDIN = path.join(__dirname, "..", "fixtures", "hr-apis");
/** A vendor's documented answer (test/fixtures/hr-apis/README.md), its host replaced by the stand-in's. */
const answer = (file: string) =>
  readFileSync(path.join(STANDIN, file), "utf8").replace(
    /https:\/\/api\.[a-z]+\.(com|de)/g,
    hr.base,
  );

const requests: {
  method: string;
  url: string;
  authorization: string;
  type?: string;
  body: string;
}[] = [];
const hr = hrStandInPerFile((req, res, url) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    if (url.pathname === "/v2/auth/token") {
      const form = new URLSearchParams(body);
      const ok = form.get("client_secret") === "personio-secret";
      res.statusCode = ok ? 200 : 401;
      res.end(
        JSON.stringify(
          ok ? { access_token: "personio-token", token_type: "Bearer", expires_in: 86400 } : {},
        ),
      );
      return;
    }
    requests.push({
      method: req.method!,
      url: url.pathname + url.search,
      authorization: req.headers.authorization ?? "",
      type: req.headers["content-type"],
      body,
    });
    if (url.pathname.endsWith("/employees/directory")) {
      return res.end(answer("bamboohr-employees-directory.json"));
    }
    if (url.pathname === "/v2/persons") {
      const last = url.searchParams.get("cursor") === "cur_82sQwR2eZvKilo2duNh219Kw";
      return res.end(answer(`personio-persons-page-${last ? 2 : 1}.json`));
    }
    if (url.pathname === "/v1/people/search" && req.method === "POST") {
      return res.end(answer("hibob-people-search.json"));
    }
    res.statusCode = 404;
    res.end("{}");
  });
});

const ctx = emulatorAppPerTest("inbound-preset-");
beforeEach(() => {
  requests.length = 0;
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

/** Every file under `root` (the spec, the run's state), read as text. */
function allText(root: string): string {
  return readdirSync(root, { recursive: true })
    .map((f) => path.join(root, String(f)))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
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
    expect(requests.map((r) => [r.method, r.authorization])).toEqual([["GET", `Basic ${basic}`]]);
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

  it("Personio: active persons over two pages, signed in with client credentials", async () => {
    writeSpec("personio");
    const run = await upload({ PERSONIO_CLIENT_SECRET: "personio-secret" });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(requests.map((r) => [r.method, r.url, r.authorization])).toEqual([
      ["GET", "/v2/persons?limit=50&status=ACTIVE", "Bearer personio-token"],
      [
        "GET",
        "/v2/persons?limit=50&status=ACTIVE&cursor=cur_82sQwR2eZvKilo2duNh219Kw",
        "Bearer personio-token",
      ],
    ]);
    expect(sent().map((u) => [u.externalId, u.userName, u.displayName, u.name])).toEqual([
      ["1001", "ada@contoso.com", "Ada Lovelace", { givenName: "Ada", familyName: "Lovelace" }],
      ["1002", "alan@contoso.com", "Alan Turing", { givenName: "Alan", familyName: "Turing" }],
      ["1003", "grace@contoso.com", "Grace Hopper", { givenName: "Grace", familyName: "Hopper" }],
    ]);
    const refused = await upload({ PERSONIO_CLIENT_SECRET: "refused-secret-9d1" });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/127\.0\.0\.1:\d+: page 1: the token request: answered 401/);
    const text = run.out + run.err + refused.out + refused.err + allText(ctx.dir);
    for (const secret of ["personio-secret", "personio-token", "refused-secret-9d1"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("HiBob: the people search POSTed with its read query, one answer, Basic auth from HIBOB_BASIC", async () => {
    writeSpec("hibob");
    const basic = Buffer.from("SERVICE-USER-ID:token").toString("base64");
    const run = await upload({ HIBOB_BASIC: basic });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(requests.map((r) => [r.method, r.url, r.authorization, r.type])).toEqual([
      ["POST", "/v1/people/search", `Basic ${basic}`, "application/json"],
    ]);
    expect(JSON.parse(requests[0].body)).toEqual(preset("hibob").uploader.rest.body);
    expect(run.out + allText(ctx.dir)).not.toContain(basic);
    const users = sent();
    expect(users.map((u) => [u.externalId, u.userName, u.displayName, u.name])).toEqual([
      [
        "2128438031986721630",
        "alan.tullins@contoso.com",
        "Alan Tullins",
        { givenName: "Alan", familyName: "Tullins" },
      ],
      [
        "2813193532448179017",
        "jacky.doe@contoso.com",
        "Jacky Doe",
        { givenName: "Jacky", familyName: "Doe" },
      ],
    ]);
    // The department's name from the humanReadable node, not the list item's id.
    const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    expect(users.map((u) => (u[enterprise] as { department?: string })?.department)).toEqual([
      "Account Receivables",
      "Administration",
    ]);
  });
});
