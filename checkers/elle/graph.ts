/**
 * The transaction dependency graph in compact form: vertices are txn ids,
 * edges live in growable typed arrays while inferred, then in a CSR
 * (offsets + targets + relationship bits). Strongly connected components by
 * an iterative Tarjan, so million-transaction histories do not blow the stack.
 */
import { copyI32, i32, u8 } from './arena.js';

/** Relationship bits. An edge carries exactly one; parallel edges may carry others. */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
/** Edges into and along the chain of real-time barrier vertices (see cycles.ts). */
export const BARRIER = 32;

export const REL_NAMES: Readonly<Record<number, string>> = {
  [WW]: 'ww',
  [WR]: 'wr',
  [RW]: 'rw',
  [PROCESS]: 'process',
  [REALTIME]: 'realtime',
  [BARRIER]: 'realtime',
};

const CHUNK = 1 << 18;

/**
 * Edges as they are inferred: fixed-size chunks of (from, to, rel), so
 * growing never copies and memory is what the edges need.
 */
export class EdgeList {
  readonly from: Int32Array[] = [];
  readonly to: Int32Array[] = [];
  readonly rel: Uint8Array[] = [];
  size = 0;
  private at = CHUNK;
  private f: Int32Array = new Int32Array(0);
  private t: Int32Array = new Int32Array(0);
  private r: Uint8Array = new Uint8Array(0);

  add(a: number, b: number, rel: number): void {
    if (a === b) return;
    if (this.at === CHUNK) this.chunk();
    const i = this.at++;
    this.f[i] = a;
    this.t[i] = b;
    this.r[i] = rel;
    this.size++;
  }

  private chunk(): void {
    this.f = i32(CHUNK);
    this.t = i32(CHUNK);
    this.r = u8(CHUNK);
    this.from.push(this.f);
    this.to.push(this.t);
    this.rel.push(this.r);
    this.at = 0;
  }

  /** Calls fn(from, to, rel) for every edge, in insertion order. */
  forEach(fn: (a: number, b: number, rel: number) => void): void {
    let left = this.size;
    for (let c = 0; c < this.from.length && left > 0; c++) {
      const m = Math.min(CHUNK, left);
      const f = this.from[c];
      const t = this.to[c];
      const r = this.rel[c];
      for (let i = 0; i < m; i++) fn(f[i], t[i], r[i]);
      left -= m;
    }
  }
}

export interface Graph {
  readonly n: number;
  /** Out-edges of v: targets[offsets[v] .. offsets[v+1]). */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly rels: Uint8Array;
}

/** Build a CSR graph from edge lists (parallel duplicate edges are kept; they are harmless). */
export function buildGraph(n: number, lists: readonly EdgeList[]): Graph {
  const offsets = i32(n + 1);
  let m = 0;
  for (const list of lists) {
    m += list.size;
    let left = list.size;
    for (let c = 0; left > 0; c++) {
      const k = Math.min(CHUNK, left);
      const f = list.from[c];
      for (let i = 0; i < k; i++) offsets[f[i] + 1]++;
      left -= k;
    }
  }
  for (let v = 0; v < n; v++) offsets[v + 1] += offsets[v];
  const fill = copyI32(offsets.subarray(0, n));
  const targets = i32(m);
  const rels = u8(m);
  for (const list of lists) {
    let left = list.size;
    for (let c = 0; left > 0; c++) {
      const k = Math.min(CHUNK, left);
      const f = list.from[c];
      const t = list.to[c];
      const r = list.rel[c];
      for (let i = 0; i < k; i++) {
        const j = fill[f[i]]++;
        targets[j] = t[i];
        rels[j] = r[i];
      }
      left -= k;
    }
  }
  return { n, offsets, targets, rels };
}

/**
 * Strongly connected components of the subgraph of `g` induced by the
 * vertices `vs` (all vertices when absent) and the edges whose relationship
 * is in `mask`. Returns only components of two or more vertices, each as an
 * Int32Array of vertex ids. `member` (length n), when given, restricts edges
 * to targets with member[v] === memberId.
 */
export function sccs(
  g: Graph,
  mask: number,
  vs?: Int32Array,
  member?: Int32Array,
  memberId?: number,
  scratch?: TarjanScratch,
): Int32Array[] {
  const n = g.n;
  const s = scratch ?? new TarjanScratch(n);
  const { index, low, onStack, stack, callV, callI } = s;
  s.stamp++;
  const stamp = s.stamp;
  // index[v] encodes (stamp, order): visited iff seen[v] === stamp.
  const seen = s.seen;
  const offsets = g.offsets;
  const targets = g.targets;
  const rels = g.rels;
  const out: Int32Array[] = [];
  let counter = 0;
  let sp = 0;
  const count = vs ? vs.length : n;
  for (let r = 0; r < count; r++) {
    const root = vs ? vs[r] : r;
    if (seen[root] === stamp) continue;
    // Iterative DFS: callV/callI hold (vertex, next edge position).
    let depth = 0;
    callV[0] = root;
    callI[0] = offsets[root];
    seen[root] = stamp;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = stamp;
    while (depth >= 0) {
      const v = callV[depth];
      let i = callI[depth];
      const end = offsets[v + 1];
      let descended = false;
      while (i < end) {
        const w = targets[i];
        const rel = rels[i];
        i++;
        if ((rel & mask) === 0) continue;
        if (member !== undefined && member[w] !== memberId) continue;
        if (seen[w] !== stamp) {
          callI[depth] = i;
          depth++;
          callV[depth] = w;
          callI[depth] = offsets[w];
          seen[w] = stamp;
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = stamp;
          descended = true;
          break;
        }
        if (onStack[w] === stamp && index[w] < low[v]) low[v] = index[w];
      }
      if (descended) continue;
      // v is finished.
      if (low[v] === index[v]) {
        let size = 0;
        for (let k = sp - 1; k >= 0; k--) {
          size++;
          if (stack[k] === v) break;
        }
        if (size > 1) {
          const comp = new Int32Array(size);
          for (let k = 0; k < size; k++) {
            const w = stack[--sp];
            onStack[w] = 0;
            comp[k] = w;
          }
          out.push(comp);
        } else {
          sp--;
          onStack[v] = 0;
        }
      }
      depth--;
      if (depth >= 0) {
        const parent = callV[depth];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  return out;
}

/** Reusable arrays for `sccs`, so repeated searches over sub-graphs allocate nothing. */
export class TarjanScratch {
  readonly index: Int32Array;
  readonly low: Int32Array;
  readonly onStack: Int32Array;
  readonly seen: Int32Array;
  readonly stack: Int32Array;
  readonly callV: Int32Array;
  readonly callI: Int32Array;
  stamp = 0;
  constructor(n: number) {
    this.index = i32(n);
    this.low = i32(n);
    this.onStack = i32(n);
    this.seen = i32(n);
    this.stack = i32(n);
    this.callV = i32(n);
    this.callI = i32(n);
  }
}
