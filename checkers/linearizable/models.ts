/**
 * The built-in sequential models. Each is a few lines over the `Model`
 * contract of model.ts; checkers/linearizable/README.md shows how to write one.
 */
import { type Model, type ModelInput, sameValue, show } from './model.js';

/** Thrown by a model for an operation it does not know; the checker reports it as a user error. */
export class ModelError extends Error {}

function unknownOp(model: string, input: ModelInput, known: string): never {
  throw new ModelError(`model ${model}: unknown operation f=${show(input.f)} (expected ${known})`);
}

/** A read of a primitive value fits exactly the state equal to it (NaN fits none). */
function primitiveRead(input: ModelInput, output: unknown): unknown {
  if (input.f !== 'read') return undefined;
  if (output === null || typeof output === 'string' || typeof output === 'boolean') return output;
  if (typeof output === 'number' && !Number.isNaN(output)) return output;
  return undefined;
}

/** A read-write register, initially nil. */
export const register: Model<unknown> = {
  name: 'register',
  description: 'read / write of one value, initially nil',
  init: () => null,
  step(state, input, output) {
    if (input.f === 'write') return [input.value];
    if (input.f === 'read') return output === undefined || sameValue(state, output);
    return unknownOp('register', input, 'read, write');
  },
  readOnly: (input) => input.f === 'read',
  readState: primitiveRead,
};

/** Jepsen's (and etcd's) compare-and-set register: cas value is [from, to], initially nil. */
export const casRegister: Model<unknown> = {
  name: 'cas-register',
  description: 'read / write / cas [from to] of one value, initially nil',
  init: () => null,
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
  readState: primitiveRead,
};

function casArgs(model: string, input: ModelInput): [unknown, unknown] {
  const v = input.value;
  if (!Array.isArray(v) || v.length !== 2) {
    throw new ModelError(`model ${model}: cas needs a value [from, to], got ${show(v)}`);
  }
  return [v[0], v[1]];
}

/** A map state with keys kept in sorted order, so its JSON text is canonical. */
type KeyedState<V> = Readonly<Record<string, V>>;

function keyOf(model: string, input: ModelInput): string {
  const k = input.key;
  if (typeof k === 'string') return k;
  if (typeof k === 'number') return `#${k}`;
  if (k === undefined || k === null) throw new ModelError(`model ${model}: operation ${input.f} has no key`);
  return `#${JSON.stringify(k)}`;
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
    const text = typeof v === 'string' ? `s${v}` : v instanceof Text ? `s${v.text}` : `j${JSON.stringify(v)}`;
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

/** A map of independent cas-registers, the key in the op's `key` field; every key starts nil. */
export const kv = keyed(
  'kv',
  'read / write / cas [from to] per key (op field `key`), every key initially nil',
  casRegister,
);

/** Strings per key, initially "": put replaces, append concatenates, get returns the whole string. */
export const kvAppend = keyed(
  'kv-append',
  'get / put / append of strings per key (op field `key`), every key initially ""',
  appendRegister,
);

/** A grow-only set: add an element, read all of them. State: sorted JSON texts of the elements. */
export const set: Model<readonly string[]> = {
  name: 'set',
  description: 'add / read of a grow-only set; a read returns every element',
  init: () => [],
  step(state, input, output) {
    if (input.f === 'add') {
      const e = JSON.stringify(input.value);
      if (state.includes(e)) return true;
      return [[...state, e].sort()];
    }
    if (input.f === 'read') {
      if (output === undefined) return true;
      if (!Array.isArray(output) || output.length !== state.length) return false;
      // A set holds an element once: a read that repeats one is impossible in any state.
      const seen = output.map((x) => JSON.stringify(x)).sort();
      return seen.every((e, i) => e === state[i]);
    }
    return unknownOp('set', input, 'add, read');
  },
  hash: (state) => state.join('\u0000'),
  readOnly: (input) => input.f === 'read',
  describeState: (state) => `#{${state.join(' ')}}`,
};

/** A counter, initially 0: add n, read the total. */
export const counter: Model<number> = {
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

export const MODELS: readonly Model[] = [register, casRegister, kv, kvAppend, set, counter, fifoQueue, mutex];

export const MODEL_NAMES: readonly string[] = MODELS.map((m) => m.name);

export function findModel(name: string): Model | undefined {
  return MODELS.find((m) => m.name === name);
}
