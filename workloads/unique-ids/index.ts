import { type OpSpec, repeat } from '../../src/generator/generator.js';
import type { Body } from '../../src/sim/types.js';
import { completeAs, unregisteredFallback } from '../maelstrom/common.js';
import type { Workload } from '../types.js';

/**
 * Maelstrom's unique-ids: `{type: "generate"}` → `generate_ok` with an `id`
 * of any JSON type, which must be globally unique. The ok value is the id.
 */
export const uniqueIdsWorkload: Workload = {
  name: 'unique-ids',
  description: "Maelstrom's unique-ids: every generate returns an id no other generate returned",
  checker: { name: 'unique-ids', options: {} },
  fallbackChecker: unregisteredFallback('unique-ids'),
  generator: () => ({ main: repeat(() => ({ f: 'generate', value: null })) }),
  clientRequest(op: OpSpec): Body {
    if (op.f !== 'generate') throw new Error(`unique-ids workload: unknown f ${op.f}`);
    return { type: 'generate' };
  },
  completeFromReply(op, reply) {
    // An acknowledgement without an id: an id was perhaps taken, but nobody knows which.
    if (reply.type === 'generate_ok' && reply.id === undefined)
      return {
        type: 'info',
        value: op.value,
        error: { name: 'malformed-reply', text: 'generate_ok without an id' },
      };
    return completeAs(reply, 'generate_ok', op.value, false, (r) => r.id);
  },
  isReadOnly: () => false,
};
