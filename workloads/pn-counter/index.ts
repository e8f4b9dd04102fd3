import { mix, type OpSpec, repeat } from '../../src/generator/generator.js';
import type { Rng } from '../../src/sim/random.js';
import type { Body } from '../../src/sim/types.js';
import { completeAs, finalReads, unregisteredFallback } from '../maelstrom/common.js';
import type { Completion, Workload } from '../types.js';

/**
 * Maelstrom's counters: `add` with an integer `delta` → `add_ok`; `read` →
 * `read_ok` with the counter's `value`; one final read per worker after the
 * heal. `delta` draws the delta (Maelstrom: (rand-int 10) − 5; g-counter
 * keeps the non-negative ones).
 */
export function counterWorkload(name: string, description: string, delta: (rng: Rng) => number): Workload {
  return {
    name,
    description,
    checker: { name: 'counter', options: {} },
    fallbackChecker: unregisteredFallback('counter'),
    generator: () => ({
      main: mix([
        repeat((ctx) => ({ f: 'add', value: delta(ctx.rng) })),
        repeat(() => ({ f: 'read', value: null })),
      ]),
      final: finalReads(),
    }),
    clientRequest(op: OpSpec): Body {
      if (op.f === 'add') return { type: 'add', delta: op.value };
      if (op.f === 'read') return { type: 'read' };
      throw new Error(`${name} workload: unknown f ${op.f}`);
    },
    completeFromReply(op, reply): Completion {
      if (op.f === 'add') return completeAs(reply, 'add_ok', op.value, false, () => op.value);
      if (reply.type === 'read_ok' && !Number.isSafeInteger(reply.value))
        return {
          type: 'fail',
          value: op.value,
          error: { name: 'malformed-reply', text: 'read_ok without an integer value' },
        };
      return completeAs(reply, 'read_ok', op.value, true, (r) => r.value);
    },
    isReadOnly: (op) => op.f !== 'add',
  };
}

/** Maelstrom's pn-counter: deltas in −5 … 4. */
export const pnCounterWorkload = counterWorkload(
  'pn-counter',
  "Maelstrom's pn-counter: add positive and negative deltas, read the sum; every read a reachable sum (counter)",
  (rng) => rng.int(10) - 5,
);
