import * as fs from "fs";
import * as path from "path";
import { diffSpecs, RISK_CODES } from "../../lib/review/diff";
import { loadSide } from "../../lib/review/source";
import { diffText, singleReview } from "../../lib/review/format";

const fixtures = path.resolve(__dirname, "../fixtures/review");

function load(file: string) {
  const r = loadSide(file, fixtures);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.spec!;
}

const base = load("base.yaml");
const pairs = (kind: string) => fs.readdirSync(path.join(fixtures, kind)).sort();

describe("each risky pair raises its code and no other", () => {
  test.each(pairs("risky"))("%s", (name) => {
    const d = diffSpecs(base, load(`risky/${name}/after.yaml`));
    const code = RISK_CODES.find((c) => name === c || name.startsWith(`${c}-`));
    expect(code).toBeDefined();
    expect([...new Set(d.risks.map((r) => r.code))]).toEqual([code]);
    for (const r of d.risks) {
      expect(r.tenant).toBe("northwind");
      expect(r.path).toMatch(/^(provisioning|lifecycleWorkflows|graph)\./);
      expect(r.message).toMatch(/\.$/);
    }
  });

  test("every risk code has a pair", () => {
    const covered = new Set(pairs("risky").map((n) => RISK_CODES.find((c) => n.startsWith(c))));
    expect([...covered].sort()).toEqual([...RISK_CODES].sort());
  });
});

describe("pairs that raise no risk", () => {
  test("cosmetic changes (names, descriptions, a scoping group renamed) raise none", () => {
    const d = diffSpecs(base, load("none/cosmetic/after.yaml"));
    expect(d.changes.length).toBeGreaterThan(0);
    expect(d.risks).toEqual([]);
  });

  test.each(["reordered-keys", "comments", "expression-rewrite"])("%s is no change", (name) => {
    const d = diffSpecs(base, load(`none/${name}/after.yaml`));
    expect(d.changes).toEqual([]);
    expect(d.risks).toEqual([]);
  });

  test("tightened guards and a narrowed joiner are changes without risk", () => {
    const d = diffSpecs(base, load("none/narrowed/after.yaml"));
    expect(d.changes.map((c) => c.path)).toEqual(
      expect.arrayContaining([
        "provisioning.employees.deletionThreshold",
        "provisioning.employees.uploader.safeguard.maxDisablePercent",
      ]),
    );
    expect(d.risks).toEqual([]);
  });
});

test("unnamed scope groups are paired by content: removing one narrows, adding one widens", () => {
  const withGroups = (...departments: string[]) => {
    const spec = structuredClone(base);
    spec.provisioning.employees.scope = {
      anyOf: departments.map((value) => ({
        allOf: [{ attribute: "enterprise:department", operator: "equals" as const, value }],
      })),
    };
    return spec;
  };
  const risks = (before: string[], after: string[]) =>
    diffSpecs(withGroups(...before), withGroups(...after)).risks.map((r) => r.path);
  expect(risks(["Sales", "Support"], ["Support"])).toEqual(["provisioning.employees.scope.anyOf"]);
  expect(risks(["Sales", "Support"], ["Support", "Sales"])).toEqual([]);
  expect(risks(["Support"], ["Sales", "Support"])).toEqual([
    "provisioning.employees.scope.anyOf[0]",
  ]);
  expect(risks(["Sales"], ["Sales", "Support"])).toEqual(["provisioning.employees.scope.anyOf[1]"]);
});

test("risk paths and messages name what moved", () => {
  const risk = (name: string) => diffSpecs(base, load(`risky/${name}/after.yaml`)).risks[0];
  expect(risk("scope-widened-operator-loosened")).toMatchObject({
    path: "provisioning.employees.scope.anyOf[0].allOf[0]",
    message: expect.stringContaining("from equals to includes"),
  });
  expect(risk("leaver-timing-changed")).toMatchObject({
    path: "lifecycleWorkflows.leaver.trigger",
    message: expect.stringContaining("employeeLeaveDateTime +0 days to employeeLeaveDateTime +7"),
  });
  const grants = diffSpecs(base, load("risky/permission-widened/after.yaml")).risks;
  expect(grants.map((r) => r.message)).toEqual([
    expect.stringContaining("SynchronizationData-User.Upload is granted to the uploader"),
    expect.stringContaining("ProvisioningLog.Read.All is granted to the uploader"),
  ]);
  expect(risk("upn-changed-on-update").path).toBe(
    "provisioning.employees.mappings.userPrincipalName",
  );
});

describe("workflow versions", () => {
  const updates = (name: string) => diffSpecs(base, load(`${name}/after.yaml`)).workflows;

  test("a trigger change makes a new version", () => {
    expect(updates("risky/leaver-timing-changed")).toEqual([
      {
        key: "leaver",
        displayName: "Offboard employee",
        via: "createNewVersion",
        changed: ["executionConditions"],
      },
    ]);
  });

  test("disabling is a PATCH", () => {
    expect(updates("risky/workflow-disabled")).toEqual([
      expect.objectContaining({ key: "welcome", via: "patch" }),
    ]);
  });

  test("a scope change makes a new version", () => {
    expect(updates("risky/scope-widened-workflow-scope-removed")[0].via).toBe("createNewVersion");
  });

  test("no workflow change, no update", () => {
    expect(updates("risky/delete-enabled")).toEqual([]);
  });
});

describe("lists are compared by identity, not position", () => {
  test("a task removed reads as removed, not as every later task moving up", () => {
    const d = diffSpecs(base, load("risky/leaver-task-removed/after.yaml"));
    expect(d.changes).toEqual([
      {
        path: "lifecycleWorkflows.leaver.tasks",
        change: "removed",
        item: "disableUserAccount",
        before: "disableUserAccount",
      },
    ]);
    expect(diffText(singleReview("after.yaml", d))).toContain(
      "lifecycleWorkflows.leaver.tasks: removed: disableUserAccount",
    );
  });

  test("tasks are matched by kind and arguments; order and properties are their own changes", () => {
    const after = structuredClone(base);
    after.lifecycleWorkflows.leaver.tasks = [
      "removeUserFromAllGroups",
      { disableUserAccount: { continueOnError: true } },
      { removeUserFromSelectedGroups: { groups: ["Sales"] } },
    ];
    const d = diffSpecs(base, after);
    expect(d.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          change: "added",
          item: 'removeUserFromSelectedGroups {"groups":["Sales"]}',
        }),
        expect.objectContaining({ change: "moved" }),
        expect.objectContaining({
          path: "lifecycleWorkflows.leaver.tasks[disableUserAccount].continueOnError",
          after: true,
        }),
      ]),
    );
    expect(d.changes).toHaveLength(3);
  });

  test("values of a list are matched by value", () => {
    const after = structuredClone(base);
    after.provisioning.employees.actions = ["update"];
    const d = diffSpecs(base, after);
    expect(d.changes).toEqual([
      {
        path: "provisioning.employees.actions",
        change: "removed",
        item: "create",
        before: "create",
      },
    ]);
  });

  test("workflows by key, mappings by target", () => {
    const after = structuredClone(base);
    delete after.lifecycleWorkflows.leaver;
    after.provisioning.employees.mappings.jobTitle = "[title]";
    const paths = diffSpecs(base, after).changes.map((c) => c.path);
    expect(paths).toContain("lifecycleWorkflows.leaver");
    expect(paths).toContain("provisioning.employees.mappings.jobTitle");
  });
});

test("a leaver workflow whose category changes is removed as a leaver", () => {
  const after = structuredClone(base);
  after.lifecycleWorkflows.leaver.category = "mover";
  const codes = diffSpecs(base, after).risks.map((r) => r.code);
  expect(codes).toContain("workflow-removed");
});
