/**
 * The search: Wing & Gong's linearization search with Lowe's just-in-time
 * linearization and memoisation of (linearized set, model state).
 *
 * Events sit in doubly-linked lists in real-time order: the returns of the
 * completed operations, and the calls in three lists (completed reads, other
 * completed ops, ops with an unknown outcome). From a configuration
 * (linearized set, state) the candidates are the calls before the first
 * return still listed; linearizing one lifts its call and return out. They
 * are tried reads first, then the other completed ops, then the unknown ones,
 * each list in call order. Reaching a return means that operation must
 * already have taken effect: backtrack. Operations with an unknown outcome
 * (info, or never completed) return at +infinity: they are never required,
 * and the list of returns running empty is success.
 *
 * Four prunings, each sound:
 * - an unknown op that would leave the state unchanged is not tried (never
 *   taking effect covers it);
 * - dominance: a configuration is skipped when one with the same completed
 *   ops, the same state and a subset of the unknown ops was seen;
 * - a read (model.readOnly) that fits the current state is taken at once and
 *   alone: moving a read-only op earlier keeps a linearization one. Reads go
 *   first, so a configuration is only ever branched on the other ops once no
 *   read fits it; with model.readState a read fits exactly one state id, and
 *   trying it is an integer comparison;
 * - with model.reaches (states that only grow, like kv-append's strings): a
 *   configuration is dropped as soon as the first read left to return can
 *   never fit, because its state cannot grow into the read's and no op that
 *   resets the state (model.resets, model.resetState) can take effect before
 *   that read returns and leave one that can. Without it, a search over
 *   concurrent appends tries every order of them before the next read says
 *   no; with it, a wrong order is dropped at its first wrong append. States
 *   that are tuples of per-key states (a keyed model checked as one object)
 *   are looked at per key, with the per-key model's hooks.
 *
 * The hot loop works on typed arrays: the lists as Int32Array links, the
 * linearized set as a Uint32Array bitset with an incremental Zobrist hash, a
 * hash set of (bitset, state id) in an open-addressed table with bitsets
 * stored in one arena (compared in full: a hash collision never prunes), and
 * model states interned to small integers (states.ts) with every transition
 * cached.
 */
import { optimiseIfDue, optimiseNow } from '../../src/jit.js';
import type { Model, ModelInput } from './model.js';
import type { PreparedOp } from './prepare.js';
import { ILLEGAL, type StateSpace, stateSpace, stateTableScratch } from './states.js';

export interface SearchBudget {
  /** Absolute deadline, in Date.now() milliseconds. */
  deadlineMs?: number;
  /** Cap on the memory of the memo table, arena and transition cache. */
  memoryLimitBytes?: number;
  /** A shared flag: non-zero asks the search to stop (another part already failed). */
  cancel?: Int32Array;
  /** Stop (unknown, reason 'steps') after this many steps: minimisation's re-checks are bounded so. */
  maxSteps?: number;
}

export interface SearchStats {
  /** Iterations of the search loop. */
  steps: number;
  /** Configurations memoised. */
  configurations: number;
  /** Distinct model states met. */
  states: number;
  /** Bytes held by the search's tables at their largest. */
  peakBytes: number;
}

export interface SearchOutcome<S> {
  valid: true | false | 'unknown';
  unknownReason?: 'time' | 'memory' | 'steps' | 'cancelled';
  /** Invalid: the op (index into the input array) that cannot be linearized. */
  failing?: number;
  /** Invalid: the longest linearization found of everything that returned before `failing` did. */
  prefix?: number[];
  /** Invalid: distinct model states the object could be in just before `failing` had to take effect. */
  statesBefore?: S[];
  statesTruncated?: boolean;
  stats: SearchStats;
}

const MAX_FRONTIER_STATES = 32;
/**
 * Slots of the (state, op) transition table a search starts with, in its
 * pooled block: sized to the part (a power of two, 4 per op, 16 to 1,024),
 * so a history of thousands of small parts does not zero and hold 12 KiB
 * per part for transitions it never has. It grows as needed.
 */
function initialTransitions(n: number): number {
  let cap = 16;
  while (cap < 4 * n && cap < 1024) cap *= 2;
  return cap;
}

/**
 * Memo entries a search starts with: a valid part memoises at least one
 * configuration per op, so room for n + 1 of them (a power of two, 64 and up)
 * spares the many small parts of a split history growing the memo (new
 * tables, a rehash) in their first steps; at most 2^16 words of arena (a
 * configuration holds n bits), so a big part starts no bigger than before.
 */
function initialEntries(n: number): number {
  const words = (n + 31) >>> 5;
  let cap = 64;
  while (cap < n + 1 && 2 * cap * words <= 1 << 16) cap *= 2;
  return cap;
}
/** Pruned configurations completed for the explanation, per furthest read. */
const MAX_COMPLETIONS = 256;
const UNSEEN = -3;
/** stackAlt of a read taken greedily: backtracking past it fails the configuration below. */
const FORCED = -1;
/** readTarget of an op whose fit is asked of the transition. */
const NO_TARGET = -2;

/**
 * Where the scan of a configuration stands: at its start (find the first
 * return), among the reads (one that fits is taken alone), among the other
 * completed ops, or among the ops with an unknown outcome.
 */
const START = 0;
const READS = 1;
const WRITES = 2;
const UNKNOWN = 3;

class BudgetExceeded extends Error {
  constructor(readonly reason: 'time' | 'memory' | 'steps' | 'cancelled') {
    super(reason);
  }
}

/**
 * Steps after which one search is long enough for TurboFan to pay (per-key searches of the kv and
 * etcd files stay under it, ~6,000 at most, and are done sooner without it).
 */
const LONG_SEARCH_STEPS = 16_384;

/** Slot hash of (state, op): multiply, then fold the high bits down (low bits alone collide). */
function transitionSlot(sid: number, op: number): number {
  let h = Math.imul(sid, 0x9e3779b1) ^ Math.imul(op + 1, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

/**
 * Reused memory for the fixed-size tables of searches. Typed arrays live
 * outside the JS heap, and allocating many (minimisation runs thousands of
 * small searches) makes V8 collect garbage over and over for external memory
 * pressure. A finished search hands its block back here.
 */
const pool: Int32Array[] = [];
/**
 * The pool keeps at most this many ints in all (16 MiB), in blocks of at
 * most a quarter of it: enough for the 64 small searches the scheduler
 * keeps going at once, never a big search's tables held for nothing.
 */
const POOL_MAX_TOTAL_INTS = 1 << 22;
const POOL_MAX_BLOCK_INTS = POOL_MAX_TOTAL_INTS >> 2;
let pooledInts = 0;

function acquireBlock(size: number): Int32Array {
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    if (pool[i].length >= size && (best < 0 || pool[i].length < pool[best].length)) best = i;
  }
  // A power of two: the parts of a split history are searched smallest first, so a block cut to
  // its size would never fit the next part, and every search would allocate (~13 µs a block).
  if (best < 0) {
    let ints = 1024;
    while (ints < size) ints *= 2;
    return new Int32Array(ints);
  }
  const block = pool[best];
  pool[best] = pool[pool.length - 1];
  pool.pop();
  pooledInts -= block.length;
  block.fill(0, 0, size);
  return block;
}

function releaseBlock(block: Int32Array): void {
  if (block.length > POOL_MAX_BLOCK_INTS || pooledInts + block.length > POOL_MAX_TOTAL_INTS) return;
  pool.push(block);
  pooledInts += block.length;
}

/** Deterministic 32-bit random numbers for the Zobrist hash (xorshift32). */
function zobrist(z: Int32Array): void {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < z.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    z[i] = x;
  }
}

/** Run one search to the end. */
export function searchLinearization<S>(
  ops: readonly PreparedOp[],
  model: Model<S>,
  budget: SearchBudget = {},
): SearchOutcome<S> {
  const search = new LinearizationSearch(ops, model, budget);
  while (!search.run(Number.POSITIVE_INFINITY));
  return search.outcome();
}

/**
 * A search that can be run in slices (`run(maxSteps)`), so that the parts of a
 * split history are interleaved and a part that fails quickly is found early,
 * as if they ran in parallel.
 *
 * Candidates are tried completed ops first, in real-time order, then ops with
 * an unknown outcome: those live in a list of their own, since their returns
 * are at +infinity and never bound the search. An unknown op is a candidate
 * while its call precedes the first return left in the list of completed ops.
 */
export class LinearizationSearch<S> {
  private readonly n: number;
  private readonly known: Int32Array;
  /** Completed ops the model says never change the state (reads): taken greedily. */
  private readonly readOnly: Int32Array;
  /**
   * For a read: the id of the one state it fits (Model.readState), so that
   * trying it is an integer comparison; NO_TARGET: ask the transition.
   */
  private readonly readTarget: Int32Array;
  /** Rank of each event in real-time order; call of op i is event 2i, its return 2i+1. */
  private readonly rank: Int32Array;
  /**
   * Four lists of events in real-time order, sharing the link arrays (an event
   * is in one list at most), each between a head and a tail sentinel: the
   * calls of completed reads (R), of the other completed ops (W), of the ops
   * with an unknown outcome (U), and the returns of completed ops (RET).
   */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /**
   * With a model that says which states can grow into which (Model.reaches):
   * two more lists per key (one key unless the states are tuples), in links
   * of their own: the returns of completed reads by return (RR), and the
   * calls of the ops that may reset the state (RS). xList[op]: 1 when op's
   * return is in an RR list, 2 when its call is in an RS list.
   */
  private prune: boolean;
  /** States are ids of the whole state (not tuples of per-key ids: then reads and resets concern a component). */
  private flat = true;
  /** For a read or a reset in a space of tuples: the component (key) it concerns. */
  private readonly comp: Int32Array;
  /** Keys with lists of their own in nextX (1 unless the states are tuples). */
  private keys = 1;
  private readonly nextX: Int32Array;
  private readonly prevX: Int32Array;
  private readonly xList: Int32Array;
  /** For an op that resets the state: the id of the state it always leaves (Model.resetState), or NO_TARGET. */
  private readonly resetTarget: Int32Array;

  private readonly states: StateSpace<S>;
  private readonly inputs: ModelInput[];
  private readonly outputs: unknown[];
  private readonly rows: Int32Array[] = [];
  private readonly multi: Int32Array[] = [];
  private transitionBytes = 0;
  /** Transitions of the states past the rows: open addressing on (state, op). */
  private tCap: number;
  private tCount = 0;
  /** State id + 1 of each slot; 0: empty. */
  private tState: Int32Array;
  private tOp: Int32Array;
  private tVal: Int32Array;
  /** Transition rows of the first states live in the pooled block. */
  private rowBlockStates = 0;
  private rowBlock!: Int32Array;
  /** The pooled block holding the fixed-size tables; undefined once handed back. */
  private block: Int32Array | undefined;
  private result: SearchOutcome<S> | undefined;

  private readonly W: number;
  private readonly bits: Uint32Array;
  /**
   * The first 32 unknown-outcome ops are kept out of bits and hash: their own
   * bit in umask. A configuration is pruned when one with the same completed
   * ops and state, and a subset of these, was seen: never taking effect is
   * always allowed for them, so it can do all the other one can.
   */
  private readonly uBit: Int32Array;
  private umask = 0;
  private readonly z: Int32Array;
  private capE = 64;
  private eHash: Int32Array;
  private eState: Int32Array;
  /** Unknown-outcome ops linearized in each memoised configuration (see uBit). */
  private eMask: Int32Array;
  private arena: Uint32Array;
  private count = 0;
  private capT = 128;
  private slots: Int32Array;

  private readonly stackOp: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackAlt: Int32Array;
  private sp = 0;

  // Where the search stands between slices.
  private sid: number;
  private h = 0;
  /** The event the scan is at, in the list of `phase`. */
  private entry = 0;
  private phase = START;
  /** The first return left (it bounds the candidates), and its rank. */
  private limitEvent = -1;
  private limitRank = 0;
  private steps = 0;
  private verdict: true | false | 'unknown' | undefined;
  private unknownReason: SearchOutcome<S>['unknownReason'];
  private peakBytes = 0;

  // Explanation: the furthest return the search got stuck at, and what led there.
  private bestRank = -1;
  private failing = -1;
  private readonly bestStack: Int32Array;
  private bestLen = 0;
  private dirtyFrom = 0;
  private readonly frontierStates = new Set<number>();
  private frontierTruncated = false;
  private completions = 0;
  /** Pruned configurations at the furthest read: state id, count, the ops that return before it. */
  private readonly pending: number[] = [];
  /** Ops taken to complete a pruned configuration (recordUnreachable). */
  private readonly completion: Int32Array;

  constructor(
    ops: readonly PreparedOp[],
    model: Model<S>,
    private readonly budget: SearchBudget = {},
  ) {
    const n = ops.length;
    this.n = n;
    let maxFinite = 0;
    for (let i = 0; i < n; i++) {
      const o = ops[i];
      if (o.callPos > maxFinite) maxFinite = o.callPos;
      if (o.retPos !== Number.POSITIVE_INFINITY && o.retPos > maxFinite) maxFinite = o.retPos;
    }
    const m = 2 * n;
    const W = (n + 31) >>> 5;
    this.W = W;
    // One allocation for every fixed-size table (small searches are many while minimising).
    const capE = initialEntries(n);
    const capT = 2 * capE;
    this.capE = capE;
    this.capT = capT;
    this.rowBlockStates = Math.min(8, Math.floor(65536 / Math.max(n, 1)));
    // Known for certain once the state space is built (a keyed model's per-key model may have it).
    this.prune = model.reaches !== undefined || model.perKey?.reaches !== undefined;
    // Two lists per key (at most n keys), each with two sentinels.
    const xSize = this.prune ? 2 * (m + 4 * n) + 3 * n : 0;
    const transitions = initialTransitions(n);
    this.tCap = transitions;
    const stateScratchInts = stateTableScratch(n);
    const size =
      5 * m +
      16 +
      9 * n +
      W +
      3 * capE +
      capT +
      capE * W +
      this.rowBlockStates * n +
      xSize +
      3 * transitions +
      stateScratchInts +
      n;
    const mem = acquireBlock(size);
    this.block = mem;
    let at = 0;
    const take = (len: number): Int32Array => {
      const v = mem.subarray(at, at + len);
      at += len;
      return v;
    };
    const takeU = (len: number): Uint32Array => {
      const v = new Uint32Array(mem.buffer, at * 4, len);
      at += len;
      return v;
    };
    this.rank = take(m);
    this.next = take(m + 8);
    this.prev = take(m + 8);
    this.known = take(n);
    this.readOnly = take(n);
    this.readTarget = take(n);
    this.z = take(n);
    this.uBit = take(n);
    this.stackOp = take(n);
    this.stackState = take(n);
    this.stackAlt = take(n);
    this.bestStack = take(n);
    this.nextX = take(this.prune ? m + 4 * n : 0);
    this.prevX = take(this.prune ? m + 4 * n : 0);
    this.xList = take(this.prune ? n : 0);
    this.resetTarget = take(this.prune ? n : 0);
    this.completion = take(this.prune ? n : 0);
    this.bits = takeU(W);
    this.eHash = take(capE);
    this.eState = take(capE);
    this.eMask = take(capE);
    this.slots = take(capT);
    this.arena = takeU(capE * W);
    const sorted = take(m);
    const intKeys = take(m);
    this.rowBlock = take(this.rowBlockStates * n);
    this.tState = take(transitions);
    this.tOp = take(transitions);
    this.tVal = take(transitions);
    this.transitionBytes = transitions * 12;
    const stateScratch = take(stateScratchInts);
    this.comp = take(n);

    // Events sorted by position: key = position << shift | event, decoded without division.
    let shift = 1;
    while (1 << shift < m) shift++;
    const lastPos = 2 * maxFinite + 4;
    if (lastPos < 2 ** (30 - shift)) {
      for (let i = 0; i < n; i++) {
        const o = ops[i];
        const ret = o.retPos === Number.POSITIVE_INFINITY ? maxFinite + 2 + o.callPos : o.retPos;
        intKeys[2 * i] = ((o.callPos + 1) << shift) | (2 * i);
        intKeys[2 * i + 1] = ((ret + 1) << shift) | (2 * i + 1);
      }
      intKeys.sort();
      const low = (1 << shift) - 1;
      for (let r = 0; r < m; r++) sorted[r] = intKeys[r] & low;
    } else {
      const keys = new Float64Array(m);
      const scale = 2 ** shift;
      for (let i = 0; i < n; i++) {
        const o = ops[i];
        const ret = o.retPos === Number.POSITIVE_INFINITY ? maxFinite + 2 + o.callPos : o.retPos;
        keys[2 * i] = (o.callPos + 1) * scale + 2 * i;
        keys[2 * i + 1] = (ret + 1) * scale + 2 * i + 1;
      }
      keys.sort();
      for (let r = 0; r < m; r++) sorted[r] = keys[r] - Math.floor(keys[r] / scale) * scale;
    }
    for (let r = 0; r < m; r++) this.rank[sorted[r]] = r;

    for (let i = 0; i < n; i++) {
      this.known[i] = ops[i].known ? 1 : 0;
      this.readOnly[i] = ops[i].known && model.readOnly?.(ops[i].input) ? 1 : 0;
    }
    this.inputs = ops.map((o) => o.input);
    this.outputs = ops.map((o) => o.output);
    const states = stateSpace(model, this.inputs, this.outputs, stateScratch);
    this.states = states;
    this.prune = this.prune && states.canPrune === true;
    if (states.componentOf !== undefined && states.component !== undefined) {
      this.flat = false;
      for (let i = 0; i < n; i++) this.comp[i] = states.component(i);
    }
    // Sentinels: list k (R, W, U, RET) runs from m + 2k to m + 2k + 1.
    const next = this.next;
    const prev = this.prev;
    const last = [m + 2 * READS - 2, m + 2 * WRITES - 2, m + 2 * UNKNOWN - 2, m + 6];
    const append = (list: number, e: number) => {
      next[last[list]] = e;
      prev[e] = last[list];
      last[list] = e;
    };
    for (let r = 0; r < m; r++) {
      const e = sorted[r];
      const op = e >> 1;
      if (this.known[op] === 1) {
        if ((e & 1) === 1) append(3, e);
        else append(this.readOnly[op] === 1 ? 0 : 1, e);
      } else if ((e & 1) === 0) {
        append(2, e);
      }
    }
    for (let k = 0; k < 4; k++) {
      next[last[k]] = m + 2 * k + 1;
      prev[m + 2 * k + 1] = last[k];
    }
    if (this.prune) {
      // Per key k (one key when the states are not tuples): RR from m + 4k to
      // m + 4k + 1, RS from m + 4k + 2 to m + 4k + 3.
      this.keys = this.flat ? 1 : (states.components ?? 1);
      const nx = this.nextX;
      const px = this.prevX;
      const lastX = new Int32Array(2 * this.keys);
      for (let k = 0; k < 2 * this.keys; k++) lastX[k] = m + 2 * k;
      const appendX = (list: number, e: number) => {
        nx[lastX[list]] = e;
        px[e] = lastX[list];
        lastX[list] = e;
      };
      for (let r = 0; r < m; r++) {
        const e = sorted[r];
        const op = e >> 1;
        if ((e & 1) === 1 && this.readOnly[op] === 1) {
          appendX(2 * this.comp[op], e);
          this.xList[op] |= 1;
        } else if ((e & 1) === 0 && this.readOnly[op] === 0 && states.resets?.(op) !== false) {
          appendX(2 * this.comp[op] + 1, e);
          this.xList[op] |= 2;
        }
      }
      for (let k = 0; k < 2 * this.keys; k++) {
        nx[lastX[k]] = m + 2 * k + 1;
        px[m + 2 * k + 1] = lastX[k];
      }
    }
    for (let i = 0; i < n; i++) {
      this.readTarget[i] = this.readOnly[i] === 1 ? (this.states.readTarget?.(i) ?? NO_TARGET) : NO_TARGET;
      if (this.prune && (this.xList[i] & 2) !== 0)
        this.resetTarget[i] = this.states.resetTarget?.(i) ?? NO_TARGET;
    }

    zobrist(this.z);
    for (let i = 0, k = 0; i < n && k < 32; i++) {
      if (this.known[i] === 0) {
        this.uBit[i] = 1 << k++;
        this.z[i] = 0;
      }
    }
    this.sid = this.states.initial();
    if (n === 0) this.verdict = true;
  }

  get done(): boolean {
    return this.verdict !== undefined;
  }

  get stepsTaken(): number {
    return this.steps;
  }

  /** Bytes held by this search's tables now. */
  get bytesHeld(): number {
    return this.bytes();
  }

  private bytes(): number {
    return (
      this.arena.byteLength +
      this.eHash.byteLength +
      this.eState.byteLength +
      this.eMask.byteLength +
      this.slots.byteLength +
      this.transitionBytes +
      this.states.bytes
    );
  }

  private checkMemory(extra: number): void {
    const b = this.bytes() + extra;
    if (b > (this.budget.memoryLimitBytes ?? Number.POSITIVE_INFINITY)) throw new BudgetExceeded('memory');
    if (b > this.peakBytes) this.peakBytes = b;
  }

  private computeTransition(sid: number, op: number): number {
    const r = this.states.step(sid, op);
    if (typeof r === 'number') return r;
    this.multi.push(Int32Array.from(r));
    return -2 - (this.multi.length - 1);
  }

  /** The successor state id of op from sid: ILLEGAL, a state id, or -2-k for the k-th set of alternatives. */
  private transition(sid: number, op: number): number {
    if (sid < this.rowBlockStates) {
      let row = this.rows[sid];
      if (row === undefined) {
        const n = this.n;
        row = this.rowBlock.subarray(sid * n, (sid + 1) * n).fill(UNSEEN);
        this.rows[sid] = row;
      }
      let t = row[op];
      if (t === UNSEEN) {
        t = this.computeTransition(sid, op);
        row[op] = t;
      }
      return t;
    }
    // Many states: each is left by few ops, so a hash table of (state, op) beats rows.
    const mask = this.tCap - 1;
    let i = transitionSlot(sid, op) & mask;
    const key = sid + 1;
    for (;;) {
      const ks = this.tState[i];
      if (ks === 0) break;
      if (ks === key && this.tOp[i] === op) return this.tVal[i];
      i = (i + 1) & mask;
    }
    const t = this.computeTransition(sid, op);
    if ((this.tCount + 1) * 2 > this.tCap) {
      this.growTransitions();
      return this.transition(sid, op);
    }
    this.tState[i] = key;
    this.tOp[i] = op;
    this.tVal[i] = t;
    this.tCount++;
    return t;
  }

  private growTransitions(): void {
    const cap = this.tCap * 2;
    this.checkMemory(cap * 12);
    const ts = new Int32Array(cap);
    const to = new Int32Array(cap);
    const tv = new Int32Array(cap);
    const mask = cap - 1;
    for (let j = 0; j < this.tCap; j++) {
      const key = this.tState[j];
      if (key === 0) continue;
      const op = this.tOp[j];
      let i = transitionSlot(key - 1, op) & mask;
      while (ts[i] !== 0) i = (i + 1) & mask;
      ts[i] = key;
      to[i] = op;
      tv[i] = this.tVal[j];
    }
    this.tState = ts;
    this.tOp = to;
    this.tVal = tv;
    this.tCap = cap;
    this.transitionBytes = cap * 12;
  }

  /**
   * Add (bits, umask, sid) with hash h to the memo; false when it, or a
   * configuration that dominates it, was there already.
   */
  private memoAdd(h: number, sid: number, umask: number): boolean {
    const W = this.W;
    const bits = this.bits;
    const hh = (h ^ Math.imul(sid + 1, 0x9e3779b1)) | 0;
    let mask = this.capT - 1;
    let s = (hh ^ (hh >>> 15)) & mask;
    const slots = this.slots;
    const eHash = this.eHash;
    const eState = this.eState;
    const arena = this.arena;
    for (;;) {
      const slot = slots[s];
      if (slot === 0) break;
      const e = slot - 1;
      if (eHash[e] === hh && eState[e] === sid) {
        const off = e * W;
        let w = 0;
        while (w < W && arena[off + w] === bits[w]) w++;
        if (w === W && (this.eMask[e] & ~umask) === 0) return false;
      }
      s = (s + 1) & mask;
    }
    if (this.count === this.capE) this.growEntries();
    const e = this.count++;
    this.eHash[e] = hh;
    this.eState[e] = sid;
    this.eMask[e] = umask;
    this.arena.set(bits, e * W);
    if (this.count * 2 > this.capT) {
      const capT2 = this.capT * 2;
      this.checkMemory(capT2 * 4);
      const t2 = new Int32Array(capT2);
      mask = capT2 - 1;
      const hashes = this.eHash;
      for (let i = 0; i < this.count; i++) {
        const h3 = hashes[i];
        let q = (h3 ^ (h3 >>> 15)) & mask;
        while (t2[q] !== 0) q = (q + 1) & mask;
        t2[q] = i + 1;
      }
      this.slots = t2;
      this.capT = capT2;
    } else {
      slots[s] = e + 1;
    }
    return true;
  }

  private growEntries(): void {
    const capE2 = this.capE * 2;
    this.checkMemory((capE2 - this.capE) * (this.W * 4 + 12));
    const a2 = new Uint32Array(capE2 * this.W);
    a2.set(this.arena);
    this.arena = a2;
    const h2 = new Int32Array(capE2);
    h2.set(this.eHash);
    this.eHash = h2;
    const s2 = new Int32Array(capE2);
    s2.set(this.eState);
    this.eState = s2;
    const m2 = new Int32Array(capE2);
    m2.set(this.eMask);
    this.eMask = m2;
    this.capE = capE2;
  }

  /**
   * Try to linearize op from the current configuration with transition t,
   * starting at alternative `alt`. Pushes it and returns true if that reaches
   * a configuration not seen before.
   */
  private tryPush(op: number, t: number, alt: number): boolean {
    const bits = this.bits;
    const ub = this.uBit[op];
    const umask = this.umask | ub;
    if (ub === 0) bits[op >>> 5] |= 1 << (op & 31);
    const h2 = this.h ^ this.z[op];
    let chosen = -1;
    if (t >= 0) {
      if (this.memoAdd(h2, t, umask)) chosen = t;
    } else {
      const alts = this.multi[-2 - t];
      for (; alt < alts.length; alt++) {
        if (this.memoAdd(h2, alts[alt], umask)) {
          chosen = alts[alt];
          break;
        }
      }
    }
    if (chosen < 0) {
      bits[op >>> 5] &= ~(1 << (op & 31));
      return false;
    }
    const sp = this.sp++;
    this.stackOp[sp] = op;
    this.stackState[sp] = this.sid;
    this.stackAlt[sp] = alt;
    this.sid = chosen;
    this.h = h2;
    this.umask = umask;
    return true;
  }

  /** Take op's call (and its return, if it has one) out of their lists. */
  private lift(op: number): void {
    const next = this.next;
    const prev = this.prev;
    const c = 2 * op;
    next[prev[c]] = next[c];
    prev[next[c]] = prev[c];
    if (this.known[op] === 1) {
      const r = c + 1;
      next[prev[r]] = next[r];
      prev[next[r]] = prev[r];
    }
    const x = this.prune ? this.xList[op] : 0;
    if (x !== 0) {
      const e = x === 1 ? c + 1 : c;
      const nx = this.nextX;
      const px = this.prevX;
      nx[px[e]] = nx[e];
      px[nx[e]] = px[e];
    }
  }

  private unlift(op: number): void {
    const next = this.next;
    const prev = this.prev;
    const c = 2 * op;
    const x = this.prune ? this.xList[op] : 0;
    if (x !== 0) {
      const e = x === 1 ? c + 1 : c;
      this.nextX[this.prevX[e]] = e;
      this.prevX[this.nextX[e]] = e;
    }
    if (this.known[op] === 1) {
      const r = c + 1;
      next[prev[r]] = r;
      prev[next[r]] = r;
    }
    next[prev[c]] = c;
    prev[next[c]] = c;
  }

  /**
   * A configuration that can never linearize key k's first read to return:
   * the model says the state cannot grow into the one the read saw, and no op
   * that may reset it and take effect before that read returns leaves a state
   * that can. True when it is dropped (recordUnreachable may keep it).
   */
  private unreachable(k: number): boolean {
    const head = 2 * this.n + 4 * k;
    const rr = this.nextX[head];
    if (rr === head + 1) return false;
    const target = this.readTarget[rr >> 1];
    if (target < 0) return false;
    const states = this.states;
    // In a space of tuples, only the read's own key matters: its component, its key's resets.
    const current = this.flat ? this.sid : states.componentOf!(this.sid, k);
    if (target === current) return false;
    const before = this.rank[rr];
    for (let rs = this.nextX[head + 2]; rs !== head + 3 && this.rank[rs] < before; rs = this.nextX[rs]) {
      const reset = this.resetTarget[rs >> 1];
      if (reset < 0 || reset === target || states.reaches!(reset, target)) return false;
    }
    if (states.reaches!(current, target)) return false;
    return this.recordUnreachable(rr);
  }

  /**
   * Whether this new configuration can be dropped (unreachable). Only the key
   * of the op just taken changed (its state, or its next read): the others were
   * looked at when they last changed. The first configuration: every key.
   */
  private pruned(): boolean {
    if (this.sp > 0) return this.unreachable(this.comp[this.stackOp[this.sp - 1]]);
    for (let k = 0; k < this.keys; k++) if (this.unreachable(k)) return true;
    return false;
  }

  /**
   * The explanation of a pruned configuration, whose read rr can never fit.
   * The search would have got stuck at rr (or before it) in every branch
   * below: stuck at rr in the state that the ops returning before rr leave,
   * taken in the order they return, if they can be. Past the furthest stuck
   * point so far, that is worked out now, and the configuration is dropped
   * only if they can (else the search goes on below it, and finds where it
   * really gets stuck); at the furthest point, only when the search fails
   * (most never do); before it, never. False: do not drop it.
   */
  private recordUnreachable(rr: number): boolean {
    const r = this.rank[rr];
    if (r < this.bestRank) return true;
    const sp = this.sp;
    let len = sp;
    const scratch = this.completion;
    const retHead = 2 * this.n + 6;
    if (r > this.bestRank) {
      let sid = this.sid;
      for (let e = this.next[retHead]; e !== rr; e = this.next[e]) {
        let t = this.transition(sid, e >> 1);
        if (t < -1) t = this.multi[-2 - t][0];
        if (t === ILLEGAL) return false;
        sid = t;
        scratch[len++ - sp] = e >> 1;
      }
      this.bestRank = r;
      this.failing = rr >> 1;
      this.frontierStates.clear();
      this.frontierStates.add(sid);
      this.frontierTruncated = false;
      this.completions = 0;
      this.pending.length = 0;
      this.bestLen = -1;
    } else {
      if (this.completions >= MAX_COMPLETIONS) {
        this.frontierTruncated = true;
        return true;
      }
      this.completions++;
      const pending = this.pending;
      pending.push(this.sid);
      const at = pending.length;
      pending.push(0);
      for (let e = this.next[retHead]; e !== rr; e = this.next[e]) {
        pending.push(e >> 1);
        scratch[len++ - sp] = e >> 1;
      }
      pending[at] = len - sp;
    }
    if (len > this.bestLen) {
      for (let i = this.dirtyFrom; i < sp; i++) this.bestStack[i] = this.stackOp[i];
      for (let i = sp; i < len; i++) this.bestStack[i] = scratch[i - sp];
      this.bestLen = len;
      this.dirtyFrom = sp;
    }
    return true;
  }

  /** The states of the pruned configurations recorded at the furthest read (see recordUnreachable). */
  private completePending(): void {
    try {
      this.completeEach();
    } catch (err) {
      // Out of memory for the tables: the states found so far will do.
      if (!(err instanceof BudgetExceeded)) throw err;
      this.frontierTruncated = true;
    }
    this.pending.length = 0;
  }

  private completeEach(): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; ) {
      let sid = pending[i];
      const len = pending[i + 1];
      const end = i + 2 + len;
      let j = i + 2;
      for (; j < end; j++) {
        let t = this.transition(sid, pending[j]);
        if (t < -1) t = this.multi[-2 - t][0];
        // Cannot take effect there (a model whose other ops can be illegal): no state to show.
        if (t === ILLEGAL) break;
        sid = t;
      }
      i = end;
      if (j < end) continue;
      if (this.frontierStates.size < MAX_FRONTIER_STATES) this.frontierStates.add(sid);
      else if (!this.frontierStates.has(sid)) this.frontierTruncated = true;
    }
    pending.length = 0;
  }

  /** Stuck at limitEvent: remember how far the search got, for the explanation. */
  private recordFrontier(): void {
    const r = this.rank[this.limitEvent];
    if (r > this.bestRank) {
      this.bestRank = r;
      this.failing = this.limitEvent >> 1;
      this.frontierStates.clear();
      this.frontierTruncated = false;
      this.bestLen = -1;
    }
    if (r === this.bestRank) {
      const sp = this.sp;
      if (sp > this.bestLen) {
        for (let i = this.dirtyFrom; i < sp; i++) this.bestStack[i] = this.stackOp[i];
        this.bestLen = sp;
        this.dirtyFrom = sp;
      }
      if (this.frontierStates.size < MAX_FRONTIER_STATES) this.frontierStates.add(this.sid);
      else if (!this.frontierStates.has(this.sid)) this.frontierTruncated = true;
    }
  }

  /**
   * Undo the top of the stack; try its remaining alternatives. Returns false
   * when the stack is empty (the search failed).
   */
  private backtrack(): boolean {
    for (;;) {
      if (this.sp === 0) return false;
      const sp = --this.sp;
      if (sp < this.dirtyFrom) this.dirtyFrom = sp;
      const top = this.stackOp[sp];
      this.unlift(top);
      this.h ^= this.z[top];
      this.umask &= ~this.uBit[top];
      this.sid = this.stackState[sp];
      const alt = this.stackAlt[sp];
      if (alt !== FORCED) {
        const t = this.transition(this.sid, top);
        // bits still holds top (if it is in bits): tryPush sets it again and clears it on failure.
        if (t < -1 && this.tryPush(top, t, alt + 1)) {
          this.lift(top);
          this.phase = START;
          return true;
        }
      }
      this.bits[top >>> 5] &= ~(1 << (top & 31));
      // A forced read failed, so the configuration below it fails too: keep going down.
      if (alt === FORCED) continue;
      // Back in the configuration top was tried from: its bound is its first return.
      this.limitEvent = this.next[this.n * 2 + 6];
      this.limitRank = this.rank[this.limitEvent];
      this.entry = this.next[2 * top];
      this.phase = this.known[top] === 0 ? UNKNOWN : this.readOnly[top] === 1 ? READS : WRITES;
      return true;
    }
  }

  /** Run at most maxSteps more steps; true when the search has finished. */
  run(maxSteps: number): boolean {
    if (this.verdict !== undefined) return true;
    const m = 2 * this.n;
    const R_TAIL = m + 2 * READS - 1;
    const W_HEAD = m + 2 * WRITES - 2;
    const W_TAIL = m + 2 * WRITES - 1;
    const U_HEAD = m + 2 * UNKNOWN - 2;
    const U_TAIL = m + 2 * UNKNOWN - 1;
    const RET_HEAD = m + 6;
    const RET_TAIL = m + 7;
    const next = this.next;
    const readTarget = this.readTarget;
    const rank = this.rank;
    const deadline = this.budget.deadlineMs ?? Number.POSITIVE_INFINITY;
    const cancel = this.budget.cancel;
    const stepLimit = this.budget.maxSteps ?? Number.POSITIVE_INFINITY;
    const stopAt = this.steps + maxSteps;
    let steps = this.steps;
    // Budgets are looked at every 4,096 steps, and exactly at the step limit and the slice's end.
    let checkAt = Math.min((steps | 4095) + 1, stepLimit, stopAt);
    try {
      if (steps === 0) {
        this.checkMemory(0);
        // A search over tuples of per-key states (a keyed history as one object, --no-split) has no
        // locality to keep it short: TurboFan pays from its start (kv c01 + c10 as one object: 138 →
        // 107 ms whole process; at 16,384 steps the c10 searches ran their first steps unoptimised).
        if (!this.flat) optimiseNow();
      }
      for (;;) {
        if (++steps >= checkAt) {
          if (Date.now() > deadline) throw new BudgetExceeded('time');
          if (steps >= stepLimit) throw new BudgetExceeded('steps');
          if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) throw new BudgetExceeded('cancelled');
          this.checkMemory(0);
          // A long search wants the optimising compiler (a CLI process starts without it): one that
          // has run LONG_SEARCH_STEPS will run on (kv c10 as one object: 72,745 steps, 20% sooner done).
          if (steps >= LONG_SEARCH_STEPS) optimiseNow();
          else optimiseIfDue();
          if (steps >= stopAt) {
            this.steps = steps;
            return false;
          }
          checkAt = Math.min((steps | 4095) + 1, stepLimit, stopAt);
        }
        let phase = this.phase;
        if (phase === START) {
          // A new configuration: the first return left bounds its candidates.
          const limit = next[RET_HEAD];
          if (limit === RET_TAIL) {
            this.verdict = true;
            break;
          }
          this.limitEvent = limit;
          this.limitRank = rank[limit];
          this.entry = next[m];
          phase = this.phase = READS;
          if (this.prune && this.pruned()) {
            if (!this.backtrack()) {
              this.verdict = false;
              break;
            }
            continue;
          }
        }
        let entry = this.entry;
        if (phase === READS) {
          // Reads first: one that fits now is taken now, with no alternatives.
          // Moving a read-only op earlier in any linearization keeps it one, so
          // if this configuration has a way through, it has one starting here.
          if (entry !== R_TAIL && rank[entry] < this.limitRank) {
            const op = entry >> 1;
            const target = readTarget[op];
            const sid = this.sid;
            const t =
              target === NO_TARGET
                ? this.transition(sid, op)
                : (this.flat ? sid : this.states.componentOf!(sid, this.comp[op])) === target
                  ? sid
                  : ILLEGAL;
            if (t === sid) {
              if (this.tryPush(op, t, 0)) {
                this.stackAlt[this.sp - 1] = FORCED;
                this.lift(op);
                this.phase = START;
                continue;
              }
              // Seen before, and it failed then: so does this configuration.
              if (!this.backtrack()) {
                this.verdict = false;
                break;
              }
              continue;
            }
            // (A model's read-only op that changes the state is tried like any other.)
            if (t !== ILLEGAL && this.tryPush(op, t, 0)) {
              this.lift(op);
              this.phase = START;
              continue;
            }
            this.entry = next[entry];
            continue;
          }
          entry = this.entry = next[W_HEAD];
          phase = this.phase = WRITES;
        }
        if (phase === WRITES) {
          if (entry !== W_TAIL && rank[entry] < this.limitRank) {
            const op = entry >> 1;
            const t = this.transition(this.sid, op);
            if (t !== ILLEGAL && this.tryPush(op, t, 0)) {
              this.lift(op);
              this.phase = START;
              continue;
            }
            this.entry = next[entry];
            continue;
          }
          // The completed candidates are exhausted; now the unknown ones.
          entry = this.entry = next[U_HEAD];
          this.phase = UNKNOWN;
        }
        if (entry !== U_TAIL && rank[entry] < this.limitRank) {
          const op = entry >> 1;
          const t = this.transition(this.sid, op);
          // An unknown op that would leave the state as it is adds nothing over
          // never taking effect, which is always allowed: skip it.
          if (t !== ILLEGAL && t !== this.sid && this.tryPush(op, t, 0)) {
            this.lift(op);
            this.phase = START;
            continue;
          }
          this.entry = next[entry];
          continue;
        }
        this.recordFrontier();
        if (!this.backtrack()) {
          this.verdict = false;
          break;
        }
      }
    } catch (err) {
      if (!(err instanceof BudgetExceeded)) throw err;
      this.unknownReason = err.reason;
      this.verdict = 'unknown';
    }
    this.steps = steps;
    return true;
  }

  /** The verdict and its explanation; the search's memory goes back to the pool. */
  outcome(): SearchOutcome<S> {
    if (this.result === undefined) {
      this.result = this.computeOutcome();
      if (this.block !== undefined) releaseBlock(this.block);
      this.block = undefined;
    }
    return this.result;
  }

  private computeOutcome(): SearchOutcome<S> {
    const b = this.bytes();
    if (b > this.peakBytes) this.peakBytes = b;
    const stats: SearchStats = {
      steps: this.steps,
      configurations: this.count,
      states: this.states.size,
      peakBytes: this.peakBytes,
    };
    if (this.verdict === undefined) throw new Error('internal: outcome() before the search finished');
    if (this.verdict === true) return { valid: true, stats };
    if (this.verdict === 'unknown') return { valid: 'unknown', unknownReason: this.unknownReason, stats };
    this.completePending();
    return {
      valid: false,
      failing: this.failing,
      prefix: Array.from(this.bestStack.subarray(0, Math.max(this.bestLen, 0))),
      statesBefore: [...this.frontierStates].map((id) => this.states.state(id)),
      statesTruncated: this.frontierTruncated,
      stats,
    };
  }
}
