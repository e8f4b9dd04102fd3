/**
 * The in-memory representation of the values a history carries (op values,
 * keys, errors), and how to compare them: Clojure's `=`, as Jepsen, Knossos
 * and Elle compare them. Readers produce these; checkers and workloads read
 * them. Everything JSON can say is plain JavaScript, so the common case costs
 * nothing:
 *
 * | EDN                      | in memory                                   |
 * | ------------------------ | ------------------------------------------- |
 * | nil, true, false         | null, true, false                           |
 * | integer (any size, N)    | number when safe (|n| < 2^53), else bigint  |
 * | float                    | number when not integral (0.5, NaN, ±Inf); an `EdnDouble` when it is (1.0, -0.0, 1e300) |
 * | ratio 1/2, decimal 1.5M  | `Ratio`, `BigDecimal`                       |
 * | "string"                 | string                                      |
 * | :keyword, symbol, \c     | `Keyword`, `EdnSymbol`, `Char` (interned: equal ones are `===`) |
 * | [vector]                 | Array                                       |
 * | (list)                   | `EdnList` (an Array subclass: `=` to a vector with the same elements, as in Clojure) |
 * | #{set}                   | `EdnSet`                                    |
 * | {map} with string keys   | a plain object (own properties; `__proto__` is data) |
 * | {map} with other keys    | `EdnMap`                                    |
 * | #tag value               | `Tagged` (#inst, #uuid, records)            |
 *
 * So `:a`, `"a"`, `a` and `\a` differ; `1` and `1.0` differ; `#{1 2}` and
 * `[1 2]` differ; `1/2` and `0.5` differ; `(1 2)` and `[1 2]` are equal.
 * Use `valueEquals` to compare, `valueKey` for a hash key (equal values,
 * equal keys), `showValue` to print. The typed JSON encoding of these for
 * JSONL is in typed-json.ts; EDN text in edn.ts.
 */

/** Deepest nesting of collections any reader accepts: deeper input is refused, naming the limit. */
export const MAX_NESTING_DEPTH = 1000;

export class Keyword {
  private static readonly table = new Map<string, Keyword>();
  private constructor(readonly name: string) {}
  /** The one keyword with this name (`:a/b` has name `a/b`). */
  static of(name: string): Keyword {
    let k = Keyword.table.get(name);
    if (k === undefined) {
      k = new Keyword(name);
      Keyword.table.set(name, k);
    }
    return k;
  }
  toString(): string {
    return `:${this.name}`;
  }
  toJSON(): unknown {
    return { $kw: this.name };
  }
}

export class EdnSymbol {
  private static readonly table = new Map<string, EdnSymbol>();
  private constructor(readonly name: string) {}
  static of(name: string): EdnSymbol {
    let s = EdnSymbol.table.get(name);
    if (s === undefined) {
      s = new EdnSymbol(name);
      EdnSymbol.table.set(name, s);
    }
    return s;
  }
  toString(): string {
    return this.name;
  }
  toJSON(): unknown {
    return { $sym: this.name };
  }
}

/** An EDN character (`\a`, `\newline`, `\u00e9`): one UTF-16 code unit, as in Clojure. */
export class Char {
  private static readonly table = new Map<string, Char>();
  private constructor(readonly char: string) {}
  static of(char: string): Char {
    let c = Char.table.get(char);
    if (c === undefined) {
      c = new Char(char);
      Char.table.set(char, c);
    }
    return c;
  }
  toJSON(): unknown {
    return { $char: this.char };
  }
}

/** A floating-point number whose value is integral (1.0, -0.0, 1e300): distinct from the integer. */
export class EdnDouble {
  constructor(readonly value: number) {}
  toJSON(): unknown {
    return { $double: formatDouble(this.value) };
  }
}

/** A ratio in lowest terms with a positive denominator above 1 (Clojure reads 4/2 as 2). */
export class Ratio {
  private constructor(
    readonly numerator: bigint,
    readonly denominator: bigint,
  ) {}
  /** n/d in lowest terms: an integer (number or bigint) when d divides n. */
  static of(n: bigint, d: bigint): Ratio | number | bigint {
    if (d === 0n) throw new RangeError('a ratio cannot have a zero denominator');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    n /= g;
    d /= g;
    if (d === 1n) return integer(n);
    return new Ratio(n, d);
  }
  toString(): string {
    return `${this.numerator}/${this.denominator}`;
  }
  toJSON(): unknown {
    return { $ratio: this.toString() };
  }
}

/** A BigDecimal (`1.50M`): the text as written; equal to another with the same numeric value. */
export class BigDecimal {
  /** Canonical text of the value: no exponent, no trailing zeros after the point. */
  readonly canonical: string;
  constructor(readonly text: string) {
    this.canonical = canonicalDecimal(text);
  }
  toJSON(): unknown {
    return { $decimal: this.text };
  }
}

/** A tagged literal: `#inst "…"`, `#uuid "…"`, `#my.Record{…}`. */
export class Tagged {
  constructor(
    readonly tag: string,
    readonly value: Value,
  ) {}
  toJSON(): unknown {
    return { $tag: [this.tag, this.value] };
  }
}

/** An EDN list `( … )`: a sequence, `=` to a vector with the same elements (as in Clojure). */
export class EdnList<T = Value> extends Array<T> {
  static ofItems<T>(items: readonly T[]): EdnList<T> {
    const l = new EdnList<T>();
    for (const x of items) l.push(x);
    return l;
  }
  toJSON(): unknown {
    return { $list: [...this] };
  }
}

/** An EDN set `#{ … }`: elements in the order read, no two equal. */
export class EdnSet {
  private index: Set<string> | undefined;
  constructor(readonly items: readonly Value[]) {}
  get size(): number {
    return this.items.length;
  }
  has(v: Value): boolean {
    if (this.index === undefined) this.index = new Set(this.items.map(valueKey));
    return this.index.has(valueKey(v));
  }
  [Symbol.iterator](): Iterator<Value> {
    return this.items[Symbol.iterator]();
  }
  toJSON(): unknown {
    return { $set: this.items };
  }
}

/** An EDN map with a key that is not a string (`{:x 1}`, `{1 2}`): entries in the order read, keys distinct. */
export class EdnMap {
  private index: Map<string, number> | undefined;
  constructor(readonly entries: readonly (readonly [Value, Value])[]) {}
  get size(): number {
    return this.entries.length;
  }
  get(k: Value): Value | undefined {
    if (this.index === undefined) {
      const index = new Map<string, number>();
      for (let i = 0; i < this.entries.length; i++) index.set(valueKey(this.entries[i][0]), i);
      this.index = index;
    }
    const i = this.index.get(valueKey(k));
    return i === undefined ? undefined : this.entries[i][1];
  }
  has(k: Value): boolean {
    return this.get(k) !== undefined;
  }
  toJSON(): unknown {
    return { $map: this.entries };
  }
}

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Keyword
  | EdnSymbol
  | Char
  | EdnDouble
  | Ratio
  | BigDecimal
  | Tagged
  | EdnSet
  | EdnMap
  | Value[]
  | { [key: string]: Value };

/** Shorthand for `Keyword.of`. */
export function kw(name: string): Keyword {
  return Keyword.of(name);
}

/** An integer in its canonical form: a number when safe, else a bigint. */
export function integer(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/** A double in its canonical form: a number unless its value is integral (then an EdnDouble). */
export function double(x: number): number | EdnDouble {
  return Number.isInteger(x) ? new EdnDouble(x) : x;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

function canonicalDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?M?$/.exec(text);
  if (!m) return text;
  const [, sign, intPart, frac = '', exp = '0'] = m;
  const all = intPart + frac;
  const lead = all.length - all.replace(/^0+/, '').length;
  const sig = all.slice(lead).replace(/0+$/, '');
  if (sig === '') return '0';
  // Where the decimal point falls, counted in digits from the start of `sig`.
  const pointPos = intPart.length - lead + Number(exp);
  return `${sign === '-' ? '-' : ''}${sig}e${pointPos}`;
}

/** True for the classes of this module (a keyword, a set, a tagged literal, …): history values, not other objects. */
export function isValueInstance(v: unknown): boolean {
  return (
    v instanceof Keyword ||
    v instanceof EdnSymbol ||
    v instanceof Char ||
    v instanceof EdnDouble ||
    v instanceof Ratio ||
    v instanceof BigDecimal ||
    v instanceof Tagged ||
    v instanceof EdnList ||
    v instanceof EdnSet ||
    v instanceof EdnMap
  );
}

/** Is v an EDN sequence (a vector or a list)? */
export function isSequential(v: unknown): v is readonly Value[] {
  return Array.isArray(v);
}

function isPlainMap(v: unknown): v is { [key: string]: Value } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Entries of a map in either representation, or undefined when v is not a map. */
export function mapEntries(v: unknown): (readonly [Value, Value])[] | undefined {
  if (v instanceof EdnMap) return v.entries as (readonly [Value, Value])[];
  if (isPlainMap(v)) return Object.keys(v).map((k) => [k, v[k]] as const);
  return undefined;
}

/** Look up a key in a map of either representation (undefined: absent, or v is not a map). */
export function mapGet(v: unknown, key: Value): Value | undefined {
  if (v instanceof EdnMap) return v.get(key);
  if (isPlainMap(v) && typeof key === 'string') return Object.hasOwn(v, key) ? v[key] : undefined;
  return undefined;
}

/**
 * Clojure's `=` on history values: numbers equal only within their category
 * (integers, doubles, ratios, decimals), so `1` ≠ `1.0`; keywords, strings,
 * symbols and characters never equal each other; a list equals a vector with
 * the same elements; sets and maps compare as sets and maps.
 */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== 'object' || a === null || b === null || typeof b !== 'object') {
    // A safe integer made as a bigint (or an unsafe one as a number) is still that integer.
    if (ta === 'bigint' && typeof b === 'number') return Number.isInteger(b) && BigInt(b) === a;
    if (ta === 'number' && typeof b === 'bigint') return Number.isInteger(a) && BigInt(a as number) === b;
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof EdnDouble) return b instanceof EdnDouble && a.value === b.value;
  if (a instanceof Ratio)
    return b instanceof Ratio && a.numerator === b.numerator && a.denominator === b.denominator;
  if (a instanceof BigDecimal) return b instanceof BigDecimal && a.canonical === b.canonical;
  if (a instanceof Tagged) return b instanceof Tagged && a.tag === b.tag && valueEquals(a.value, b.value);
  if (a instanceof EdnSet) {
    if (!(b instanceof EdnSet) || a.size !== b.size) return false;
    for (const x of a.items) if (!b.has(x)) return false;
    return true;
  }
  if (a instanceof Keyword || a instanceof EdnSymbol || a instanceof Char) return false; // interned: === above
  const ea = mapEntries(a);
  const eb = mapEntries(b);
  if (ea === undefined || eb === undefined || ea.length !== eb.length) return false;
  if (!(a instanceof EdnMap) && !(b instanceof EdnMap)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const k of Object.keys(ra)) {
      if (!Object.hasOwn(rb, k) || !valueEquals(ra[k], rb[k])) return false;
    }
    return true;
  }
  for (const [k, v] of ea) {
    const other = mapGet(b, k);
    if (other === undefined || !valueEquals(v, other)) return false;
  }
  return true;
}

/**
 * A canonical string for a value: `valueKey(a) === valueKey(b)` exactly when
 * `valueEquals(a, b)` (NaN aside). For hash tables and memoisation.
 */
export function valueKey(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isInteger(v) ? String(v) : `d${v}`;
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      return `?${String(v)}`;
  }
  if (v === null) return 'nil';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i > 0 ? ' ' : '') + valueKey(v[i]);
    return `${s}]`;
  }
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return `'${v.name}`;
  if (v instanceof Char) return `\\${JSON.stringify(v.char)}`;
  if (v instanceof EdnDouble) return `d${v.value === 0 ? 0 : v.value}`;
  if (v instanceof Ratio) return `r${v.numerator}/${v.denominator}`;
  if (v instanceof BigDecimal) return `M${v.canonical}`;
  if (v instanceof Tagged) return `#${v.tag} ${valueKey(v.value)}`;
  if (v instanceof EdnSet) return `#{${v.items.map(valueKey).sort().join(' ')}}`;
  const entries = mapEntries(v);
  if (entries !== undefined) {
    const parts = entries.map(([k, x]) => `${valueKey(k)} ${valueKey(x)}`).sort();
    return `{${parts.join(', ')}}`;
  }
  return `?${String(v)}`;
}

/** The name of a keyword or a string (an op's f, a micro-op's function); undefined for anything else. */
export function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Keyword) return v.name;
  return undefined;
}

/** True when every part of v survives structured cloning as it is (no class instances): a worker can take it. */
export function isCloneSafe(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth > MAX_NESTING_DEPTH) return false;
  if (Array.isArray(v)) {
    if (v instanceof EdnList) return false;
    for (let i = 0; i < v.length; i++) if (!isCloneSafe(v[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainMap(v)) return false;
  for (const k in v) if (!isCloneSafe((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** Shortest text that reads back as this double in EDN and JSON: always with a point or an exponent. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
