/**
 * Running the searches of a split history: interleaved in slices, so that a
 * part that fails quickly is found early (as if the parts ran in parallel),
 * stopping every search once one part is known not to be linearizable.
 */
import type { Model } from './model.js';
import type { PreparedOp } from './prepare.js';
import { LinearizationSearch, type SearchBudget, type SearchOutcome } from './search.js';

/** Steps a search runs before the next part gets its turn. */
const SLICE_STEPS = 1 << 16;

export interface ScheduleOptions {
  /** Called once, when a part is found not linearizable. */
  onInvalid?: (part: number) => void;
}

/**
 * Check the parts in-process until `stopAtMs` (Date.now()): the outcome of
 * every part finished by then, undefined for the others (and for those still
 * running after a part failed).
 */
export function runInterleavedUntil<S>(
  parts: readonly (readonly PreparedOp[])[],
  model: Model<S>,
  budget: SearchBudget,
  stopAtMs: number,
): (SearchOutcome<S> | undefined)[] {
  return interleave(parts, model, budget, {}, stopAtMs);
}

/**
 * Check every part; returns one outcome per part. After a failure the parts
 * still running come back as `unknown` with reason `cancelled`.
 */
export function runInterleaved<S>(
  parts: readonly (readonly PreparedOp[])[],
  model: Model<S>,
  budget: SearchBudget,
  opts: ScheduleOptions = {},
): SearchOutcome<S>[] {
  return interleave(parts, model, budget, opts, Number.POSITIVE_INFINITY).map(orCancelled);
}

/** A part's outcome, or `unknown` (cancelled) for a part that never finished. */
export function orCancelled<S>(o: SearchOutcome<S> | undefined): SearchOutcome<S> {
  return (
    o ?? {
      valid: 'unknown',
      unknownReason: 'cancelled',
      stats: { steps: 0, configurations: 0, states: 0, peakBytes: 0 },
    }
  );
}

function interleave<S>(
  parts: readonly (readonly PreparedOp[])[],
  model: Model<S>,
  budget: SearchBudget,
  opts: ScheduleOptions,
  stopAtMs: number,
): (SearchOutcome<S> | undefined)[] {
  const outcomes: (SearchOutcome<S> | undefined)[] = new Array(parts.length);
  // Small parts first: most finish in one slice, which keeps few searches alive at once.
  const order = parts.map((_, i) => i).sort((a, b) => parts[a].length - parts[b].length);
  const active: { index: number; search: LinearizationSearch<S> }[] = [];
  const limit = budget.memoryLimitBytes ?? Number.POSITIVE_INFINITY;
  let nextToStart = 0;
  let failed = false;
  const maxActive = 64;
  const timed = stopAtMs !== Number.POSITIVE_INFINITY;
  while (!failed && (nextToStart < order.length || active.length > 0)) {
    if (timed && Date.now() >= stopAtMs) break;
    while (active.length < maxActive && nextToStart < order.length) {
      const index = order[nextToStart++];
      active.push({ index, search: new LinearizationSearch(parts[index], model, budget) });
    }
    let bytes = 0;
    for (let k = 0; k < active.length && !failed; ) {
      const { index, search } = active[k];
      if (search.run(SLICE_STEPS)) {
        const outcome = search.outcome();
        outcomes[index] = outcome;
        active.splice(k, 1);
        if (outcome.valid === false) {
          failed = true;
          opts.onInvalid?.(index);
        }
      } else {
        bytes += search.bytesHeld;
        k++;
      }
      if (timed && Date.now() >= stopAtMs) break;
    }
    if (!failed && bytes > limit) {
      for (const { index } of active) {
        outcomes[index] = {
          valid: 'unknown',
          unknownReason: 'memory',
          stats: { steps: 0, configurations: 0, states: 0, peakBytes: 0 },
        };
      }
      active.length = 0;
    }
  }
  return Array.from(outcomes);
}
