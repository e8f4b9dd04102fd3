import { type Generator, mix, type OpSpec, repeat } from '../../src/generator/generator.js';
import type { Body, NodeId } from '../../src/sim/types.js';
import { completeAs, completeRead, finalReads, unregisteredFallback } from '../maelstrom/common.js';
import type { SetupMessage, Workload, WorkloadOptions } from '../types.js';
import { DEFAULT_TOPOLOGY, topologyFor } from './topology.js';

/** Distinct integers 0, 1, 2, … for as long as the generator is asked (Jepsen's `(range)`). */
export function distinctInts(f: string): Generator {
  let next = 0;
  return repeat(() => ({ f, value: next++ }));
}

/**
 * Maelstrom's broadcast: after `init`, each node gets `topology` (every
 * node's neighbours, `--topology`, default grid); then `broadcast` of
 * distinct integers (`message`) → `broadcast_ok`, and `read` → `read_ok`
 * with `messages`, under faults; then one final read per worker after the
 * heal. Checked by set-full (`broadcast` is its `add`).
 */
export const broadcastWorkload: Workload = {
  name: 'broadcast',
  description:
    "Maelstrom's broadcast: gossip distinct integers over the topology given to every node; checked by set-full",
  checker: { name: 'set-full', options: {} },
  fallbackChecker: unregisteredFallback('set-full'),
  generator: () => ({
    main: mix([distinctInts('broadcast'), repeat(() => ({ f: 'read', value: null }))]),
    final: finalReads(),
  }),
  clientRequest(op: OpSpec): Body {
    if (op.f === 'broadcast') return { type: 'broadcast', message: op.value };
    if (op.f === 'read') return { type: 'read' };
    throw new Error(`broadcast workload: unknown f ${op.f}`);
  },
  completeFromReply(op, reply) {
    if (op.f === 'broadcast') return completeAs(reply, 'broadcast_ok', op.value, false, () => op.value);
    return completeRead(reply, op.value, 'messages');
  },
  isReadOnly: (op) => op.f !== 'broadcast',
  setupMessages(nodeIds: readonly NodeId[], opts: WorkloadOptions): readonly SetupMessage[] {
    const topology = topologyFor(opts.topology ?? DEFAULT_TOPOLOGY, nodeIds);
    return nodeIds.map((dest) => ({ dest, body: { type: 'topology', topology }, replyType: 'topology_ok' }));
  },
};
