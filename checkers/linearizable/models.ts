/**
 * The built-in sequential models. Each is a few lines over the `Model`
 * contract of model.ts; checkers/linearizable/README.md shows how to write one.
 */
import { EdnSet, mapEntries, nameOf, type Value, valueKey } from '../../src/history/values.js';
import { type Model, type ModelInput, sameValue, show } from './model.js';

/** Options a model is built with (`--initial-value`). */
export interface ModelOptions {
  /** The initial value of a register (of every key of a keyed model; the map of a multi-register). */
  initialValue?: Value;
}

/** Thrown by a model for an operation it does not know; the checker reports it as a user error. */
export class ModelError extends Error {}

function unknownOp(model: string, input: ModelInput, known: string): never {
  throw new ModelError(`model ${model}: unknown operation f=${show(input.f)} (expected ${known})`);
}

/**
 * A read fits exactly the state equal to what it returned (states are
 * interned by valueKey, which equal values share). NaN equals nothing, so a
 * read of NaN is left to `step`.
 */
function exactRead(input: ModelInput, output: unknown): unknown {
  if (input.f !== 'read' || output === undefined) return undefined;
  if (typeof output === 'number' && Number.isNaN(output)) return undefined;
  return output;
}

/**
 * A read-write register (Knossos' `register`), initially nil or the given
 * value. A read of nil is a read of nil: it fits only a register holding nil
 * (Knossos takes it as a read whose value is unknown; record such reads as
 * :info or :fail instead).
 */
export function makeRegister(initial: Value = null): Model<unknown> {
  return {
    name: 'register',
    description: `read / write of one value, initially ${show(initial)}`,
    init: () => initial,
    step(state, input, output) {
      if (input.f === 'write') return [input.value];
      if (input.f === 'read') return output === undefined || sameValue(state, output);
      return unknownOp('register', input, 'read, write');
    },
    readOnly: (input) => input.f === 'read',
    readState: exactRead,
  };
}

/** A read-write register, initially nil. */
export const register: Model<unknown> = makeRegister();

/**
 * Jepsen's (Knossos', etcd's) compare-and-set register: cas value is
 * [from, to], initially nil or the given value. Reads as in `makeRegister`.
 */
export function makeCasRegister(initial: Value = null): Model<unknown> {
  return {
    name: 'cas-register',
    description: `read / write / cas [from to] of one value, initially ${show(initial)}`,
    init: () => initial,
    step(state, input, output) {
      switch (input.f) {
        case 'write':
          return [input.value];
        case 'read':
          return output === undefined || sameValue(state, output);
        case 'cas': {
          const [from, to] = casArgs('cas-register', input);
          // An ok cas matched; an unknown one either matched here or did nothing.
          if (sameValue(state, from)) return [to];
          return output === undefined;
        }
        default:
          return unknownOp('cas-register', input, 'read, write, cas');
      }
    },
    readOnly: (input) => input.f === 'read',
    readState: exactRead,
  };
}

/** Jepsen's compare-and-set register, initially nil. */
export const casRegister: Model<unknown> = makeCasRegister();

function casArgs(model: string, input: ModelInput): [unknown, unknown] {
  const v = input.value;
  if (!Array.isArray(v) || v.length !== 2) {
    throw new ModelError(`model ${model}: cas needs a value [from, to], got ${show(v)}`);
  }
  return [v[0], v[1]];
}

/** A map state with keys kept in sorted order, so its JSON text is canonical. */
type KeyedState<V> = Readonly<Record<string, V>>;

/**
 * The partition key of an op: a string key as it is, a keyword as `:name`;
 * any other key (and a string that starts with `#` or `:`) as `#` and its
 * valueKey, so no two different keys share one.
 */
function keyOf(model: string, input: ModelInput): string {
  const k = input.key;
  if (typeof k === 'string') {
    const c = k.charCodeAt(0); // '#' or ':' would read as another key's name: escaped
    return c === 35 || c === 58 ? `#${valueKey(k)}` : k;
  }
  if (k === undefined || k === null) throw new ModelError(`model ${model}: operation ${input.f} has no key`);
  const name = valueKey(k);
  return name.startsWith(':') ? name : `#${name}`;
}

function withKey<V>(state: KeyedState<V>, k: string, v: V): KeyedState<V> {
  const out: Record<string, V> = {};
  if (Object.hasOwn(state, k)) {
    for (const key in state) out[key] = key === k ? v : state[key];
    return out;
  }
  const keys = Object.keys(state);
  keys.push(k);
  keys.sort();
  for (const key of keys) out[key] = key === k ? v : state[key];
  return out;
}

/** Canonical text of a keyed state: length-prefixed keys and values, so no two states share it. */
function keyedHash<V>(state: KeyedState<V>): string {
  let h = '';
  for (const key in state) {
    const v = state[key];
    const text = typeof v === 'string' ? `s${v}` : v instanceof Text ? `s${v.text}` : `j${valueKey(v)}`;
    h += `${key.length}:${key}${text.length}:${text}`;
  }
  return h;
}

/**
 * A map of independent copies of `inner`, one per value of the op's `key`
 * field. Split per key, each part is checked with `inner` itself.
 */
export function keyed<V>(name: string, description: string, inner: Model<V>): Model<KeyedState<V>> {
  return {
    name,
    description,
    init: () => ({}),
    step(state, input, output) {
      const k = keyOf(name, input);
      const cur = Object.hasOwn(state, k) ? state[k] : inner.init();
      const r = inner.step(cur, input, output);
      if (typeof r === 'boolean') return r;
      return r.map((v) => withKey(state, k, v));
    },
    hash: keyedHash,
    partition: (input) => keyOf(name, input),
    readOnly: inner.readOnly?.bind(inner),
    perKey: inner as Model<unknown>,
    fromKeys: (entries) => {
      const out: Record<string, V> = {};
      for (const [k, v] of [...entries].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1))) {
        out[String(k)] = v as V;
      }
      return out;
    },
    describeOperation: inner.describeOperation?.bind(inner),
    describeState: (state) =>
      `{${Object.entries(state)
        .map(([k, v]) => `${k} ${inner.describeState ? inner.describeState(v) : show(v)}`)
        .join(', ')}}`,
  };
}

/**
 * A string with its hash kept up to date as it grows, so that interning an
 * appended-to state costs the length of the append, not of the string.
 * Serialises as the plain string.
 */
export class Text {
  /** Hashes of the prefixes of text, by length: computed when first asked. */
  private prefixes: Int32Array | undefined;
  constructor(
    readonly text: string,
    readonly hash: number,
  ) {}
  /**
   * False when `other` is certainly not a prefix of this text (their hashes
   * differ); true when it is, or when it may be (a hash collision).
   */
  mayStartWith(other: Text): boolean {
    const len = other.text.length;
    if (len > this.text.length) return false;
    if (this.prefixes === undefined) {
      const text = this.text;
      const p = new Int32Array(text.length + 1);
      for (let i = 0; i < text.length; i++) p[i + 1] = (Math.imul(p[i], 31) + text.charCodeAt(i)) | 0;
      this.prefixes = p;
    }
    return this.prefixes[len] === other.hash;
  }
  static of(text: string): Text {
    return new Text(text, extendHash(0, text));
  }
  append(more: string): Text {
    return new Text(this.text + more, extendHash(this.hash, more));
  }
  toJSON(): string {
    return this.text;
  }
}

/** Polynomial string hash, extended one character at a time: h(a + b) = extendHash(h(a), b). */
function extendHash(h: number, more: string): number {
  for (let i = 0; i < more.length; i++) h = (Math.imul(h, 31) + more.charCodeAt(i)) | 0;
  return h;
}

const EMPTY_TEXT = Text.of('');

/** One key of kv-append: a string, initially "". */
export const appendRegister: Model<Text> = {
  name: 'append-register',
  description: 'get / put / append of one string, initially ""',
  init: () => EMPTY_TEXT,
  step(state, input, output) {
    switch (input.f) {
      case 'put':
        return [Text.of(String(input.value))];
      case 'append':
        return [state.append(String(input.value))];
      case 'get':
        return output === undefined || output === state.text;
      default:
        return unknownOp('kv-append', input, 'get, put, append');
    }
  },
  hash: (state) => state.hash,
  equal: (a, b) => a.text === b.text,
  readOnly: (input) => input.f === 'get',
  readState: (input, output) =>
    input.f === 'get' && typeof output === 'string' ? Text.of(output) : undefined,
  // Appends only ever grow the string: it can become only what starts with it.
  reaches: (from, to) => to.mayStartWith(from),
  resets: (input) => input.f !== 'append',
  resetState: (input) => (input.f === 'put' ? Text.of(String(input.value)) : undefined),
  describeState: (state) => JSON.stringify(state.text),
};

/** A map of independent cas-registers, the key in the op's `key` field; every key starts nil (or the given value). */
export function makeKv(initial: Value = null) {
  return keyed(
    'kv',
    `read / write / cas [from to] per key (op field \`key\`), every key initially ${show(initial)}`,
    initial === null ? casRegister : makeCasRegister(initial),
  );
}

export const kv = makeKv();

/** Strings per key, initially "": put replaces, append concatenates, get returns the whole string. */
export const kvAppend = keyed(
  'kv-append',
  'get / put / append of strings per key (op field `key`), every key initially ""',
  appendRegister,
);

/** A grow-only set: add an element, read all of them (a vector or a set). State: sorted valueKeys of the elements. */
export const set: Model<readonly string[]> = {
  name: 'set',
  description: 'add / read of a grow-only set; a read returns every element',
  init: () => [],
  step(state, input, output) {
    if (input.f === 'add') {
      const e = valueKey(input.value);
      if (state.includes(e)) return true;
      return [[...state, e].sort()];
    }
    if (input.f === 'read') {
      if (output === undefined) return true;
      const items = output instanceof EdnSet ? output.items : output;
      if (!Array.isArray(items) || items.length !== state.length) return false;
      // A set holds an element once: a read that repeats one is impossible in any state.
      const seen = items.map((x) => valueKey(x)).sort();
      return seen.every((e, i) => e === state[i]);
    }
    return unknownOp('set', input, 'add, read');
  },
  hash: (state) => state.join('\u0000'),
  readOnly: (input) => input.f === 'read',
  describeState: (state) => `#{${state.join(' ')}}`,
};

/** A counter, initially 0 (or the given number): add n, read the total. */
export function makeCounter(initial = 0): Model<number> {
  return {
    ...counterModel,
    description: `add n / read of a counter, initially ${initial}`,
    init: () => initial,
  };
}

const counterModel: Model<number> = {
  name: 'counter',
  description: 'add n / read of a counter, initially 0',
  init: () => 0,
  step(state, input, output) {
    if (input.f === 'add') {
      if (typeof input.value !== 'number') throw new ModelError(`model counter: add needs a number`);
      return [state + input.value];
    }
    if (input.f === 'read') return output === undefined || output === state;
    return unknownOp('counter', input, 'add, read');
  },
  readOnly: (input) => input.f === 'read',
  readState: (input, output) =>
    input.f === 'read' && typeof output === 'number' && !Number.isNaN(output) ? output : undefined,
};

export const counter: Model<number> = counterModel;

/** A FIFO queue, initially empty: enqueue v; dequeue returns the head, or nil when empty. */
export const fifoQueue: Model<readonly unknown[]> = {
  name: 'fifo-queue',
  description: 'enqueue v / dequeue → head (nil when empty), initially empty',
  init: () => [],
  step(state, input, output) {
    if (input.f === 'enqueue') return [[...state, input.value]];
    if (input.f === 'dequeue') {
      if (output === undefined) return state.length === 0 ? true : [state.slice(1)];
      if (output === null) return state.length === 0;
      return state.length > 0 && sameValue(state[0], output) ? [state.slice(1)] : false;
    }
    return unknownOp('fifo-queue', input, 'enqueue, dequeue');
  },
  describeState: (state) => `[${state.map(show).join(' ')}]`,
};

/** A mutex: acquire when free, release when held. State: held. */
export const mutex: Model<boolean> = {
  name: 'mutex',
  description: 'acquire / release of a lock, initially free',
  init: () => false,
  step(state, input) {
    if (input.f === 'acquire') return state ? false : [true];
    if (input.f === 'release') return state ? [false] : false;
    return unknownOp('mutex', input, 'acquire, release');
  },
  describeState: (held) => (held ? 'held' : 'free'),
};

type MRState = Readonly<Record<string, readonly [Value, Value]>>;

/** The state of a multi-register with key k (by valueKey) set to v. */
function mrWith(state: MRState, k: string, key: Value, v: Value): MRState {
  const out: Record<string, readonly [Value, Value]> = {};
  const keys = Object.hasOwn(state, k) ? Object.keys(state) : [...Object.keys(state), k].sort();
  for (const x of keys) out[x] = x === k ? [key, v] : state[x];
  return out;
}

/**
 * Knossos' `multi-register`: registers by key, changed by transactions. The
 * only f is txn; its value is a list of micro-ops [f k v] with f read or
 * write. Every key starts nil, or as the given map says (`--initial-value
 * '{:x 0 :y 0}'`). As in Knossos, a read of nil inside a txn says nothing
 * (it is how an invocation writes a read it has not done yet).
 */
export function makeMultiRegister(initial: Value = null): Model<MRState> {
  let init: MRState = {};
  if (initial !== null) {
    const entries = mapEntries(initial);
    if (entries === undefined)
      throw new ModelError(
        `model multi-register: the initial value must be a map of keys to values, got ${show(initial)}`,
      );
    for (const [k, v] of entries) init = mrWith(init, valueKey(k), k, v);
  }
  const apply = (state: MRState, txn: unknown): MRState | false => {
    if (!Array.isArray(txn))
      throw new ModelError(
        `model multi-register: a txn's value must be a list of [f k v] micro-ops, got ${show(txn)}`,
      );
    let cur = state;
    for (const m of txn) {
      const f = Array.isArray(m) && m.length === 3 ? nameOf(m[0]) : undefined;
      if (f !== 'read' && f !== 'write' && f !== 'r' && f !== 'w')
        throw new ModelError(
          `model multi-register: unknown micro-op ${show(m)} (expected [:read k v] or [:write k v])`,
        );
      const key = m[1] as Value;
      const k = valueKey(key);
      if (f === 'read' || f === 'r') {
        const v = m[2] as Value;
        const held = Object.hasOwn(cur, k) ? cur[k][1] : null;
        if (v !== null && !sameValue(v, held)) return false;
      } else cur = mrWith(cur, k, key, m[2] as Value);
    }
    return cur;
  };
  return {
    name: 'multi-register',
    description: `txn of [:read k v] / [:write k v] over registers by key (Knossos), every key initially ${initial === null ? 'nil' : show(initial)}`,
    init: () => init,
    step(state, input, output) {
      if (input.f !== 'txn') return unknownOp('multi-register', input, 'txn');
      // An ok txn: its completion (reads filled in); an unknown one: its invocation.
      const next = apply(state, output === undefined ? input.value : output);
      return next === false ? false : [next];
    },
    hash: (state) => {
      let h = '';
      for (const k of Object.keys(state)) h += `${k.length}:${k}${valueKey(state[k][1])} `;
      return h;
    },
    readOnly: (input) =>
      input.f === 'txn' &&
      Array.isArray(input.value) &&
      input.value.every((m) => Array.isArray(m) && (nameOf(m[0]) === 'read' || nameOf(m[0]) === 'r')),
    describeState: (state) =>
      `{${Object.values(state)
        .map(([k, v]) => `${show(k)} ${show(v)}`)
        .join(', ')}}`,
  };
}

export const multiRegister = makeMultiRegister();

export const MODELS: readonly Model[] = [
  register,
  casRegister,
  kv,
  kvAppend,
  multiRegister as Model,
  set,
  counter,
  fifoQueue,
  mutex,
];

export const MODEL_NAMES: readonly string[] = MODELS.map((m) => m.name);

/** Models that take an initial value (`--initial-value`). */
export const MODELS_WITH_INITIAL_VALUE: readonly string[] = [
  'register',
  'cas-register',
  'kv',
  'kv-append',
  'multi-register',
  'counter',
];

/**
 * A built-in model by name, built with its options (an initial value for the
 * models that take one; a ModelError for the others, or for a value the model
 * cannot start with).
 */
export function findModel(name: string, opts: ModelOptions = {}): Model | undefined {
  const base = MODELS.find((m) => m.name === name);
  if (base === undefined || opts.initialValue === undefined) return base;
  const v = opts.initialValue;
  switch (name) {
    case 'register':
      return makeRegister(v);
    case 'cas-register':
      return makeCasRegister(v);
    case 'kv':
      return makeKv(v);
    case 'kv-append':
      if (typeof v !== 'string')
        throw new ModelError(`model kv-append: the initial value must be a string, got ${show(v)}`);
      return keyed(
        'kv-append',
        `get / put / append of strings per key (op field \`key\`), every key initially ${show(v)}`,
        { ...appendRegister, init: () => Text.of(v) },
      );
    case 'multi-register':
      return makeMultiRegister(v) as Model;
    case 'counter':
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        throw new ModelError(`model counter: the initial value must be an integer, got ${show(v)}`);
      return makeCounter(v);
    default:
      throw new ModelError(
        `model ${name} takes no initial value (--initial-value is for ${MODELS_WITH_INITIAL_VALUE.join(', ')})`,
      );
  }
}
