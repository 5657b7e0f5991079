// Parser: recursive descent from tokens to the typed AST (ast.ts). Throws RulesSyntaxError with a source
// offset; `compile` turns it into a line:col diagnostic.
import type { BinaryOp, Expr, FunctionDecl, MatchBlock, PathPart, PatternSegment, RulesFile, AllowStmt } from "./ast.ts";
import { RulesSyntaxError, scanToken, type Token } from "./lexer.ts";
import { INT64_MAX } from "./values.ts";

const BINARY_PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  in: 3,
  "==": 4,
  "!=": 4,
  is: 4,
  "<": 5,
  "<=": 5,
  ">": 5,
  ">=": 5,
  "+": 6,
  "-": 6,
  "*": 7,
  "/": 7,
  "%": 7,
};

/** Google's engine refuses expressions this deep ("Expression is too complex to evaluate safely."). */
export const MAX_EXPRESSION_DEPTH = 100;
const TOO_COMPLEX = "Expression is too complex to evaluate safely.";
const MAX_MATCH_NESTING = 100;

/** Words of the language that Google's engine does not take as identifiers (observed). */
export const RESERVED_WORDS = new Set([
  "allow",
  "break",
  "case",
  "continue",
  "default",
  "do",
  "else",
  "for",
  "function",
  "if",
  "import",
  "in",
  "is",
  "let",
  "match",
  "not",
  "package",
  "return",
  "rules_version",
  "service",
  "switch",
  "var",
  "while",
]);
/** Packages: only `package.function(args)` is valid; as a variable they do not load. */
export const PACKAGES = new Set(["duration", "hashing", "latlng", "math", "timestamp"]);

// Characters that end a plain segment of a path literal.
const PATH_LITERAL_STOP = new Set([..." \t\r\n/(),;[]{}=!&|<>?"]);
// Characters that, right after `/`, make it the start of a path segment.
const PATH_SEGMENT_START = /[A-Za-z0-9_$(\-.~%@:]/;
// Characters that end a literal segment of a match pattern.
const PATTERN_STOP = new Set([..." \t\r\n/{}"]);

export class Parser {
  private tok: Token;

  constructor(private readonly src: string) {
    this.tok = scanToken(src, 0);
  }

  // ---- token helpers ----
  private advance(): Token {
    const t = this.tok;
    this.tok = scanToken(this.src, t.end);
    return t;
  }
  private isPunct(text: string): boolean {
    return this.tok.kind === "punct" && this.tok.text === text;
  }
  private isWord(text: string): boolean {
    return this.tok.kind === "ident" && this.tok.text === text;
  }
  private expectPunct(text: string): Token {
    if (!this.isPunct(text)) throw this.unexpected(`'${text}'`);
    return this.advance();
  }
  private expectWord(text: string): Token {
    if (!this.isWord(text)) throw this.unexpected(`'${text}'`);
    return this.advance();
  }
  private expectIdent(): Token {
    if (this.tok.kind !== "ident") throw this.unexpected("an identifier");
    return this.advance();
  }
  private unexpected(expected: string): RulesSyntaxError {
    const got = this.tok.kind === "eof" ? "end of input" : `'${this.src.slice(this.tok.start, this.tok.end)}'`;
    return new RulesSyntaxError(`Unexpected ${got}; expected ${expected}.`, this.tok.start);
  }
  /** Re-positions the lexer at a raw offset (after a raw-mode scan). */
  private resume(pos: number): void {
    this.tok = scanToken(this.src, pos);
  }

  // ---- file ----
  parseFile(): RulesFile {
    let rulesVersion: "1" | "2" = "1";
    let rulesVersionAt: number | null = null;
    const topFunctions: FunctionDecl[] = [];
    const functions: FunctionDecl[] = [];
    if (this.isWord("rules_version")) {
      rulesVersionAt = this.advance().start;
      this.expectPunct("=");
      if (this.tok.kind !== "string") throw this.unexpected("a version string");
      const v = this.advance();
      if (v.text !== "1" && v.text !== "2") throw new RulesSyntaxError(`Unsupported rules_version '${v.text}'.`, v.start);
      rulesVersion = v.text;
      if (this.isPunct(";")) this.advance();
    }
    while (this.isWord("function")) topFunctions.push(this.parseFunction());
    if (this.isWord("rules_version")) throw new RulesSyntaxError("Unexpected 'rules_version': it must come first.", this.tok.start);
    const serviceAt = this.expectWord("service").start;
    let service = this.expectIdent().text;
    while (this.isPunct(".")) {
      this.advance();
      service += `.${this.expectIdent().text}`;
    }
    this.expectPunct("{");
    const matches: MatchBlock[] = [];
    while (!this.isPunct("}")) {
      if (this.isWord("function")) functions.push(this.parseFunction());
      else if (this.isWord("match")) matches.push(this.parseMatch());
      else throw this.unexpected("'match', 'function' or '}'");
    }
    this.advance();
    if (this.tok.kind !== "eof") throw this.unexpected("end of input");
    return { rulesVersion, rulesVersionAt, service, serviceAt, topFunctions, functions, matches };
  }

  /** A name a function binds (parameter, `let`): keywords and packages are refused, as Google does. */
  private expectBindingName(): string {
    const t = this.expectIdent();
    if (PACKAGES.has(t.text)) throw new RulesSyntaxError(`${t.text} is a package and cannot be used as variable name.`, t.start);
    if (RESERVED_WORDS.has(t.text) || t.text === "true" || t.text === "false" || t.text === "null")
      throw new RulesSyntaxError(`Unexpected '${t.text}'.`, t.start);
    return t.text;
  }

  private parseFunction(): FunctionDecl {
    const at = this.expectWord("function").start;
    const nameToken = this.expectIdent();
    const name = nameToken.text;
    this.expectPunct("(");
    const params: string[] = [];
    if (!this.isPunct(")")) {
      params.push(this.expectBindingName());
      while (this.isPunct(",")) {
        this.advance();
        params.push(this.expectBindingName());
      }
    }
    this.expectPunct(")");
    this.expectPunct("{");
    const lets: FunctionDecl["lets"] = [];
    while (this.isWord("let")) {
      const letAt = this.advance().start;
      const letName = this.expectBindingName();
      this.expectPunct("=");
      const value = this.parseExpr();
      this.expectPunct(";");
      lets.push({ at: letAt, name: letName, value });
    }
    this.expectWord("return");
    const body = this.parseExpr();
    if (this.isPunct(";")) this.advance();
    this.expectPunct("}");
    return { at, name, nameAt: nameToken.start, params, lets, body };
  }

  /** Nesting of `match` blocks being parsed (Google allows 10; this only guards the parser's recursion). */
  private matchNesting = 0;

  private parseMatch(): MatchBlock {
    if (++this.matchNesting > MAX_MATCH_NESTING) throw new RulesSyntaxError("Match blocks nest too deeply.", this.tok.start);
    try {
      return this.parseMatchBlock();
    } finally {
      this.matchNesting--;
    }
  }

  private parseMatchBlock(): MatchBlock {
    const at = this.expectWord("match").start;
    const { pattern, end } = this.scanPattern(this.tok.start);
    this.resume(end);
    this.expectPunct("{");
    const block: MatchBlock = { at, pattern, allows: [], functions: [], matches: [] };
    while (!this.isPunct("}")) {
      if (this.isWord("match")) block.matches.push(this.parseMatch());
      else if (this.isWord("allow")) block.allows.push(this.parseAllow());
      else if (this.isWord("function")) block.functions.push(this.parseFunction());
      else throw this.unexpected("'match', 'allow', 'function' or '}'");
    }
    this.advance();
    return block;
  }

  /** Raw scan of `/seg/{w}/{r=**}`; whitespace ends the pattern. */
  private scanPattern(pos: number): { pattern: PatternSegment[]; end: number } {
    const src = this.src;
    const pattern: PatternSegment[] = [];
    if (src[pos] !== "/") throw new RulesSyntaxError("Expected a path pattern starting with '/'.", pos);
    while (src[pos] === "/") {
      pos++;
      if (src[pos] === "{") {
        const close = src.indexOf("}", pos);
        const inner = close < 0 ? "" : src.slice(pos + 1, close);
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(=\*\*)?$/.exec(inner);
        if (!m) throw new RulesSyntaxError(`Invalid wildcard '{${inner}}'.`, pos);
        pattern.push(m[2] ? { kind: "recursive", name: m[1]! } : { kind: "wildcard", name: m[1]! });
        pos = close + 1;
        if (pos < src.length && !PATTERN_STOP.has(src[pos]!)) throw new RulesSyntaxError("A wildcard must occupy a whole path segment.", pos);
      } else {
        const start = pos;
        while (pos < src.length && !PATTERN_STOP.has(src[pos]!)) pos++;
        if (pos === start) throw new RulesSyntaxError("Empty path segment in match pattern.", pos);
        pattern.push({ kind: "literal", text: src.slice(start, pos) });
        if (src[pos] === "{") throw new RulesSyntaxError("A wildcard must occupy a whole path segment.", pos);
      }
    }
    return { pattern, end: pos };
  }

  private parseAllow(): AllowStmt {
    const at = this.expectWord("allow").start;
    const methods = [this.expectIdent().text];
    while (this.isPunct(",")) {
      this.advance();
      methods.push(this.expectIdent().text);
    }
    let condition: Expr | null = null;
    if (this.isPunct(":")) {
      this.advance();
      this.expectWord("if");
      condition = this.parseExpr();
    }
    if (this.isPunct(";")) this.advance();
    return { at, methods, condition };
  }

  parseStandaloneExpr(): Expr {
    const e = this.parseExpr();
    if (this.tok.kind !== "eof") throw this.unexpected("end of input");
    return e;
  }

  // ---- expressions ----
  /** Nesting of expressions being parsed (guards the parser's own recursion). */
  private nesting = 0;
  /** Depth of each parsed node in Google's sense: every node and every pair of parentheses is a level. */
  private readonly depths = new Map<Expr, number>();

  private enter(at: number): void {
    if (++this.nesting > MAX_EXPRESSION_DEPTH) throw new RulesSyntaxError(TOO_COMPLEX, at);
  }

  private depthOf(e: Expr | null | undefined): number {
    return e ? (this.depths.get(e) ?? 1) : 0;
  }

  /** Records a node's depth (1 + its deepest child, + `extra`); refuses it beyond Google's limit. */
  private node<T extends Expr>(e: T, children: readonly (Expr | null | undefined)[], extra = 0): T {
    let d = 0;
    for (const c of children) d = Math.max(d, this.depthOf(c));
    const depth = d + 1 + extra;
    if (depth >= MAX_EXPRESSION_DEPTH) throw new RulesSyntaxError(TOO_COMPLEX, e.at);
    this.depths.set(e, depth);
    return e;
  }

  parseExpr(): Expr {
    this.enter(this.tok.start);
    try {
      const test = this.parseBinary(1);
      if (!this.isPunct("?")) return test;
      const at = this.advance().start;
      const then = this.parseExpr();
      this.expectPunct(":");
      const otherwise = this.parseExpr();
      return this.node({ kind: "conditional", at, test, then, otherwise }, [test, then, otherwise]);
    } finally {
      this.nesting--;
    }
  }

  /** The binary operator (or `is`) at the current token and its precedence, if any. */
  private binaryOperator(): { op: string; prec: number } | null {
    const t = this.tok;
    if (t.kind === "punct") {
      const prec = BINARY_PRECEDENCE[t.text];
      return prec === undefined ? null : { op: t.text, prec };
    }
    if (t.kind === "ident" && (t.text === "in" || t.text === "is")) return { op: t.text, prec: BINARY_PRECEDENCE[t.text]! };
    return null;
  }

  // Precedence climbing, left-associative, as Google's (ANTLR) grammar resolves it: `==` binds tighter than
  // `in` (`'a' in ['a'] == true` is `'a' in (['a'] == true)`); `is` is a suffix at the level of `==`, so
  // `a == b is bool` is `(a == b) is bool` while a tighter operator after it takes the `is` as its left
  // operand: `1 is bool >= 2` is `(1 is bool) >= 2` (all observed on Google's engine).
  private parseBinary(minPrec: number): Expr {
    let left = this.parseUnary();
    for (;;) {
      const found = this.binaryOperator();
      if (!found || found.prec < minPrec) return left;
      const t = this.advance();
      if (found.op === "is") {
        const typeName = this.expectIdent().text;
        left = this.node({ kind: "is", at: t.start, operand: left, typeName }, [left]);
        continue;
      }
      // Google's lexer reads `/` directly followed by a segment character as a path segment, so `4/2`
      // is a syntax error there; division needs whitespace after the slash.
      if (found.op === "/" && PATH_SEGMENT_START.test(this.src[t.end] ?? "")) throw new RulesSyntaxError("Missing 'match' keyword before path.", t.start);
      const right = this.parseBinary(found.prec + 1);
      const e: Expr =
        found.op === "&&" || found.op === "||"
          ? { kind: found.op === "&&" ? "and" : "or", at: t.start, left, right }
          : { kind: "binary", at: t.start, op: found.op as BinaryOp, left, right };
      left = this.node(e, [left, right]);
    }
  }

  private parseUnary(): Expr {
    if (this.isPunct("!")) {
      const at = this.advance().start;
      this.enter(at);
      try {
        const operand = this.parseUnary();
        return this.node({ kind: "unary", at, op: "!", operand }, [operand]);
      } finally {
        this.nesting--;
      }
    }
    if (this.isPunct("-")) {
      const minus = this.advance();
      const at = minus.start;
      // Google's grammar takes no operator right after a unary minus: `- -1`, `-!x` do not load; `--1` is
      // read as a decrement operator.
      if (this.isPunct("-") && this.tok.start === minus.end) throw new RulesSyntaxError("Increment (++) and decrement (--) operators are not supported.", at);
      if (this.isPunct("-") || this.isPunct("!")) throw this.unexpected("an operand after '-'");
      // Fold a negative number literal so that -9223372036854775808 is representable.
      if (this.tok.kind === "int") {
        const t = this.advance();
        const value = -t.int!;
        if (value < -INT64_MAX - 1n) throw new RulesSyntaxError(`Integer literal out of range: -${t.text}.`, t.start);
        return this.parsePostfix(this.node({ kind: "literal", at, value: { type: "int", value } }, []));
      }
      // Neither `-` nor `!` may follow, so this recursion is one level deep. A unary minus is no level of
      // its own in Google's depth limit (observed: 98 nested `-(` load).
      const operand = this.parseUnary();
      return this.node({ kind: "unary", at, op: "-", operand }, [operand], -1);
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      if (this.isPunct(".")) {
        const at = this.advance().start;
        const name = this.expectIdent().text;
        if (this.isPunct("(")) {
          const args = this.parseArgs();
          expr = this.node({ kind: "method", at, object: expr, name, args }, [expr, ...args]);
        } else {
          expr = this.node({ kind: "member", at, object: expr, name }, [expr]);
        }
      } else if (this.isPunct("[")) {
        const at = this.advance().start;
        if (this.isPunct(":")) {
          this.advance();
          const to = this.isPunct("]") ? null : this.parseExpr();
          this.expectPunct("]");
          expr = this.node({ kind: "slice", at, object: expr, from: null, to }, [expr, to]);
          continue;
        }
        const index = this.parseExpr();
        if (this.isPunct(":")) {
          this.advance();
          const to = this.isPunct("]") ? null : this.parseExpr();
          this.expectPunct("]");
          expr = this.node({ kind: "slice", at, object: expr, from: index, to }, [expr, index, to]);
        } else {
          this.expectPunct("]");
          expr = this.node({ kind: "index", at, object: expr, index }, [expr, index]);
        }
      } else {
        return expr;
      }
    }
  }

  private parseArgs(): Expr[] {
    this.expectPunct("(");
    const args: Expr[] = [];
    if (!this.isPunct(")")) {
      args.push(this.parseExpr());
      while (this.isPunct(",")) {
        this.advance();
        args.push(this.parseExpr());
      }
    }
    this.expectPunct(")");
    return args;
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case "int":
        this.advance();
        if (t.int! > INT64_MAX) throw new RulesSyntaxError(`Integer literal out of range: ${t.text}.`, t.start);
        return this.node({ kind: "literal", at: t.start, value: { type: "int", value: t.int! } }, []);
      case "float":
        this.advance();
        return this.node({ kind: "literal", at: t.start, value: { type: "float", value: t.float! } }, []);
      case "string":
        this.advance();
        return this.node({ kind: "literal", at: t.start, value: { type: "string", value: t.text } }, []);
      case "bytes":
        this.advance();
        return this.node({ kind: "literal", at: t.start, value: { type: "bytes", value: t.bytes! } }, []);
      case "ident": {
        this.advance();
        if (t.text === "true" || t.text === "false") return this.node({ kind: "literal", at: t.start, value: { type: "bool", value: t.text === "true" } }, []);
        if (t.text === "null") return this.node({ kind: "literal", at: t.start, value: { type: "null" } }, []);
        if (RESERVED_WORDS.has(t.text)) throw new RulesSyntaxError(`Unexpected '${t.text}'.`, t.start);
        if (this.isPunct("(")) {
          const args = this.parseArgs();
          return this.node({ kind: "call", at: t.start, name: t.text, args }, args);
        }
        if (PACKAGES.has(t.text) && !this.isPackageCall()) throw new RulesSyntaxError(`${t.text} is a package and cannot be used as variable name.`, t.start);
        return this.node({ kind: "ident", at: t.start, name: t.text }, []);
      }
      case "punct":
        if (t.text === "(") {
          this.advance();
          const inner = this.parseExpr();
          this.expectPunct(")");
          // Parentheses are a level of their own in Google's depth limit.
          return this.node(inner, [], this.depthOf(inner));
        }
        if (t.text === "[") {
          this.advance();
          const items: Expr[] = [];
          if (!this.isPunct("]")) {
            items.push(this.parseExpr());
            while (this.isPunct(",")) {
              this.advance();
              if (this.isPunct("]")) break;
              items.push(this.parseExpr());
            }
          }
          this.expectPunct("]");
          return this.node({ kind: "list", at: t.start, items }, items);
        }
        if (t.text === "{") {
          this.advance();
          const entries: { key: Expr; value: Expr }[] = [];
          if (!this.isPunct("}")) {
            do {
              if (entries.length > 0) {
                this.advance();
                if (this.isPunct("}")) break;
              }
              const key = this.parseExpr();
              this.expectPunct(":");
              entries.push({ key, value: this.parseExpr() });
            } while (this.isPunct(","));
          }
          this.expectPunct("}");
          return this.node(
            { kind: "map", at: t.start, entries },
            entries.flatMap((x) => [x.key, x.value]),
          );
        }
        if (t.text === "/") return this.parsePathLiteral(t.start);
        break;
      case "eof":
        break;
    }
    throw this.unexpected("an expression");
  }

  /** Whether the token after a package name starts `.name(`. */
  private isPackageCall(): boolean {
    if (!this.isPunct(".")) return false;
    const name = scanToken(this.src, this.tok.end);
    if (name.kind !== "ident") return false;
    const open = scanToken(this.src, name.end);
    return open.kind === "punct" && open.text === "(";
  }

  /** Raw scan of a path literal: `/a/(default)/$(expr)/b`. */
  private parsePathLiteral(start: number): Expr {
    const src = this.src;
    const segments: PathPart[][] = [];
    let pos = start;
    while (src[pos] === "/") {
      pos++;
      const parts: PathPart[] = [];
      for (;;) {
        if (src[pos] === "$" && src[pos + 1] === "(") {
          // An interpolation is a whole segment in Google's grammar: `/a/b$(x)` and `/a/$(x)b` do not load.
          if (parts.length > 0) throw new RulesSyntaxError("Unexpected '$'.", pos);
          this.resume(pos + 2);
          const expr = this.parseExpr();
          if (!this.isPunct(")")) throw this.unexpected("')' closing '$('");
          pos = this.tok.end;
          parts.push({ expr });
          if (pos < src.length && !PATH_LITERAL_STOP.has(src[pos]!)) throw new RulesSyntaxError(`Unexpected '${src[pos]}'.`, pos);
        } else if (src[pos] === "{" && parts.length === 0 && /^\{[A-Za-z_][A-Za-z0-9_]*(=\*\*)?\}/.test(src.slice(pos, pos + 200))) {
          // A variable segment of a path template: /a/{x}/b (bound by bind()).
          const close = src.indexOf("}", pos);
          parts.push({ text: src.slice(pos, close + 1) });
          pos = close + 1;
        } else if (src[pos] === "(") {
          if (parts.length > 0) throw new RulesSyntaxError("Unexpected '('.", pos);
          const close = src.indexOf(")", pos);
          if (close < 0) throw new RulesSyntaxError("Unclosed '(' in path literal.", pos);
          parts.push({ text: src.slice(pos, close + 1) });
          pos = close + 1;
        } else if (pos < src.length && !PATH_LITERAL_STOP.has(src[pos]!)) {
          const s = pos;
          while (pos < src.length && !PATH_LITERAL_STOP.has(src[pos]!) && !(src[pos] === "$" && src[pos + 1] === "(")) pos++;
          parts.push({ text: src.slice(s, pos) });
        } else {
          break;
        }
      }
      if (parts.length === 0) throw new RulesSyntaxError("Empty segment in path literal.", pos);
      segments.push(parts);
    }
    this.resume(pos);
    const exprs = segments.flatMap((parts) => parts.flatMap((p) => ("expr" in p ? [p.expr] : [])));
    return this.node({ kind: "path", at: start, segments }, exprs);
  }
}

export function parseRules(src: string): RulesFile {
  return new Parser(src).parseFile();
}

/** Parses a standalone expression (used by tests and tools). */
export function parseExpression(src: string): Expr {
  return new Parser(src).parseStandaloneExpr();
}
