// The typed AST produced by the parser. Every node carries the source offset it starts at; line:col is
// derived from the offset only when a diagnostic is produced.
import type { Value, Method } from "./api.ts";

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "in";

export type Expr =
  | { kind: "literal"; at: number; value: Value }
  | { kind: "ident"; at: number; name: string }
  | { kind: "member"; at: number; object: Expr; name: string }
  | { kind: "index"; at: number; object: Expr; index: Expr }
  | { kind: "slice"; at: number; object: Expr; from: Expr | null; to: Expr | null }
  /** A call of a global or user function: `f(x)`. */
  | { kind: "call"; at: number; name: string; args: Expr[] }
  /** A method call on a receiver value: `x.m(args)`. */
  | { kind: "method"; at: number; object: Expr; name: string; args: Expr[] }
  /** A namespace function call: `math.abs(x)`, `firestore.get(p)` (resolved by the static stage). */
  | { kind: "namespaceCall"; at: number; namespace: string; name: string; args: Expr[] }
  | { kind: "unary"; at: number; op: "!" | "-"; operand: Expr }
  | { kind: "binary"; at: number; op: BinaryOp; left: Expr; right: Expr }
  | { kind: "and" | "or"; at: number; left: Expr; right: Expr }
  | { kind: "conditional"; at: number; test: Expr; then: Expr; otherwise: Expr }
  | { kind: "is"; at: number; operand: Expr; typeName: string }
  | { kind: "list"; at: number; items: Expr[] }
  | { kind: "map"; at: number; entries: { key: Expr; value: Expr }[] }
  /** A path literal; each segment is a sequence of literal text and `$(expr)` interpolations. */
  | { kind: "path"; at: number; segments: PathPart[][] };

export type PathPart = { text: string } | { expr: Expr };

export interface FunctionDecl {
  at: number;
  name: string;
  nameAt: number;
  params: string[];
  lets: { at: number; name: string; value: Expr }[];
  body: Expr;
}

export type PatternSegment = { kind: "literal"; text: string } | { kind: "wildcard"; name: string } | { kind: "recursive"; name: string };

export interface AllowStmt {
  at: number;
  methods: string[];
  condition: Expr | null;
}

export interface MatchBlock {
  at: number;
  pattern: PatternSegment[];
  allows: AllowStmt[];
  functions: FunctionDecl[];
  matches: MatchBlock[];
}

export interface RulesFile {
  rulesVersion: "1" | "2";
  rulesVersionAt: number | null;
  service: string;
  serviceAt: number;
  /** Functions declared before `service` (outermost scope). */
  topFunctions: FunctionDecl[];
  /** Functions declared at service level (shadow top-level ones). */
  functions: FunctionDecl[];
  matches: MatchBlock[];
}

export const REQUEST_METHODS: readonly Method[] = ["get", "list", "create", "update", "delete"];
