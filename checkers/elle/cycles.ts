/**
 * Cycle search, as Elle does it: split the graph into strongly connected
 * components, then within each component look for a short cycle of each
 * anomaly type in order of severity (G0 before G1c before G-single-item …),
 * skipping types already implied by a cycle found there. A cycle of a type is
 * found by a breadth-first search over (vertex, path state) pairs that starts
 * on one edge of the type's first relationship and must come back to its
 * source, using only the relationships the type allows.
 *
 * Real-time order is not stored as txn-to-txn edges (up to concurrency × n
 * of them) but through barrier vertices, one per ok completion, chained in
 * time order: a → barrier(a's completion) → … → barrier(last completion
 * before b began) → b. A walk through barriers counts as one realtime step.
 */

import { i32, u8 } from './arena.js';
import { BARRIER, type Graph, PROCESS, REALTIME, RW, sccs, TarjanScratch, WR, WW } from './graph.js';
import { allImpliedAnomalies } from './models.js';

export interface CycleSpec {
  readonly type: string;
  /** Relationships the first edge may have. */
  readonly first: number;
  /** Relationships later edges may have. */
  readonly rest: number;
  readonly kind: 'plain' | 'nonadjacent' | 'g2item';
  /** At least one edge must carry this relationship (0: none required beyond `first`). */
  readonly requires: number;
}

function variants(base: CycleSpec[]): CycleSpec[] {
  const out: CycleSpec[] = [...base];
  for (const [suffix, rels, req] of [
    ['process', PROCESS, PROCESS],
    ['realtime', PROCESS | REALTIME, REALTIME],
  ] as const) {
    for (const s of base) {
      out.push({
        type: `${s.type}-${suffix}`,
        first: s.first,
        rest: s.rest | rels,
        kind: s.kind,
        requires: req,
      });
    }
  }
  return out;
}

/** Every cycle type we search for, most severe first (Elle's anomaly-depth order). */
export const CYCLE_SPECS: readonly CycleSpec[] = variants([
  { type: 'G0', first: WW, rest: WW, kind: 'plain', requires: 0 },
  { type: 'G1c', first: WR, rest: WW | WR, kind: 'plain', requires: 0 },
  // Every rw edge of list-append and rw-register is on an item (a key), never a predicate, so their
  // cycles are Elle's item-level anomalies: G-single-item, G-nonadjacent-item, G2-item (elle.txn).
  { type: 'G-single-item', first: RW, rest: WW | WR, kind: 'plain', requires: 0 },
  { type: 'G-nonadjacent-item', first: RW, rest: WW | WR | RW, kind: 'nonadjacent', requires: 0 },
  { type: 'G2-item', first: RW, rest: WW | WR | RW, kind: 'g2item', requires: 0 },
]);

export const CYCLE_TYPES: ReadonlySet<string> = new Set(CYCLE_SPECS.map((s) => s.type));

/** Graphs that must be acyclic for a model to hold (Elle's cycle-exists-specs, minus the SI extensions). */
export const CYCLE_EXISTS_SPECS: readonly {
  model: string;
  friendly: string;
  mask: number;
  subgraph: string[];
}[] = [
  { model: 'PL-1', friendly: 'read-uncommitted', mask: WW, subgraph: ['ww'] },
  { model: 'PL-2', friendly: 'read-committed', mask: WW | WR, subgraph: ['ww', 'wr'] },
  { model: 'PL-3', friendly: 'serializable', mask: WW | WR | RW, subgraph: ['ww', 'wr', 'rw'] },
  {
    model: 'strong-session-PL-1',
    friendly: 'strong-session-read-uncommitted',
    mask: WW | PROCESS,
    subgraph: ['ww', 'process'],
  },
  {
    model: 'strong-session-PL-2',
    friendly: 'strong-session-read-committed',
    mask: WW | WR | PROCESS,
    subgraph: ['ww', 'wr', 'process'],
  },
  {
    model: 'strong-session-serializable',
    friendly: 'strong-session-serializable',
    mask: WW | WR | RW | PROCESS,
    subgraph: ['ww', 'wr', 'rw', 'process'],
  },
  {
    model: 'strong-PL-1',
    friendly: 'strong-read-uncommitted',
    mask: WW | PROCESS | REALTIME,
    subgraph: ['ww', 'realtime'],
  },
  {
    model: 'strong-PL-2',
    friendly: 'strong-read-committed',
    mask: WW | WR | PROCESS | REALTIME,
    subgraph: ['ww', 'wr', 'realtime'],
  },
  {
    model: 'PL-SS',
    friendly: 'strict-serializable',
    mask: WW | WR | RW | PROCESS | REALTIME,
    subgraph: ['ww', 'wr', 'rw', 'realtime'],
  },
];

/** A cycle: vertices v0 … vk-1 and the relationship of each step vi → vi+1 (the last back to v0). */
export interface FoundCycle {
  readonly type: string;
  readonly vertices: number[];
  readonly rels: number[];
}

/** Elle's classification of a cycle by the relationships of its steps. */
export function classifyCycle(rels: readonly number[]): string {
  let ww = 0;
  let wr = 0;
  let rw = 0;
  let process = 0;
  let realtime = 0;
  let adjacent = false;
  for (let i = 0; i < rels.length; i++) {
    const r = rels[i];
    if (r === WW) ww++;
    else if (r === WR) wr++;
    else if (r === RW) {
      rw++;
      if (rels[(i + 1) % rels.length] === RW) adjacent = true;
    } else if (r === PROCESS) process++;
    else if (r === REALTIME) realtime++;
  }
  let data: string;
  if (rw === 1) data = 'G-single-item';
  else if (rw > 1) data = adjacent ? 'G2-item' : 'G-nonadjacent-item';
  else if (wr > 0) data = 'G1c';
  else if (ww > 0) data = 'G0';
  else throw new Error(`cannot classify a cycle with no data dependencies: ${rels.join(',')}`);
  return realtime > 0 ? `${data}-realtime` : process > 0 ? `${data}-process` : data;
}

// Path state bits.
const PREV_RW = 1; // the last edge was rw
const RW_ONE = 2; // nonadjacent: one rw seen; g2item: an adjacent rw pair seen
const RW_TWO = 4; // nonadjacent: two or more rw seen
const REQ = 8; // the required relationship has been seen
const STATES = 16;
const RELS = 64;

/** With real time in a mask, the barrier edges that carry it come too. */
export function withBarriers(mask: number): number {
  return mask & REALTIME ? mask | BARRIER : mask;
}

/** Transition table: trans[state * RELS + rel] = next state, or -1 when the step is not allowed. */
function transitions(spec: CycleSpec): { trans: Int8Array; accept: Uint8Array } {
  const trans = new Int8Array(STATES * RELS).fill(-1);
  const accept = new Uint8Array(STATES);
  for (let s = 0; s < STATES; s++) {
    for (const rel of [WW, WR, RW, PROCESS, REALTIME]) {
      if ((spec.rest & rel) === 0) continue;
      let t = s;
      if (rel === spec.requires) t |= REQ;
      if (spec.kind === 'nonadjacent') {
        if (rel === RW) {
          if (s & PREV_RW) continue;
          t |= PREV_RW;
          t = s & RW_ONE ? t | RW_TWO : t | RW_ONE;
        } else t &= ~PREV_RW;
      } else if (spec.kind === 'g2item') {
        if (rel === RW) {
          if (s & PREV_RW) t |= RW_ONE;
          t |= PREV_RW;
        } else t &= ~PREV_RW;
      }
      trans[s * RELS + rel] = t;
    }
    // Arrival back at the start vertex, whose first edge is rw for nonadjacent and g2item.
    let ok = spec.requires === 0 || (s & REQ) !== 0;
    // nonadjacent: two rw, and the closing edge is not rw (the first one is).
    if (spec.kind === 'nonadjacent') ok = ok && (s & RW_TWO) !== 0 && (s & PREV_RW) === 0;
    // g2item: an adjacent pair inside, or a closing rw next to the first rw.
    if (spec.kind === 'g2item') ok = ok && ((s & RW_ONE) !== 0 || (s & PREV_RW) !== 0);
    accept[s] = ok ? 1 : 0;
  }
  return { trans, accept };
}

function initialState(spec: CycleSpec, rel: number): number {
  let s = 0;
  if (rel === spec.requires) s |= REQ;
  if (rel === RW) {
    s |= PREV_RW;
    if (spec.kind === 'nonadjacent') s |= RW_ONE;
  }
  return s;
}

export interface SearchBudget {
  /** Wall-clock instant (Date.now()) after which the whole search stops. */
  deadlineMs: number;
  /** Time allowed per strongly connected component. */
  perSccMs: number;
}

export class SearchTimeout extends Error {}

/**
 * Searches components for cycles of a spec. Vertices at or above `nTxns`
 * are real-time barriers.
 */
export class CycleSearcher {
  private readonly local: Int32Array;
  private readonly subMember: Int32Array;
  private stampArr: Int32Array = new Int32Array(0);
  private parent: Int32Array = new Int32Array(0);
  private parentRel: Uint8Array = new Uint8Array(0);
  private queue: Int32Array = new Int32Array(0);
  private stamp = 0;
  private subId = 0;

  /** Wall-clock instant after which `find` throws SearchTimeout. */
  deadlineMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly g: Graph,
    private readonly nTxns: number,
    private readonly scratch: TarjanScratch,
  ) {
    this.local = i32(g.n);
    this.subMember = i32(g.n).fill(-1);
  }

  sub(comp: Int32Array, mask: number, member: Int32Array, compId: number): Int32Array[] {
    return sccs(this.g, withBarriers(mask), comp, member, compId, this.scratch);
  }

  /** A cycle of `spec` in component `comp` (flagged in `member` with `compId`), or undefined. */
  find(spec: CycleSpec, comp: Int32Array, member: Int32Array, compId: number): FoundCycle | undefined {
    const g = this.g;
    if (Date.now() >= this.deadlineMs) throw new SearchTimeout();
    // Any cycle of this type lies within one SCC of the subgraph of its relationships.
    const subs = this.sub(comp, spec.first | spec.rest, member, compId);
    if (subs.length === 0) return undefined;
    const { trans, accept } = transitions(spec);
    subs.sort((a, b) => a.length - b.length);
    for (const sub of subs) {
      const id = ++this.subId;
      for (let i = 0; i < sub.length; i++) {
        this.subMember[sub[i]] = id;
        this.local[sub[i]] = i;
      }
      const size = sub.length * STATES;
      if (this.stampArr.length < size) {
        this.stampArr = i32(size);
        this.parent = i32(size);
        this.parentRel = u8(size);
        this.queue = i32(size);
        this.stamp = 0;
      }
      // When the first relationship is not among the later ones (G-single-item …) and the
      // later ones alone are acyclic here, b can only get back to a if b comes before
      // a in their topological order: most first edges need no search at all.
      const topo =
        (spec.rest & spec.first) === 0 ? this.topoOrder(sub, id, withBarriers(spec.rest)) : undefined;
      for (let i = 0; i < sub.length; i++) {
        const a = sub[i];
        if (a >= this.nTxns) continue;
        for (let e = g.offsets[a]; e < g.offsets[a + 1]; e++) {
          const rel = g.rels[e];
          if ((rel & spec.first) === 0) continue;
          const b = g.targets[e];
          if (this.subMember[b] !== id) continue;
          if (topo !== undefined && topo[this.local[b]] > topo[this.local[a]]) continue;
          if (Date.now() > this.deadlineMs) throw new SearchTimeout();
          const found = this.bfs(spec, sub, id, a, b, rel, trans, accept);
          if (found) return found;
        }
      }
    }
    return undefined;
  }

  /**
   * Topological positions (by local index) of the sub-SCC's vertices under
   * the edges in `mask`, or undefined when those edges form a cycle there.
   */
  private topoOrder(sub: Int32Array, id: number, mask: number): Int32Array | undefined {
    const { offsets, targets, rels } = this.g;
    const { local, subMember } = this;
    const n = sub.length;
    const indeg = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = sub[i];
      for (let e = offsets[v]; e < offsets[v + 1]; e++) {
        if ((rels[e] & mask) !== 0 && subMember[targets[e]] === id) indeg[local[targets[e]]]++;
      }
    }
    const queue = new Int32Array(n);
    const topo = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) if (indeg[i] === 0) queue[tail++] = i;
    while (head < tail) {
      const i = queue[head];
      topo[i] = head++;
      const v = sub[i];
      for (let e = offsets[v]; e < offsets[v + 1]; e++) {
        const w = targets[e];
        if ((rels[e] & mask) === 0 || subMember[w] !== id) continue;
        if (--indeg[local[w]] === 0) queue[tail++] = local[w];
      }
    }
    return tail === n ? topo : undefined;
  }

  /**
   * Shortest completion (in txn steps) of the path a → b back to a. Txns
   * are queued in order of distance; a walk along barriers costs nothing
   * and is expanded on the spot, stopping at barriers already reached.
   */
  private bfs(
    spec: CycleSpec,
    sub: Int32Array,
    id: number,
    a: number,
    b: number,
    rel0: number,
    trans: Int8Array,
    accept: Uint8Array,
  ): FoundCycle | undefined {
    const { offsets, targets, rels } = this.g;
    const { local, subMember, stampArr, parent, parentRel, queue, nTxns } = this;
    if (++this.stamp === 0x7fffffff) {
      stampArr.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const start = local[b] * STATES + initialState(spec, rel0);
    stampArr[start] = stamp;
    parent[start] = -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const cur = queue[head++];
      const v = sub[(cur / STATES) | 0];
      const s = cur % STATES;
      for (let e = offsets[v]; e < offsets[v + 1]; e++) {
        const w = targets[e];
        if (subMember[w] !== id) continue;
        const r = rels[e];
        if (r === BARRIER) {
          if (trans[s * RELS + REALTIME] < 0) continue;
          // Walk the barrier chain from w, in state s, until a barrier already reached.
          let from = cur;
          let x = w;
          while (x >= 0) {
            const xs = local[x] * STATES + s;
            if (stampArr[xs] === stamp) break;
            stampArr[xs] = stamp;
            parent[xs] = from;
            parentRel[xs] = BARRIER;
            from = xs;
            let next = -1;
            for (let f = offsets[x]; f < offsets[x + 1]; f++) {
              const y = targets[f];
              if (subMember[y] !== id) continue;
              if (rels[f] === BARRIER) {
                next = y;
                continue;
              }
              // REALTIME: barrier → txn.
              const t = trans[s * RELS + REALTIME];
              if (y === a) {
                if (accept[t]) {
                  const c = this.path(spec, sub, a, rel0, xs, REALTIME);
                  if (c) return c;
                }
                continue;
              }
              const ys = local[y] * STATES + t;
              if (stampArr[ys] === stamp) continue;
              stampArr[ys] = stamp;
              parent[ys] = xs;
              parentRel[ys] = REALTIME;
              queue[tail++] = ys;
            }
            x = next;
          }
          continue;
        }
        const t = trans[s * RELS + r];
        if (t < 0) continue;
        if (w === a) {
          if (accept[t]) {
            const c = this.path(spec, sub, a, rel0, cur, r);
            if (c) return c;
          }
          continue;
        }
        if (w >= nTxns) continue;
        const next = local[w] * STATES + t;
        if (stampArr[next] === stamp) continue;
        stampArr[next] = stamp;
        parent[next] = cur;
        parentRel[next] = r;
        queue[tail++] = next;
      }
    }
    return undefined;
  }

  /** The cycle ending with `last` → a; undefined if it visits a txn twice (not a simple cycle). */
  private path(
    spec: CycleSpec,
    sub: Int32Array,
    a: number,
    rel0: number,
    last: number,
    lastRel: number,
  ): FoundCycle | undefined {
    const vs: number[] = [];
    const rs: number[] = [lastRel];
    let cur = last;
    while (cur !== -1) {
      const v = sub[(cur / STATES) | 0];
      if (v < this.nTxns) {
        vs.push(v);
        if (this.parent[cur] !== -1) rs.push(this.parentRel[cur]);
      }
      cur = this.parent[cur];
    }
    vs.push(a);
    rs.push(rel0);
    vs.reverse();
    rs.reverse();
    if (new Set(vs).size !== vs.length) return undefined;
    return { type: spec.type, vertices: vs, rels: rs };
  }
}

export interface CycleExistsCase {
  type: string;
  not: string;
  subgraph: string[];
  /** Txn ids of the smallest component found. */
  scc: Int32Array;
}

export interface CycleSearchResult {
  cycles: FoundCycle[];
  cycleExists: CycleExistsCase[];
  /** Components whose search ran out of budget. */
  timeouts: CycleSearchTimeout[];
}

export interface CycleSearchTimeout {
  /** Transactions in the component (all components left, when none of them was searched). */
  sccSize: number;
  searching: string;
  doesNotContain: string[];
  /** Which budget ran out: the whole check's time limit, or the one per component. */
  budget: 'time limit' | 'per-component budget';
  /** Set when the time limit ran out before these components were searched at all. */
  componentsLeft?: number;
}

function txnsOf(comp: Int32Array, nTxns: number): Int32Array {
  let k = 0;
  for (let i = 0; i < comp.length; i++) if (comp[i] < nTxns) k++;
  if (k === comp.length) return comp;
  const out = new Int32Array(k);
  k = 0;
  for (let i = 0; i < comp.length; i++) if (comp[i] < nTxns) out[k++] = comp[i];
  return out;
}

/**
 * Search every nontrivial SCC of `g` (over `mask`) for the cycle types and
 * cycle-exists cases named in `types`. Vertices from `nTxns` on are barriers.
 */
export function searchCycles(
  g: Graph,
  nTxns: number,
  mask: number,
  types: ReadonlySet<string>,
  budget: SearchBudget,
): CycleSearchResult {
  const scratch = new TarjanScratch(g.n);
  const comps = sccs(g, withBarriers(mask), undefined, undefined, undefined, scratch);
  if (comps.length === 0) return { cycles: [], cycleExists: [], timeouts: [] };
  const member = i32(g.n).fill(-1);
  const searcher = new CycleSearcher(g, nTxns, scratch);
  const specs = CYCLE_SPECS.filter((s) => types.has(s.type) && (s.rest & ~mask) === 0);
  const existsSpecs = CYCLE_EXISTS_SPECS.filter((s) => types.has(`${s.model}-cycle-exists`));
  const cycles: FoundCycle[] = [];
  const cycleExists: CycleExistsCase[] = [];
  const timeouts: CycleSearchResult['timeouts'] = [];
  comps.sort((x, y) => x.length - y.length);
  const stats = process.env.ELLE_DEBUG
    ? new Map<string, { ms: number; calls: number; found: number }>()
    : undefined;
  if (stats) {
    const sizes = comps.map((x) => x.length);
    process.stderr.write(
      `[elle] ${comps.length} SCCs, largest ${sizes[sizes.length - 1]}, median ${sizes[sizes.length >> 1]}\n`,
    );
  }
  for (let c = 0; c < comps.length; c++) {
    const comp = comps[c];
    if (Date.now() >= budget.deadlineMs) {
      timeouts.push({
        sccSize: comps.slice(c).reduce((n, x) => n + txnsOf(x, nTxns).length, 0),
        searching: '(time limit reached: components not searched)',
        doesNotContain: [],
        budget: 'time limit',
        componentsLeft: comps.length - c,
      });
      break;
    }
    for (let i = 0; i < comp.length; i++) member[comp[i]] = c;
    // Cycle existence per model: cheap, and our fallback when a search times out.
    const impossible = new Set<string>();
    for (const spec of existsSpecs) {
      if ((spec.mask & ~mask) !== 0) continue;
      if ([...impossible].some((m) => weakerThan(m, spec.model))) continue;
      const subs = searcher.sub(comp, spec.mask, member, c);
      if (subs.length === 0) continue;
      let smallest = txnsOf(subs[0], nTxns);
      for (const s of subs) {
        const t = txnsOf(s, nTxns);
        if (t.length < smallest.length) smallest = t;
      }
      cycleExists.push({
        type: `${spec.model}-cycle-exists`,
        not: spec.friendly,
        subgraph: spec.subgraph,
        scc: smallest,
      });
      impossible.add(spec.model);
    }
    const redundant = new Set<string>();
    const searched: string[] = [];
    searcher.deadlineMs = Math.min(budget.deadlineMs, Date.now() + budget.perSccMs);
    for (const spec of specs) {
      if (redundant.has(spec.type)) continue;
      searched.push(spec.type);
      let found: FoundCycle | undefined;
      const t0 = stats ? performance.now() : 0;
      try {
        found = searcher.find(spec, comp, member, c);
        if (stats) {
          const st = stats.get(spec.type) ?? { ms: 0, calls: 0, found: 0 };
          st.ms += performance.now() - t0;
          st.calls++;
          if (found) st.found++;
          stats.set(spec.type, st);
        }
      } catch (e) {
        if (!(e instanceof SearchTimeout)) throw e;
        timeouts.push({
          sccSize: txnsOf(comp, nTxns).length,
          searching: spec.type,
          doesNotContain: searched.slice(0, -1).filter((t) => !redundant.has(t)),
          budget: Date.now() >= budget.deadlineMs ? 'time limit' : 'per-component budget',
        });
        break;
      }
      if (found && classifyCycle(found.rels) === spec.type) {
        cycles.push(found);
        for (const t of allImpliedAnomalies([spec.type])) redundant.add(t);
      }
    }
  }
  if (stats)
    for (const [k, v] of stats)
      process.stderr.write(`[elle] ${k}: ${v.calls} searches, ${v.found} found, ${v.ms.toFixed(0)} ms\n`);
  return { cycles, cycleExists, timeouts };
}

/** Is model a implied by model b (a weaker or equal)? Only for cycle-exists models. */
function weakerThan(a: string, b: string): boolean {
  if (a === b) return true;
  const order: Record<string, string[]> = {
    'PL-1': [
      'PL-2',
      'PL-3',
      'strong-session-PL-1',
      'strong-session-PL-2',
      'strong-session-serializable',
      'strong-PL-1',
      'strong-PL-2',
      'PL-SS',
    ],
    'PL-2': ['PL-3', 'strong-session-PL-2', 'strong-session-serializable', 'strong-PL-2', 'PL-SS'],
    'PL-3': ['strong-session-serializable', 'PL-SS'],
    'strong-session-PL-1': [
      'strong-session-PL-2',
      'strong-PL-1',
      'strong-PL-2',
      'strong-session-serializable',
      'PL-SS',
    ],
    'strong-session-PL-2': ['strong-PL-2', 'strong-session-serializable', 'PL-SS'],
    'strong-session-serializable': ['PL-SS'],
    'strong-PL-1': ['strong-PL-2', 'PL-SS'],
    'strong-PL-2': ['PL-SS'],
  };
  return order[a]?.includes(b) ?? false;
}
