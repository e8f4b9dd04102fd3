/**
 * Minimisation: reduce a non-linearizable part to a small witness that is
 * still non-linearizable, with bounded effort.
 *
 * First cut everything invoked after the failing op returned: the search got
 * stuck there, and no op that starts later can help an earlier one take
 * effect, so the cut history is still not linearizable. Then find the ops
 * that are needed one at a time, each by a binary search for the longest
 * prefix of the rest that can go (about k·log n checks for a witness of k
 * ops, where delta debugging spends several times more), and finally try
 * dropping each remaining op once more, until none can go.
 *
 * Dropping alone would often end at a lone read of a value nobody wrote in
 * the witness: true, and useless. So when the failing op's output can be
 * explained at all (it becomes linearizable once that op is freed from its
 * real-time bounds), a drop is kept only if that stays so: the witness then
 * shows the writes the read could have seen and the ops that rule them out.
 */
import type { Model } from './model.js';
import type { PreparedOp } from './prepare.js';
import { searchLinearization } from './search.js';

export interface MinimiseOptions {
  /** Absolute Date.now() deadline for the whole minimisation. */
  deadlineMs: number;
  /** At most this many re-checks. */
  maxChecks: number;
  /** Each re-check may take at most this long. */
  checkTimeLimitMs: number;
  /** Each re-check may take at most this many search steps (past it, the op stays). */
  checkMaxSteps: number;
  /** All re-checks together may take at most this many search steps. */
  maxTotalSteps: number;
}

export interface Minimised {
  ops: PreparedOp[];
  /** Re-checks done. */
  checks: number;
  /** True when no single op could be dropped any more (1-minimal). */
  minimal: boolean;
}

export function minimiseNonLinearizable<S>(
  ops: readonly PreparedOp[],
  failing: PreparedOp,
  model: Model<S>,
  opts: MinimiseOptions,
  /** The longest linearization found before `failing`, in order: where to look first. */
  hint: readonly PreparedOp[] = [],
): Minimised {
  let checks = 0;
  const cut = (xs: readonly PreparedOp[], f: PreparedOp) => xs.filter((o) => o.callPos < f.retPos);
  let steps = 0;
  const budget = () => ({
    deadlineMs: Math.min(opts.deadlineMs, Date.now() + opts.checkTimeLimitMs),
    maxSteps: Math.max(1, Math.min(opts.checkMaxSteps, opts.maxTotalSteps - steps)),
  });
  const search = (xs: readonly PreparedOp[]) => {
    checks++;
    const r = searchLinearization(xs, model, budget());
    steps += r.stats.steps;
    return r.valid;
  };
  /** xs with f free to take effect at any time: is f's output possible at all? */
  const explainable = (xs: readonly PreparedOp[], f: PreparedOp) => {
    let last = 0;
    for (const o of xs)
      last = Math.max(last, o.callPos, o.retPos === Number.POSITIVE_INFINITY ? 0 : o.retPos);
    const freed: PreparedOp = { ...f, callPos: -1, retPos: last + 1 };
    return search(xs.map((o) => (o === f ? freed : o))) === true;
  };
  let keepExplainable = false;
  /** The op that fails in xs, or undefined when xs does not qualify (or the check ran out of budget). */
  const failsAt = (xs: readonly PreparedOp[]): PreparedOp | undefined => {
    checks++;
    const r = searchLinearization(xs, model, budget());
    steps += r.stats.steps;
    if (r.valid !== false) return undefined;
    const f = xs[r.failing!];
    if (keepExplainable && !explainable(xs, f)) return undefined;
    return f;
  };
  // Cutting keeps the history non-linearizable, but may cut away the write a read came from.
  const tryCut = (xs: PreparedOp[], f: PreparedOp): PreparedOp[] => {
    const c = cut(xs, f);
    if (c.length === xs.length || (keepExplainable && !explainable(c, f))) return xs;
    return c;
  };
  const cutOps = cut(ops, failing);
  const cutExplainable = explainable(cutOps, failing);
  keepExplainable = cutExplainable || explainable(ops, failing);
  // The cut stays when it keeps the failing op explainable (or nothing can explain it).
  let current = cutExplainable || !keepExplainable ? cutOps : [...ops];
  const outOfBudget = () =>
    checks >= opts.maxChecks || steps >= opts.maxTotalSteps || Date.now() > opts.deadlineMs;
  const byCall = (a: PreparedOp, b: PreparedOp) => a.callPos - b.callPos;
  const join = (a: readonly PreparedOp[], b: readonly PreparedOp[]) => [...a, ...b].sort(byCall);

  // Phase 1: find the necessary ops one at a time. Invariant: kept ∪ rest still fails.
  // Drop the longest prefix of rest that keeps it failing (binary search); the op
  // after that prefix is necessary. About k·log(n) checks for a witness of k ops.
  // A history checked as one object whose model splits per key: by
  // P-compositionality some key alone fails, most likely the failing op's.
  if (model.partition) {
    const key = model.partition(failing.input);
    if (key !== undefined) {
      const sameKey = current.filter((o) => model.partition!(o.input) === key);
      if (sameKey.length < current.length) {
        const f = failsAt(sameKey);
        if (f !== undefined) current = tryCut(sameKey, f);
      }
    }
  }

  // Phase 0: most witnesses are the failing op, what overlaps it, and the last few
  // ops linearized before it; try those first, doubling how far back to look.
  if (hint.length > 0) {
    const overlapping = current.filter((o) => o.callPos < failing.retPos && o.retPos > failing.callPos);
    for (let back = 2; back < hint.length * 2 && !outOfBudget(); back *= 2) {
      const recent = new Set<PreparedOp>([...overlapping, ...hint.slice(-back)]);
      const candidate = current.filter((o) => recent.has(o));
      if (candidate.length >= current.length) break;
      const f = failsAt(candidate);
      if (f !== undefined) {
        current = tryCut(candidate, f);
        break;
      }
    }
  }

  const kept: PreparedOp[] = [];
  let rest = current;
  let exhausted = false;
  while (rest.length > 0) {
    let lo = 0;
    let hi = rest.length;
    while (lo < hi) {
      if (outOfBudget()) {
        exhausted = true;
        break;
      }
      const mid = (lo + hi + 1) >> 1;
      if (failsAt(join(kept, rest.slice(mid))) !== undefined) lo = mid;
      else hi = mid - 1;
    }
    if (exhausted) {
      rest = rest.slice(lo);
      break;
    }
    if (lo === rest.length) {
      rest = [];
      break;
    }
    kept.push(rest[lo]);
    rest = rest.slice(lo + 1);
  }
  current = join(kept, rest);

  // Phase 2: drop single ops until none can go (failure is not monotone in the ops).
  let minimal = false;
  while (!exhausted) {
    let removed = false;
    for (let i = 0; i < current.length; i++) {
      if (outOfBudget()) {
        exhausted = true;
        break;
      }
      const candidate = current.slice(0, i).concat(current.slice(i + 1));
      const f = failsAt(candidate);
      if (f !== undefined) {
        current = tryCut(candidate, f);
        removed = true;
        i--;
      }
    }
    if (!removed && !exhausted) minimal = true;
    if (!removed) break;
  }
  return { ops: current, checks, minimal };
}
