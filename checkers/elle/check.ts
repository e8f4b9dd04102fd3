/**
 * The common half of an Elle check: given a workload's inferred data
 * dependencies and non-cyclic anomalies, add process and real-time orders,
 * search for cycles, explain every anomaly, and judge the history against
 * the requested consistency models, answering in Elle's vocabulary.
 */
import type { Op } from '../../src/history/op.js';
import type { CheckOptions, CheckResult } from '../types.js';
import { type AnomalyCase, pushCase, UnanalysableHistory, type WorkloadAnalysis } from './analysis.js';
import { withArena } from './arena.js';
import { CYCLE_TYPES, type FoundCycle, searchCycles } from './cycles.js';
import { BARRIER, buildGraph, EdgeList, PROCESS, REALTIME, REL_NAMES, RW, WR, WW } from './graph.js';
import {
  allAnomaliesImplying,
  anomaliesProhibitedBy,
  BEYOND_ELLE_ANOMALIES,
  boundary,
  impossibleModels,
  UNKNOWN_ANOMALY_TYPES,
  unknownModels,
} from './models.js';
import { errorLine, reportLines, writeAnomalyTexts } from './report.js';
import { writeCycleSvgs } from './svg.js';
import { FAIL, formatTxn, indexTxns, MalformedTxnError, OK, type Txns, txnInfo } from './txns.js';

/** Options of the Elle checkers: the common CheckOptions plus Elle's own. */
export interface ElleOptions extends CheckOptions {
  /** Specific anomalies to fail on, beyond those the models proscribe (Elle's `:anomalies`). */
  anomalies?: string[];
  /** Budget per strongly connected component for the cycle search (Elle's default: 1000 ms). */
  cycleSearchTimeoutMs?: number;
  /** At most this many SVG files per anomaly type (default 20). */
  maxSvgsPerType?: number;
  /** rw-register: assume writes follow reads within a txn to infer versions (Elle's `:wfr-keys?`). */
  wfrKeys?: boolean;
  /** rw-register: assume each key is sequentially consistent; infer versions from process order. */
  sequentialKeys?: boolean;
  /** rw-register: assume each key is linearizable; infer versions from real-time order. */
  linearizableKeys?: boolean;
}

/** Elle's result map, keys spelled as Elle spells them. */
export interface ElleResult extends CheckResult {
  'anomaly-types'?: string[];
  anomalies?: Record<string, AnomalyCase[]>;
  not?: string[];
  'also-not'?: string[];
  summary?: string;
  /** A plain-word line per anomaly case, most serious first (at most 100 per type); only when not valid. */
  report?: string[];
  /** Anomaly types found that Elle does not report (faultline is stricter there on purpose). */
  'beyond-elle'?: string[];
}

export class UnknownModelError extends RangeError {}

const PROCESS_TYPES = [...CYCLE_TYPES].filter((t) => t.endsWith('-process'));
const REALTIME_TYPES = [...CYCLE_TYPES].filter((t) => t.endsWith('-realtime'));

/** Anomaly types that fail the check, for these options (Elle's prohibited-anomaly-types). */
export function prohibitedAnomalyTypes(opts: ElleOptions): Set<string> {
  const models = opts.consistencyModels ?? ['strict-serializable'];
  const unknown = unknownModels(models);
  if (unknown.length > 0) {
    throw new UnknownModelError(
      `unknown consistency model${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known models: read-uncommitted, read-committed, monotonic-atomic-view, cursor-stability, repeatable-read, consistent-view, update-serializable, snapshot-isolation, serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, strong-session-serializable, strict-serializable (and Elle's other names)`,
    );
  }
  // Elle's prohibited-anomaly-types: what the models forbid, and whatever implies a requested anomaly.
  const out = anomaliesProhibitedBy(models);
  if (opts.anomalies) for (const a of allAnomaliesImplying(opts.anomalies)) out.add(a);
  return out;
}

export type Analyzer = (txns: Txns, opts: ElleOptions, deadlineMs: number) => WorkloadAnalysis;

/** Run a full Elle check of `history` with a workload analyzer. */
export function runElle(
  history: readonly Op[],
  opts: ElleOptions,
  mopNames: readonly string[],
  analyze: Analyzer,
): ElleResult {
  // About 400 bytes per transaction (two ops) covers indexes, edges, the graph and its search.
  const arenaBytes = history.length * 200 + (1 << 20);
  if (opts.memoryLimitBytes !== undefined && arenaBytes > opts.memoryLimitBytes) {
    prohibitedAnomalyTypes(opts); // still refuse unknown model names
    const error = {
      type: 'memory-limit',
      message: `checking ${history.length} operations needs about ${Math.ceil(arenaBytes / 2 ** 20)} MiB of indexes, over the ${Math.floor(opts.memoryLimitBytes / 2 ** 20)} MiB limit`,
    };
    return {
      valid: 'unknown',
      error,
      summary: 'memory limit too small for this history',
      report: [errorLine(error)],
    };
  }
  return withArena(arenaBytes, () => runElleInArena(history, opts, mopNames, analyze));
}

function runElleInArena(
  history: readonly Op[],
  opts: ElleOptions,
  mopNames: readonly string[],
  analyze: Analyzer,
): ElleResult {
  const startMs = Date.now();
  const debug = process.env.ELLE_DEBUG
    ? (what: string) => process.stderr.write(`[elle ${Date.now() - startMs}ms] ${what}\n`)
    : () => {};
  const deadlineMs = opts.timeLimitMs !== undefined ? startMs + opts.timeLimitMs : Number.POSITIVE_INFINITY;
  const prohibited = prohibitedAnomalyTypes(opts);
  const reportable = new Set([...prohibited, ...UNKNOWN_ANOMALY_TYPES]);

  let txns: Txns;
  let analysis: WorkloadAnalysis;
  try {
    txns = indexTxns(history, mopNames);
    debug('indexed');
    analysis = analyze(txns, opts, deadlineMs);
    debug('analysed');
  } catch (e) {
    if (e instanceof MalformedTxnError) {
      const error = { type: 'unexpected-txn-micro-op-types', message: e.message };
      return {
        valid: 'unknown',
        error,
        inputError: e.message,
        inputErrorIndex: e.opIndex,
        report: [errorLine(error)],
      };
    }
    if (e instanceof UnanalysableHistory) {
      return {
        valid: 'unknown',
        error: { type: e.type, message: e.message, ...e.details },
        report: [errorLine(e)],
      };
    }
    throw e;
  }
  const anomalies = analysis.anomalies;

  const useProcess = PROCESS_TYPES.some((t) => reportable.has(t));
  const useRealtime = REALTIME_TYPES.some((t) => reportable.has(t));
  const edges = new EdgeList();
  const processEdges = useProcess ? addProcessEdges(txns, edges) : 0;
  const order = useRealtime ? addRealtimeEdges(txns, edges) : { barriers: 0, realtimeEdges: 0 };
  const barriers = order.barriers;
  // Elle: a graph without a single dependency (data, or the process / real-time order checked) means
  // nothing could be inferred, almost certainly a mistake: unknown, never valid.
  if (analysis.edges.size === 0 && processEdges === 0 && order.realtimeEdges === 0) {
    pushCase(anomalies, 'empty-transaction-graph', {
      explanation:
        txns.n === 0
          ? 'the history holds no transactions, so there is nothing to check'
          : `no dependency between any two of the ${txns.n} transactions could be inferred, so nothing was checked`,
    });
  }
  debug('orders');
  const graph = buildGraph(txns.n + barriers, [analysis.edges, edges]);
  debug(`graph: ${analysis.edges.size} data edges, ${edges.size} order edges`);
  const mask = WW | WR | RW | (useProcess ? PROCESS : 0) | (useRealtime ? REALTIME : 0);

  const searchTypes = new Set(
    [...reportable].filter((t) => CYCLE_TYPES.has(t) || t.endsWith('-cycle-exists')),
  );
  const perSccMs = opts.cycleSearchTimeoutMs ?? 1000;
  const search = searchCycles(graph, txns.n, mask, searchTypes, { deadlineMs, perSccMs });
  debug('cycles');

  for (const c of search.cycles) pushCase(anomalies, c.type, explainCycle(txns, analysis, c));
  for (const c of search.cycleExists) {
    const scc = Array.from(c.scc, (id) => txnInfo(txns, id).index).sort((a, b) => a - b);
    pushCase(anomalies, c.type, {
      not: c.not,
      subgraph: c.subgraph,
      'scc-size': scc.length,
      scc,
      explanation: `a cycle of ${c.subgraph.join(' / ')} dependencies exists among the ${scc.length} transactions at operations ${scc.slice(0, 20).join(', ')}${scc.length > 20 ? ', …' : ''}, so the history is not ${c.not}; the search for a specific cycle did not name it`,
    });
  }
  for (const to of search.timeouts) {
    pushCase(anomalies, 'cycle-search-timeout', {
      'anomaly-spec-type': to.searching,
      'does-not-contain': to.doesNotContain,
      'scc-size': to.sccSize,
      explanation:
        to.componentsLeft !== undefined
          ? `the time limit ran out before the cycle search reached ${to.componentsLeft} strongly connected component${to.componentsLeft === 1 ? '' : 's'} of ${to.sccSize} transactions in all; anomalies there may be missing`
          : `the ${to.budget} ran out while searching a strongly connected component of ${to.sccSize} transactions for ${to.searching} cycles${to.doesNotContain.length > 0 ? ` (it holds no ${orList(to.doesNotContain)} cycle)` : ''}; anomalies there may be missing`,
    });
  }

  const result = resultMap(prohibited, reportable, anomalies);
  if (result.anomalies) {
    // Plain words only for a verdict that is not valid: a passing check builds none.
    result.report = reportLines(result.anomalies);
    if (opts.outDir) {
      writeCycleSvgs(opts.outDir, txns, analysis, search.cycles, opts.maxSvgsPerType ?? 20);
      writeAnomalyTexts(opts.outDir, txns, result.anomalies);
    }
  }
  return result;
}

/** Elle's result-map, plus a one-line summary. */
function resultMap(
  prohibited: Set<string>,
  reportable: Set<string>,
  all: Map<string, AnomalyCase[]>,
): ElleResult {
  const types = [...all.keys()];
  const reportableTypes = types.filter((t) => reportable.has(t));
  // Drop cycle-exists cases made redundant by a specific anomaly.
  const specific = types.filter((t) => !t.endsWith('-cycle-exists'));
  const ruledOut = impossibleModels(specific);
  const kept = reportableTypes.filter((t) => {
    if (!t.endsWith('-cycle-exists')) return true;
    return !ruledOut.has(t.slice(0, -'-cycle-exists'.length));
  });
  if (kept.length === 0) return { valid: true, summary: 'no anomalies found' };
  const bad = kept.some((t) => prohibited.has(t));
  const anomalies: Record<string, AnomalyCase[]> = {};
  const sorted = [...kept].sort();
  for (const t of sorted) anomalies[t] = all.get(t)!;
  const { not, alsoNot } = boundary(types);
  const counts = sorted.map((t) => `${t} (${anomalies[t].length})`).join(', ');
  // Where faultline is stricter than Elle on purpose, the result says so.
  const beyond = sorted.filter((t) => BEYOND_ELLE_ANOMALIES.includes(t));
  const note =
    beyond.length > 0
      ? ` (${beyond.join(', ')}: reported by faultline, not by Elle, which ignores or refuses such reads)`
      : '';
  const result: ElleResult = {
    valid: bad ? false : 'unknown',
    'anomaly-types': sorted,
    anomalies,
    not,
    'also-not': alsoNot,
    summary: bad
      ? `${counts}; not ${not.join(', ')}${note}`
      : `${sorted.includes('cycle-search-timeout') ? 'could not finish' : 'nothing to judge'}: ${counts}${note}`,
  };
  if (beyond.length > 0) result['beyond-elle'] = beyond;
  return result;
}

/** "a", "a or b", "a, b or c". */
function orList(xs: readonly string[]): string {
  return xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** Process order: each ok txn precedes the next txn its process invoked. Returns the edges added. */
function addProcessEdges(t: Txns, edges: EdgeList): number {
  const before = edges.size;
  const last = new Map<number, number>();
  for (let id = 0; id < t.n; id++) {
    const ty = t.type[id];
    if (ty === FAIL) continue;
    const p = t.process[id];
    const prev = last.get(p);
    if (prev !== undefined) edges.add(prev, id, PROCESS);
    // An info txn may take effect at any time later: it precedes nothing.
    if (ty === OK) last.set(p, id);
    else last.delete(p);
  }
  return edges.size - before;
}

/**
 * Real-time order: an ok txn precedes every txn invoked after it completed.
 * Instead of an edge per such pair (concurrency × n of them), each ok
 * completion gets a barrier vertex; barriers are chained in time order; a
 * completed txn points to its barrier, and each barrier points to the txns
 * invoked after it and before the next completion. a reaches b through the
 * barriers exactly when a completed before b began. Returns the number of
 * barrier vertices (numbered from t.n) and of
 * barrier → txn edges (each a real-time order between two txns).
 */
function addRealtimeEdges(t: Txns, edges: EdgeList): { barriers: number; realtimeEdges: number } {
  const { events, type, n } = t;
  let barriers = 0;
  let realtimeEdges = 0;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const id = ev >> 1;
    const ty = type[id];
    if (ty === FAIL) continue;
    if ((ev & 1) === 0) {
      if (barriers > 0) {
        edges.add(n + barriers - 1, id, REALTIME);
        realtimeEdges++;
      }
    } else if (ty === OK) {
      const b = n + barriers;
      if (barriers > 0) edges.add(b - 1, b, BARRIER);
      edges.add(id, b, BARRIER);
      barriers++;
    }
  }
  return { barriers, realtimeEdges };
}

/** Names T1 … Tk, an explanation per step and Elle-style prose for a cycle. */
export function explainCycle(t: Txns, analysis: WorkloadAnalysis, c: FoundCycle): AnomalyCase {
  const k = c.vertices.length;
  const name = (i: number) => `T${(i % k) + 1}`;
  const steps: Record<string, unknown>[] = [];
  const lines: string[] = [];
  for (let i = 0; i < k; i++) {
    const a = c.vertices[i];
    const b = c.vertices[(i + 1) % k];
    const rel = c.rels[i];
    const an = name(i);
    const bn = name(i + 1);
    let text: string;
    const step: Record<string, unknown> = { from: an, to: bn, type: REL_NAMES[rel] };
    if (rel === PROCESS) {
      text = `${an} and ${bn} ran on process ${t.process[a]}, and ${bn} began after ${an} completed`;
    } else if (rel === REALTIME) {
      const done = t.ops[t.completePos[a]];
      const began = t.ops[t.invokePos[b]];
      text = `${an} completed (operation ${done.index}) before ${bn} began (operation ${began.index})`;
    } else {
      const ex = analysis.explainEdge(a, b, rel, an, bn);
      if (ex) {
        step.key = ex.key;
        if ('value' in ex) step.value = ex.value;
        if ("value'" in ex) step["value'"] = ex["value'"];
        text = ex.text;
      } else {
        text = `${an} has a ${REL_NAMES[rel]} dependency on ${bn}`;
      }
    }
    step.explanation = text;
    steps.push(step);
    lines.push(
      `  - ${i === k - 1 ? 'However, ' : ''}${an} < ${bn}, because ${text}${i === k - 1 ? ': a contradiction!' : '.'}`,
    );
  }
  const lets = c.vertices.map((v, i) => `  ${name(i)} = ${formatTxn(t, v)}`);
  return {
    cycle: c.vertices.map((v, i) => ({ name: name(i), ...txnInfo(t, v) })),
    steps,
    explanation: `Let:\n${lets.join('\n')}\n\nThen:\n${lines.join('\n')}`,
  };
}
