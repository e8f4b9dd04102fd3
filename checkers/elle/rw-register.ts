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
 *
 * The analysis is a class whose phases are methods, not one function with
 * closures: a search checks thousands of small histories in one process,
 * and closures made per call were each compiled afresh by the JIT (a third
 * of a search's steady-state compile time), where methods compile once.
 */
import {
  type AnomalyCase,
  type EdgeExplanation,
  pushCase,
  UnanalysableHistory,
  type WorkloadAnalysis,
} from './analysis.js';
import type { ElleOptions } from './check.js';
import { buildGraph, EdgeList, RW, sccs, WR, WW } from './graph.js';
import { FAIL, formatValue, type MicroOp, OK, type Txns, txnInfo } from './txns.js';

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
  // Always present (undefined until needed), so every KeyState has one shape for the JIT.
  failed: Map<unknown, number> | undefined;
  intermediate: Map<unknown, number> | undefined;
}

/** External reads and writes of a txn: parallel arrays of key ids and values. */
interface Ext {
  rk: number[];
  rv: unknown[];
  wk: number[];
  wv: unknown[];
}

type Pairs = [number, number][];

export function analyzeRwRegister(t: Txns, opts: ElleOptions): WorkloadAnalysis {
  const a = new RwRegisterAnalysis(t);
  const lost = new Map<string, number[]>();
  a.readExternals();
  a.checkReads(lost);
  a.reportLostUpdates(lost);
  a.addSource('initial-state', a.initialStatePairs());
  if (opts.wfrKeys) a.addSource('wfr-keys', a.wfrPairs());
  if (opts.sequentialKeys) a.addSource('sequential-keys', a.sequentialPairs());
  if (opts.linearizableKeys) a.addSource('linearizable-keys', a.linearizablePairs());
  a.addVersionOrderEdges();
  return {
    edges: a.edges,
    anomalies: a.anomalies,
    explainEdge: (x, y, rel, xName, yName) => a.explainEdge(x, y, rel, xName, yName),
  };
}

class RwRegisterAnalysis {
  readonly keyIds = new Map<unknown, number>();
  readonly keys: KeyState[] = [];
  /** Version node id → key id and value. */
  readonly nodeKey: number[] = [];
  readonly nodeValue: unknown[] = [];
  readonly anomalies = new Map<string, AnomalyCase[]>();
  readonly ext: Ext[];
  readonly edges = new EdgeList();
  /** Version order edges accepted so far, and the source of each. */
  readonly versionEdges = new EdgeList();
  readonly edgeSource: Source[] = [];
  /** Version edge code (a * node count + b) → its first source; set by addVersionOrderEdges. */
  readonly sourceOf = new Map<number, Source>();

  constructor(readonly t: Txns) {
    this.ext = new Array(t.n);
  }

  keyId(k: unknown): number {
    let id = this.keyIds.get(k);
    if (id === undefined) {
      id = this.keys.length;
      this.keyIds.set(k, id);
      this.keys.push({
        key: k,
        nodes: new Map(),
        writer: new Map(),
        failed: undefined,
        intermediate: undefined,
      });
    }
    return id;
  }

  node(k: number, v: unknown): number {
    const ks = this.keys[k];
    let n = ks.nodes.get(v);
    if (n === undefined) {
      n = this.nodeKey.length;
      ks.nodes.set(v, n);
      this.nodeKey.push(k);
      this.nodeValue.push(v);
    }
    return n;
  }

  /** Pass 1: external reads and writes, writers, failed and intermediate writes, internal consistency. */
  readExternals(): void {
    const t = this.t;
    const written = new Map<string, number>();
    for (let id = 0; id < t.n; id++) {
      const ty = t.type[id];
      const ms = t.mops[id];
      const e: Ext = { rk: [], rv: [], wk: [], wv: [] };
      this.ext[id] = e;
      const state = new Map<number, unknown>();
      for (let j = 0; j < ms.length; j++) {
        const m = ms[j];
        const k = this.keyId(m[1]);
        const v = m[2] ?? null;
        if (m[0] === 'w') {
          this.recordWrite(written, id, m, k, v);
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
              pushCase(this.anomalies, 'internal', {
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
        for (let i = 0; i < e.wk.length; i++) this.keys[e.wk[i]].writer.set(e.wv[i], id);
      }
    }
  }

  private recordWrite(written: Map<string, number>, id: number, m: MicroOp, k: number, v: unknown): void {
    const t = this.t;
    const e = this.ext[id];
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
    const ks = this.keys[k];
    const wi = e.wk.indexOf(k);
    if (wi >= 0) {
      ks.intermediate ??= new Map();
      ks.intermediate.set(e.wv[wi], id);
      e.wv[wi] = v;
    } else {
      e.wk.push(k);
      e.wv.push(v);
    }
    if (t.type[id] === FAIL) {
      ks.failed ??= new Map();
      ks.failed.set(v, id);
    }
  }

  /** Pass 2: G1a, G1b, garbage reads, wr edges, lost-update candidates (into `lost`). */
  checkReads(lost: Map<string, number[]>): void {
    const t = this.t;
    for (let id = 0; id < t.n; id++) {
      if (t.type[id] !== OK) continue;
      const ms = t.mops[id];
      for (let j = 0; j < ms.length; j++) {
        const m = ms[j];
        if (m[0] !== 'r') continue;
        const v = m[2] ?? null;
        if (v !== null) this.checkRead(id, m, v);
      }
      const e = this.ext[id];
      for (let i = 0; i < e.rk.length; i++) {
        const ks = this.keys[e.rk[i]];
        const v = e.rv[i] ?? null;
        if (v !== null) {
          const w = ks.writer.get(v);
          if (w !== undefined && w !== id) this.edges.add(w, id, WR);
        }
        if (e.wk.includes(e.rk[i])) {
          const tag = `${e.rk[i]}\u0000${typeof v}\u0000${String(v)}`;
          const list = lost.get(tag);
          if (list) list.push(id);
          else lost.set(tag, [id]);
        }
      }
    }
  }

  /** One read of a non-nil value: did it see an aborted, intermediate or never-written value? */
  private checkRead(id: number, m: MicroOp, v: unknown): void {
    const t = this.t;
    const ks = this.keys[this.keyIds.get(m[1]) as number];
    const f = ks.failed?.get(v);
    if (f !== undefined) {
      const op = txnInfo(t, id);
      const w = txnInfo(t, f);
      pushCase(this.anomalies, 'G1a', {
        op,
        mop: m,
        writer: w,
        explanation: `operation ${op.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, which was written by operation ${w.index}, a transaction that failed (aborted)`,
      });
    }
    const im = ks.intermediate?.get(v);
    if (im !== undefined && im !== id) {
      const op = txnInfo(t, id);
      const w = txnInfo(t, im);
      pushCase(this.anomalies, 'G1b', {
        op,
        mop: m,
        writer: w,
        explanation: `operation ${op.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, an intermediate state: operation ${w.index} wrote ${formatValue(v)} and then wrote ${formatValue(ks.key)} again in the same transaction`,
      });
    }
    if (f === undefined && im === undefined && !ks.writer.has(v)) {
      const op = txnInfo(t, id);
      pushCase(this.anomalies, 'garbage-read', {
        op,
        mop: m,
        explanation: `operation ${op.index} read key ${formatValue(ks.key)} = ${formatValue(v)}, a value no transaction ever wrote`,
      });
    }
  }

  /** Two or more committed txns that read the same version of a key and each wrote it. */
  reportLostUpdates(lost: Map<string, number[]>): void {
    const ext = this.ext;
    for (const ids of lost.values()) {
      if (ids.length < 2) continue;
      const e = ext[ids[0]];
      const ks = this.keys[e.rk[0]];
      // Find the shared key and value from the first txn's reads.
      let key = ks.key;
      let value: unknown = e.rv[0];
      for (let i = 0; i < e.rk.length; i++) {
        if (ext[ids[1]].rk.includes(e.rk[i]) && e.wk.includes(e.rk[i])) {
          key = this.keys[e.rk[i]].key;
          value = e.rv[i];
          break;
        }
      }
      const txns = ids.map((id) => txnInfo(this.t, id));
      pushCase(this.anomalies, 'lost-update', {
        key,
        value,
        txns,
        explanation: `operations ${txns.map((x) => x.index).join(', ')} all read key ${formatValue(key)} = ${formatValue(value)} and then each wrote it, and all committed: whichever came later should have seen the other's write`,
      });
    }
  }

  /** Add one source's version edges, unless together with those already in they form a cycle. */
  addSource(source: Source, pairs: Pairs): void {
    const trial = new EdgeList();
    for (const [a, b] of pairs) trial.add(a, b, 1);
    const g = buildGraph(this.nodeKey.length, [this.versionEdges, trial]);
    const cyc = sccs(g, 1);
    if (cyc.length > 0) {
      const sources = [...new Set([...this.edgeSource, source])];
      for (const c of cyc) {
        const k = this.keys[this.nodeKey[c[0]]].key;
        const values = Array.from(c, (x) => this.nodeValue[x]);
        pushCase(this.anomalies, 'cyclic-versions', {
          key: k,
          scc: values,
          sources,
          explanation: `the version order of key ${formatValue(k)} inferred from ${sources.join(', ')} is cyclic among values ${formatValue(values)}, so no order of writes explains what was read; the ${source} inference was left out`,
        });
      }
      return;
    }
    for (const [a, b] of pairs) {
      if (a === b) continue;
      this.versionEdges.add(a, b, 1);
      this.edgeSource.push(source);
    }
  }

  /** Initial state: nil precedes every value externally written or read. */
  initialStatePairs(): Pairs {
    const t = this.t;
    const pairs: Pairs = [];
    for (let id = 0; id < t.n; id++) {
      const ty = t.type[id];
      if (ty === FAIL) continue;
      const e = this.ext[id];
      for (let i = 0; i < e.wk.length; i++) {
        if (e.wv[i] !== null) pairs.push([this.node(e.wk[i], null), this.node(e.wk[i], e.wv[i])]);
      }
      if (ty === OK) {
        for (let i = 0; i < e.rk.length; i++) {
          this.node(e.rk[i], null);
          if (e.rv[i] !== null) pairs.push([this.node(e.rk[i], null), this.node(e.rk[i], e.rv[i])]);
        }
      }
    }
    return dedupe(pairs);
  }

  /** Writes follow reads within a txn. */
  wfrPairs(): Pairs {
    const t = this.t;
    const pairs: Pairs = [];
    for (let id = 0; id < t.n; id++) {
      if (t.type[id] !== OK) continue;
      const e = this.ext[id];
      for (let i = 0; i < e.rk.length; i++) {
        if (e.rv[i] === null) continue;
        const wi = e.wk.indexOf(e.rk[i]);
        if (wi >= 0) pairs.push([this.node(e.rk[i], e.rv[i]), this.node(e.rk[i], e.wv[wi])]);
      }
    }
    return dedupe(pairs);
  }

  /** Process order: each process's successive txns on a key see versions in order. */
  sequentialPairs(): Pairs {
    const t = this.t;
    const pairs: Pairs = [];
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
      for (const k of this.extKeys(id)) {
        const prev = m.get(k);
        const first = this.firstVersion(id, k);
        if (prev !== undefined && first !== undefined && prev !== first) pairs.push([prev, first]);
        const fin = this.finalVersion(id, k);
        if (ty === OK && fin !== undefined) m.set(k, fin);
      }
      if (ty !== OK) last.delete(p);
    }
    return dedupe(pairs);
  }

  /** Real-time order: a txn that completed before another began saw an earlier version. */
  linearizablePairs(): Pairs {
    const t = this.t;
    const pairs: Pairs = [];
    // Per key, the frontier of completed ok txns (txn, event position, final version).
    const frontier = new Map<number, { id: number; at: number; v: number }[]>();
    const invokedAt = new Int32Array(t.n);
    for (let e = 0; e < t.events.length; e++) {
      const ev = t.events[e];
      const id = ev >> 1;
      if (t.type[id] === FAIL) continue;
      if ((ev & 1) === 0) {
        invokedAt[id] = e;
        for (const k of this.extKeys(id)) {
          const first = this.firstVersion(id, k);
          if (first === undefined) continue;
          for (const f of frontier.get(k) ?? []) if (f.v !== first) pairs.push([f.v, first]);
        }
      } else if (t.type[id] === OK) {
        for (const k of this.extKeys(id)) {
          const fin = this.finalVersion(id, k);
          if (fin === undefined) continue;
          const list = (frontier.get(k) ?? []).filter((f) => f.at > invokedAt[id]);
          list.push({ id, at: e, v: fin });
          frontier.set(k, list);
        }
      }
    }
    return dedupe(pairs);
  }

  /** The first version a txn interacted with on a key. */
  private firstVersion(id: number, k: number): number | undefined {
    const e = this.ext[id];
    if (this.t.type[id] === OK) {
      const ri = e.rk.indexOf(k);
      if (ri >= 0) return this.node(k, e.rv[ri]);
    }
    const wi = e.wk.indexOf(k);
    return wi >= 0 ? this.node(k, e.wv[wi]) : undefined;
  }

  /** The final version a txn interacted with on a key. */
  private finalVersion(id: number, k: number): number | undefined {
    const e = this.ext[id];
    const wi = e.wk.indexOf(k);
    if (wi >= 0) return this.node(k, e.wv[wi]);
    if (this.t.type[id] === OK) {
      const ri = e.rk.indexOf(k);
      if (ri >= 0) return this.node(k, e.rv[ri]);
    }
    return undefined;
  }

  /** Keys a txn externally read (ok txns only) or wrote. */
  private extKeys(id: number): number[] {
    const e = this.ext[id];
    const out = this.t.type[id] === OK ? [...e.rk] : [];
    for (const k of e.wk) if (!out.includes(k)) out.push(k);
    return out;
  }

  /** Version edges → ww edges (writer to writer) and rw edges (readers to the next writer). */
  addVersionOrderEdges(): void {
    const t = this.t;
    const readers: number[][] = [];
    for (let id = 0; id < t.n; id++) {
      if (t.type[id] !== OK) continue;
      const e = this.ext[id];
      for (let i = 0; i < e.rk.length; i++) {
        const n = this.node(e.rk[i], e.rv[i]);
        readers[n] ??= [];
        readers[n].push(id);
      }
    }
    const nodes = this.nodeKey.length;
    const vg = buildGraph(nodes, [this.versionEdges]);
    let ei = 0;
    this.versionEdges.forEach((a, b) => {
      const code = a * nodes + b;
      if (!this.sourceOf.has(code)) this.sourceOf.set(code, this.edgeSource[ei]);
      ei++;
    });
    for (let a = 0; a < vg.n; a++) {
      const ks = this.keys[this.nodeKey[a]];
      const wa = ks.writer.get(this.nodeValue[a]);
      const ra = readers[a];
      for (let i = vg.offsets[a]; i < vg.offsets[a + 1]; i++) {
        const b = vg.targets[i];
        const wb = ks.writer.get(this.nodeValue[b]);
        if (wb === undefined) continue;
        if (wa !== undefined) this.edges.add(wa, wb, WW);
        if (ra) for (const r of ra) this.edges.add(r, wb, RW);
      }
    }
  }

  /** The source that ordered version va before vb of key k, if any did. */
  private precedes(k: number, va: unknown, vb: unknown): Source | undefined {
    const a = this.keys[k].nodes.get(va);
    const b = this.keys[k].nodes.get(vb);
    if (a === undefined || b === undefined) return undefined;
    return this.sourceOf.get(a * this.nodeKey.length + b);
  }

  explainEdge(a: number, b: number, rel: number, aName: string, bName: string): EdgeExplanation | undefined {
    const ea = this.ext[a];
    const eb = this.ext[b];
    if (rel === WR) {
      for (let i = 0; i < ea.wk.length; i++) {
        const ri = eb.rk.indexOf(ea.wk[i]);
        if (ri >= 0 && eb.rv[ri] === ea.wv[i]) {
          const k = this.keys[ea.wk[i]].key;
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
      const src = this.precedes(fromK[i], fromV[i], eb.wv[wi]);
      if (src === undefined) continue;
      const k = this.keys[fromK[i]].key;
      const verb = rel === WW ? 'set key' : 'read key';
      return {
        key: k,
        value: fromV[i],
        "value'": eb.wv[wi],
        text: `${aName} ${verb} ${formatValue(k)} ${rel === WW ? 'to' : '='} ${formatValue(fromV[i])}, and ${bName} set it to ${formatValue(eb.wv[wi])}, which came later in the version order (${SOURCE_WORDS[src]})`,
      };
    }
    return undefined;
  }
}

function dedupe(pairs: Pairs): Pairs {
  const seen = new Set<string>();
  const out: Pairs = [];
  for (const p of pairs) {
    const code = `${p[0]},${p[1]}`;
    if (seen.has(code)) continue;
    seen.add(code);
    out.push(p);
  }
  return out;
}
