/**
 * Minimisation: reduce a non-linearizable part to a small witness that is
 * still non-linearizable, with bounded effort.
 *
 * First cut everything invoked after the failing op returned: the search got
 * stuck there, and no op that starts later can help an earlier one take
 * effect, so the cut history is still not linearizable. Then drop chunks of
 * operations, halving the chunk size (delta debugging), keeping each drop that
 * leaves the history non-linearizable, and cutting again after the new
 * failing op each time.
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
): Minimised {
  let checks = 0;
  const cut = (xs: readonly PreparedOp[], f: PreparedOp) => xs.filter((o) => o.callPos < f.retPos);
  const search = (xs: readonly PreparedOp[]) => {
    checks++;
    return searchLinearization(xs, model, {
      deadlineMs: Math.min(opts.deadlineMs, Date.now() + opts.checkTimeLimitMs),
    }).valid;
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
    const r = searchLinearization(xs, model, {
      deadlineMs: Math.min(opts.deadlineMs, Date.now() + opts.checkTimeLimitMs),
    });
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
  keepExplainable = explainable(cut(ops, failing), failing) || explainable(ops, failing);
  let current = tryCut([...ops], failing);
  let minimal = false;
  let chunk = Math.max(1, current.length >> 1);
  outer: for (;;) {
    let removedAny = false;
    for (let i = 0; i < current.length; ) {
      if (checks >= opts.maxChecks || Date.now() > opts.deadlineMs) break outer;
      const candidate = current.slice(0, i).concat(current.slice(i + chunk));
      const f = failsAt(candidate);
      if (f !== undefined) {
        current = tryCut(candidate, f);
        removedAny = true;
      } else {
        i += chunk;
      }
    }
    if (chunk === 1) {
      if (!removedAny) {
        minimal = true;
        break;
      }
    } else {
      chunk = Math.max(1, chunk >> 1);
    }
  }
  return { ops: current, checks, minimal };
}
