/**
 * The protected set of changes (docs/review.md, "Risk flags"): generated spec pairs, each with one
 * access-harming change among cosmetic ones, must raise that change's code; pairs with cosmetic
 * changes alone must raise nothing.
 */
import * as path from "path";
import fc from "fast-check";
import { diffSpecs, type RiskCode } from "../../lib/review/diff";
import { loadSide } from "../../lib/review/source";
import type { ScopeClause, TenantSpec } from "../../lib/model/schema";

const fixtures = path.resolve(__dirname, "../fixtures/review");
const base = loadSide("base.yaml", fixtures).spec!;

const ACCESS = [
  "disableUserAccount",
  "removeUserFromAllGroups",
  "removeAllLicenses",
  "revokeAllRefreshTokens",
  "removeUserFromAllTeams",
  "deleteUserAccount",
];
const OTHER = ["sendEmailOnLastDay", "sendEmailAfterLastDay"];

const clause = fc.oneof(
  fc.record({
    attribute: fc.constantFrom("enterprise:department", "userType", "enterprise:costCenter"),
    operator: fc.constantFrom("equals", "notEquals", "includes"),
    value: fc.constantFrom("Sales", "IT", "Employee", "CC1"),
  }),
  fc.record({
    attribute: fc.constantFrom("active", "enterprise:manager"),
    operator: fc.constantFrom("isTrue", "isNotNull"),
  }),
) as fc.Arbitrary<ScopeClause>;

/** A tenant around the base: a random leaver task list and a random provisioning scope. */
const spec = fc
  .record({
    access: fc.shuffledSubarray(ACCESS, { minLength: 1 }),
    other: fc.subarray(OTHER),
    groups: fc.array(fc.array(clause, { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 3,
    }),
    named: fc.boolean(),
  })
  .map(({ access, other, groups, named }) => {
    const s = structuredClone(base);
    s.lifecycleWorkflows.leaver.tasks = [...other, ...access];
    s.provisioning.employees.scope = {
      anyOf: groups.map((allOf, i) => ({ ...(named ? { name: `g${i}` } : {}), allOf })),
    };
    return s;
  });

type Change = (s: TenantSpec, pick: number) => void;

/** Changes that touch nobody's access. */
const COSMETIC: Change[] = [
  (s) => (s.lifecycleWorkflows.leaver.displayName = "Offboard (renamed)"),
  (s) => (s.lifecycleWorkflows.leaver.description = "Runs on the last day"),
  (s) => (s.lifecycleWorkflows.welcome.displayName = "Hello"),
  (s) => (s.provisioning.employees.displayName = "HR inbound (renamed)"),
  (s) => (s.provisioning.employees.notificationEmail = "other@northwind.example"),
  (s) => {
    for (const g of s.provisioning.employees.scope!.anyOf) if (g.name) g.name = `${g.name}-x`;
  },
];

const leaverAccess = (s: TenantSpec) =>
  s.lifecycleWorkflows.leaver.tasks
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => typeof t === "string" && ACCESS.includes(t));

/** Each protected change and the code it must raise. */
const PROTECTED: [RiskCode, Change][] = [
  ["workflow-removed", (s) => delete s.lifecycleWorkflows.leaver],
  [
    "leaver-task-removed",
    (s, pick) => {
      const tasks = leaverAccess(s);
      s.lifecycleWorkflows.leaver.tasks.splice(tasks[pick % tasks.length].i, 1);
      if (s.lifecycleWorkflows.leaver.tasks.length === 0) {
        s.lifecycleWorkflows.leaver.tasks.push("sendEmailOnLastDay");
      }
    },
  ],
  [
    "leaver-task-removed",
    (s, pick) => {
      const tasks = leaverAccess(s);
      const { t, i } = tasks[pick % tasks.length];
      s.lifecycleWorkflows.leaver.tasks[i] = {
        [t as string]: pick % 2 === 0 ? { enabled: false } : { continueOnError: true },
      };
    },
  ],
  [
    "account-enabled-unlinked",
    (s, pick) =>
      (s.provisioning.employees.mappings.accountEnabled = ['"True"', "true", "[userType]"][
        pick % 3
      ]),
  ],
  ["out-of-scope-kept", (s) => (s.provisioning.employees.skipOutOfScopeDeletions = true)],
  [
    "scope-narrowed",
    (s, pick) => {
      const groups = s.provisioning.employees.scope!.anyOf;
      groups[pick % groups.length].allOf.push({
        attribute: "enterprise:division",
        operator: "equals",
        value: "North",
      });
    },
  ],
  [
    "scope-narrowed",
    (s, pick) => {
      const groups = s.provisioning.employees.scope!.anyOf;
      if (groups.length > 1) groups.splice(pick % groups.length, 1);
      else groups[0].allOf.push({ attribute: "userType", operator: "isNotNull" });
    },
  ],
  ["updates-stopped", (s) => (s.provisioning.employees.actions = ["create"])],
  ["app-removed", (s) => delete s.provisioning.employees],
  [
    "matching-changed",
    (s) => (s.provisioning.employees.matching = [{ source: "userName", target: "mailNickname" }]),
  ],
  ["delete-enabled", (s) => s.provisioning.employees.actions.push("delete")],
];

const cosmetic = fc.subarray(COSMETIC.map((_, i) => i));

test("every protected change raises its code, whatever else changed", () => {
  fc.assert(
    fc.property(
      spec,
      fc.nat(PROTECTED.length - 1),
      fc.nat(),
      cosmetic,
      (before, which, pick, noise) => {
        const after = structuredClone(before);
        for (const i of noise) COSMETIC[i](after, pick);
        const [code, change] = PROTECTED[which];
        change(after, pick);
        const codes = diffSpecs(before, after).risks.map((r) => r.code);
        expect(codes).toContain(code);
      },
    ),
    { numRuns: 300 },
  );
});

test("cosmetic changes alone raise nothing", () => {
  fc.assert(
    fc.property(spec, cosmetic, (before, noise) => {
      const after = structuredClone(before);
      for (const i of noise) COSMETIC[i](after, 0);
      expect(diffSpecs(before, after).risks).toEqual([]);
    }),
    { numRuns: 100 },
  );
});
