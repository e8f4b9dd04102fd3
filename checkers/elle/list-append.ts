/**
 * List-append inference (Elle's `elle.list-append`): every read of a list
 * reveals the order of the appends before it, so the longest read of each key
 * gives its version order. From that order we infer ww (an append and the one
 * just before it), wr (a read and the append of its last element) and rw (a
 * read and the append that came right after its last element) edges, and the
 * anomalies visible without cycles.
 */
import { type AnomalyCase, pushCase, UnanalysableHistory, type WorkloadAnalysis } from './analysis.js';
import { EdgeList, RW, WR, WW } from './graph.js';
import { FAIL, formatValue, INFO, OK, type Txns, txnInfo } from './txns.js';

const INIT = -1;

interface KeyState {
  readonly key: unknown;
  /** Appended value → txn id, for ok and info txns. */
  readonly writers: Map<unknown, number>;
  /** Appended value → txn id, for failed txns. */
  failed?: Map<unknown, number>;
  /** Value → txn id for appends that txn later followed with another append to this key. */
  intermediate?: Map<unknown, number>;
  /** Longest list read by an ok txn. */
  longest: readonly unknown[];
  /** Version order: distinct elements of `longest`. */
  order: unknown[];
  /** Element → position in `order`. */
  pos: Map<unknown, number>;
  /** Position in `longest` of the first repeated element, -1 if none. */
  dupAt: number;
  /** Position in `longest` of the first element not appended by an ok or info txn, -1 if none. */
  badAt: number;
  /** First slot of this key's versions: slot = slotBase + 1 + position (slotBase itself is the empty list). */
  slotBase: number;
}

const EMPTY: readonly unknown[] = [];

function asList(v: unknown): readonly unknown[] | undefined {
  if (v === null || v === undefined) return EMPTY;
  return Array.isArray(v) ? v : undefined;
}

export function analyzeListAppend(t: Txns): WorkloadAnalysis {
  const keyIds = new Map<unknown, number>();
  const keys: KeyState[] = [];
  const anomalies = new Map<string, AnomalyCase[]>();
  const keyOf = (k: unknown): KeyState => {
    let id = keyIds.get(k);
    if (id === undefined) {
      id = keys.length;
      keyIds.set(k, id);
      keys.push({
        key: k,
        writers: new Map(),
        longest: EMPTY,
        order: [],
        pos: new Map(),
        dupAt: -1,
        badAt: -1,
        slotBase: 0,
      });
    }
    return keys[id];
  };

  // Pass 1: writers, intermediate appends, longest reads.
  const { n, type, mops } = t;
  for (let id = 0; id < n; id++) {
    const ty = type[id];
    const ms = mops[id];
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      const ks = keyOf(m[1]);
      if (m[0] === 'append') {
        const v = m[2];
        const prior = ks.writers.get(v) ?? ks.failed?.get(v);
        if (prior !== undefined) {
          throw new UnanalysableHistory(
            'duplicate-appends',
            `value ${formatValue(v)} appended to key ${formatValue(ks.key)} more than once (operations ${txnInfo(t, prior).index} and ${txnInfo(t, id).index}); list-append needs unique appended values`,
            { key: ks.key, value: v },
          );
        }
        if (ty === FAIL) {
          ks.failed ??= new Map();
          ks.failed.set(v, id);
        } else ks.writers.set(v, id);
        // An earlier append to this key in the same txn becomes intermediate.
        for (let i = j - 1; i >= 0; i--) {
          const p = ms[i];
          if (p[0] === 'append' && p[1] === m[1]) {
            ks.intermediate ??= new Map();
            ks.intermediate.set(p[2], id);
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

  // Version orders and slots.
  let slots = 0;
  for (const ks of keys) {
    ks.slotBase = slots;
    const longest = ks.longest;
    for (let i = 0; i < longest.length; i++) {
      const e = longest[i];
      if (ks.badAt < 0 && !ks.writers.has(e)) ks.badAt = i;
      if (ks.pos.has(e)) {
        if (ks.dupAt < 0) ks.dupAt = i;
        continue;
      }
      ks.pos.set(e, ks.order.length);
      ks.order.push(e);
    }
    slots += ks.order.length + 1;
  }

  const edges = new EdgeList(Math.max(1024, n * 3));
  // Readers per slot, as (slot, txn) pairs bucketed later.
  let readSlot: Int32Array = new Int32Array(Math.max(16, n));
  let readTxn: Int32Array = new Int32Array(Math.max(16, n));
  let nreads = 0;
  const incompatibleKeys = new Set<KeyState>();
  const lostUpdate = new Map<number, number[]>();

  // Pass 2: reads (ok txns): wr edges, prefix checks, G1a, G1b, garbage, duplicates, internal.
  for (let id = 0; id < n; id++) {
    const ty = type[id];
    if (ty === FAIL) continue;
    const ms = mops[id];
    if (ty === OK && ms.length > 1) internalChecks(t, id, keyIds, keys, anomalies, lostUpdate);
    if (ty !== OK) continue;
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      if (m[0] !== 'r') continue;
      const ks = keys[keyIds.get(m[1])!];
      const v = asList(m[2])!;
      const longest = ks.longest;
      let compatible = true;
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== longest[i]) {
          compatible = false;
          break;
        }
      }
      if (!compatible && !incompatibleKeys.has(ks)) {
        incompatibleKeys.add(ks);
        pushCase(anomalies, 'incompatible-order', {
          key: ks.key,
          values: [v, longest],
          explanation: `key ${formatValue(ks.key)} was read as ${formatValue(v)} and as ${formatValue(longest)}: neither is a prefix of the other, so no single order of appends explains both reads`,
        });
      }
      const bad = !compatible || (ks.badAt >= 0 && v.length > ks.badAt);
      if (bad || ks.intermediate !== undefined) readChecks(t, id, j, ks, v, bad, anomalies);
      if (compatible ? ks.dupAt >= 0 && v.length > ks.dupAt : v.length > 1)
        duplicates(t, id, j, v, anomalies);
      if (v.length === 0) {
        if (nreads === readSlot.length) [readSlot, readTxn] = growPair(readSlot, readTxn);
        readSlot[nreads] = ks.slotBase;
        readTxn[nreads++] = id;
        continue;
      }
      const last = v[v.length - 1];
      const w = ks.writers.get(last);
      if (w !== undefined && w !== id) edges.add(w, id, WR);
      const p = ks.pos.get(last);
      if (p !== undefined) {
        if (nreads === readSlot.length) [readSlot, readTxn] = growPair(readSlot, readTxn);
        readSlot[nreads] = ks.slotBase + 1 + p;
        readTxn[nreads++] = id;
      }
    }
  }

  // Readers bucketed by slot (CSR).
  const readOff = new Int32Array(slots + 1);
  for (let i = 0; i < nreads; i++) readOff[readSlot[i] + 1]++;
  for (let s = 0; s < slots; s++) readOff[s + 1] += readOff[s];
  const readers = new Int32Array(nreads);
  {
    const fill = readOff.slice(0, slots);
    for (let i = 0; i < nreads; i++) readers[fill[readSlot[i]]++] = readTxn[i];
  }

  // Pass 3: appends (ok and info txns): ww and rw edges.
  for (let id = 0; id < n; id++) {
    if (type[id] === FAIL) continue;
    const ms = mops[id];
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      if (m[0] !== 'append') continue;
      const ks = keys[keyIds.get(m[1])!];
      const prev = previousPosition(ks, m[2]);
      if (prev !== INIT) {
        const w = ks.writers.get(ks.order[prev]);
        if (w !== undefined && w !== id) edges.add(w, id, WW);
      }
      const slot = ks.slotBase + 1 + prev;
      for (let r = readOff[slot]; r < readOff[slot + 1]; r++) {
        const reader = readers[r];
        if (reader !== id) edges.add(reader, id, RW);
      }
    }
  }

  dirtyUpdates(t, keys, anomalies);
  lostUpdates(t, keys, lostUpdate, anomalies);

  return {
    edges,
    anomalies,
    explainEdge(a, b, rel, aName, bName) {
      return explainListAppendEdge(t, keyIds, keys, a, b, rel, aName, bName);
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

/** Position in the version order of the element appended just before `v`, or INIT. */
function previousPosition(ks: KeyState, v: unknown): number {
  const p = ks.pos.get(v);
  // Never read: it came after everything any read observed.
  if (p === undefined) return ks.order.length - 1;
  return p - 1;
}

/** Checks on a single read mop of an ok txn: G1a, G1b, garbage reads. */
function readChecks(
  t: Txns,
  id: number,
  j: number,
  ks: KeyState,
  v: readonly unknown[],
  bad: boolean,
  anomalies: Map<string, AnomalyCase[]>,
): void {
  const mop = t.mops[id][j];
  const reader = txnInfo(t, id);
  if (bad && ks.failed !== undefined) {
    for (const e of v) {
      const w = ks.failed.get(e);
      if (w === undefined) continue;
      pushCase(anomalies, 'G1a', {
        op: reader,
        mop,
        writer: txnInfo(t, w),
        element: e,
        explanation: `operation ${reader.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, including ${formatValue(e)}, which was appended by operation ${txnInfo(t, w).index}, a transaction that failed (aborted)`,
      });
    }
  }
  for (const e of bad ? v : EMPTY) {
    if (ks.writers.has(e) || ks.failed?.has(e)) continue;
    pushCase(anomalies, 'garbage-read', {
      op: reader,
      mop,
      element: e,
      explanation: `operation ${reader.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, including ${formatValue(e)}, which no transaction ever appended`,
    });
  }
  if (ks.intermediate !== undefined && v.length > 0) {
    const last = v[v.length - 1];
    const w = ks.intermediate.get(last);
    if (w !== undefined && w !== id) {
      const writer = txnInfo(t, w);
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
 * and appends of that key), future reads, and lost-update candidates.
 */
function internalChecks(
  t: Txns,
  id: number,
  keyIds: Map<unknown, number>,
  keys: KeyState[],
  anomalies: Map<string, AnomalyCase[]>,
  lostUpdate: Map<number, number[]>,
): void {
  const ms = t.mops[id];
  for (let j = 0; j < ms.length; j++) {
    const m = ms[j];
    const k = m[1];
    if (m[0] === 'r') {
      // Expected state: the last earlier read plus later appends; an unknown prefix if no read.
      const appended: unknown[] = [];
      let base: readonly unknown[] | undefined;
      let touched = false;
      for (let i = j - 1; i >= 0; i--) {
        const p = ms[i];
        if (p[1] !== k) continue;
        touched = true;
        if (p[0] === 'append') appended.push(p[2]);
        else {
          base = asList(p[2]);
          break;
        }
      }
      if (!touched) continue;
      appended.reverse();
      const v = asList(m[2])!;
      let ok: boolean;
      let expected: unknown[];
      if (base !== undefined) {
        expected = [...base, ...appended];
        ok = v.length === expected.length && expected.every((e, i) => e === v[i]);
      } else {
        expected = ['...', ...appended];
        const off = v.length - appended.length;
        ok = off >= 0 && appended.every((e, i) => e === v[off + i]);
      }
      if (!ok) {
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
  // Lost update candidates: the first micro-op on a key is a read, and the txn later appends to it.
  for (let j = 0; j < ms.length; j++) {
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
    const ks = keys[keyIds.get(m[1])!];
    const v = asList(m[2])!;
    let slot: number;
    if (v.length === 0) slot = ks.slotBase;
    else {
      const p = ks.pos.get(v[v.length - 1]);
      if (p === undefined) continue;
      slot = ks.slotBase + 1 + p;
    }
    const list = lostUpdate.get(slot);
    if (list) list.push(id);
    else lostUpdate.set(slot, [id]);
  }
}

function lostUpdates(
  t: Txns,
  keys: KeyState[],
  lostUpdate: Map<number, number[]>,
  anomalies: Map<string, AnomalyCase[]>,
): void {
  if (lostUpdate.size === 0) return;
  // slot → key: keys are laid out in increasing slotBase.
  const bases = keys.map((k) => k.slotBase);
  for (const [slot, ids] of lostUpdate) {
    if (ids.length < 2) continue;
    let lo = 0;
    let hi = bases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bases[mid] <= slot) lo = mid;
      else hi = mid - 1;
    }
    const ks = keys[lo];
    const value = ks.order.slice(0, slot - ks.slotBase);
    const txns = ids.map((id) => txnInfo(t, id));
    pushCase(anomalies, 'lost-update', {
      key: ks.key,
      value,
      txns,
      explanation: `operations ${txns.map((x) => x.index).join(', ')} all read key ${formatValue(ks.key)} = ${formatValue(value)} and then each appended to it, and all committed: whichever came later should have seen the other's append`,
    });
  }
}

/** Dirty update: a committed append directly after an aborted one in the version order. */
function dirtyUpdates(t: Txns, keys: KeyState[], anomalies: Map<string, AnomalyCase[]>): void {
  for (const ks of keys) {
    if (ks.failed === undefined) continue;
    let prevType = OK;
    let prevWriter = -1;
    let values: unknown[] = [];
    for (const e of ks.order) {
      const w = ks.writers.get(e);
      const f = w === undefined ? ks.failed.get(e) : undefined;
      const ty = w !== undefined ? t.type[w] : f !== undefined ? FAIL : INFO;
      const writer = w ?? f ?? -1;
      if (prevType === FAIL && ty === OK) {
        values.push(e);
        const a = txnInfo(t, prevWriter);
        const b = txnInfo(t, writer);
        pushCase(anomalies, 'dirty-update', {
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
      if (ty === INFO) {
        // Cannot say whether it committed: keep the range open.
        values.push(e);
        continue;
      }
      if (ty === FAIL && prevType === FAIL) {
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
function duplicates(
  t: Txns,
  id: number,
  j: number,
  v: readonly unknown[],
  anomalies: Map<string, AnomalyCase[]>,
): void {
  const m = t.mops[id][j];
  const counts = new Map<unknown, number>();
  for (const e of v) counts.set(e, (counts.get(e) ?? 0) + 1);
  const dups: [unknown, number][] = [...counts].filter(([, c]) => c > 1);
  if (dups.length === 0) return;
  const op = txnInfo(t, id);
  pushCase(anomalies, 'duplicate-elements', {
    op,
    mop: m,
    duplicates: Object.fromEntries(dups.map(([e, c]) => [String(e), c])),
    explanation: `operation ${op.index} read key ${formatValue(m[1])} = ${formatValue(v)}, which contains ${dups.map(([e, c]) => `${formatValue(e)} ${c} times`).join(', ')}; every value is appended once`,
  });
}

function explainListAppendEdge(
  t: Txns,
  keyIds: Map<unknown, number>,
  keys: KeyState[],
  a: number,
  b: number,
  rel: number,
  aName: string,
  bName: string,
) {
  const bm = t.mops[b];
  if (rel === WR) {
    for (const m of bm) {
      if (m[0] !== 'r') continue;
      const v = asList(m[2]);
      if (!v || v.length === 0) continue;
      const ks = keys[keyIds.get(m[1])!];
      const last = v[v.length - 1];
      if (ks.writers.get(last) === a) {
        return {
          key: ks.key,
          value: last,
          text: `${bName} observed ${aName}'s append of ${formatValue(last)} to key ${formatValue(ks.key)}`,
        };
      }
    }
    return undefined;
  }
  for (const m of bm) {
    if (m[0] !== 'append') continue;
    const ks = keys[keyIds.get(m[1])!];
    const prev = previousPosition(ks, m[2]);
    if (rel === WW) {
      if (prev === INIT) continue;
      const p = ks.order[prev];
      if (ks.writers.get(p) === a) {
        return {
          key: ks.key,
          value: p,
          "value'": m[2],
          text: `${bName} appended ${formatValue(m[2])} after ${aName} appended ${formatValue(p)} to ${formatValue(ks.key)}`,
        };
      }
    } else if (rel === RW) {
      for (const r of t.mops[a]) {
        if (r[0] !== 'r' || r[1] !== m[1]) continue;
        const v = asList(r[2]);
        if (!v) continue;
        const lastPos = v.length === 0 ? INIT : ks.pos.get(v[v.length - 1]);
        if (lastPos !== prev) continue;
        const text =
          prev === INIT
            ? `${aName} observed the initial (empty) state of ${formatValue(ks.key)}, which ${bName} changed by appending ${formatValue(m[2])}`
            : `${aName} read ${formatValue(ks.key)} = ${formatValue(v)} and did not observe ${bName}'s append of ${formatValue(m[2])}, which came right after ${formatValue(ks.order[prev])}`;
        return { key: ks.key, value: prev === INIT ? null : ks.order[prev], "value'": m[2], text };
      }
    }
  }
  return undefined;
}
