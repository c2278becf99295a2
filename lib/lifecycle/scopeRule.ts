/**
 * Entra's Lifecycle Workflows scope rules (`ruleBasedSubjectSet.rule`), parsed and checked offline:
 * an OData `$filter` over user properties with `eq`, `ne`, `in` and `startsWith`, combined with
 * `and`, `or` and `not`
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-rulebasedsubjectset).
 * Errors carry the 1-based column in the rule text. The dynamic-group syntax (`-eq`, `-not`,
 * `-in [...]`) is not accepted by Lifecycle Workflows, so it is reported with the spelling to use
 * instead.
 */
import { didYouMean } from "../model/diagnostics";

export type Literal = string | number | boolean | null;

export type RuleNode =
  | { kind: "and" | "or"; left: RuleNode; right: RuleNode }
  | { kind: "not"; operand: RuleNode }
  | { kind: "compare"; property: PropertyRef; operator: "eq" | "ne"; value: Literal }
  | { kind: "in"; property: PropertyRef; values: Literal[] }
  | { kind: "startsWith"; property: PropertyRef; value: string }
  | { kind: "any"; collection: PropertyRef; variable: string; predicate: RuleNode };

export interface PropertyRef {
  /** Path segments as written, e.g. `["employeeOrgData", "costCenter"]`. */
  path: string[];
  column: number;
}

export interface RuleProblem {
  column: number;
  message: string;
}

export interface ParsedRule {
  ast?: RuleNode;
  problems: RuleProblem[];
}

/** Properties that support `eq`, `ne`, `in` and `startsWith`. `/any` marks a collection. */
const STARTS_WITH_PROPERTIES = [
  "city",
  "companyName",
  "country",
  "department",
  "displayName",
  "faxNumber",
  "givenName",
  "jobTitle",
  "mail",
  "mailNickname",
  "mobilePhone",
  "officeLocation",
  "otherMails/any",
  "postalCode",
  "preferredLanguage",
  "proxyAddresses/any",
  "state",
  "streetAddress",
  "surname",
  "usageLocation",
  "userPrincipalName",
];

/** Properties that support only `eq`, `ne` and `in`. */
const EQUALITY_PROPERTIES = [
  "accountEnabled",
  "assignedPlans/any/capabilityStatus",
  "assignedPlans/any/service",
  "assignedPlans/any/servicePlanId",
  "employeeId",
  "employeeOrgData/costCenter",
  "employeeOrgData/division",
  "employeeType",
  ...Array.from(
    { length: 15 },
    (_, i) => `onPremisesExtensionAttributes/extensionAttribute${i + 1}`,
  ),
  "onPremisesSecurityIdentifier",
  "onPremisesSyncEnabled",
  "userType",
];

/** Every user property a Lifecycle Workflows rule may use (directory extensions besides). */
export const RULE_PROPERTIES: readonly string[] = [
  ...STARTS_WITH_PROPERTIES,
  ...EQUALITY_PROPERTIES,
];

// Directory (Entra ID) extension attributes are supported; schema/open extensions and custom
// security attributes are not.
const DIRECTORY_EXTENSION = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

// ---------------------------------------------------------------------------------------------
// tokens

type TokenKind = "(" | ")" | "," | ":" | "/" | "word" | "string" | "number" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  value?: Literal;
  column: number;
}

class RuleError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const DYNAMIC_GROUP_OPERATORS: Record<string, string> = {
  "-eq": "eq",
  "-ne": "ne",
  "-in": "in",
  "-and": "and",
  "-or": "or",
  "-not": "not",
  "-startswith": "startsWith(property, 'value')",
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if ("(),:/".includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, column });
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new RuleError(column, "unterminated string; close it with '");
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
      tokens.push({ kind: "string", text: text.slice(column - 1, i), value, column });
    } else if (c === '"') {
      throw new RuleError(column, "strings use single quotes in rules, like 'Sales'");
    } else if (c === "[" || c === "]") {
      throw new RuleError(
        column,
        "brackets are dynamic-group syntax; write a list in parentheses: department in ('Sales', 'IT')",
      );
    } else if (c === "-" && /[A-Za-z]/.test(text[i + 1] ?? "")) {
      const word = /^-[A-Za-z]+/.exec(text.slice(i))![0];
      const instead = DYNAMIC_GROUP_OPERATORS[word.toLowerCase()];
      throw new RuleError(
        column,
        instead
          ? `${JSON.stringify(word)} is dynamic-group syntax; Lifecycle Workflows rules use ${JSON.stringify(instead)}, e.g. (department eq 'Sales')`
          : `unexpected ${JSON.stringify(word)}`,
      );
    } else if (/[-0-9]/.test(c)) {
      const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!number) throw new RuleError(column, `unexpected ${JSON.stringify(c)}`);
      tokens.push({ kind: "number", text: number[0], value: Number(number[0]), column });
      i += number[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      tokens.push({ kind: "word", text: word, column });
      i += word.length;
    } else {
      throw new RuleError(column, `unexpected ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: "end", text: "end of rule", column: text.length + 1 });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// parser

const KEYWORDS = ["and", "or", "not", "eq", "ne", "in", "true", "false", "null"];

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private get token(): Token {
    return this.tokens[this.index];
  }
  /** A method, not the getter: TypeScript would keep a narrowed kind across next(). */
  private kind(): TokenKind {
    return this.tokens[this.index].kind;
  }
  private next(): Token {
    return this.tokens[this.index++];
  }
  private isWord(word: string): boolean {
    return this.kind() === "word" && this.token.text === word;
  }
  private expect(kind: TokenKind, what: string): Token {
    if (this.kind() !== kind) throw this.unexpected(what);
    return this.next();
  }
  private unexpected(expected: string): RuleError {
    const t = this.token;
    const found = t.kind === "end" ? "the end of the rule" : JSON.stringify(t.text);
    // Entra's operators are lowercase; an upper-case one reads as a property name.
    if (
      t.kind === "word" &&
      KEYWORDS.includes(t.text.toLowerCase()) &&
      t.text !== t.text.toLowerCase()
    ) {
      return new RuleError(
        t.column,
        `write the operator ${JSON.stringify(t.text)} in lowercase: ${t.text.toLowerCase()}`,
      );
    }
    return new RuleError(t.column, `expected ${expected}, found ${found}`);
  }

  parse(): RuleNode {
    const node = this.or();
    if (this.kind() !== "end") throw this.unexpected("and, or, or the end of the rule");
    return node;
  }

  private or(): RuleNode {
    let left = this.and();
    while (this.isWord("or")) {
      this.next();
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): RuleNode {
    let left = this.unary();
    while (this.isWord("and")) {
      this.next();
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): RuleNode {
    if (this.isWord("not")) {
      this.next();
      return { kind: "not", operand: this.unary() };
    }
    return this.primary();
  }

  private primary(lambdaVariable?: string): RuleNode {
    if (this.kind() === "(") {
      this.next();
      const inner = this.or();
      this.expect(")", '")"');
      return inner;
    }
    if (this.kind() === "word" && this.token.text.toLowerCase() === "startswith") {
      this.next();
      this.expect("(", '"(" after startsWith');
      const property = this.property(lambdaVariable);
      this.expect(",", '"," between the property and the prefix');
      const prefix = this.token;
      if (prefix.kind !== "string") throw this.unexpected("a quoted prefix like 'Sa'");
      this.next();
      this.expect(")", '")" closing startsWith');
      return { kind: "startsWith", property, value: prefix.value as string };
    }
    if (this.kind() !== "word" || KEYWORDS.includes(this.token.text)) {
      throw this.unexpected('a user property, startsWith(...), not or "("');
    }
    const property = this.property(lambdaVariable);
    if (this.kind() === "/" && this.tokens[this.index + 1]?.text === "any") {
      this.next();
      this.next();
      this.expect("(", '"(" after any');
      const variable = this.expect("word", "a lambda variable like p").text;
      this.expect(":", '":" after the lambda variable');
      const predicate = this.lambdaBody(variable);
      this.expect(")", '")" closing any(...)');
      return { kind: "any", collection: property, variable, predicate };
    }
    if (this.isWord("eq") || this.isWord("ne")) {
      const operator = this.next().text as "eq" | "ne";
      return { kind: "compare", property, operator, value: this.literal() };
    }
    if (this.isWord("in")) {
      this.next();
      this.expect("(", '"(" starting the list after in');
      const values = [this.literal()];
      while (this.kind() === ",") {
        this.next();
        values.push(this.literal());
      }
      this.expect(")", '"," or ")" in the list');
      return { kind: "in", property, values };
    }
    throw this.unexpected("eq, ne or in");
  }

  private lambdaBody(variable: string): RuleNode {
    let left = this.primary(variable);
    while (this.isWord("and") || this.isWord("or")) {
      const kind = this.next().text as "and" | "or";
      left = { kind, left, right: this.primary(variable) };
    }
    return left;
  }

  private property(lambdaVariable?: string): PropertyRef {
    const first = this.expect("word", "a user property");
    const path = [first.text];
    while (
      this.kind() === "/" &&
      this.tokens[this.index + 1]?.kind === "word" &&
      !(this.tokens[this.index + 1].text === "any" && this.tokens[this.index + 2]?.kind === "(")
    ) {
      this.next();
      path.push(this.next().text);
    }
    if (lambdaVariable === undefined && KEYWORDS.includes(first.text)) {
      throw new RuleError(
        first.column,
        `expected a user property, found ${JSON.stringify(first.text)}`,
      );
    }
    return { path, column: first.column };
  }

  private literal(): Literal {
    const t = this.token;
    if (t.kind === "string" || t.kind === "number") {
      this.next();
      return t.value!;
    }
    if (t.kind === "word" && ["true", "false", "null"].includes(t.text)) {
      this.next();
      return t.text === "null" ? null : t.text === "true";
    }
    throw this.unexpected("a value: 'text', a number, true, false or null");
  }
}

/** Parses a rule; problems hold the first syntax error, or every property the rule may not use. */
export function parseScopeRule(text: string): ParsedRule {
  let ast: RuleNode;
  try {
    ast = new Parser(tokenize(text)).parse();
  } catch (e) {
    if (e instanceof RuleError) return { problems: [{ column: e.column, message: e.message }] };
    throw e;
  }
  const problems: RuleProblem[] = [];
  checkProperties(ast, undefined, problems);
  return { ast, problems };
}

interface LambdaScope {
  variable: string;
  collection: string;
}

/** `assignedPlans/any/capabilityStatus` style key of a property reference. */
function propertyKey(ref: PropertyRef, lambda: LambdaScope | undefined): string | RuleProblem {
  if (lambda) {
    if (ref.path[0] !== lambda.variable) {
      return {
        column: ref.column,
        message: `inside any(${lambda.variable}: ...) refer to the element as ${JSON.stringify(lambda.variable)}, found ${JSON.stringify(ref.path[0])}`,
      };
    }
    return [`${lambda.collection}/any`, ...ref.path.slice(1)].join("/");
  }
  return ref.path.join("/");
}

function knownProperty(key: string, column: number, startsWith: boolean): RuleProblem | undefined {
  if (DIRECTORY_EXTENSION.test(key)) return undefined;
  if (RULE_PROPERTIES.includes(key)) {
    if (startsWith && !STARTS_WITH_PROPERTIES.includes(key)) {
      return {
        column,
        message: `${shownKey(key)} supports only eq, ne and in, not startsWith`,
      };
    }
    return undefined;
  }
  const shown = RULE_PROPERTIES.map(shownKey);
  const hint = didYouMean(shownKey(key), shown);
  return {
    column,
    message: `unknown user property ${JSON.stringify(shownKey(key))} for a Lifecycle Workflows rule${hint || `; use one of ${shown.join(", ")}, or a directory extension attribute extension_<appId>_<name>`}`,
  };
}

/** The property as a user writes it: `assignedPlans/any(a:a/service)`. */
function shownKey(key: string): string {
  const [collection, rest] = key.split("/any");
  if (rest === undefined) return key;
  const v = collection === "assignedPlans" ? "a" : "p";
  return `${collection}/any(${v}:${v}${rest})`;
}

function checkProperties(node: RuleNode, lambda: LambdaScope | undefined, problems: RuleProblem[]) {
  switch (node.kind) {
    case "and":
    case "or":
      checkProperties(node.left, lambda, problems);
      checkProperties(node.right, lambda, problems);
      return;
    case "not":
      checkProperties(node.operand, lambda, problems);
      return;
    case "any": {
      const collection = node.collection.path.join("/");
      if (!["otherMails", "proxyAddresses", "assignedPlans"].includes(collection)) {
        const hint = didYouMean(collection, ["otherMails", "proxyAddresses", "assignedPlans"]);
        problems.push({
          column: node.collection.column,
          message: `${JSON.stringify(collection)} is not a collection a rule can use with any()${hint || "; use otherMails, proxyAddresses or assignedPlans"}`,
        });
        return;
      }
      checkProperties(node.predicate, { variable: node.variable, collection }, problems);
      return;
    }
    default: {
      const key = propertyKey(node.property, lambda);
      if (typeof key !== "string") {
        problems.push(key);
        return;
      }
      const problem = knownProperty(key, node.property.column, node.kind === "startsWith");
      if (problem) problems.push(problem);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// evaluation (for `inbound simulate --workflows`)

export type UserRecord = Record<string, unknown>;

function lookup(record: unknown, path: string[]): unknown {
  let value = record;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    const object = value as Record<string, unknown>;
    // Attribute names are case-insensitive in Entra.
    const key = Object.keys(object).find((k) => k.toLowerCase() === segment.toLowerCase());
    value = key === undefined ? undefined : object[key];
  }
  return value;
}

function equal(actual: unknown, expected: Literal): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (typeof expected === "string") {
    return String(actual).toLowerCase() === expected.toLowerCase();
  }
  if (typeof expected === "boolean") {
    return actual === expected || String(actual).toLowerCase() === String(expected);
  }
  return Number(actual) === expected;
}

/** Whether `user` is in the scope of the parsed rule. String comparisons ignore case, as Entra's do. */
export function evaluateRule(
  node: RuleNode,
  user: UserRecord,
  bound: Record<string, unknown> = {},
): boolean {
  const resolve = (ref: PropertyRef): unknown =>
    ref.path[0] in bound ? lookup(bound[ref.path[0]], ref.path.slice(1)) : lookup(user, ref.path);
  switch (node.kind) {
    case "and":
      return evaluateRule(node.left, user, bound) && evaluateRule(node.right, user, bound);
    case "or":
      return evaluateRule(node.left, user, bound) || evaluateRule(node.right, user, bound);
    case "not":
      return !evaluateRule(node.operand, user, bound);
    case "compare": {
      const same = equal(resolve(node.property), node.value);
      return node.operator === "eq" ? same : !same;
    }
    case "in": {
      const actual = resolve(node.property);
      return node.values.some((v) => equal(actual, v));
    }
    case "startsWith": {
      const actual = resolve(node.property);
      return (
        typeof actual === "string" && actual.toLowerCase().startsWith(node.value.toLowerCase())
      );
    }
    case "any": {
      const items = resolve(node.collection);
      if (!Array.isArray(items)) return false;
      return items.some((item) =>
        evaluateRule(node.predicate, user, { ...bound, [node.variable]: item }),
      );
    }
  }
}
