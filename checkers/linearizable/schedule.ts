/**
 * Running the searches of a split history: interleaved in slices, so that a
 * part that fails quickly is found early (as if the parts ran in parallel),
 * stopping every search once one part is known not to be linearizable.
 */
import { optimiseIfDue } from '../../src/jit.js';
import { greedyLinearization } from './greedy.js';
import type { Model } from './model.js';
import type { PreparedOp } from './prepare.js';
import { LinearizationSearch, type SearchBudget, type SearchOutcome } from './search.js';

/** Steps a search runs before the next part gets its turn. */
export const SLICE_STEPS = 1 << 16;

export interface ScheduleOptions {
  /** Called once, when a part is found not linearizable. */
  onInvalid?: (part: number) => void;
}

/**
 * How far an in-process check has come, for deciding whether worker threads
 * would pay. In search steps, not time: a cold process runs its first steps
 * many times slower than its later ones, and what decides is how much
 * search is left, not how fast the JIT has got.
 */
export interface Progress {
  /** Since the check started. */
  elapsedMs: number;
  /** Operations and search steps of the parts finished so far. */
  finishedOps: number;
  finishedSteps: number;
  /** Steps taken so far by the parts being searched, unfinished. */
  activeSteps: number;
  /** Operations in the parts not started yet. */
  waitingOps: number;
}

/** A part's search stopped between slices by `runInterleavedWhile`, to be finished elsewhere or resumed. */
export interface Unfinished<S> {
  index: number;
  search: LinearizationSearch<S>;
}

/**
 * Check the parts in-process while `keepGoing(progress)` says so (asked
 * between slices): the outcome of every part finished by then (undefined for
 * the others, and for those still running after a part failed), and the
 * searches left half-way, which can be resumed (`search.run`).
 */
export function runInterleavedWhile<S>(
  parts: readonly (readonly PreparedOp[])[],
  model: Model<S>,
  budget: SearchBudget,
  keepGoing: (progress: Progress) => boolean,
): { outcomes: (SearchOutcome<S> | undefined)[]; unfinished: Unfinished<S>[] } {
  return interleave(parts, model, budget, {}, keepGoing);
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
  return interleave(parts, model, budget, opts, undefined).outcomes.map(orCancelled);
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
  keepGoing: ((progress: Progress) => boolean) | undefined,
): { outcomes: (SearchOutcome<S> | undefined)[]; unfinished: Unfinished<S>[] } {
  const outcomes: (SearchOutcome<S> | undefined)[] = new Array(parts.length);
  // Small parts first: most finish in one slice, which keeps few searches alive at once.
  const order = parts.map((_, i) => i).sort((a, b) => parts[a].length - parts[b].length);
  const active: Unfinished<S>[] = [];
  const limit = budget.memoryLimitBytes ?? Number.POSITIVE_INFINITY;
  let nextToStart = 0;
  let failed = false;
  const maxActive = 64;
  const t0 = Date.now();
  let finishedOps = 0;
  let finishedSteps = 0;
  let waitingOps = 0;
  for (const p of parts) waitingOps += p.length;
  const stop = (): boolean => {
    if (keepGoing === undefined) return false;
    let activeSteps = 0;
    for (const a of active) activeSteps += a.search.stepsTaken;
    return !keepGoing({ elapsedMs: Date.now() - t0, finishedOps, finishedSteps, activeSteps, waitingOps });
  };
  let stopped = stop();
  while (!stopped && !failed && (nextToStart < order.length || active.length > 0)) {
    while (active.length < maxActive && nextToStart < order.length) {
      const index = order[nextToStart++];
      waitingOps -= parts[index].length;
      // Most parts linearize in one pass (greedy.ts), for less than a search costs to set up.
      const quick = greedyLinearization(parts[index], model);
      if (quick !== undefined) {
        outcomes[index] = quick;
        finishedOps += parts[index].length;
        finishedSteps += quick.stats.steps;
        optimiseIfDue();
        continue;
      }
      active.push({ index, search: new LinearizationSearch(parts[index], model, budget) });
    }
    let bytes = 0;
    for (let k = 0; k < active.length && !failed; ) {
      const { index, search } = active[k];
      if (search.run(SLICE_STEPS)) {
        const outcome = search.outcome();
        outcomes[index] = outcome;
        finishedOps += parts[index].length;
        finishedSteps += outcome.stats.steps;
        // Many parts make a long check too, though each search is short.
        optimiseIfDue();
        active.splice(k, 1);
        if (outcome.valid === false) {
          failed = true;
          opts.onInvalid?.(index);
        }
      } else {
        bytes += search.bytesHeld;
        k++;
      }
      if (stop()) {
        stopped = true;
        break;
      }
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
  return { outcomes: Array.from(outcomes), unfinished: failed ? [] : active.slice() };
}
