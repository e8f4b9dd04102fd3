/**
 * A small, fast EDN reader and writer for Jepsen histories.
 *
 * Hand-written rather than imported: the npm EDN parsers we measured were
 * several times too slow for the parse benchmark and accepted malformed
 * input silently, while a history reader must name the line of every mistake.
 *
 * Mapping to JSON values: keywords and symbols become strings (without the
 * colon), `nil` → null, vectors, lists and sets → arrays, maps → objects
 * (non-string keys are printed as EDN text), characters → one-char strings,
 * tagged literals → their value (`#jepsen.history.Op{…}` → the map).
 */

export type EdnValue = null | boolean | number | string | EdnValue[] | { [key: string]: EdnValue };

/** A syntax error at a 1-based line. */
export class EdnSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'EdnSyntaxError';
  }
}

enum C {
  Tab = 9,
  Newline = 10,
  Return = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  LParen = 40,
  RParen = 41,
  Comma = 44,
  Colon = 58,
  Semicolon = 59,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  Underscore = 95,
  LBrace = 123,
  RBrace = 125,
}

function isDelimiter(c: number): boolean {
  return (
    c === C.Space ||
    c === C.Newline ||
    c === C.Tab ||
    c === C.Return ||
    c === C.Comma ||
    c === C.LParen ||
    c === C.RParen ||
    c === C.LBracket ||
    c === C.RBracket ||
    c === C.LBrace ||
    c === C.RBrace ||
    c === C.Quote ||
    c === C.Semicolon ||
    Number.isNaN(c)
  );
}

const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  backspace: '\b',
  formfeed: '\f',
};

const NUMBER_RE = /^[+-]?(\d+)(\.\d*)?([eE][+-]?\d+)?[MN]?$/;
const RATIO_RE = /^[+-]?\d+\/\d+$/;

/** Streaming-friendly reader over one text: call `next()` for each top-level form. */
export class EdnReader {
  private pos = 0;
  /** 1-based line of `pos`. */
  line = 1;

  constructor(private readonly text: string) {}

  /** Skip whitespace, commas and comments; true when a form follows. */
  hasNext(): boolean {
    this.skipSpace();
    return this.pos < this.text.length;
  }

  /** Line on which the next form starts (call after hasNext()). */
  get nextLine(): number {
    return this.line;
  }

  /** Read one form. */
  next(): EdnValue {
    this.skipSpace();
    if (this.pos >= this.text.length) throw this.error('unexpected end of input');
    return this.readForm();
  }

  /** Peek at the next non-space char code (NaN at end). */
  peek(): number {
    this.skipSpace();
    return this.text.charCodeAt(this.pos);
  }

  /** Consume one char (used to step into a top-level vector). */
  consume(): void {
    this.pos++;
  }

  error(problem: string, line = this.line): EdnSyntaxError {
    return new EdnSyntaxError(line, problem);
  }

  private skipSpace(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === C.Newline) {
        this.line++;
        this.pos++;
      } else if (c === C.Space || c === C.Comma || c === C.Tab || c === C.Return) {
        this.pos++;
      } else if (c === C.Semicolon) {
        while (this.pos < t.length && t.charCodeAt(this.pos) !== C.Newline) this.pos++;
      } else if (c === C.Hash && t.charCodeAt(this.pos + 1) === C.Underscore) {
        this.pos += 2;
        this.next(); // #_ discards the next form
      } else {
        return;
      }
    }
  }

  private readForm(): EdnValue {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    switch (c) {
      case C.LBracket:
        this.pos++;
        return this.readSeq(C.RBracket, ']', 'vector');
      case C.LParen:
        this.pos++;
        return this.readSeq(C.RParen, ')', 'list');
      case C.LBrace:
        this.pos++;
        return this.readMap();
      case C.Quote:
        return this.readString();
      case C.Colon:
        return this.readToken().slice(1);
      case C.Backslash:
        return this.readChar();
      case C.Hash:
        return this.readDispatch();
      case C.RBracket:
      case C.RParen:
      case C.RBrace:
        throw this.error(`unexpected '${t[this.pos]}'`);
      default:
        return this.readAtom();
    }
  }

  private readSeq(close: number, closeText: string, what: string): EdnValue[] {
    const startLine = this.line;
    const out: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        throw this.error(`unterminated ${what} opened on line ${startLine}: expected '${closeText}'`);
      }
      const c = this.text.charCodeAt(this.pos);
      if (c === close) {
        this.pos++;
        return out;
      }
      if (c === C.RBracket || c === C.RParen || c === C.RBrace) {
        throw this.error(
          `expected '${closeText}' to close the ${what} opened on line ${startLine}, found '${this.text[this.pos]}'`,
        );
      }
      out.push(this.readForm());
    }
  }

  private readMap(): { [key: string]: EdnValue } {
    const startLine = this.line;
    const out: { [key: string]: EdnValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        throw this.error(`unterminated map opened on line ${startLine}: expected '}'`);
      }
      const c = this.text.charCodeAt(this.pos);
      if (c === C.RBrace) {
        this.pos++;
        return out;
      }
      if (c === C.RBracket || c === C.RParen) {
        throw this.error(
          `expected '}' to close the map opened on line ${startLine}, found '${this.text[this.pos]}'`,
        );
      }
      const key = this.readForm();
      this.skipSpace();
      const after = this.text.charCodeAt(this.pos);
      if (this.pos >= this.text.length || after === C.RBrace) {
        throw this.error(`map opened on line ${startLine} has a key (${writeEdn(key)}) without a value`);
      }
      const name = typeof key === 'string' ? key : writeEdn(key);
      const value = this.readForm();
      // An own property, as JSON.parse makes it: a plain assignment of __proto__ would set the prototype.
      if (name === '__proto__')
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[name] = value;
    }
  }

  private readString(): string {
    const t = this.text;
    const startLine = this.line;
    let i = this.pos + 1;
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= t.length) throw this.error(`unterminated string opened on line ${startLine}`, startLine);
      const c = t.charCodeAt(i);
      if (c === C.Quote) break;
      if (c === C.Newline) this.line++;
      if (c === C.Backslash) {
        out += t.slice(runStart, i);
        const e = t[i + 1];
        i += 2;
        if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else if (e === 'r') out += '\r';
        else if (e === '"') out += '"';
        else if (e === '\\') out += '\\';
        else if (e === 'b') out += '\b';
        else if (e === 'f') out += '\f';
        else if (e === 'u') {
          const hex = t.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(`bad unicode escape '\\u${hex}' in string`);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
        } else throw this.error(`unknown escape '\\${e ?? ''}' in string`);
        runStart = i;
        continue;
      }
      i++;
    }
    out += t.slice(runStart, i);
    this.pos = i + 1;
    return out;
  }

  private readChar(): string {
    this.pos++;
    const start = this.pos;
    // A character is at least one char, even a delimiter: \( or \space.
    this.pos++;
    while (this.pos < this.text.length && !isDelimiter(this.text.charCodeAt(this.pos))) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (name.length === 1) return name;
    const named = NAMED_CHARS[name];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return String.fromCharCode(Number.parseInt(name.slice(1), 16));
    throw this.error(`unknown character literal '\\${name}'`);
  }

  private readDispatch(): EdnValue {
    const next = this.text.charCodeAt(this.pos + 1);
    if (next === C.LBrace) {
      this.pos += 2;
      return this.readSeq(C.RBrace, '}', 'set');
    }
    // A tagged literal (#inst "…", #uuid "…", #jepsen.history.Op{…}): keep the value.
    this.pos++;
    const tag = this.readToken();
    if (tag === '') throw this.error(`'#' must be followed by a tag, '{' or '_'`);
    this.skipSpace();
    if (this.pos >= this.text.length) throw this.error(`tag #${tag} has no value`);
    return this.readForm();
  }

  private readToken(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && !isDelimiter(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private readAtom(): EdnValue {
    const token = this.readToken();
    switch (token) {
      case 'nil':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
    }
    const c = token.charCodeAt(0);
    const looksNumeric = (c >= 48 && c <= 57) || ((c === 43 || c === 45) && /^[+-]\d/.test(token));
    if (looksNumeric) {
      if (NUMBER_RE.test(token)) {
        const n = Number(token.replace(/[MN]$/, ''));
        if (Number.isFinite(n)) return n;
      }
      if (RATIO_RE.test(token)) {
        const [a, b] = token.split('/');
        return Number(a) / Number(b);
      }
      throw this.error(`malformed number '${token}'`);
    }
    return token; // a symbol
  }
}

/** Parse exactly one EDN form from `text`. */
export function parseEdn(text: string): EdnValue {
  const r = new EdnReader(text);
  const v = r.next();
  if (r.hasNext()) throw r.error('unexpected content after the form');
  return v;
}

const KEYWORD_RE = /^[A-Za-z*+!_?<>=.-][A-Za-z0-9*+!_?<>=.:/#-]*$/;

export function isKeywordable(s: string): boolean {
  return KEYWORD_RE.test(s) && s !== 'nil' && s !== 'true' && s !== 'false';
}

export function writeEdnString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Write a JSON value as EDN. Strings stay strings and object keys become
 * keywords where they can, so reading the text back yields the same JSON value.
 */
export function writeEdn(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'string':
      return writeEdnString(v);
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as EDN`);
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `${v}N`;
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(writeEdn).join(' ')}]`;
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        parts.push(`${isKeywordable(k) ? `:${k}` : writeEdnString(k)} ${writeEdn(x)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      throw new Error(`cannot write a ${typeof v} as EDN`);
  }
}
