/**
 * Model states as small integers for the search. Each distinct state is
 * interned once; the search only ever handles ids.
 *
 * - FlatSpace: the model's own states and step function.
 * - ProductSpace: for a map of independent per-key models (a model with
 *   `perKey`, `partition` and `fromKeys`) checked as ONE object: a state is
 *   the tuple of its keys' state ids, with an incremental hash, so a step
 *   copies a few integers instead of rebuilding and rehashing the whole map.
 */
import { valueKey } from '../../src/history/values.js';
import type { Model, ModelInput } from './model.js';

export const ILLEGAL = -1;

/**
 * Ints a StateTable may be handed to start its tables in, for a search of n
 * ops (a power of two: 4 per op, 32 to 1,024; the tables grow past it).
 */
export function stateTableScratch(n: number): number {
  let ints = 32;
  while (ints < 4 * n && ints < 1024) ints *= 2;
  return ints;
}

export interface StateSpace<S> {
  /** States interned so far. */
  readonly size: number;
  initial(): number;
  /** Successors of op from state sid: ILLEGAL, one state id, or several. */
  step(sid: number, op: number): number | number[];
  /**
   * For a read-only op: the id of the one state it fits (the model's
   * `readState`), or undefined when only a step can tell. In a space of
   * tuples the id is of the op's component (`component`), not of the tuple.
   */
  readTarget?(op: number): number | undefined;
  /** For an op that resets the state: the id of the state it always leaves (Model.resetState). */
  resetTarget?(op: number): number | undefined;
  /** Whether op may reset the state (Model.resets; default: yes). */
  resets?(op: number): boolean;
  /** False when the model says state `sid` can never grow into state `tid` (Model.reaches). */
  reaches?(sid: number, tid: number): boolean;
  /** True when the model has `reaches`: the search may drop configurations whose next read can never fit. */
  readonly canPrune?: boolean;
  /** A space of tuples: how many components (keys) its tuples have. */
  readonly components?: number;
  /** A space of tuples: the component op touches (its key). */
  component?(op: number): number;
  /** A space of tuples: the id of component k of state sid. */
  componentOf?(sid: number, k: number): number;
  /** The model state behind an id (for reports). */
  state(sid: number): S;
  /** An estimate of the memory held, for the memory budget. */
  readonly bytes: number;
}

/** What one interned model state costs, roughly (object, map entry, array slot). */
const BYTES_PER_STATE = 96;

/** Interns the states of one model. */
export class StateTable<S> {
  readonly states: S[] = [];
  private readonly byKey = new Map<unknown, number>();
  private readonly buckets = new Map<number | string, number[]>();
  /**
   * `hash` + `equal` with 32-bit integer hashes (kv-append's strings): open
   * addressing over slots (id + 1; 0 is empty), the hash of every state kept
   * by id. No bucket arrays, and no heap numbers as Map keys.
   */
  private slots: Int32Array;
  private hashOf: Int32Array;
  private intCount = 0;
  /** scratch: stateTableScratch(n) zeroed ints to start the tables in (a search's pooled block); default 1,024. */
  constructor(
    private readonly model: Model<S>,
    scratch?: Int32Array,
  ) {
    const half = (scratch?.length ?? 1024) / 2;
    this.slots = scratch ? scratch.subarray(0, half) : new Int32Array(half);
    this.hashOf = scratch ? scratch.subarray(half, 2 * half) : new Int32Array(half);
  }

  intern(s: S): number {
    const m = this.model;
    if (m.equal && m.hash) {
      const h = m.hash(s);
      if (typeof h === 'number' && (h | 0) === h) return this.internInt(s, h, m.equal);
      let bucket = this.buckets.get(h);
      if (bucket) {
        for (const id of bucket) if (m.equal(this.states[id], s)) return id;
      } else {
        bucket = [];
        this.buckets.set(h, bucket);
      }
      bucket.push(this.states.length);
      this.states.push(s);
      return this.states.length - 1;
    }
    const key = m.hash
      ? m.hash(s)
      : s === null || (typeof s !== 'object' && typeof s !== 'function')
        ? s
        : valueKey(s);
    const id = this.byKey.get(key);
    if (id !== undefined) return id;
    this.byKey.set(key, this.states.length);
    this.states.push(s);
    return this.states.length - 1;
  }

  private internInt(s: S, h: number, equal: (a: S, b: S) => boolean): number {
    let slots = this.slots;
    let mask = slots.length - 1;
    const hashOf = this.hashOf;
    let i = slotOf(h) & mask;
    for (;;) {
      const v = slots[i];
      if (v === 0) break;
      if (hashOf[v - 1] === h && equal(this.states[v - 1], s)) return v - 1;
      i = (i + 1) & mask;
    }
    const id = this.states.length;
    this.states.push(s);
    if (id >= this.hashOf.length) {
      const h2 = new Int32Array(2 * id);
      h2.set(this.hashOf);
      this.hashOf = h2;
    }
    this.hashOf[id] = h;
    slots[i] = id + 1;
    if (++this.intCount * 2 > slots.length) {
      const old = slots;
      slots = new Int32Array(old.length * 2);
      mask = slots.length - 1;
      for (let j = 0; j < old.length; j++) {
        const v = old[j];
        if (v === 0) continue;
        let k = slotOf(this.hashOf[v - 1]) & mask;
        while (slots[k] !== 0) k = (k + 1) & mask;
        slots[k] = v;
      }
      this.slots = slots;
    }
    return id;
  }
}

/** Spread a 32-bit hash over the slots (its low bits alone may cluster). */
function slotOf(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/** Apply model.step and intern what comes out. */
function stepInterned<S>(
  model: Model<S>,
  table: StateTable<S>,
  sid: number,
  input: ModelInput,
  output: unknown,
): number | number[] {
  const r = model.step(table.states[sid], input, output);
  if (r === true) return sid;
  if (r === false || r.length === 0) return ILLEGAL;
  if (r.length === 1) return table.intern(r[0]);
  const ids = [...new Set(r.map((s) => table.intern(s)))];
  return ids.length === 1 ? ids[0] : ids;
}

export class FlatSpace<S> implements StateSpace<S> {
  private readonly table: StateTable<S>;
  constructor(
    private readonly model: Model<S>,
    private readonly inputs: readonly ModelInput[],
    private readonly outputs: readonly unknown[],
    scratch?: Int32Array,
  ) {
    this.table = new StateTable(model, scratch);
  }
  get size(): number {
    return this.table.states.length;
  }
  get bytes(): number {
    return this.table.states.length * BYTES_PER_STATE;
  }
  initial(): number {
    return this.table.intern(this.model.init());
  }
  step(sid: number, op: number): number | number[] {
    return stepInterned(this.model, this.table, sid, this.inputs[op], this.outputs[op]);
  }
  readTarget(op: number): number | undefined {
    const output = this.outputs[op];
    if (this.model.readState === undefined || output === undefined) return undefined;
    const s = this.model.readState(this.inputs[op], output);
    return s === undefined ? undefined : this.table.intern(s);
  }
  resetTarget(op: number): number | undefined {
    const s = this.model.resetState?.(this.inputs[op]);
    return s === undefined ? undefined : this.table.intern(s);
  }
  resets(op: number): boolean {
    return this.model.resets?.(this.inputs[op]) !== false;
  }
  reaches(sid: number, tid: number): boolean {
    const r = this.model.reaches;
    return r === undefined || r(this.table.states[sid], this.table.states[tid]);
  }
  get canPrune(): boolean {
    return this.model.reaches !== undefined;
  }
  state(sid: number): S {
    return this.table.states[sid];
  }
}

/** The states of model over these ops: a ProductSpace when the model is a map of per-key models. */
export function stateSpace<S>(
  model: Model<S>,
  inputs: readonly ModelInput[],
  outputs: readonly unknown[],
  /** stateTableScratch(n) zeroed ints the state table may start in. */
  scratch?: Int32Array,
): StateSpace<S> {
  const product =
    model.perKey !== undefined &&
    model.partition !== undefined &&
    model.fromKeys !== undefined &&
    inputs.every((input) => model.partition!(input) !== undefined);
  return product ? new ProductSpace(model, inputs, outputs) : new FlatSpace(model, inputs, outputs, scratch);
}

export class ProductSpace<S> implements StateSpace<S> {
  private readonly inner: Model<unknown>;
  private readonly innerTable: StateTable<unknown>;
  private readonly innerInit: number;
  /** Inner transitions already computed: (inner state, op) → result. */
  private readonly innerCache = new Map<number, number | number[]>();
  private readonly keyIndex: Int32Array;
  private readonly keyNames: (string | number)[] = [];
  private readonly K: number;
  /** Component ids of every state, K per state. */
  private tuples: Int32Array;
  private hashes: Int32Array;
  /** States with the same hash, chained: first by hash, then sameHash[id]. */
  private readonly firstByHash = new Map<number, number>();
  private sameHash: Int32Array;
  private count = 0;
  /** Per key, a random multiplier: hash = Σ_k mul[k] · (id_k + 1), updated in O(1). */
  private readonly mul: Int32Array;

  constructor(
    private readonly model: Model<S>,
    private readonly inputs: readonly ModelInput[],
    private readonly outputs: readonly unknown[],
  ) {
    this.inner = model.perKey!;
    this.innerTable = new StateTable(this.inner);
    this.innerInit = this.innerTable.intern(this.inner.init());
    const keys = new Map<string | number, number>();
    this.keyIndex = new Int32Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const k = model.partition!(inputs[i]);
      if (k === undefined)
        throw new Error('internal: ProductSpace needs a key for every op (use productSpace())');
      let idx = keys.get(k);
      if (idx === undefined) {
        idx = keys.size;
        keys.set(k, idx);
        this.keyNames.push(k);
      }
      this.keyIndex[i] = idx;
    }
    this.K = Math.max(1, keys.size);
    this.mul = new Int32Array(this.K);
    let x = 0x2545f491;
    for (let k = 0; k < this.K; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.mul[k] = x | 1;
    }
    this.tuples = new Int32Array(this.K * 64);
    this.hashes = new Int32Array(64);
    this.sameHash = new Int32Array(64);
  }

  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return (
      this.tuples.byteLength +
      this.hashes.byteLength +
      this.sameHash.byteLength +
      this.count * 40 +
      (this.innerTable.states.length + this.innerCache.size) * BYTES_PER_STATE
    );
  }

  initial(): number {
    const t = new Int32Array(this.K).fill(this.innerInit);
    let h = 0;
    for (let k = 0; k < this.K; k++) h = (h + Math.imul(this.mul[k], this.innerInit + 1)) | 0;
    return this.internTuple(t, 0, h);
  }

  /** Intern the tuple src[from..from+K) with hash h. */
  private internTuple(src: Int32Array, from: number, h: number): number {
    const K = this.K;
    let id = this.firstByHash.get(h) ?? -1;
    while (id >= 0) {
      const off = id * K;
      let k = 0;
      while (k < K && this.tuples[off + k] === src[from + k]) k++;
      if (k === K) return id;
      id = this.sameHash[id];
    }
    if (this.count === this.hashes.length) {
      const cap = this.count * 2;
      const t2 = new Int32Array(cap * K);
      t2.set(this.tuples);
      this.tuples = t2;
      const h2 = new Int32Array(cap);
      h2.set(this.hashes);
      this.hashes = h2;
      const s2 = new Int32Array(cap);
      s2.set(this.sameHash);
      this.sameHash = s2;
    }
    const nid = this.count++;
    this.tuples.set(src.subarray(from, from + K), nid * K);
    this.hashes[nid] = h;
    this.sameHash[nid] = this.firstByHash.get(h) ?? -1;
    this.firstByHash.set(h, nid);
    return nid;
  }

  private innerStep(isid: number, op: number): number | number[] {
    const key = isid * this.inputs.length + op;
    let r = this.innerCache.get(key);
    if (r === undefined) {
      r = stepInterned(this.inner, this.innerTable, isid, this.inputs[op], this.outputs[op]);
      this.innerCache.set(key, r);
    }
    return r;
  }

  private scratch = new Int32Array(0);

  private withComponent(sid: number, k: number, isid: number): number {
    const K = this.K;
    const old = this.tuples[sid * K + k];
    if (old === isid) return sid;
    const h = (this.hashes[sid] + Math.imul(this.mul[k], isid - old)) | 0;
    if (this.scratch.length !== K) this.scratch = new Int32Array(K);
    const buf = this.scratch;
    buf.set(this.tuples.subarray(sid * K, sid * K + K));
    buf[k] = isid;
    return this.internTuple(buf, 0, h);
  }

  // The per-key model's read and growth hooks, on the op's own component.
  readTarget(op: number): number | undefined {
    const inner = this.inner;
    const output = this.outputs[op];
    if (inner.readState === undefined || output === undefined) return undefined;
    const s = inner.readState(this.inputs[op], output);
    return s === undefined ? undefined : this.innerTable.intern(s);
  }
  resetTarget(op: number): number | undefined {
    const s = this.inner.resetState?.(this.inputs[op]);
    return s === undefined ? undefined : this.innerTable.intern(s);
  }
  resets(op: number): boolean {
    return this.inner.resets?.(this.inputs[op]) !== false;
  }
  reaches(a: number, b: number): boolean {
    const r = this.inner.reaches;
    return r === undefined || r(this.innerTable.states[a], this.innerTable.states[b]);
  }
  get canPrune(): boolean {
    return this.inner.reaches !== undefined;
  }
  get components(): number {
    return this.K;
  }
  component(op: number): number {
    return this.keyIndex[op];
  }
  componentOf(sid: number, k: number): number {
    return this.tuples[sid * this.K + k];
  }

  step(sid: number, op: number): number | number[] {
    const k = this.keyIndex[op];
    const r = this.innerStep(this.tuples[sid * this.K + k], op);
    if (typeof r === 'number') return r === ILLEGAL ? ILLEGAL : this.withComponent(sid, k, r);
    const ids = [...new Set(r.map((isid) => this.withComponent(sid, k, isid)))];
    return ids.length === 1 ? ids[0] : ids;
  }

  state(sid: number): S {
    const entries: [string | number, unknown][] = [];
    for (let k = 0; k < this.K; k++) {
      const isid = this.tuples[sid * this.K + k];
      if (isid !== this.innerInit) entries.push([this.keyNames[k], this.innerTable.states[isid]]);
    }
    return this.model.fromKeys!(entries);
  }
}
