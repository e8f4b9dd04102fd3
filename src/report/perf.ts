/**
 * Jepsen's perf checker, as series for the report's plots: latency
 * quantiles over time and throughput, by operation (f) and outcome, in
 * windows of `bucket` time units. The raw latency points are drawn from the
 * timeline's columns in the page itself (no second copy in the file).
 */
import { OUTCOME, OUTCOME_NAMES, type TimelineOps } from './timeline.js';

export const QUANTILES = [0.5, 0.95, 0.99, 1] as const;

export interface Series {
  /** e.g. `read ok`, `write fail`. */
  label: string;
  f: string;
  outcome: string;
  /** Quantile series only. */
  quantile?: number;
  /** One value per window; null where the window has none. */
  values: (number | null)[];
}

export interface PerfData {
  /** Width of a window, in time units. */
  bucket: number;
  /** Start of each window. */
  bucketStarts: number[];
  /** Latency quantiles (in time units) of the ops invoked in each window, per f and outcome. */
  quantiles: Series[];
  /** Completions per second in each window, per f and outcome (per window when the history has no times). */
  rates: Series[];
}

const NICE = [1, 2, 5];

/** A round window width giving about `target` windows over `span`. */
export function niceBucket(span: number, target = 80): number {
  if (span <= 0) return 1;
  const raw = span / target;
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const n of NICE) if (n * exp >= raw) return n * exp;
  return 10 * exp;
}

/** The q-quantile of sorted values (nearest rank, as Jepsen's perf checker takes them). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** `timeUnitNs` undefined: the history has no times (positions), so rates are counts per window. */
export function buildPerf(ops: TimelineOps, endTime: number, timeUnitNs: number | undefined): PerfData {
  const bucket = niceBucket(endTime);
  const n = Math.max(1, Math.ceil((endTime + 1) / bucket));
  const bucketStarts = Array.from({ length: n }, (_, i) => i * bucket);
  const groups = new Map<string, { f: string; outcome: string; latencies: number[][]; counts: number[] }>();
  for (let i = 0; i < ops.start.length; i++) {
    const type = ops.type[i];
    if (type === OUTCOME.pending) continue;
    const f = ops.fs[ops.f[i]];
    const outcome = OUTCOME_NAMES[type];
    const key = `${f} ${outcome}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        f,
        outcome,
        latencies: Array.from({ length: n }, () => []),
        counts: new Array<number>(n).fill(0),
      };
      groups.set(key, g);
    }
    g.latencies[Math.min(n - 1, Math.floor(ops.start[i] / bucket))].push(ops.end[i] - ops.start[i]);
    g.counts[Math.min(n - 1, Math.floor(ops.end[i] / bucket))]++;
  }
  const order = (a: string, b: string) => a.localeCompare(b);
  const keys = [...groups.keys()].sort(order);
  const quantiles: Series[] = [];
  const rates: Series[] = [];
  const perWindow = timeUnitNs === undefined ? 1 : (bucket * timeUnitNs) / 1e9;
  for (const key of keys) {
    const g = groups.get(key)!;
    const sorted = g.latencies.map((l) => l.sort((a, b) => a - b));
    for (const q of QUANTILES) {
      quantiles.push({
        label: `${key} ${q === 1 ? 'max' : `p${q * 100}`}`,
        f: g.f,
        outcome: g.outcome,
        quantile: q,
        values: sorted.map((l) => (l.length === 0 ? null : quantile(l, q))),
      });
    }
    rates.push({
      label: key,
      f: g.f,
      outcome: g.outcome,
      values: g.counts.map((c) => c / perWindow),
    });
  }
  return { bucket, bucketStarts, quantiles, rates };
}
