/**
 * List-append inference (Elle's `elle.list-append`): every read of a list
 * reveals the order of the appends before it, so the longest read of each key
 * gives its version order. From that order we infer ww (an append and the one
 * just before it), wr (a read and the append of its last element) and rw (a
 * read and the append that came right after its last element) edges, and the
 * anomalies visible without cycles.
 *
 * Hot path: per-(key, value) facts live in one typed-array hash table, and
 * readers per version in a CSR, so a million transactions allocate little.
 */
import { type AnomalyCase, pushCase, UnanalysableHistory, type WorkloadAnalysis } from './analysis.js';
import { copyI32, i32 } from './arena.js';
import { EdgeList, RW, WR, WW } from './graph.js';
import { FAIL, formatValue, INFO, OK, type Txns, txnInfo } from './txns.js';
import { ValueTable } from './value-table.js';

const INIT = -1;
// Columns of the value table.
const WRITER = 0; // ok or info txn that appended the value
const FAILED = 1; // failed txn that appended it
const INTERM = 2; // txn that appended it and later appended to the same key again
const POS = 3; // position in the key's version order

interface KeyState {
  readonly key: unknown;
  /** Longest list read by an ok txn. */
  longest: readonly unknown[];
  /** Number of distinct elements in `longest`: the known version order. */
  orderLen: number;
  /** Slots slotBase+1 … hold the cells of the order; slotBase itself is the empty list. */
  slotBase: number;
  /** Position in `longest` of the first repeated element, -1 if none. */
  dupAt: number;
  /** Position in `longest` of the first element not appended by an ok or info txn, -1 if none. */
  badAt: number;
  hasFailed: boolean;
  hasIntermediate: boolean;
}

const EMPTY: readonly unknown[] = [];

function asList(v: unknown): readonly unknown[] | undefined {
  if (v === null || v === undefined) return EMPTY;
  return Array.isArray(v) ? v : undefined;
}

interface Ctx {
  readonly t: Txns;
  readonly keyIds: Map<unknown, number>;
  readonly keys: KeyState[];
  readonly table: ValueTable;
  /** slot → cell of the value at that version (slotBase slots: -1). */
  readonly slotCell: Int32Array;
  readonly anomalies: Map<string, AnomalyCase[]>;
}

export function analyzeListAppend(t: Txns): WorkloadAnalysis {
  const keyIds = new Map<unknown, number>();
  const keys: KeyState[] = [];
  const anomalies = new Map<string, AnomalyCase[]>();
  const { n, type, mops } = t;
  // Micro-op and append numbering, counted while the txns were indexed.
  const { mopStart, firstKindStart: appendStart } = t;
  const mopCount = mopStart[n];
  const appendCount = appendStart[n];
  const readCount = mopCount - appendCount;
  // Per micro-op key ids and per append cells, so later passes skip the lookups.
  const mopKey = i32(mopCount);
  const appendCell = i32(appendCount);
  const appendKey = i32(appendCount);
  const table = new ValueTable(appendCount, 4);
  const keyOf = (k: unknown): number => {
    let id = keyIds.get(k);
    if (id === undefined) {
      id = keys.length;
      keyIds.set(k, id);
      keys.push({
        key: k,
        longest: EMPTY,
        orderLen: 0,
        slotBase: 0,
        dupAt: -1,
        badAt: -1,
        hasFailed: false,
        hasIntermediate: false,
      });
    }
    return id;
  };

  // Pass 1: writers, intermediate appends, longest reads.
  let mi = 0;
  let ai = 0;
  for (let id = 0; id < n; id++) {
    const ty = type[id];
    const ms = mops[id];
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      const k = keyOf(m[1]);
      mopKey[mi++] = k;
      const ks = keys[k];
      if (m[0] === 'append') {
        const v = m[2];
        const cell = table.cell(k, v);
        appendKey[ai] = k;
        appendCell[ai++] = cell;
        const prior = table.get(cell, WRITER) >= 0 ? table.get(cell, WRITER) : table.get(cell, FAILED);
        if (prior >= 0) {
          throw new UnanalysableHistory(
            'duplicate-appends',
            `value ${formatValue(v)} appended to key ${formatValue(ks.key)} more than once (operations ${txnInfo(t, prior).index} and ${txnInfo(t, id).index}); list-append needs unique appended values`,
            { key: ks.key, value: v },
          );
        }
        if (ty === FAIL) {
          table.set(cell, FAILED, id);
          ks.hasFailed = true;
        } else table.set(cell, WRITER, id);
        // An earlier append to this key in the same txn becomes intermediate.
        for (let i = j - 1; i >= 0; i--) {
          const p = ms[i];
          if (p[0] === 'append' && p[1] === m[1]) {
            table.set(table.cell(k, p[2]), INTERM, id);
            ks.hasIntermediate = true;
            break;
          }
        }
      } else if (ty === OK) {
        const v = asList(m[2]);
        if (v === undefined) {
          throw new UnanalysableHistory(
            'malformed-read',
            `operation ${txnInfo(t, id).index}: read of key ${formatValue(ks.key)} returned ${formatValue(m[2])}, not a list`,
          );
        }
        if (v.length > ks.longest.length) ks.longest = v;
      }
    }
  }

  // Version orders and slots. Cells must not move once stored in slotCell:
  // look every element up, make room for the ones nobody appended, then insert them.
  let slots = 0;
  let elements = 0;
  for (const ks of keys) {
    ks.slotBase = slots;
    slots += ks.longest.length + 1;
    elements += ks.longest.length;
  }
  const elemCell = i32(elements);
  const lookUp = (): number => {
    let missing = 0;
    let x = 0;
    for (let k = 0; k < keys.length; k++) {
      const longest = keys[k].longest;
      for (let i = 0; i < longest.length; i++) {
        const c = table.find(k, longest[i]);
        elemCell[x++] = c;
        if (c < 0) missing++;
      }
    }
    return missing;
  };
  const missing = lookUp();
  if (missing > 0) {
    table.reserve(missing);
    for (let k = 0; k < keys.length; k++) for (const e of keys[k].longest) table.cell(k, e);
    // Inserting may have moved cells: look everything up again.
    lookUp();
  }
  const cellsMoved = table.generation !== 0;
  const slotCell = i32(slots).fill(-1);
  {
    let x = 0;
    for (let k = 0; k < keys.length; k++) {
      const ks = keys[k];
      const longest = ks.longest;
      for (let i = 0; i < longest.length; i++) {
        const cell = elemCell[x++];
        if (ks.badAt < 0 && table.get(cell, WRITER) < 0) ks.badAt = i;
        if (table.get(cell, POS) >= 0) {
          if (ks.dupAt < 0) ks.dupAt = i;
          continue;
        }
        table.set(cell, POS, ks.orderLen);
        slotCell[ks.slotBase + 1 + ks.orderLen] = cell;
        ks.orderLen++;
      }
    }
  }
  const ctx: Ctx = { t, keyIds, keys, table, slotCell, anomalies };

  const edges = new EdgeList();
  // Readers per slot, as (slot, txn) pairs bucketed later.
  let readSlot: Int32Array = i32(Math.max(16, readCount));
  let readTxn: Int32Array = i32(Math.max(16, readCount));
  let nreads = 0;
  // Lost update candidates as (slot, txn) pairs.
  let luSlot: Int32Array = new Int32Array(1024);
  let luTxn: Int32Array = new Int32Array(1024);
  let nlu = 0;
  const incompatibleKeys = new Set<number>();

  // Pass 2: reads (ok txns): wr edges, prefix checks, G1a, G1b, garbage, duplicates, internal.
  for (let id = 0; id < n; id++) {
    if (type[id] !== OK) continue;
    const ms = mops[id];
    if (ms.length > 1) {
      internalChecks(ctx, id);
      // Lost update candidates: the first micro-op on a key is a read, and the txn later appends to it.
      for (let j = 0; j < ms.length - 1; j++) {
        const m = ms[j];
        if (m[0] !== 'r') continue;
        let first = true;
        for (let i = 0; i < j; i++) {
          if (ms[i][1] === m[1]) {
            first = false;
            break;
          }
        }
        if (!first) continue;
        let writes = false;
        for (let i = j + 1; i < ms.length; i++) {
          if (ms[i][0] === 'append' && ms[i][1] === m[1]) {
            writes = true;
            break;
          }
        }
        if (!writes) continue;
        const k = keyIds.get(m[1])!;
        const slot = versionSlot(ctx, k, asList(m[2])!);
        if (slot < 0) continue;
        if (nlu === luSlot.length) [luSlot, luTxn] = growPair(luSlot, luTxn);
        luSlot[nlu] = slot;
        luTxn[nlu++] = id;
      }
    }
    const base = mopStart[id];
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      if (m[0] !== 'r') continue;
      const k = mopKey[base + j];
      const ks = keys[k];
      const v = asList(m[2])!;
      const longest = ks.longest;
      let compatible = true;
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== longest[i]) {
          compatible = false;
          break;
        }
      }
      if (!compatible && !incompatibleKeys.has(k)) {
        incompatibleKeys.add(k);
        pushCase(anomalies, 'incompatible-order', {
          key: ks.key,
          values: [v, longest],
          explanation: `key ${formatValue(ks.key)} was read as ${formatValue(v)} and as ${formatValue(longest)}: neither is a prefix of the other, so no single order of appends explains both reads`,
        });
      }
      const bad = !compatible || (ks.badAt >= 0 && v.length > ks.badAt);
      // A compatible read's elements before badAt all have committed-or-info writers.
      if (bad || ks.hasIntermediate) readChecks(ctx, id, j, k, v, bad, compatible ? ks.badAt : 0);
      if (compatible ? ks.dupAt >= 0 && v.length > ks.dupAt : v.length > 1) duplicates(ctx, id, j, v);
      if (nreads === readSlot.length) [readSlot, readTxn] = growPair(readSlot, readTxn);
      if (v.length === 0) {
        readSlot[nreads] = ks.slotBase;
        readTxn[nreads++] = id;
        continue;
      }
      const cell = table.find(k, v[v.length - 1]);
      if (cell < 0) continue;
      const w = table.get(cell, WRITER);
      if (w >= 0 && w !== id) edges.add(w, id, WR);
      const p = table.get(cell, POS);
      if (p >= 0) {
        readSlot[nreads] = ks.slotBase + 1 + p;
        readTxn[nreads++] = id;
      }
    }
  }

  // Readers bucketed by slot (CSR).
  const readOff = i32(slots + 1);
  for (let i = 0; i < nreads; i++) readOff[readSlot[i] + 1]++;
  for (let s = 0; s < slots; s++) readOff[s + 1] += readOff[s];
  const readers = i32(nreads);
  {
    const fill = copyI32(readOff.subarray(0, slots));
    for (let i = 0; i < nreads; i++) readers[fill[readSlot[i]]++] = readTxn[i];
  }

  // Pass 3: appends (ok and info txns): ww and rw edges, from the typed arrays alone.
  if (cellsMoved) {
    let a = 0;
    for (let id = 0; id < n; id++) {
      for (const m of mops[id]) if (m[0] === 'append') appendCell[a] = table.find(appendKey[a++], m[2]);
    }
  }
  for (let id = 0; id < n; id++) {
    if (type[id] === FAIL) continue;
    for (let a = appendStart[id]; a < appendStart[id + 1]; a++) {
      const k = appendKey[a];
      const ks = keys[k];
      const p = table.get(appendCell[a], POS);
      // Never read: it came after everything any read observed.
      const prev = p < 0 ? ks.orderLen - 1 : p - 1;
      const slot = ks.slotBase + 1 + prev;
      if (prev !== INIT) {
        const w = table.get(slotCell[slot], WRITER);
        if (w >= 0 && w !== id) edges.add(w, id, WW);
      }
      for (let r = readOff[slot]; r < readOff[slot + 1]; r++) {
        const reader = readers[r];
        if (reader !== id) edges.add(reader, id, RW);
      }
    }
  }

  dirtyUpdates(ctx);
  lostUpdates(ctx, luSlot.subarray(0, nlu), luTxn.subarray(0, nlu));

  return {
    edges,
    anomalies,
    explainEdge(a, b, rel, aName, bName) {
      return explainListAppendEdge(ctx, a, b, rel, aName, bName);
    },
  };
}

function growPair(a: Int32Array, b: Int32Array): [Int32Array, Int32Array] {
  const a2 = new Int32Array(a.length * 2);
  a2.set(a);
  const b2 = new Int32Array(b.length * 2);
  b2.set(b);
  return [a2, b2];
}

/** Slot of the version a read observed, or -1 if its last element is not in the order. */
function versionSlot(ctx: Ctx, k: number, v: readonly unknown[]): number {
  const ks = ctx.keys[k];
  if (v.length === 0) return ks.slotBase;
  const cell = ctx.table.find(k, v[v.length - 1]);
  if (cell < 0) return -1;
  const p = ctx.table.get(cell, POS);
  return p < 0 ? -1 : ks.slotBase + 1 + p;
}

/** Position in the version order of the element appended just before `v`, or INIT. */
function previousPosition(ctx: Ctx, k: number, v: unknown): number {
  const cell = ctx.table.find(k, v);
  const p = cell < 0 ? -1 : ctx.table.get(cell, POS);
  // Never read: it came after everything any read observed.
  if (p < 0) return ctx.keys[k].orderLen - 1;
  return p - 1;
}

function valueAt(ctx: Ctx, k: number, pos: number): unknown {
  return ctx.table.value(ctx.slotCell[ctx.keys[k].slotBase + 1 + pos]);
}

/** Checks on a single read mop of an ok txn: G1a, G1b, garbage reads. */
function readChecks(
  ctx: Ctx,
  id: number,
  j: number,
  k: number,
  v: readonly unknown[],
  bad: boolean,
  from: number,
): void {
  const { t, table, anomalies } = ctx;
  const ks = ctx.keys[k];
  const mop = t.mops[id][j];
  if (bad) {
    const reader = txnInfo(t, id);
    for (let i = Math.max(0, from); i < v.length; i++) {
      const e = v[i];
      const cell = table.find(k, e);
      const failed = cell < 0 ? -1 : table.get(cell, FAILED);
      if (failed >= 0) {
        const w = txnInfo(t, failed);
        pushCase(anomalies, 'G1a', {
          op: reader,
          mop,
          writer: w,
          element: e,
          explanation: `operation ${reader.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, including ${formatValue(e)}, which was appended by operation ${w.index}, a transaction that failed (aborted)`,
        });
      } else if (cell < 0 || table.get(cell, WRITER) < 0) {
        pushCase(anomalies, 'garbage-read', {
          op: reader,
          mop,
          element: e,
          explanation: `operation ${reader.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, including ${formatValue(e)}, which no transaction ever appended`,
        });
      }
    }
  }
  if (ks.hasIntermediate && v.length > 0) {
    const last = v[v.length - 1];
    const cell = table.find(k, last);
    const w = cell < 0 ? -1 : table.get(cell, INTERM);
    if (w >= 0 && w !== id) {
      const writer = txnInfo(t, w);
      const reader = txnInfo(t, id);
      pushCase(anomalies, 'G1b', {
        op: reader,
        mop,
        writer,
        element: last,
        explanation: `operation ${reader.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, ending in ${formatValue(last)}, an intermediate state: operation ${writer.index} appended ${formatValue(last)} and then appended again to ${formatValue(ks.key)} in the same transaction`,
      });
    }
  }
}

/**
 * Internal consistency (a read must agree with the txn's own earlier reads
 * and appends of that key) and future reads. Allocates only on a finding.
 */
function internalChecks(ctx: Ctx, id: number): void {
  const { t, anomalies } = ctx;
  const ms = t.mops[id];
  for (let j = 1; j < ms.length; j++) {
    const m = ms[j];
    const k = m[1];
    if (m[0] === 'r') {
      // Find the last earlier read of k (the known state), counting appends after it.
      let baseAt = -1;
      let appends = 0;
      for (let i = j - 1; i >= 0; i--) {
        const p = ms[i];
        if (p[1] !== k) continue;
        if (p[0] === 'append') appends++;
        else {
          baseAt = i;
          break;
        }
      }
      if (baseAt < 0 && appends === 0) continue;
      const v = asList(m[2])!;
      const base = baseAt >= 0 ? asList(ms[baseAt][2])! : undefined;
      let ok: boolean;
      let off: number;
      if (base !== undefined) {
        ok = v.length === base.length + appends;
        for (let i = 0; ok && i < base.length; i++) if (v[i] !== base[i]) ok = false;
        off = base.length;
      } else {
        off = v.length - appends;
        ok = off >= 0;
      }
      for (let i = baseAt + 1; ok && i < j; i++) {
        const p = ms[i];
        if (p[1] !== k) continue;
        if (v[off++] !== p[2]) ok = false;
      }
      if (!ok) {
        const appended = ms
          .slice(baseAt + 1, j)
          .filter((p) => p[1] === k)
          .map((p) => p[2]);
        const expected = base !== undefined ? [...base, ...appended] : ['...', ...appended];
        const op = txnInfo(t, id);
        pushCase(anomalies, 'internal', {
          op,
          mop: m,
          expected,
          explanation: `operation ${op.index} read key ${formatValue(k)} = ${formatValue(v)}, but its own earlier micro-ops on that key imply ${base !== undefined ? formatValue(expected) : `a list ending in ${formatValue(appended)}`}`,
        });
      }
    } else {
      // Future read: an earlier read in this txn already contained what it appends now.
      for (let i = 0; i < j; i++) {
        const p = ms[i];
        if (p[0] !== 'r' || p[1] !== k) continue;
        const v = asList(p[2])!;
        if (v.includes(m[2])) {
          const op = txnInfo(t, id);
          pushCase(anomalies, 'future-read', {
            op,
            mop: p,
            element: m[2],
            explanation: `operation ${op.index} read key ${formatValue(k)} = ${formatValue(v)}, which already contained ${formatValue(m[2])}, before appending ${formatValue(m[2])} itself`,
          });
          break;
        }
      }
    }
  }
}

function lostUpdates(ctx: Ctx, slot: Int32Array, txn: Int32Array): void {
  const n = slot.length;
  if (n < 2) return;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => slot[a] - slot[b] || txn[a] - txn[b]);
  const bases = ctx.keys.map((k) => k.slotBase);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && slot[order[j]] === slot[order[i]]) j++;
    if (j - i >= 2) {
      const s = slot[order[i]];
      // slot → key: keys are laid out in increasing slotBase.
      let lo = 0;
      let hi = bases.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (bases[mid] <= s) lo = mid;
        else hi = mid - 1;
      }
      const ks = ctx.keys[lo];
      const value: unknown[] = [];
      for (let p = 0; p < s - ks.slotBase; p++) value.push(valueAt(ctx, lo, p));
      const txns = Array.from(order.subarray(i, j), (o) => txnInfo(ctx.t, txn[o]));
      pushCase(ctx.anomalies, 'lost-update', {
        key: ks.key,
        value,
        txns,
        explanation: `operations ${txns.map((x) => x.index).join(', ')} all read key ${formatValue(ks.key)} = ${formatValue(value)} and then each appended to it, and all committed: whichever came later should have seen the other's append`,
      });
    }
    i = j;
  }
}

/** Dirty update: a committed append directly after an aborted one in the version order. */
function dirtyUpdates(ctx: Ctx): void {
  const { t, table } = ctx;
  for (let k = 0; k < ctx.keys.length; k++) {
    const ks = ctx.keys[k];
    if (!ks.hasFailed) continue;
    let prevType = OK;
    let prevWriter = -1;
    let values: unknown[] = [];
    for (let p = 0; p < ks.orderLen; p++) {
      const cell = ctx.slotCell[ks.slotBase + 1 + p];
      const e = table.value(cell);
      const w = table.get(cell, WRITER);
      const f = table.get(cell, FAILED);
      const ty = w >= 0 ? t.type[w] : f >= 0 ? FAIL : INFO;
      const writer = w >= 0 ? w : f;
      if (prevType === FAIL && ty === OK) {
        values.push(e);
        const a = txnInfo(t, prevWriter);
        const b = txnInfo(t, writer);
        pushCase(ctx.anomalies, 'dirty-update', {
          key: ks.key,
          values,
          txns: [a, b],
          explanation: `on key ${formatValue(ks.key)}, committed operation ${b.index} appended ${formatValue(e)} on top of ${formatValue(values.slice(0, -1))}, written by operation ${a.index}, which failed (aborted)`,
        });
        prevType = OK;
        prevWriter = writer;
        values = [e];
        continue;
      }
      if (ty === INFO || (ty === FAIL && prevType === FAIL)) {
        // Cannot say whether it committed, or still inside an aborted run: keep the range open.
        values.push(e);
        continue;
      }
      prevType = ty;
      prevWriter = writer;
      values = [e];
    }
  }
}

/** A read whose list holds the same element twice. */
function duplicates(ctx: Ctx, id: number, j: number, v: readonly unknown[]): void {
  const m = ctx.t.mops[id][j];
  const counts = new Map<unknown, number>();
  for (const e of v) counts.set(e, (counts.get(e) ?? 0) + 1);
  const dups: [unknown, number][] = [...counts].filter(([, c]) => c > 1);
  if (dups.length === 0) return;
  const op = txnInfo(ctx.t, id);
  pushCase(ctx.anomalies, 'duplicate-elements', {
    op,
    mop: m,
    duplicates: Object.fromEntries(dups.map(([e, c]) => [String(e), c])),
    explanation: `operation ${op.index} read key ${formatValue(m[1])} = ${formatValue(v)}, which contains ${dups.map(([e, c]) => `${formatValue(e)} ${c} times`).join(', ')}; every value is appended once`,
  });
}

function explainListAppendEdge(ctx: Ctx, a: number, b: number, rel: number, aName: string, bName: string) {
  const { t, table, keyIds, keys } = ctx;
  const bm = t.mops[b];
  if (rel === WR) {
    for (const m of bm) {
      if (m[0] !== 'r') continue;
      const v = asList(m[2]);
      if (!v || v.length === 0) continue;
      const k = keyIds.get(m[1])!;
      const last = v[v.length - 1];
      const cell = table.find(k, last);
      if (cell >= 0 && table.get(cell, WRITER) === a) {
        return {
          key: m[1],
          value: last,
          text: `${bName} observed ${aName}'s append of ${formatValue(last)} to key ${formatValue(m[1])}`,
        };
      }
    }
    return undefined;
  }
  for (const m of bm) {
    if (m[0] !== 'append') continue;
    const k = keyIds.get(m[1])!;
    const prev = previousPosition(ctx, k, m[2]);
    if (rel === WW) {
      if (prev === INIT) continue;
      const cell = ctx.slotCell[keys[k].slotBase + 1 + prev];
      if (table.get(cell, WRITER) === a) {
        const p = table.value(cell);
        return {
          key: m[1],
          value: p,
          "value'": m[2],
          text: `${bName} appended ${formatValue(m[2])} after ${aName} appended ${formatValue(p)} to ${formatValue(m[1])}`,
        };
      }
    } else if (rel === RW) {
      for (const r of t.mops[a]) {
        if (r[0] !== 'r' || r[1] !== m[1]) continue;
        const v = asList(r[2]);
        if (!v) continue;
        const slot = versionSlot(ctx, k, v);
        if (slot !== keys[k].slotBase + 1 + prev) continue;
        const before = prev === INIT ? null : valueAt(ctx, k, prev);
        const text =
          prev === INIT
            ? `${aName} observed the initial (empty) state of ${formatValue(m[1])}, which ${bName} changed by appending ${formatValue(m[2])}`
            : `${aName} read ${formatValue(m[1])} = ${formatValue(v)} and did not observe ${bName}'s append of ${formatValue(m[2])}, which came right after ${formatValue(before)}`;
        return { key: m[1], value: before, "value'": m[2], text };
      }
    }
  }
  return undefined;
}
