import { isFinalOp, type Op } from '../../src/history/op.js';
import type { CheckResult } from '../types.js';
import { describeOp, isClientOp, MAX_EXAMPLES } from './history.js';

/**
 * Maelstrom's counter checker (g-counter, pn-counter: maelstrom.workload.
 * pn-counter), made exact where it is cheap. Ops: `add` of an integer
 * delta; `read` whose ok value is the counter; final reads (a `read`
 * with Jepsen's `final?: true`, on its invocation or its completion) after
 * the heal.
 *
 * A final read must be (the sum of every ok add completed before the read
 * began) + (the sum of some subset of the adds that may have taken effect by
 * the time it returned: ok adds concurrent with it, and indefinite ones
 * invoked before it returned). Maelstrom checks final reads only, against
 * its definite sum plus any subset of the indefinite adds (its range set
 * is exactly those sums). Reads during the run may be stale on an
 * eventually consistent counter, so each must only be the sum of some
 * subset of the adds not known to have failed and invoked before it
 * returned.
 *
 * The reachable sums are kept exactly, as sorted disjoint intervals (each
 * add unions the set with itself shifted by the delta). Past the budget
 * (`maxIntervals` intervals at once, or `maxSteps` interval steps in all)
 * a read is judged against the range [lower, upper] instead: outside it is
 * a violation, inside it is undecided and the verdict `unknown`.
 */

export interface CounterOptions {
  /** Intervals a reachable set may hold before the read falls back to its range. */
  maxIntervals?: number;
  /** Interval steps in all before every remaining read falls back to its range. */
  maxSteps?: number;
}

const DEFAULT_MAX_INTERVALS = 10_000;
const DEFAULT_MAX_STEPS = 20_000_000;

interface Add {
  invoke: Op;
  /** Completion, if any (none: an invocation that never completed, as `info`). */
  complete: Op | undefined;
  delta: number;
}

interface Read {
  invoke: Op;
  complete: Op;
  value: number;
  final: boolean;
}

export interface CounterError {
  op: number;
  process: Op['process'];
  value: number;
  final: boolean;
  /** The reachable values, as [lo, hi] intervals (cut to the first few), when known exactly. */
  acceptable?: [number, number][];
  /** The range [lower, upper] when the exact set was out of budget. */
  range?: [number, number];
}

/** Sorted, disjoint, non-adjacent integer intervals: the set of reachable sums. */
class SumSet {
  lo: number[] = [0];
  hi: number[] = [0];
  /** Lower and upper bounds, kept even once the exact set is given up. */
  min = 0;
  max = 0;
  exact = true;

  constructor(
    private readonly budget: { steps: number },
    private readonly maxIntervals: number,
    base = 0,
  ) {
    this.lo = [base];
    this.hi = [base];
    this.min = base;
    this.max = base;
  }

  /** Either the delta applies or not: S ∪ (S + d). */
  addOptional(d: number): void {
    if (d < 0) this.min += d;
    else this.max += d;
    if (!this.exact || d === 0) return;
    const n = this.lo.length;
    this.budget.steps -= 2 * n;
    if (this.budget.steps < 0) {
      this.giveUp();
      return;
    }
    const lo: number[] = [];
    const hi: number[] = [];
    let i = 0;
    let j = 0;
    const push = (l: number, h: number) => {
      const last = lo.length - 1;
      if (last >= 0 && l <= hi[last] + 1) {
        if (h > hi[last]) hi[last] = h;
      } else {
        lo.push(l);
        hi.push(h);
      }
    };
    while (i < n || j < n) {
      if (j >= n || (i < n && this.lo[i] <= this.lo[j] + d)) {
        push(this.lo[i], this.hi[i]);
        i++;
      } else {
        push(this.lo[j] + d, this.hi[j] + d);
        j++;
      }
    }
    if (lo.length > this.maxIntervals) {
      this.giveUp();
      return;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** The delta certainly applies. */
  addDefinite(d: number): void {
    this.min += d;
    this.max += d;
    if (!this.exact) return;
    for (let i = 0; i < this.lo.length; i++) {
      this.lo[i] += d;
      this.hi[i] += d;
    }
  }

  private giveUp(): void {
    this.exact = false;
    this.lo = [];
    this.hi = [];
  }

  /** true / false when decided; undefined when in range but the exact set was given up. */
  contains(v: number): boolean | undefined {
    if (v < this.min || v > this.max) return false;
    if (!this.exact) return undefined;
    let a = 0;
    let b = this.lo.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      if (v < this.lo[m]) b = m - 1;
      else if (v > this.hi[m]) a = m + 1;
      else return true;
    }
    return false;
  }

  intervals(max: number): [number, number][] {
    return this.lo.slice(0, max).map((l, i) => [l, this.hi[i]]);
  }
}

function isRead(op: Op): boolean {
  return op.f === 'read';
}

export function checkCounter(history: readonly Op[], opts: CounterOptions = {}): CheckResult {
  const maxIntervals = opts.maxIntervals ?? DEFAULT_MAX_INTERVALS;
  const budget = { steps: opts.maxSteps ?? DEFAULT_MAX_STEPS };
  const adds: Add[] = [];
  const reads: Read[] = [];
  const open = new Map<unknown, { op: Op; add?: Add }>();
  let magnitude = 0;
  for (const op of history) {
    if (!isClientOp(op)) continue;
    if (op.type === 'invoke') {
      if (op.f === 'add') {
        if (typeof op.value !== 'number' || !Number.isSafeInteger(op.value))
          return inputError(op, "an add's value must be an integer delta within ±(2^53 − 1)");
        // Sums stay exact only while every one of them is a safe integer: past 2^53 − 1, refuse, never round.
        magnitude += Math.abs(op.value);
        if (magnitude > Number.MAX_SAFE_INTEGER)
          return inputError(
            op,
            `the adds' deltas sum past 2^53 − 1 in magnitude (${Number.MAX_SAFE_INTEGER}), beyond which this checker's sums would be rounded`,
          );
        const add: Add = { invoke: op, complete: undefined, delta: op.value };
        adds.push(add);
        open.set(op.process, { op, add });
      } else open.set(op.process, { op });
      continue;
    }
    const inv = open.get(op.process);
    open.delete(op.process);
    if (!inv) continue;
    if (inv.add) inv.add.complete = op;
    else if (isRead(op) && op.type === 'ok') {
      if (typeof op.value !== 'number' || !Number.isSafeInteger(op.value))
        return inputError(op, "a read's value must be an integer within ±(2^53 − 1)");
      reads.push({
        invoke: inv.op,
        complete: op,
        value: op.value,
        final: isFinalOp(op) || isFinalOp(inv.op),
      });
    }
  }
  const possible = adds.filter((a) => a.complete?.type !== 'fail');
  const errors: CounterError[] = [];
  let undecided = 0;
  let lastFinalAcceptable: [number, number][] | undefined;

  // Reads during the run: any subset of the adds invoked before the read returned, swept in history order.
  const during = new SumSet(budget, maxIntervals);
  const byInvoke = [...possible].sort((a, b) => a.invoke.index - b.invoke.index);
  let next = 0;
  for (const r of reads.filter((x) => !x.final).sort((a, b) => a.complete.index - b.complete.index)) {
    while (next < byInvoke.length && byInvoke[next].invoke.index < r.complete.index)
      during.addOptional(byInvoke[next++].delta);
    judge(r, during);
  }

  // Final reads: definite and optional adds of their own; equal sets are computed once.
  const memo = new Map<string, SumSet>();
  for (const r of reads.filter((x) => x.final)) {
    let definite = 0;
    const optional: Add[] = [];
    for (const a of possible) {
      if (a.complete?.type === 'ok' && a.complete.index < r.invoke.index) definite += a.delta;
      else if (a.invoke.index < r.complete.index) optional.push(a);
    }
    const key = `${definite}|${optional.map((a) => a.invoke.index).join(',')}`;
    let set = memo.get(key);
    if (!set) {
      set = new SumSet(budget, maxIntervals, definite);
      for (const a of optional) set.addOptional(a.delta);
      memo.set(key, set);
    }
    judge(r, set);
    if (set.exact) lastFinalAcceptable = set.intervals(32);
  }

  function judge(r: Read, set: SumSet): void {
    const ok = set.contains(r.value);
    if (ok === true) return;
    if (ok === undefined) {
      undecided++;
      return;
    }
    errors.push({
      op: r.complete.index,
      process: r.complete.process,
      value: r.value,
      final: r.final,
      ...(set.exact ? { acceptable: set.intervals(8) } : { range: [set.min, set.max] as [number, number] }),
    });
  }

  errors.sort((a, b) => a.op - b.op);
  const finalReads = reads.filter((r) => r.final).length;
  const base = {
    readCount: reads.length,
    finalReadCount: finalReads,
    addCount: adds.length,
    indefiniteAddCount: adds.filter((a) => a.complete === undefined || a.complete.type === 'info').length,
    errorCount: errors.length,
    undecidedCount: undecided,
    ...(lastFinalAcceptable ? { acceptable: lastFinalAcceptable } : {}),
    errors: errors.slice(0, 32),
  };
  const report = errors.slice(0, MAX_EXAMPLES).map((e) => {
    const op = history.find((o) => o.index === e.op);
    const where = op ? describeOp(op) : `op ${e.op}`;
    const allowed = e.acceptable
      ? e.acceptable.map(([l, h]) => (l === h ? `${l}` : `${l}..${h}`)).join(', ')
      : `${e.range![0]}..${e.range![1]}`;
    return `${e.final ? 'final read' : 'read'} ${where} saw ${e.value}, not reachable: ${allowed}`;
  });
  if (errors.length > 0)
    return {
      valid: false,
      summary: `${errors.length} of ${reads.length} reads saw a value no set of adds sums to`,
      ...base,
      report,
    };
  if (undecided > 0)
    return {
      valid: 'unknown',
      summary: `${undecided} reads were in range but the exact sums were out of budget`,
      ...base,
    };
  if (reads.length === 0)
    return { valid: 'unknown', summary: 'no read completed ok: nothing to judge', ...base };
  return {
    valid: true,
    summary: `${reads.length} reads (${finalReads} final), each a reachable sum of the adds`,
    ...base,
  };
}

function inputError(op: Op, what: string): CheckResult {
  return { valid: 'unknown', inputError: `${describeOp(op)}: ${what}`, inputErrorIndex: op.index };
}
