/**
 * A first try before the search: linearize the ops in one pass, never going
 * back, and answer only when that reaches the end. The order it builds is a
 * proof (every op applied by the model in turn, real time respected), so a
 * `valid` from here is as certain as the search's; when the pass gets stuck
 * it answers nothing and the search (search.ts) decides, and explains.
 *
 * Most parts of a split history need no going back at all: in the
 * generated 100k-op kv history (1,000 keys, 20 clients) 879 of 1,000 parts
 * pass, and the pass costs a quarter of what setting up a search does.
 *
 * The pass keeps a window of the ops called before the earliest return
 * among the ops not yet linearized (the candidates of Wing & Gong's search:
 * any of them may go next, and no other may). It takes the candidate that
 * returns first if the model allows it, else the next by return, the
 * unknown-outcome ops (return at +infinity) last; unknown-outcome ops never
 * taken never took effect, which Jepsen allows. A step with several
 * outcomes takes the first.
 */
import type { Model } from './model.js';
import type { PreparedOp } from './prepare.js';
import type { SearchOutcome } from './search.js';

/** Past this many candidates at once the part is contended: the search does better than guessing. */
const MAX_WINDOW = 32;

/**
 * The ops' indices in a linearization found in one pass (known ops all, and
 * the unknown-outcome ops that took effect), or undefined when the pass got
 * stuck (which says nothing: the search decides).
 */
export function greedyOrder<S>(ops: readonly PreparedOp[], model: Model<S>): number[] | undefined {
  const n = ops.length;
  // The window below relies on call order (prepare's order; a caller's list may be in another).
  for (let i = 1; i < n; i++) if (ops[i].callPos < ops[i - 1].callPos) return undefined;
  const order: number[] = [];
  const win: number[] = [];
  let state = model.init();
  let next = 0;
  let knownLeft = 0;
  for (const o of ops) if (o.known) knownLeft++;
  let minRet = Number.POSITIVE_INFINITY;
  // A pass that keeps trying candidates is in a contended part: the search's memo does better there.
  let stepsLeft = 8 * n + 64;
  while (knownLeft > 0) {
    // Admit, in call order, every op called before the earliest return left.
    while (next < n && ops[next].callPos < minRet) {
      const o = ops[next];
      if (o.retPos < minRet) minRet = o.retPos;
      win.push(next++);
    }
    if (win.length > MAX_WINDOW) return undefined;
    // The candidates by return (ties cannot happen: positions are distinct, unknown ones last in call order).
    let taken = -1;
    let after = Number.NEGATIVE_INFINITY;
    let afterCall = -1;
    for (let tries = 0; tries < win.length && taken < 0; tries++) {
      let best = -1;
      for (let k = 0; k < win.length; k++) {
        const o = ops[win[k]];
        const later = o.retPos > after || (o.retPos === after && o.callPos > afterCall);
        if (!later) continue;
        if (
          best < 0 ||
          o.retPos < ops[win[best]].retPos ||
          (o.retPos === ops[win[best]].retPos && o.callPos < ops[win[best]].callPos)
        )
          best = k;
      }
      if (best < 0) break; // the rest share a tried op's positions (a caller's list, not prepare's)
      const o = ops[win[best]];
      after = o.retPos;
      afterCall = o.callPos;
      if (--stepsLeft < 0) return undefined;
      let r: boolean | readonly S[];
      try {
        r = model.step(state, o.input, o.output);
      } catch {
        return undefined; // a model error is the search's to report
      }
      if (r === false || (r !== true && r.length === 0)) continue;
      if (r !== true) state = r[0];
      taken = best;
    }
    if (taken < 0) return undefined;
    const op = win[taken];
    order.push(op);
    win[taken] = win[win.length - 1];
    win.pop();
    if (ops[op].known) {
      knownLeft--;
      if (ops[op].retPos === minRet) {
        minRet = Number.POSITIVE_INFINITY;
        for (const k of win) if (ops[k].retPos < minRet) minRet = ops[k].retPos;
      }
    }
  }
  return order;
}

/** The search's outcome for a part the one pass linearized; undefined when it got stuck. */
export function greedyLinearization<S>(
  ops: readonly PreparedOp[],
  model: Model<S>,
): SearchOutcome<S> | undefined {
  const order = greedyOrder(ops, model);
  if (order === undefined) return undefined;
  // No table was built: a step per op taken, nothing memoised.
  return { valid: true, stats: { steps: order.length, configurations: 0, states: 0, peakBytes: 0 } };
}
