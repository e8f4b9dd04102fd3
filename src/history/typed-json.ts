/**
 * The typed JSON encoding of history values, used by JSONL: everything JSON
 * can say is written as plain JSON; the rest as a one-key object whose key
 * starts with `$`:
 *
 * | value                        | JSON                                   |
 * | ---------------------------- | -------------------------------------- |
 * | integer of any size          | a bare integer (`9007199254740993`)    |
 * | double                       | a number with a point or exponent (`1.0`, `0.5`, `1e+300`); `{"$double":"NaN"}`, `"Infinity"`, `"-Infinity"` |
 * | keyword / symbol / character | `{"$kw":"x"}` / `{"$sym":"x"}` / `{"$char":"a"}` |
 * | list / set                   | `{"$list":[…]}` / `{"$set":[…]}`       |
 * | map with a non-string key    | `{"$map":[[k,v],…]}`                   |
 * | ratio / decimal              | `{"$ratio":"1/2"}` / `{"$decimal":"1.50"}` |
 * | tagged literal               | `{"$tag":["inst","2024-01-01T00:00:00Z"]}` |
 *
 * A map key that itself starts with `$` is written with one more `$`
 * (`{"$$kw":1}` is the map with the string key `"$kw"`); a key with another
 * `$` name in hand-written JSON is kept as it is. Reading never rounds:
 * integers above 2^53 become bigints, and `1.0` stays a double.
 *
 * Parsing is iterative and refuses nesting deeper than MAX_NESTING_DEPTH.
 * The native JSON.parse reads every line that holds none of the above.
 */
import { excerpt } from './edn.js';
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
  integer,
  Keyword,
  MAX_NESTING_DEPTH,
  Ratio,
  Tagged,
  type Value,
  valueKey,
} from './values.js';

export class TypedJsonError extends Error {}

/**
 * True when JSON.parse would read this text exactly as the typed parser
 * does, as far as the text can tell: no `"$` (no typed value, no escaped
 * key), no integral float (`1.0`, `1e3`), no deep nesting. Digits inside
 * strings may send a line to the typed parser needlessly, never the other way
 * round. Big integers are left to `hasLargeNumber` on JSON.parse's result.
 */
export function plainJsonSuffices(line: string, nesting = true): boolean {
  // `"$` (a typed value or an escaped key): one-character search, then a look at the char before.
  for (let i = line.indexOf('$'); i !== -1; i = line.indexOf('$', i + 1))
    if (line.charCodeAt(i - 1) === 34) return false;
  if (line.indexOf('.') !== -1 && INTEGRAL_FLOAT.test(line)) return false;
  if (digitBefore(line, 'e') || digitBefore(line, 'E')) return false;
  if (nesting && line.length > 2 * MAX_NESTING_DEPTH && openersExceed(line, MAX_NESTING_DEPTH)) return false;
  return true;
}

const INTEGRAL_FLOAT = /\d\.0*(?![0-9])/;

/** Is some `ch` in s right after a digit (an exponent, or a word like "1e" in a string)? */
function digitBefore(s: string, ch: string): boolean {
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) {
    const c = s.charCodeAt(i - 1);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/**
 * True when JSON.parse's result holds a number of 16 digits or more (|n| ≥
 * 10^15), which it may have rounded: the line is then read by the typed parser.
 */
export function hasLargeNumber(v: unknown): boolean {
  if (typeof v === 'number') return v >= 1e15 || v <= -1e15;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasLargeNumber(v[i])) return true;
    return false;
  }
  for (const k in v) if (hasLargeNumber((v as Record<string, unknown>)[k])) return true;
  return false;
}

/** More than `limit` '[' and '{' in s (a bound on the nesting). */
function openersExceed(s: string, limit: number): boolean {
  let n = 0;
  for (let i = s.indexOf('['); i !== -1; i = s.indexOf('[', i + 1)) if (++n > limit) return true;
  for (let i = s.indexOf('{'); i !== -1; i = s.indexOf('{', i + 1)) if (++n > limit) return true;
  return false;
}

/**
 * Parse one JSON text into typed values. With `record` (a JSONL line), a
 * top-level object is a record of field names, never a typed value.
 */
export function parseTypedJson(text: string, record = false): unknown {
  return new TypedJsonParser(text, record).parse();
}

interface JFrame {
  array: boolean;
  items: unknown[];
  /** Object: the key waiting for its value. */
  key?: string;
  keys?: string[];
  start: number;
}

class TypedJsonParser {
  private pos = 0;
  constructor(
    private readonly t: string,
    private readonly record: boolean,
  ) {}

  private fail(what: string, at = this.pos): never {
    const near = this.t.slice(at, at + 20);
    throw new TypedJsonError(
      `${what} at column ${at + 1}${near === '' ? ' (end of line)' : ` near '${excerpt(near, 20)}'`}`,
    );
  }

  private ws(): void {
    const t = this.t;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 13 || c === 10) this.pos++;
      else return;
    }
  }

  parse(): unknown {
    const t = this.t;
    const stack: JFrame[] = [];
    for (;;) {
      this.ws();
      let value: unknown;
      const top = stack[stack.length - 1];
      // Inside an object, a key comes first (or the end).
      if (top !== undefined && !top.array && top.key === undefined) {
        if (t.charCodeAt(this.pos) === 125 /* } */ && top.keys!.length === 0) {
          this.pos++;
          stack.pop();
          value = this.finishObject(top, this.record && stack.length === 0);
        } else {
          if (t.charCodeAt(this.pos) !== 34) this.fail('expected a "quoted" key');
          top.key = this.readString();
          this.ws();
          if (t.charCodeAt(this.pos) !== 58 /* : */) this.fail("expected ':' after the key");
          this.pos++;
          continue;
        }
      } else if (top?.array && t.charCodeAt(this.pos) === 93 /* ] */ && top.items.length === 0) {
        this.pos++;
        stack.pop();
        value = top.items;
      } else {
        const c = t.charCodeAt(this.pos);
        if (c === 91 /* [ */ || c === 123 /* { */) {
          if (stack.length >= MAX_NESTING_DEPTH)
            this.fail(
              `nested deeper than ${MAX_NESTING_DEPTH} levels (faultline's limit for history values)`,
            );
          this.pos++;
          stack.push({ array: c === 91, items: [], keys: c === 91 ? undefined : [], start: this.pos - 1 });
          continue;
        }
        value = this.readScalar();
      }
      // Deliver the value, closing collections that end after it.
      for (;;) {
        const f = stack[stack.length - 1];
        if (f === undefined) {
          this.ws();
          if (this.pos < t.length) this.fail('unexpected content after the value');
          return value;
        }
        if (f.array) f.items.push(value);
        else {
          f.keys!.push(f.key!);
          f.items.push(value);
          f.key = undefined;
        }
        this.ws();
        const c = t.charCodeAt(this.pos);
        if (c === 44 /* , */) {
          this.pos++;
          break;
        }
        if (f.array ? c === 93 : c === 125) {
          this.pos++;
          stack.pop();
          value = f.array ? f.items : this.finishObject(f, this.record && stack.length === 0);
          continue;
        }
        this.fail(f.array ? "expected ',' or ']'" : "expected ',' or '}'");
      }
    }
  }

  private finishObject(f: JFrame, topLevel: boolean): unknown {
    const keys = f.keys!;
    const vals = f.items as Value[];
    if (!topLevel && keys.length === 1 && keys[0].charCodeAt(0) === 36 && keys[0].charCodeAt(1) !== 36) {
      const typed = decodeTyped(keys[0], vals[0]);
      if (typed !== NOT_TYPED) return typed;
    }
    const out: Record<string, Value> = topLevel ? Object.create(null) : {};
    for (let i = 0; i < keys.length; i++) {
      let k = keys[i];
      if (k.startsWith('$$')) k = k.slice(1);
      if (Object.hasOwn(out, k)) this.fail(`the key ${excerpt(JSON.stringify(k))} appears twice`, f.start);
      if (k === '__proto__')
        Object.defineProperty(out, k, {
          value: vals[i],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[k] = vals[i];
    }
    return out;
  }

  private readString(): string {
    const t = this.t;
    const start = this.pos;
    // The closing quote is the first one not escaped by an odd run of backslashes.
    let q = start;
    for (;;) {
      q = t.indexOf('"', q + 1);
      if (q === -1) this.fail('unterminated string', start);
      let b = q - 1;
      while (t.charCodeAt(b) === 92) b--;
      if ((q - 1 - b) % 2 === 0) break;
    }
    this.pos = q + 1;
    const raw = t.slice(start, q + 1);
    if (raw.indexOf('\\') === -1) {
      if (CONTROL.test(raw)) this.fail('a control character in a string must be escaped', start);
      return raw.slice(1, -1);
    }
    try {
      return JSON.parse(raw) as string;
    } catch {
      return this.fail('malformed string', start);
    }
  }

  private readScalar(): unknown {
    const t = this.t;
    const c = t.charCodeAt(this.pos);
    if (c === 34) return this.readString();
    if (t.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    if (t.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (t.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(t);
    if (!m) this.fail(this.pos >= t.length ? 'expected a value' : 'expected a value');
    this.pos += m[0].length;
    const token = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      return token.length <= 15 ? Number(token) : integer(BigInt(token));
    }
    return double(Number(token));
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
const CONTROL = /[\u0000-\u001f]/;

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

const NOT_TYPED = Symbol('not typed');

const NAME_RE = /^[^\s,()[\]{}"";]+$/;

function decodeTyped(key: string, v: Value): Value | typeof NOT_TYPED {
  const bad = (what: string): never => {
    throw new TypedJsonError(`malformed typed value {"${key}": …}: ${what}`);
  };
  switch (key) {
    case '$kw':
      if (typeof v !== 'string' || !NAME_RE.test(v)) bad('a keyword needs a name without spaces or brackets');
      return Keyword.of(v as string);
    case '$sym':
      if (typeof v !== 'string' || !NAME_RE.test(v)) bad('a symbol needs a name without spaces or brackets');
      return EdnSymbol.of(v as string);
    case '$char':
      if (typeof v !== 'string' || v.length === 0 || [...v].length !== 1)
        bad('a character is a string of one character');
      return Char.of(v as string);
    case '$double': {
      if (typeof v === 'number') return double(v);
      if (v === 'NaN') return Number.NaN;
      if (v === 'Infinity') return Number.POSITIVE_INFINITY;
      if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (typeof v === 'string' && /^-?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(v)) return double(Number(v));
      return bad('a double is a number, "NaN", "Infinity" or "-Infinity"');
    }
    case '$bigint':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) bad('an integer is a string of digits');
      return integer(BigInt(v as string));
    case '$ratio': {
      const m = typeof v === 'string' ? /^(-?\d+)\/(\d+)$/.exec(v) : null;
      if (!m || BigInt(m[2]) === 0n) return bad('a ratio is "n/d" with d > 0');
      return Ratio.of(BigInt(m[1]), BigInt(m[2]));
    }
    case '$decimal':
      if (typeof v !== 'string' || !/^-?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(v))
        bad('a decimal is a string of digits');
      return new BigDecimal(v as string);
    case '$list':
      if (!Array.isArray(v)) bad('a list is an array');
      return EdnList.ofItems(v as Value[]);
    case '$set': {
      if (!Array.isArray(v)) bad('a set is an array');
      const seen = new Set<string>();
      for (const x of v as Value[]) {
        const k = valueKey(x);
        if (seen.has(k)) bad('a set holds an element twice');
        seen.add(k);
      }
      return new EdnSet(v as Value[]);
    }
    case '$map': {
      if (!Array.isArray(v)) bad('a map is an array of [key, value] pairs');
      const seen = new Set<string>();
      const entries: [Value, Value][] = [];
      for (const e of v as Value[]) {
        if (!Array.isArray(e) || e.length !== 2) bad('a map is an array of [key, value] pairs');
        const pair = e as Value[];
        const k = valueKey(pair[0]);
        if (seen.has(k)) bad('a map has a key twice');
        seen.add(k);
        entries.push([pair[0], pair[1]]);
      }
      if (entries.every(([k]) => typeof k === 'string')) {
        const out: Record<string, Value> = {};
        for (const [k, x] of entries)
          Object.defineProperty(out, k as string, {
            value: x,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return out;
      }
      return new EdnMap(entries);
    }
    case '$tag': {
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !NAME_RE.test(v[0]))
        bad('a tagged value is ["tag", value]');
      const pair = v as Value[];
      return new Tagged(pair[0] as string, pair[1]);
    }
    default:
      return NOT_TYPED;
  }
}

/** True when JSON.stringify writes v exactly as the typed encoding does. */
function isPlainJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v) || v === 0);
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) return true;
  if (depth > MAX_NESTING_DEPTH) return false;
  if (Array.isArray(v)) {
    if (v instanceof EdnList) return false;
    for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v) {
    if (k.charCodeAt(0) === 36) return false;
    if (!isPlainJson((v as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/** True when JSON.stringify(v) is exactly v's typed JSON text (nothing JSON cannot say, no `$` key). */
export function isPlainJsonValue(v: unknown): boolean {
  return isPlainJson(v, 0);
}

/**
 * A value (or a record of fields, `topLevel`) as typed JSON text. Plain JSON
 * goes through JSON.stringify; anything else through the writer below.
 */
export function toTypedJson(v: unknown): string {
  if (isPlainJson(v, 0)) return JSON.stringify(v) ?? 'null';
  return writeTyped(v, 0);
}

function writeKey(k: string): string {
  return JSON.stringify(k.charCodeAt(0) === 36 ? `$${k}` : k);
}

function writeTyped(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return String(v);
    case 'number':
      if (Number.isInteger(v)) return Number.isSafeInteger(v) || v === 0 ? String(v) : BigInt(v).toString();
      if (Number.isFinite(v)) return formatDouble(v);
      return `{"$double":"${formatDouble(v)}"}`;
    case 'undefined':
      return 'null';
    case 'object':
      break;
    default:
      throw new TypeError(`cannot write a ${typeof v} as JSON`);
  }
  if (v === null) return 'null';
  if (depth > MAX_NESTING_DEPTH) throw new RangeError(`value nested deeper than ${MAX_NESTING_DEPTH} levels`);
  const d = depth + 1;
  if (v instanceof EdnList) return `{"$list":[${v.map((x) => writeTyped(x, d)).join(',')}]}`;
  if (Array.isArray(v)) return `[${v.map((x) => writeTyped(x, d)).join(',')}]`;
  if (v instanceof Keyword) return `{"$kw":${JSON.stringify(v.name)}}`;
  if (v instanceof EdnSymbol) return `{"$sym":${JSON.stringify(v.name)}}`;
  if (v instanceof Char) return `{"$char":${JSON.stringify(v.char)}}`;
  if (v instanceof EdnDouble)
    return Number.isFinite(v.value) ? formatDouble(v.value) : `{"$double":"${formatDouble(v.value)}"}`;
  if (v instanceof Ratio) return `{"$ratio":"${v.toString()}"}`;
  if (v instanceof BigDecimal) return `{"$decimal":${JSON.stringify(v.text)}}`;
  if (v instanceof Tagged) return `{"$tag":[${JSON.stringify(v.tag)},${writeTyped(v.value, d)}]}`;
  if (v instanceof EdnSet) return `{"$set":[${v.items.map((x) => writeTyped(x, d)).join(',')}]}`;
  if (v instanceof EdnMap)
    return `{"$map":[${v.entries.map(([k, x]) => `[${writeTyped(k, d)},${writeTyped(x, d)}]`).join(',')}]}`;
  const parts: string[] = [];
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    parts.push(`${writeKey(k)}:${writeTyped(x, d)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A record of fields (an op) as typed JSON: keys as given (escaped when they start with `$`), values typed. */
export function recordToTypedJson(fields: readonly (readonly [string, unknown])[]): string {
  const parts: string[] = [];
  for (const [k, x] of fields) parts.push(`${writeKey(k)}:${toTypedJson(x)}`);
  return `{${parts.join(',')}}`;
}
