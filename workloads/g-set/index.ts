import { mix, type OpSpec, repeat } from '../../src/generator/generator.js';
import type { Body } from '../../src/sim/types.js';
import { distinctInts } from '../broadcast/index.js';
import { completeAs, completeRead, finalReads, unregisteredFallback } from '../maelstrom/common.js';
import type { Workload } from '../types.js';

/**
 * Maelstrom's g-set: `add` of a distinct integer (`element`) → `add_ok`;
 * `read` → `read_ok` whose `value` is every element; final reads after the
 * heal. Checked by set-full.
 */
export const gSetWorkload: Workload = {
  name: 'g-set',
  description: "Maelstrom's grow-only set: add distinct integers, read the whole set; checked by set-full",
  checker: { name: 'set-full', options: {} },
  fallbackChecker: unregisteredFallback('set-full'),
  generator: () => ({
    main: mix([distinctInts('add'), repeat(() => ({ f: 'read', value: null }))]),
    final: finalReads(),
  }),
  clientRequest(op: OpSpec): Body {
    if (op.f === 'add') return { type: 'add', element: op.value };
    if (op.f === 'read') return { type: 'read' };
    throw new Error(`g-set workload: unknown f ${op.f}`);
  },
  completeFromReply(op, reply) {
    if (op.f === 'add') return completeAs(reply, 'add_ok', op.value, false, () => op.value);
    return completeRead(reply, op.value, 'value');
  },
  isReadOnly: (op) => op.f !== 'add',
};
