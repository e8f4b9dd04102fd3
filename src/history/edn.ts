/**
 * A small, fast EDN reader and writer for Jepsen histories.
 *
 * Hand-written rather than imported: the npm EDN parsers we measured were
 * several times too slow for the parse benchmark and accepted malformed
 * input silently, while a history reader must name the line of every mistake.
 *
 * Values are read into the representation of values.ts, keeping every EDN
 * type distinct (keywords, symbols, strings, characters; integers of any
 * size, doubles, ratios, decimals; vectors, lists, sets, maps; tagged
 * literals). The reader is iterative (an explicit stack, never recursion),
 * refuses nesting deeper than MAX_NESTING_DEPTH, and quotes at most a short
 * excerpt of the input in its errors.
 */
import {
  BigDecimal,
  Char,
  double,
  EdnDouble,
  EdnList,
  EdnMap,
  EdnSet,
  EdnSymbol,
  formatDouble,
  Keyword,
  MAX_NESTING_DEPTH,
  mapEntries,
  Ratio,
  Tagged,
  type Value,
  valueKey,
} from './values.js';

export type EdnValue = Value;

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

/** At most `max` characters of `s` for an error message, saying how long it was when cut. */
export function excerpt(s: string, max = 40): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${s.length} characters)`;
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

const INT_RE = /^[+-]?(0|[1-9]\d*)N?$/;
const FLOAT_RE = /^[+-]?(0|[1-9]\d*)(\.\d*)?([eE][+-]?\d+)?M?$/;
const RATIO_RE = /^[+-]?(0|[1-9]\d*)\/(0|[1-9]\d*)$/;

type FrameKind = 'vector' | 'list' | 'set' | 'map' | 'record' | 'tag' | 'discard';

interface Frame {
  kind: FrameKind;
  items: Value[];
  line: number;
  tag?: string;
}

/**
 * An op map as a reader gives it: field names (from keyword or string keys)
 * to values (a plain object; a `__proto__` field is an own property).
 */
export type EdnRecord = { [field: string]: Value };

const CLOSE_TEXT: Record<string, string> = {
  vector: ']',
  list: ')',
  set: '}',
  map: '}',
  record: '}',
};

/** Streaming-friendly reader over one text: call `next()` for each top-level form. */
export class EdnReader {
  private pos = 0;
  /** 1-based line of `pos`. */
  line = 1;
  /**
   * Maps opened at this collection depth (0: top-level forms) are read as
   * records keyed by field name (EdnRecord), as op maps are; -1: none.
   */
  recordDepth = -1;
  /** Positions of the next backslash and newline searched for by readString (-2: not yet; -1: none left). */
  private nextSlash = -2;
  private nextNewline = -2;

  constructor(private readonly text: string) {}

  /** Skip whitespace, commas, comments and discarded forms; true when a form follows. */
  hasNext(): boolean {
    this.skipSpace();
    return this.pos < this.text.length;
  }

  /** Go on reading from `pos`, which is at the start of line `line` (a caller that read the lines before itself). */
  seek(pos: number, line: number): void {
    this.pos = pos;
    this.line = line;
    this.nextSlash = -2;
    this.nextNewline = -2;
  }

  /** Where the reader is: the offset after the last form read (or the space skipped). */
  get position(): number {
    return this.pos;
  }

  /** Line on which the next form starts (call after hasNext()). */
  get nextLine(): number {
    return this.line;
  }

  /** Peek at the next non-space char code (NaN at end). */
  peek(): number {
    this.skipSpace();
    return this.text.charCodeAt(this.pos);
  }

  /** Consume one char (used to step into a top-level vector or list). */
  consume(): void {
    this.pos++;
  }

  /** The text after the last form read (call after next()). */
  rest(): string {
    return this.text.slice(this.pos);
  }

  error(problem: string, line = this.line): EdnSyntaxError {
    return new EdnSyntaxError(line, problem);
  }

  /** Read one form. */
  next(): Value {
    this.skipSpace();
    if (this.pos >= this.text.length) throw this.error('unexpected end of input');
    return this.readForm();
  }

  /** Whitespace, commas and comments (`#_` is handled as a form that disappears). */
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
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl === -1 ? t.length : nl;
      } else if (c === C.Hash && t.charCodeAt(this.pos + 1) === C.Underscore) {
        // #_ discards the next form: read it (iteratively) and drop it.
        const line = this.line;
        this.pos += 2;
        this.skipSpace();
        if (this.pos >= t.length) throw this.error("'#_' has no form to discard", line);
        this.readForm();
      } else {
        return;
      }
    }
  }

  /** Read one whole form starting at pos, without recursion; `depth0` collections are already open around it. */
  private readForm(depth0 = 0): Value {
    const t = this.text;
    const c0 = t.charCodeAt(this.pos);
    // An op map (the hot path of every EDN history): fields straight into an object.
    if (c0 === C.LBrace && this.recordDepth === 0 && depth0 === 0) return this.readRecord();
    // An atom needs no stack.
    if (
      c0 !== C.LBracket &&
      c0 !== C.LParen &&
      c0 !== C.LBrace &&
      c0 !== C.Hash &&
      c0 !== C.RBracket &&
      c0 !== C.RParen &&
      c0 !== C.RBrace
    )
      return this.readAtom(c0);
    const frames: Frame[] = [];
    let collections = 0;
    for (;;) {
      this.skipSpace();
      if (this.pos >= t.length) {
        const open = frames[frames.length - 1];
        if (open === undefined) throw this.error('unexpected end of input');
        if (open.kind === 'tag') throw this.error(`tag #${excerpt(open.tag ?? '')} has no value`, open.line);
        if (open.kind === 'discard') throw this.error("'#_' has no form to discard", open.line);
        throw this.error(
          `unterminated ${open.kind === 'record' ? 'map' : open.kind} opened on line ${open.line}: expected '${CLOSE_TEXT[open.kind]}'`,
        );
      }
      const c = t.charCodeAt(this.pos);
      let value: Value;
      if (
        c === C.LBracket ||
        c === C.LParen ||
        c === C.LBrace ||
        (c === C.Hash && t.charCodeAt(this.pos + 1) === C.LBrace)
      ) {
        if (frames.length >= MAX_NESTING_DEPTH) {
          throw this.error(
            `nested deeper than ${MAX_NESTING_DEPTH} levels (faultline's limit for history values)`,
          );
        }
        const kind: FrameKind =
          c === C.LBracket
            ? 'vector'
            : c === C.LParen
              ? 'list'
              : c === C.Hash
                ? 'set'
                : collections + depth0 === this.recordDepth
                  ? 'record'
                  : 'map';
        this.pos += kind === 'set' ? 2 : 1;
        frames.push({ kind, items: [], line: this.line });
        collections++;
        continue;
      }
      if (c === C.RBracket || c === C.RParen || c === C.RBrace) {
        const open = frames[frames.length - 1];
        const found = t[this.pos];
        if (open === undefined || open.kind === 'tag' || open.kind === 'discard') {
          throw this.error(`unexpected '${found}'`);
        }
        const want = CLOSE_TEXT[open.kind];
        if (found !== want) {
          throw this.error(
            `expected '${want}' to close the ${open.kind === 'record' ? 'map' : open.kind} opened on line ${open.line}, found '${found}'`,
          );
        }
        this.pos++;
        frames.pop();
        collections--;
        value = this.build(open);
      } else if (c === C.Hash && t.charCodeAt(this.pos + 1) === C.Underscore) {
        if (frames.length >= MAX_NESTING_DEPTH)
          throw this.error(`more than ${MAX_NESTING_DEPTH} nested '#_'`);
        frames.push({ kind: 'discard', items: [], line: this.line });
        this.pos += 2;
        continue;
      } else if (c === C.Hash && t.charCodeAt(this.pos + 1) === C.Hash) {
        value = this.readSymbolicValue();
      } else if (c === C.Hash) {
        const line = this.line;
        this.pos++;
        const tag = this.readToken();
        if (tag === '') throw this.error(`'#' must be followed by a tag, '{' or '_'`);
        if (frames.length >= MAX_NESTING_DEPTH)
          throw this.error(`more than ${MAX_NESTING_DEPTH} nested tags`);
        frames.push({ kind: 'tag', items: [], line, tag });
        continue;
      } else {
        value = this.readAtom(c);
      }
      // Hand the finished value to the frames waiting for it.
      for (;;) {
        const top = frames[frames.length - 1];
        if (top === undefined) return value;
        if (top.kind === 'tag') {
          frames.pop();
          value = new Tagged(top.tag!, value);
          continue;
        }
        if (top.kind === 'discard') {
          frames.pop();
          break;
        }
        top.items.push(value);
        break;
      }
    }
  }

  private build(f: Frame): Value {
    switch (f.kind) {
      case 'vector':
        return f.items;
      case 'list':
        return EdnList.ofItems(f.items);
      case 'set': {
        const seen = new Set<string>();
        for (const x of f.items) {
          const k = valueKey(x);
          if (seen.has(k))
            throw this.error(`set opened on line ${f.line} holds ${excerpt(writeEdn(x))} twice`, f.line);
          seen.add(k);
        }
        return new EdnSet(f.items);
      }
      case 'record':
        return this.buildRecord(f);
      default:
        return this.buildMap(f);
    }
  }

  private checkPairs(f: Frame): void {
    if (f.items.length % 2 === 1) {
      throw this.error(
        `map opened on line ${f.line} has a key (${excerpt(writeEdn(f.items[f.items.length - 1]))}) without a value`,
      );
    }
  }

  /** An op map at pos: keyword (or string) keys to values, read straight into an object. */
  private readRecord(): EdnRecord {
    const t = this.text;
    const line = this.line;
    this.pos++;
    const out: EdnRecord = {};
    for (;;) {
      this.skipSpace();
      if (this.pos >= t.length) throw this.error(`unterminated map opened on line ${line}: expected '}'`);
      const c = t.charCodeAt(this.pos);
      if (c === C.RBrace) {
        this.pos++;
        return out;
      }
      if (c === C.RBracket || c === C.RParen)
        throw this.error(`expected '}' to close the map opened on line ${line}, found '${t[this.pos]}'`);
      let name: string;
      let keyText: string;
      if (c === C.Colon) {
        keyText = this.readToken();
        name = keyText.slice(1);
        if (name === '' || name.startsWith(':')) throw this.error(`malformed keyword '${excerpt(keyText)}'`);
      } else if (c === C.Quote) {
        name = this.readString();
        keyText = JSON.stringify(name);
      } else {
        const k = this.readForm(1);
        throw this.error(
          `operation map opened on line ${line} has a key ${excerpt(writeEdn(k))} that is not a keyword`,
          line,
        );
      }
      this.skipSpace();
      const after = t.charCodeAt(this.pos);
      if (this.pos >= t.length || after === C.RBrace)
        throw this.error(`map opened on line ${line} has a key (${excerpt(keyText)}) without a value`);
      const value = this.readForm(1);
      if (Object.hasOwn(out, name))
        throw this.error(`operation map opened on line ${line} has :${excerpt(name)} twice`, line);
      if (name === '__proto__')
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[name] = value;
    }
  }

  private buildRecord(f: Frame): EdnRecord {
    this.checkPairs(f);
    const out: EdnRecord = {};
    const items = f.items;
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      const name = k instanceof Keyword ? k.name : typeof k === 'string' ? k : undefined;
      if (name === undefined) {
        throw this.error(
          `operation map opened on line ${f.line} has a key ${excerpt(writeEdn(k))} that is not a keyword`,
          f.line,
        );
      }
      if (Object.hasOwn(out, name))
        throw this.error(`operation map opened on line ${f.line} has :${excerpt(name)} twice`, f.line);
      if (name === '__proto__')
        Object.defineProperty(out, name, {
          value: items[i + 1],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[name] = items[i + 1];
    }
    return out;
  }

  private buildMap(f: Frame): Value {
    this.checkPairs(f);
    const items = f.items;
    let allStrings = true;
    for (let i = 0; i < items.length; i += 2) {
      if (typeof items[i] !== 'string') {
        allStrings = false;
        break;
      }
    }
    if (allStrings) {
      const out: { [key: string]: Value } = {};
      for (let i = 0; i < items.length; i += 2) {
        const k = items[i] as string;
        if (Object.hasOwn(out, k))
          throw this.error(
            `map opened on line ${f.line} has the key ${excerpt(JSON.stringify(k))} twice`,
            f.line,
          );
        // An own property, as JSON.parse makes it: a plain assignment of __proto__ would set the prototype.
        if (k === '__proto__')
          Object.defineProperty(out, k, {
            value: items[i + 1],
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[k] = items[i + 1];
      }
      return out;
    }
    const entries: [Value, Value][] = [];
    const seen = new Set<string>();
    for (let i = 0; i < items.length; i += 2) {
      const key = valueKey(items[i]);
      if (seen.has(key))
        throw this.error(
          `map opened on line ${f.line} has the key ${excerpt(writeEdn(items[i]))} twice`,
          f.line,
        );
      seen.add(key);
      entries.push([items[i], items[i + 1]]);
    }
    return new EdnMap(entries);
  }

  private readAtom(c: number): Value {
    switch (c) {
      case C.Quote:
        return this.readString();
      case C.Colon: {
        const token = this.readToken();
        const name = token.slice(1);
        if (name === '' || name.startsWith(':') || name.startsWith('/') || name.endsWith('/')) {
          throw this.error(`malformed keyword '${excerpt(token)}'`);
        }
        return Keyword.of(name);
      }
      case C.Backslash:
        return this.readChar();
      default:
        return this.readScalar();
    }
  }

  private readString(): string {
    const t = this.text;
    const startLine = this.line;
    let i = this.pos + 1;
    let out = '';
    let runStart = i;
    // The next quote, backslash and newline at or after i, each searched for again only once
    // passed; the reader keeps the last two between strings (a file without backslashes would
    // otherwise be searched to its end for every string).
    let quote = t.indexOf('"', i);
    for (;;) {
      // Jump to the next quote or backslash; count the newlines passed.
      if (quote !== -1 && quote < i) quote = t.indexOf('"', i);
      if (this.nextSlash !== -1 && this.nextSlash < i) this.nextSlash = t.indexOf('\\', i);
      const slash = this.nextSlash;
      if (quote === -1) throw this.error(`unterminated string opened on line ${startLine}`, startLine);
      const q = slash !== -1 && slash < quote ? slash : quote;
      if (this.nextNewline !== -1 && this.nextNewline < i) this.nextNewline = t.indexOf('\n', i);
      while (this.nextNewline !== -1 && this.nextNewline < q) {
        this.line++;
        this.nextNewline = t.indexOf('\n', this.nextNewline + 1);
      }
      i = q;
      if (t.charCodeAt(i) === C.Quote) break;
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
        if (!/^[0-9a-fA-F]{4}$/.test(hex))
          throw this.error(`bad unicode escape '\\u${excerpt(hex)}' in string`);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else if (e === undefined) {
        throw this.error(`unterminated string opened on line ${startLine}`, startLine);
      } else throw this.error(`unknown escape '\\${e}' in string`);
      runStart = i;
    }
    out += t.slice(runStart, i);
    this.pos = i + 1;
    return out;
  }

  private readChar(): Char {
    this.pos++;
    const start = this.pos;
    if (start >= this.text.length) throw this.error("'\\' at the end of the input: a character needs a name");
    // A character is at least one char, even a delimiter: \( or \space.
    this.pos++;
    while (this.pos < this.text.length && !isDelimiter(this.text.charCodeAt(this.pos))) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (name.length === 1) return Char.of(name);
    const named = NAMED_CHARS[name];
    if (named !== undefined) return Char.of(named);
    if (/^u[0-9a-fA-F]{4}$/.test(name))
      return Char.of(String.fromCharCode(Number.parseInt(name.slice(1), 16)));
    // A surrogate pair is one character in EDN text but two UTF-16 units.
    if (name.length === 2 && name.codePointAt(0)! > 0xffff) return Char.of(name);
    throw this.error(`unknown character literal '\\${excerpt(name)}'`);
  }

  /** `##Inf`, `##-Inf`, `##NaN`. */
  private readSymbolicValue(): Value {
    this.pos += 2;
    const token = this.readToken();
    if (token === 'Inf') return Number.POSITIVE_INFINITY;
    if (token === '-Inf') return Number.NEGATIVE_INFINITY;
    if (token === 'NaN') return Number.NaN;
    throw this.error(`unknown symbolic value '##${excerpt(token)}' (EDN has ##Inf, ##-Inf and ##NaN)`);
  }

  private readToken(): string {
    const start = this.pos;
    const t = this.text;
    this.pos++;
    while (this.pos < t.length && !isDelimiter(t.charCodeAt(this.pos))) this.pos++;
    return t.slice(start, this.pos);
  }

  private readScalar(): Value {
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
    const c1 = token.charCodeAt(1);
    const looksNumeric = (c >= 48 && c <= 57) || ((c === 43 || c === 45) && c1 >= 48 && c1 <= 57);
    if (!looksNumeric) return EdnSymbol.of(token);
    return this.readNumber(token);
  }

  private readNumber(token: string): Value {
    if (INT_RE.test(token)) {
      const digits = token.endsWith('N') ? token.slice(0, -1) : token;
      // Up to 15 digits is always a safe integer: no BigInt needed.
      if (digits.length <= 15) return Number(digits);
      const n = BigInt(digits);
      return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
    }
    if (FLOAT_RE.test(token)) {
      if (token.endsWith('M')) return new BigDecimal(token.slice(0, -1));
      return double(Number(token));
    }
    if (RATIO_RE.test(token)) {
      const slash = token.indexOf('/');
      const d = BigInt(token.slice(slash + 1));
      if (d === 0n) throw this.error(`ratio '${excerpt(token)}' divides by zero`);
      return Ratio.of(BigInt(token.slice(0, slash)), d);
    }
    if (/^[+-]?0\d/.test(token))
      throw this.error(`malformed number '${excerpt(token)}' (a leading zero; EDN has no octal numbers)`);
    throw this.error(`malformed number '${excerpt(token)}'`);
  }
}

/** Parse exactly one EDN form from `text`. */
export function parseEdn(text: string): Value {
  const r = new EdnReader(text);
  const v = r.next();
  if (r.hasNext()) throw r.error('unexpected content after the form');
  return v;
}

const KEYWORD_RE = /^[A-Za-z*+!_?<>=.$%&|-][A-Za-z0-9*+!_?<>=.:/#$%&|'-]*$/;

/** Can `s` be written as a keyword (`:s`) or a symbol and read back as the same name? */
export function isKeywordable(s: string): boolean {
  return (
    KEYWORD_RE.test(s) &&
    s !== 'nil' &&
    s !== 'true' &&
    s !== 'false' &&
    !s.endsWith('/') &&
    !s.startsWith('/') &&
    !/^[+-]\d/.test(s) &&
    !/^[.][0-9]/.test(s)
  );
}

export function writeEdnString(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = '\\\\';
    else if (c === 10) esc = '\\n';
    else if (c === 9) esc = '\\t';
    else if (c === 13) esc = '\\r';
    else if (c < 32 || c === 0x7f) esc = `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate cannot be written as UTF-8: escape it (a pair passes as it is).
      const pair =
        c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      if (pair) {
        i++;
        continue;
      }
      esc = `\\u${c.toString(16)}`;
    }
    if (esc !== undefined) {
      out += s.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return `${out}${s.slice(run)}"`;
}

function writeChar(c: string): string {
  for (const [name, ch] of Object.entries(NAMED_CHARS)) if (ch === c) return `\\${name}`;
  const code = c.charCodeAt(0);
  if (
    c.length === 1 &&
    (code <= 32 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) || isDelimiter(code))
  )
    return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\${c}`;
}

function writeNumber(v: number): string {
  // An integral number past 2^53 is the integer it holds exactly (String() would print a shorter, different one).
  if (Number.isInteger(v)) return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
  if (Number.isNaN(v)) return '##NaN';
  if (v === Number.POSITIVE_INFINITY) return '##Inf';
  if (v === Number.NEGATIVE_INFINITY) return '##-Inf';
  return formatDouble(v);
}

function writeDouble(v: number): string {
  if (Number.isNaN(v)) return '##NaN';
  if (v === Number.POSITIVE_INFINITY) return '##Inf';
  if (v === Number.NEGATIVE_INFINITY) return '##-Inf';
  return formatDouble(v);
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * A value as EDN text that reads back as an equal value of the same types.
 * Refuses nesting deeper than MAX_NESTING_DEPTH (nothing a reader gives is deeper).
 */
export function writeEdn(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'string':
      return writeEdnString(v);
    case 'number':
      return writeNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v >= LONG_MIN && v <= LONG_MAX ? String(v) : `${v}N`;
    case 'object':
      break;
    default:
      throw new TypeError(`cannot write a ${typeof v} as EDN`);
  }
  if (depth > MAX_NESTING_DEPTH) throw new RangeError(`value nested deeper than ${MAX_NESTING_DEPTH} levels`);
  const d = depth + 1;
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return v.name;
  if (v instanceof Char) return writeChar(v.char);
  if (v instanceof EdnDouble) return writeDouble(v.value);
  if (v instanceof Ratio) return v.toString();
  if (v instanceof BigDecimal) return `${v.text}M`;
  if (v instanceof Tagged) return `#${v.tag} ${writeEdn(v.value, d)}`;
  if (v instanceof EdnList) return `(${v.map((x) => writeEdn(x, d)).join(' ')})`;
  if (Array.isArray(v)) return `[${v.map((x) => writeEdn(x, d)).join(' ')}]`;
  if (v instanceof EdnSet) return `#{${v.items.map((x) => writeEdn(x, d)).join(' ')}}`;
  const entries = mapEntries(v);
  if (entries === undefined) throw new TypeError(`cannot write ${String(v)} as EDN`);
  return `{${entries
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${writeEdn(k, d)} ${writeEdn(x, d)}`)
    .join(', ')}}`;
}
