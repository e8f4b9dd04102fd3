/**
 * The transaction dependency graph in compact form: vertices are txn ids,
 * edges live in growable typed arrays while inferred, then in a CSR
 * (offsets + targets + relationship bits). Strongly connected components by
 * an iterative Tarjan, so million-transaction histories do not blow the stack.
 */

/** Relationship bits. An edge carries exactly one; parallel edges may carry others. */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;

export const REL_NAMES: Readonly<Record<number, string>> = {
  [WW]: 'ww',
  [WR]: 'wr',
  [RW]: 'rw',
  [PROCESS]: 'process',
  [REALTIME]: 'realtime',
};

export class EdgeList {
  from: Int32Array;
  to: Int32Array;
  rel: Uint8Array;
  size = 0;

  constructor(capacity = 1024) {
    this.from = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
    this.rel = new Uint8Array(capacity);
  }

  add(a: number, b: number, rel: number): void {
    if (a === b) return;
    if (this.size === this.from.length) this.grow();
    const i = this.size++;
    this.from[i] = a;
    this.to[i] = b;
    this.rel[i] = rel;
  }

  private grow(): void {
    const cap = this.from.length * 2;
    const f = new Int32Array(cap);
    f.set(this.from);
    const t = new Int32Array(cap);
    t.set(this.to);
    const r = new Uint8Array(cap);
    r.set(this.rel);
    this.from = f;
    this.to = t;
    this.rel = r;
  }
}

export interface Graph {
  readonly n: number;
  /** Out-edges of v: targets[offsets[v] .. offsets[v+1]). */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly rels: Uint8Array;
}

/** Build a CSR graph from an edge list. Duplicate (a, b, rel) edges are removed. */
export function buildGraph(n: number, edges: EdgeList): Graph {
  const offsets = new Int32Array(n + 1);
  const m = edges.size;
  const from = edges.from;
  for (let i = 0; i < m; i++) offsets[from[i] + 1]++;
  for (let v = 0; v < n; v++) offsets[v + 1] += offsets[v];
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(m);
  const rels = new Uint8Array(m);
  const to = edges.to;
  const rel = edges.rel;
  for (let i = 0; i < m; i++) {
    const j = fill[from[i]]++;
    targets[j] = to[i];
    rels[j] = rel[i];
  }
  // Remove duplicate (target, rel) pairs per vertex; most lists are tiny.
  let w = 0;
  const newOffsets = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    const start = offsets[v];
    const end = offsets[v + 1];
    newOffsets[v] = w;
    for (let i = start; i < end; i++) {
      const t = targets[i];
      const r = rels[i];
      let dup = false;
      for (let j = newOffsets[v]; j < w; j++) {
        if (targets[j] === t && rels[j] === r) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        targets[w] = t;
        rels[w] = r;
        w++;
      }
      if (end - start > 64 && i - start > 64) {
        // Long lists: keep the rest as they come rather than go quadratic.
        for (let k = i + 1; k < end; k++) {
          targets[w] = targets[k];
          rels[w] = rels[k];
          w++;
        }
        break;
      }
    }
  }
  newOffsets[n] = w;
  return { n, offsets: newOffsets, targets: targets.subarray(0, w), rels: rels.subarray(0, w) };
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
    this.index = new Int32Array(n);
    this.low = new Int32Array(n);
    this.onStack = new Int32Array(n);
    this.seen = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.callV = new Int32Array(n);
    this.callI = new Int32Array(n);
  }
}
