/**
 * Read/write-register inference (Elle's `elle.rw-register`). A register read
 * says which write it saw (wr), but not the order of versions, so versions
 * are ordered from the sources Elle uses:
 *
 *   - initial state: nil precedes every other version (always);
 *   - writes follow reads: a txn that read x = 1 and then wrote x = 2 orders 1 < 2 (`wfrKeys`);
 *   - process order, assuming each key is sequentially consistent (`sequentialKeys`);
 *   - real-time order, assuming each key is linearizable (`linearizableKeys`).
 *
 * A source whose versions would form a cycle is left out and reported as
 * `cyclic-versions`. Version edges v1 < v2 then give ww edges (writer of v1 to
 * writer of v2) and rw edges (readers of v1 to writer of v2). Only external
 * reads (before the txn's own write of the key) and external writes (its
 * last write of the key) take part, as in Elle.
 */
import { type AnomalyCase, pushCase, UnanalysableHistory, type WorkloadAnalysis } from './analysis.js';
import type { ElleOptions } from './check.js';
import { buildGraph, EdgeList, RW, sccs, WR, WW } from './graph.js';
import { FAIL, formatValue, OK, type Txns, txnInfo } from './txns.js';

const SOURCES = ['initial-state', 'wfr-keys', 'sequential-keys', 'linearizable-keys'] as const;
type Source = (typeof SOURCES)[number];
const SOURCE_WORDS: Record<Source, string> = {
  'initial-state': 'every key starts as nil',
  'wfr-keys': 'a transaction wrote it after reading the earlier version',
  'sequential-keys': 'a process observed the versions in this order (keys assumed sequentially consistent)',
  'linearizable-keys': 'one transaction finished before the other began (keys assumed linearizable)',
};

interface KeyState {
  readonly key: unknown;
  /** Value → version node id. */
  readonly nodes: Map<unknown, number>;
  /** Value → txn whose final write of the key it was (ok and info txns). */
  readonly writer: Map<unknown, number>;
  failed?: Map<unknown, number>;
  intermediate?: Map<unknown, number>;
}

/** External reads and writes of a txn: parallel arrays of key ids and values. */
interface Ext {
  rk: number[];
  rv: unknown[];
  wk: number[];
  wv: unknown[];
}

export function analyzeRwRegister(t: Txns, opts: ElleOptions): WorkloadAnalysis {
  const keyIds = new Map<unknown, number>();
  const keys: KeyState[] = [];
  const nodeKey: number[] = [];
  const nodeValue: unknown[] = [];
  const anomalies = new Map<string, AnomalyCase[]>();
  const keyId = (k: unknown): number => {
    let id = keyIds.get(k);
    if (id === undefined) {
      id = keys.length;
      keyIds.set(k, id);
      keys.push({ key: k, nodes: new Map(), writer: new Map() });
    }
    return id;
  };
  const node = (k: number, v: unknown): number => {
    const ks = keys[k];
    let n = ks.nodes.get(v);
    if (n === undefined) {
      n = nodeKey.length;
      ks.nodes.set(v, n);
      nodeKey.push(k);
      nodeValue.push(v);
    }
    return n;
  };

  // Pass 1: external reads and writes, writers, failed and intermediate writes, internal consistency.
  const ext: Ext[] = new Array(t.n);
  const written = new Map<string, number>();
  for (let id = 0; id < t.n; id++) {
    const ty = t.type[id];
    const ms = t.mops[id];
    const e: Ext = { rk: [], rv: [], wk: [], wv: [] };
    ext[id] = e;
    const state = new Map<number, unknown>();
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      const k = keyId(m[1]);
      const v = m[2] ?? null;
      if (m[0] === 'w') {
        const tag = `${k}\u0000${typeof v}\u0000${String(v)}`;
        const prior = written.get(tag);
        if (prior !== undefined && prior !== id) {
          throw new UnanalysableHistory(
            'duplicate-writes',
            `value ${formatValue(v)} written to key ${formatValue(m[1])} by more than one transaction (operations ${txnInfo(t, prior).index} and ${txnInfo(t, id).index}); rw-register needs unique written values`,
            { key: m[1], value: v },
          );
        }
        written.set(tag, id);
        const wi = e.wk.indexOf(k);
        if (wi >= 0) {
          keys[k].intermediate ??= new Map();
          keys[k].intermediate.set(e.wv[wi], id);
          e.wv[wi] = v;
        } else {
          e.wk.push(k);
          e.wv.push(v);
        }
        if (ty === FAIL) {
          keys[k].failed ??= new Map();
          keys[k].failed.set(v, id);
        }
        state.set(k, v);
      } else if (ty === OK) {
        if (!state.has(k)) {
          if (!e.wk.includes(k)) {
            e.rk.push(k);
            e.rv.push(v);
          }
        } else {
          const s = state.get(k);
          if (s !== null && s !== v) {
            const op = txnInfo(t, id);
            pushCase(anomalies, 'internal', {
              op,
              mop: m,
              expected: s,
              explanation: `operation ${op.index} read key ${formatValue(m[1])} = ${formatValue(v)}, but its own earlier micro-ops on that key imply ${formatValue(s)}`,
            });
          }
        }
        state.set(k, v);
      }
    }
    if (ty !== FAIL) {
      for (let i = 0; i < e.wk.length; i++) keys[e.wk[i]].writer.set(e.wv[i], id);
    }
  }

  // Pass 2: G1a, G1b, garbage reads, wr edges, lost-update candidates.
  const edges = new EdgeList();
  const lost = new Map<string, number[]>();
  for (let id = 0; id < t.n; id++) {
    if (t.type[id] !== OK) continue;
    const ms = t.mops[id];
    for (let j = 0; j < ms.length; j++) {
      const m = ms[j];
      if (m[0] !== 'r') continue;
      const v = m[2] ?? null;
      if (v === null) continue;
      const ks = keys[keyIds.get(m[1])!];
      const op = () => txnInfo(t, id);
      const f = ks.failed?.get(v);
      if (f !== undefined) {
        const w = txnInfo(t, f);
        pushCase(anomalies, 'G1a', {
          op: op(),
          mop: m,
          writer: w,
          explanation: `operation ${op().index} read key ${formatValue(ks.key)} = ${formatValue(v)}, which was written by operation ${w.index}, a transaction that failed (aborted)`,
        });
      }
      const im = ks.intermediate?.get(v);
      if (im !== undefined && im !== id) {
        const w = txnInfo(t, im);
        pushCase(anomalies, 'G1b', {
          op: op(),
          mop: m,
          writer: w,
          explanation: `operation ${op().index} read key ${formatValue(ks.key)} = ${formatValue(v)}, an intermediate state: operation ${w.index} wrote ${formatValue(v)} and then wrote ${formatValue(ks.key)} again in the same transaction`,
        });
      }
      if (f === undefined && im === undefined && !ks.writer.has(v)) {
        pushCase(anomalies, 'garbage-read', {
          op: op(),
          mop: m,
          explanation: `operation ${op().index} read key ${formatValue(ks.key)} = ${formatValue(v)}, a value no transaction ever wrote`,
        });
      }
    }
    const e = ext[id];
    for (let i = 0; i < e.rk.length; i++) {
      const ks = keys[e.rk[i]];
      const v = e.rv[i] ?? null;
      if (v !== null) {
        const w = ks.writer.get(v);
        if (w !== undefined && w !== id) edges.add(w, id, WR);
      }
      if (e.wk.includes(e.rk[i])) {
        const tag = `${e.rk[i]}\u0000${typeof v}\u0000${String(v)}`;
        const list = lost.get(tag);
        if (list) list.push(id);
        else lost.set(tag, [id]);
      }
    }
  }
  for (const ids of lost.values()) {
    if (ids.length < 2) continue;
    const e = ext[ids[0]];
    const ks = keys[e.rk[0]];
    // Find the shared key and value from the first txn's reads.
    let key = ks.key;
    let value: unknown = e.rv[0];
    for (let i = 0; i < e.rk.length; i++) {
      if (ext[ids[1]].rk.includes(e.rk[i]) && e.wk.includes(e.rk[i])) {
        key = keys[e.rk[i]].key;
        value = e.rv[i];
        break;
      }
    }
    const txns = ids.map((id) => txnInfo(t, id));
    pushCase(anomalies, 'lost-update', {
      key,
      value,
      txns,
      explanation: `operations ${txns.map((x) => x.index).join(', ')} all read key ${formatValue(key)} = ${formatValue(value)} and then each wrote it, and all committed: whichever came later should have seen the other's write`,
    });
  }

  // Version graph: a node per (key, value), nil included.
  const versionEdges = new EdgeList();
  const edgeSource: Source[] = [];
  const addSource = (source: Source, pairs: [number, number][]) => {
    const trial = new EdgeList();
    for (const [a, b] of pairs) trial.add(a, b, 1);
    const g = buildGraph(nodeKey.length, [versionEdges, trial]);
    const cyc = sccs(g, 1);
    if (cyc.length > 0) {
      for (const c of cyc) {
        const k = keys[nodeKey[c[0]]].key;
        const values = Array.from(c, (x) => nodeValue[x]);
        pushCase(anomalies, 'cyclic-versions', {
          key: k,
          scc: values,
          sources: [...new Set([...edgeSource, source])],
          explanation: `the version order of key ${formatValue(k)} inferred from ${[...new Set([...edgeSource, source])].join(', ')} is cyclic among values ${formatValue(values)}, so no order of writes explains what was read; the ${source} inference was left out`,
        });
      }
      return;
    }
    for (const [a, b] of pairs) {
      if (a === b) continue;
      versionEdges.add(a, b, 1);
      edgeSource.push(source);
    }
  };

  // Initial state: nil precedes every value externally written or read.
  {
    const pairs: [number, number][] = [];
    for (let id = 0; id < t.n; id++) {
      const ty = t.type[id];
      if (ty === FAIL) continue;
      const e = ext[id];
      for (let i = 0; i < e.wk.length; i++) {
        if (e.wv[i] !== null) pairs.push([node(e.wk[i], null), node(e.wk[i], e.wv[i])]);
      }
      if (ty === OK) {
        for (let i = 0; i < e.rk.length; i++) {
          node(e.rk[i], null);
          if (e.rv[i] !== null) pairs.push([node(e.rk[i], null), node(e.rk[i], e.rv[i])]);
        }
      }
    }
    addSource('initial-state', dedupe(pairs));
  }
  if (opts.wfrKeys) {
    const pairs: [number, number][] = [];
    for (let id = 0; id < t.n; id++) {
      if (t.type[id] !== OK) continue;
      const e = ext[id];
      for (let i = 0; i < e.rk.length; i++) {
        if (e.rv[i] === null) continue;
        const wi = e.wk.indexOf(e.rk[i]);
        if (wi >= 0) pairs.push([node(e.rk[i], e.rv[i]), node(e.rk[i], e.wv[wi])]);
      }
    }
    addSource('wfr-keys', dedupe(pairs));
  }
  // First and final versions a txn interacted with on a key.
  const firstVersion = (id: number, k: number): number | undefined => {
    const e = ext[id];
    if (t.type[id] === OK) {
      const ri = e.rk.indexOf(k);
      if (ri >= 0) return node(k, e.rv[ri]);
    }
    const wi = e.wk.indexOf(k);
    return wi >= 0 ? node(k, e.wv[wi]) : undefined;
  };
  const finalVersion = (id: number, k: number): number | undefined => {
    const e = ext[id];
    const wi = e.wk.indexOf(k);
    if (wi >= 0) return node(k, e.wv[wi]);
    if (t.type[id] === OK) {
      const ri = e.rk.indexOf(k);
      if (ri >= 0) return node(k, e.rv[ri]);
    }
    return undefined;
  };
  const extKeys = (id: number): number[] => {
    const e = ext[id];
    const out = t.type[id] === OK ? [...e.rk] : [];
    for (const k of e.wk) if (!out.includes(k)) out.push(k);
    return out;
  };
  if (opts.sequentialKeys) {
    const pairs: [number, number][] = [];
    const last = new Map<number, Map<number, number>>();
    for (let id = 0; id < t.n; id++) {
      const ty = t.type[id];
      if (ty === FAIL) continue;
      const p = t.process[id];
      let m = last.get(p);
      if (!m) {
        m = new Map();
        last.set(p, m);
      }
      for (const k of extKeys(id)) {
        const prev = m.get(k);
        const first = firstVersion(id, k);
        if (prev !== undefined && first !== undefined && prev !== first) pairs.push([prev, first]);
        const fin = finalVersion(id, k);
        if (ty === OK && fin !== undefined) m.set(k, fin);
      }
      if (ty !== OK) last.delete(p);
    }
    addSource('sequential-keys', dedupe(pairs));
  }
  if (opts.linearizableKeys) {
    const pairs: [number, number][] = [];
    // Per key, the frontier of completed ok txns (txn, event position, final version).
    const frontier = new Map<number, { id: number; at: number; v: number }[]>();
    const invokedAt = new Int32Array(t.n);
    for (let e = 0; e < t.events.length; e++) {
      const ev = t.events[e];
      const id = ev >> 1;
      if (t.type[id] === FAIL) continue;
      if ((ev & 1) === 0) {
        invokedAt[id] = e;
        for (const k of extKeys(id)) {
          const first = firstVersion(id, k);
          if (first === undefined) continue;
          for (const f of frontier.get(k) ?? []) if (f.v !== first) pairs.push([f.v, first]);
        }
      } else if (t.type[id] === OK) {
        for (const k of extKeys(id)) {
          const fin = finalVersion(id, k);
          if (fin === undefined) continue;
          const list = (frontier.get(k) ?? []).filter((f) => f.at > invokedAt[id]);
          list.push({ id, at: e, v: fin });
          frontier.set(k, list);
        }
      }
    }
    addSource('linearizable-keys', dedupe(pairs));
  }

  // Version edges → ww and rw edges.
  const readers: number[][] = [];
  for (let id = 0; id < t.n; id++) {
    if (t.type[id] !== OK) continue;
    const e = ext[id];
    for (let i = 0; i < e.rk.length; i++) {
      const n = node(e.rk[i], e.rv[i]);
      readers[n] ??= [];
      readers[n].push(id);
    }
  }
  const vg = buildGraph(nodeKey.length, [versionEdges]);
  const sourceOf = new Map<number, Source>();
  let ei = 0;
  versionEdges.forEach((a, b) => {
    const code = a * nodeKey.length + b;
    if (!sourceOf.has(code)) sourceOf.set(code, edgeSource[ei]);
    ei++;
  });
  for (let a = 0; a < vg.n; a++) {
    const ks = keys[nodeKey[a]];
    const wa = ks.writer.get(nodeValue[a]);
    const ra = readers[a];
    for (let i = vg.offsets[a]; i < vg.offsets[a + 1]; i++) {
      const b = vg.targets[i];
      const wb = ks.writer.get(nodeValue[b]);
      if (wb === undefined) continue;
      if (wa !== undefined) edges.add(wa, wb, WW);
      if (ra) for (const r of ra) edges.add(r, wb, RW);
    }
  }

  const precedes = (k: number, va: unknown, vb: unknown): Source | undefined => {
    const a = keys[k].nodes.get(va);
    const b = keys[k].nodes.get(vb);
    if (a === undefined || b === undefined) return undefined;
    return sourceOf.get(a * nodeKey.length + b);
  };

  return {
    edges,
    anomalies,
    explainEdge(a, b, rel, aName, bName) {
      const ea = ext[a];
      const eb = ext[b];
      if (rel === WR) {
        for (let i = 0; i < ea.wk.length; i++) {
          const ri = eb.rk.indexOf(ea.wk[i]);
          if (ri >= 0 && eb.rv[ri] === ea.wv[i]) {
            const k = keys[ea.wk[i]].key;
            return {
              key: k,
              value: ea.wv[i],
              text: `${aName} wrote ${formatValue(k)} = ${formatValue(ea.wv[i])}, which was read by ${bName}`,
            };
          }
        }
        return undefined;
      }
      const fromK = rel === WW ? ea.wk : ea.rk;
      const fromV = rel === WW ? ea.wv : ea.rv;
      for (let i = 0; i < fromK.length; i++) {
        const wi = eb.wk.indexOf(fromK[i]);
        if (wi < 0) continue;
        const src = precedes(fromK[i], fromV[i], eb.wv[wi]);
        if (src === undefined) continue;
        const k = keys[fromK[i]].key;
        const verb = rel === WW ? 'set key' : 'read key';
        return {
          key: k,
          value: fromV[i],
          "value'": eb.wv[wi],
          text: `${aName} ${verb} ${formatValue(k)} ${rel === WW ? 'to' : '='} ${formatValue(fromV[i])}, and ${bName} set it to ${formatValue(eb.wv[wi])}, which came later in the version order (${SOURCE_WORDS[src]})`,
        };
      }
      return undefined;
    },
  };
}

function dedupe(pairs: [number, number][]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const p of pairs) {
    const code = `${p[0]},${p[1]}`;
    if (seen.has(code)) continue;
    seen.add(code);
    out.push(p);
  }
  return out;
}
