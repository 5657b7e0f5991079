// Lexer: turns source text into tokens on demand. The parser drives it by offset because path literals and
// match patterns are scanned in a raw mode of their own (whitespace ends them, `/` is a separator there).

export type TokenKind = "ident" | "int" | "float" | "string" | "bytes" | "punct" | "eof";

export interface Token {
  kind: TokenKind;
  /** Identifier name, punctuation text, or decoded string. */
  text: string;
  start: number;
  end: number;
  int?: bigint;
  float?: number;
  bytes?: Uint8Array;
}

/** A syntax error at a source offset; caught by `compile` and turned into a diagnostic. */
export class RulesSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const PUNCT2 = new Set(["&&", "||", "==", "!=", "<=", ">="]);
const PUNCT1 = new Set([..."<>!+-*/%?:.,;()[]{}=$"]);

const isIdentStart = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isDigit = (c: string) => c >= "0" && c <= "9";
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

/** Skips whitespace and comments from `pos`; returns the next significant offset. */
export function skipTrivia(src: string, pos: number): number {
  for (;;) {
    const c = src[pos];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      pos++;
    } else if (c === "/" && src[pos + 1] === "/") {
      while (pos < src.length && src[pos] !== "\n") pos++;
    } else if (c === "/" && src[pos + 1] === "*") {
      const close = src.indexOf("*/", pos + 2);
      if (close < 0) throw new RulesSyntaxError("Unterminated block comment.", pos);
      pos = close + 2;
    } else {
      return pos;
    }
  }
}

export function scanToken(src: string, from: number): Token {
  const start = skipTrivia(src, from);
  if (start >= src.length) return { kind: "eof", text: "", start, end: start };
  const c = src[start]!;
  if ((c === "b" || c === "B") && (src[start + 1] === "'" || src[start + 1] === '"')) {
    const { end, bytes } = scanQuoted(src, start + 1, true);
    return { kind: "bytes", text: "", start, end, bytes };
  }
  if (isIdentStart(c)) {
    let end = start + 1;
    while (end < src.length && isIdentPart(src[end]!)) end++;
    return { kind: "ident", text: src.slice(start, end), start, end };
  }
  if (isDigit(c) || (c === "." && isDigit(src[start + 1] ?? ""))) return scanNumber(src, start);
  if (c === "'" || c === '"') {
    // Fast path: no escapes on the way to the closing quote.
    const close = src.indexOf(c, start + 1);
    if (close > 0) {
      const body = src.slice(start + 1, close);
      if (!body.includes("\\") && !body.includes("\n")) return { kind: "string", text: body, start, end: close + 1 };
    }
    const { end, bytes } = scanQuoted(src, start, false);
    return { kind: "string", text: new TextDecoder().decode(bytes), start, end };
  }
  const two = src.slice(start, start + 2);
  if (PUNCT2.has(two)) return { kind: "punct", text: two, start, end: start + 2 };
  if (PUNCT1.has(c)) return { kind: "punct", text: c, start, end: start + 1 };
  throw new RulesSyntaxError(`Unexpected character '${c}'.`, start);
}

// Numbers as Google's lexer reads them (observed): `5.`, `.5` and `0.` are floats; a leading zero may not be
// followed by more digits (`01`, `00.5` do not load); no exponent form (`1e3` is "Unexpected 'e3'").
function scanNumber(src: string, start: number): Token {
  let end = start;
  while (end < src.length && isDigit(src[end]!)) end++;
  const intDigits = src.slice(start, end);
  if (intDigits.length > 1 && intDigits[0] === "0") throw new RulesSyntaxError(`Unexpected '${intDigits.slice(1)}'.`, start + 1);
  let isFloat = false;
  if (src[end] === ".") {
    if (isIdentStart(src[end + 1] ?? "")) {
      // Google's lexer takes `2.` as a number, so `2.size()` fails there: "Unexpected 'size'".
      throw new RulesSyntaxError(`Unexpected '${/^[A-Za-z_]\w*/.exec(src.slice(end + 1))![0]}'.`, end + 1);
    }
    isFloat = true;
    end++;
    while (end < src.length && isDigit(src[end]!)) end++;
  }
  const text = src.slice(start, end);
  if (end < src.length && isIdentPart(src[end]!)) throw new RulesSyntaxError(`Unexpected '${/^\w+/.exec(src.slice(end))![0]}'.`, end);
  if (isFloat) return { kind: "float", text, start, end, float: Number(text === "." ? "0" : `${text}0`) };
  // The magnitude 2^63 is only valid under a unary minus; the parser checks the range.
  return { kind: "int", text, start, end, int: BigInt(text) };
}

// Google's engine rejects `\a`, `\v`, `\?`, `` \` `` and `\U…` (observed).
const SIMPLE_ESCAPES: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, "\\": 92, "'": 39, '"': 34 };

/** Scans a quoted literal starting at its opening quote; returns the UTF-8 bytes it denotes. */
function scanQuoted(src: string, quoteAt: number, isBytes: boolean): { end: number; bytes: Uint8Array } {
  const quote = src[quoteAt]!;
  const out: number[] = [];
  const encoder = new TextEncoder();
  let pos = quoteAt + 1;
  for (;;) {
    if (pos >= src.length || src[pos] === "\n") throw new RulesSyntaxError("Unterminated string literal.", quoteAt);
    const c = src[pos]!;
    if (c === quote) return { end: pos + 1, bytes: Uint8Array.from(out) };
    if (c !== "\\") {
      const cp = src.codePointAt(pos)!;
      const ch = String.fromCodePoint(cp);
      out.push(...encoder.encode(ch));
      pos += ch.length;
      continue;
    }
    const e = src[pos + 1] ?? "";
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
      pos += 2;
    } else if (e === "x") {
      const hex = src.slice(pos + 2, pos + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new RulesSyntaxError("Invalid \\x escape: two hex digits expected.", pos);
      pushCode(out, parseInt(hex, 16), isBytes, encoder);
      pos += 4;
    } else if (e === "u" && !isBytes) {
      const hex = src.slice(pos + 2, pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new RulesSyntaxError("Invalid \\u escape.", pos);
      let unit = parseInt(hex, 16);
      pos += 6;
      // A surrogate pair written as two escapes is one code point; a lone surrogate loads in Google's
      // engine and is kept as U+FFFD here (our strings are built from UTF-8).
      const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(src.slice(pos, pos + 6));
      if (unit >= 0xd800 && unit <= 0xdbff && low) {
        unit = 0x10000 + ((unit - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
        pos += 6;
      }
      out.push(...encoder.encode(String.fromCodePoint(unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit)));
    } else if (e >= "0" && e <= "3") {
      const oct = src.slice(pos + 1, pos + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new RulesSyntaxError("Invalid octal escape: three octal digits expected.", pos);
      pushCode(out, parseInt(oct, 8), isBytes, encoder);
      pos += 4;
    } else {
      throw new RulesSyntaxError(`Invalid escape sequence '\\${e}'.`, pos);
    }
  }
}

function pushCode(out: number[], code: number, isBytes: boolean, encoder: TextEncoder): void {
  if (isBytes) out.push(code);
  else out.push(...encoder.encode(String.fromCodePoint(code)));
}

/** 1-based line and column of an offset. */
export function lineColumn(src: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < src.length; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}
