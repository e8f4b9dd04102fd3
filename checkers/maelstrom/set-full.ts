import type { Op } from '../../src/history/op.js';
import { isSequential, type Value, valueKey } from '../../src/history/values.js';
import type { CheckResult } from '../types.js';
import { describeOp, isClientOp, MAX_EXAMPLES, nanosToMs, shortValue } from './history.js';

/**
 * Jepsen's `set-full` (jepsen.checker/set-full), which Maelstrom uses for
 * broadcast (`broadcast` counts as `add`) and g-set. Ops: `add` of one
 * element; `read` (final reads, `final?: true`, among them) whose ok value
 * is every element present.
 *
 * Per element, in history order (as Jepsen's reduction): an add invocation
 * starts tracking it (a second add of the same element starts over); its ok
 * completion makes it *known* (unless a read saw it first: the first read
 * completion that observed it makes it known). Every ok read completion
 * updates every tracked element: observed → `lastPresent` is the latest such
 * read's invocation; not observed → `lastAbsent` likewise. Then:
 * - stable: some read saw it, and no read invoked after the last one that saw it missed it;
 * - lost: known, and the last read that missed it was invoked after both the
 *   last read that saw it and the moment it became known;
 * - never-read: neither.
 * Stable latency: (lastAbsent's time + 1 ns, or 0) − known time, floored at 0,
 * in whole ms; stale: stable with a positive latency. Valid: false if any
 * element is lost; unknown if none is stable; else true.
 *
 * Beyond Jepsen (who computes duplicates with a test that never holds): an
 * element appearing more than once in one read is a duplicate and makes the
 * history invalid, and so does an element read that no add invoked before the
 * read completed (`unexpected`).
 */

export interface SetFullOptions {
  /** Jepsen's `:linearizable?`: stale reads are invalid too. */
  linearizable?: boolean;
}

interface ElementState {
  element: Value;
  /** The op that made it known: its add's ok completion or the first read completion that saw it. */
  known: Op | undefined;
  lastPresent: Op | undefined;
  lastAbsent: Op | undefined;
}

export type SetFullOutcome = 'stable' | 'lost' | 'never-read';

export interface SetFullElementResult {
  element: Value;
  outcome: SetFullOutcome;
  stableLatencyMs: number | undefined;
  lostLatencyMs: number | undefined;
  /** Index of the op that made it known. */
  knownIndex: number | undefined;
  /** Index of the invocation of the last read that missed it. */
  lastAbsentIndex: number | undefined;
}

const QUANTILES = [0, 0.5, 0.95, 0.99, 1] as const;

function isAdd(op: Op): boolean {
  return op.f === 'add' || op.f === 'broadcast';
}

function isRead(op: Op): boolean {
  return op.f === 'read';
}

export function checkSetFull(history: readonly Op[], opts: SetFullOptions = {}): CheckResult {
  const elements = new Map<string, ElementState>();
  const openInvoke = new Map<unknown, Op>();
  const duplicated = new Map<string, { element: Value; count: number; op: number }>();
  const unexpected = new Map<string, { element: Value; op: Op }>();
  let readCount = 0;
  for (const op of history) {
    if (!isClientOp(op)) continue;
    if (op.type === 'invoke') openInvoke.set(op.process, op);
    const inv = op.type === 'invoke' ? op : openInvoke.get(op.process);
    if (op.type !== 'invoke') openInvoke.delete(op.process);
    if (isAdd(op)) {
      const k = valueKey(op.value);
      if (op.type === 'invoke') {
        elements.set(k, {
          element: op.value as Value,
          known: undefined,
          lastPresent: undefined,
          lastAbsent: undefined,
        });
      } else if (op.type === 'ok') {
        const e = elements.get(k);
        if (e && e.known === undefined) e.known = op;
      }
      continue;
    }
    if (!isRead(op) || op.type !== 'ok' || inv === undefined) continue;
    if (!isSequential(op.value)) {
      return {
        valid: 'unknown',
        inputError: `${describeOp(op)}: a read's value must be a list of elements`,
        inputErrorIndex: op.index,
      };
    }
    readCount++;
    const seen = new Map<string, number>();
    for (const x of op.value) {
      const k = valueKey(x);
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (n > 1) {
        const d = duplicated.get(k);
        if (!d || d.count < n) duplicated.set(k, { element: x, count: n, op: op.index });
      }
      if (!elements.has(k) && !unexpected.has(k)) unexpected.set(k, { element: x, op });
    }
    for (const [k, e] of elements) {
      if (seen.has(k)) {
        e.known ??= op;
        if (e.lastPresent === undefined || e.lastPresent.index < inv.index) e.lastPresent = inv;
      } else if (e.lastAbsent === undefined || e.lastAbsent.index < inv.index) {
        e.lastAbsent = inv;
      }
    }
  }
  const results = [...elements.values()].map(elementResult);
  return summarise(results, readCount, [...duplicated.values()], [...unexpected.values()], opts);
}

export function elementResult(e: ElementState): SetFullElementResult {
  const presentIndex = e.lastPresent?.index ?? -1;
  const absentIndex = e.lastAbsent?.index ?? -1;
  const stable = e.lastPresent !== undefined && absentIndex < presentIndex;
  const lost =
    e.known !== undefined &&
    e.lastAbsent !== undefined &&
    presentIndex < absentIndex &&
    e.known.index < absentIndex;
  const knownTime = e.known?.time ?? 0;
  const stableTime = stable ? (e.lastAbsent ? e.lastAbsent.time + 1 : 0) : undefined;
  const lostTime = lost ? (e.lastPresent ? e.lastPresent.time + 1 : 0) : undefined;
  return {
    element: e.element,
    outcome: stable ? 'stable' : lost ? 'lost' : 'never-read',
    stableLatencyMs: stableTime === undefined ? undefined : nanosToMs(Math.max(0, stableTime - knownTime)),
    lostLatencyMs: lostTime === undefined ? undefined : nanosToMs(Math.max(0, lostTime - knownTime)),
    knownIndex: e.known?.index,
    lastAbsentIndex: e.lastAbsent?.index,
  };
}

/** Jepsen's frequency-distribution: the value at index min(n − 1, ⌊n·q⌋) of the sorted sample. */
export function quantiles(sample: readonly number[]): Record<string, number> | undefined {
  if (sample.length === 0) return undefined;
  const sorted = [...sample].sort((a, b) => a - b);
  const n = sorted.length;
  const out: Record<string, number> = {};
  for (const q of QUANTILES) out[String(q)] = sorted[Math.min(n - 1, Math.floor(n * q))];
  return out;
}

function compareElements(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ka = valueKey(a);
  const kb = valueKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function summarise(
  results: SetFullElementResult[],
  readCount: number,
  duplicated: { element: Value; count: number; op: number }[],
  unexpected: { element: Value; op: Op }[],
  opts: SetFullOptions,
): CheckResult {
  const by = (o: SetFullOutcome) => results.filter((r) => r.outcome === o);
  const stableRs = by('stable');
  const lostRs = by('lost');
  const neverRs = by('never-read');
  const stale = stableRs.filter((r) => (r.stableLatencyMs ?? 0) > 0);
  const worstStale = [...stale]
    .sort((a, b) => (b.stableLatencyMs ?? 0) - (a.stableLatencyMs ?? 0))
    .slice(0, 8);
  const sortEls = (rs: SetFullElementResult[]) => rs.map((r) => r.element).sort(compareElements);
  const stableLatencies = quantiles(
    results.flatMap((r) => (r.stableLatencyMs === undefined ? [] : [r.stableLatencyMs])),
  );
  const lostLatencies = quantiles(
    results.flatMap((r) => (r.lostLatencyMs === undefined ? [] : [r.lostLatencyMs])),
  );
  let valid: CheckResult['valid'];
  if (lostRs.length > 0 || duplicated.length > 0 || unexpected.length > 0) valid = false;
  else if (stableRs.length === 0) valid = 'unknown';
  else if (opts.linearizable && stale.length > 0) valid = false;
  else valid = true;
  const report: string[] = [];
  for (const r of lostRs.slice(0, MAX_EXAMPLES))
    report.push(
      `lost: element ${shortValue(r.element)} was known at op ${r.knownIndex} but the read invoked at op ${r.lastAbsentIndex} and every later one missed it`,
    );
  for (const d of duplicated.slice(0, MAX_EXAMPLES))
    report.push(
      `duplicated: element ${shortValue(d.element)} appears ${d.count} times in the read at op ${d.op}`,
    );
  for (const u of unexpected.slice(0, MAX_EXAMPLES))
    report.push(`unexpected: element ${shortValue(u.element)} read by ${describeOp(u.op)} was never added`);
  if (opts.linearizable)
    for (const r of worstStale.slice(0, MAX_EXAMPLES))
      report.push(
        `stale: element ${shortValue(r.element)} took ${r.stableLatencyMs} ms to be seen by every read`,
      );
  const summary =
    valid === 'unknown'
      ? readCount === 0
        ? 'no read completed ok: nothing to judge'
        : 'no element was stable (no read saw an added element for good): nothing to judge'
      : `${results.length} elements: ${stableRs.length} stable, ${lostRs.length} lost, ${neverRs.length} never read, ${stale.length} stale` +
        (duplicated.length > 0 ? `, ${duplicated.length} duplicated` : '') +
        (unexpected.length > 0 ? `, ${unexpected.length} unexpected` : '') +
        (stableLatencies
          ? `; stable latency ms p50 ${stableLatencies['0.5']} max ${stableLatencies['1']}`
          : '');
  return {
    valid,
    summary,
    attemptCount: results.length,
    readCount,
    stableCount: stableRs.length,
    lostCount: lostRs.length,
    lost: sortEls(lostRs),
    neverReadCount: neverRs.length,
    neverRead: sortEls(neverRs),
    staleCount: stale.length,
    stale: sortEls(stale),
    worstStale,
    ...(stableLatencies ? { stableLatencies } : {}),
    ...(lostLatencies ? { lostLatencies } : {}),
    duplicatedCount: duplicated.length,
    duplicated: duplicated.slice(0, 48),
    unexpectedCount: unexpected.length,
    unexpected: unexpected.slice(0, 48).map((u) => ({ element: u.element, op: u.op.index })),
    ...(report.length > 0 ? { report } : {}),
  };
}
