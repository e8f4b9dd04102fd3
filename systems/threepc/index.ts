import type { SystemDefinition } from '../../src/sim/types.js';
import { COORDINATOR_PLACEMENT } from '../twopc/index.js';
import { ThreePcNode } from './node.js';

/**
 * The same sharded store as twopc, committing with three-phase commit and a
 * termination protocol: it does not block when the coordinator crashes (the
 * participants finish its transactions), but under a network partition each
 * side may decide differently and atomicity is lost, the textbook trade-off
 * the checkers are expected to find. No bug knobs: partitions are its flaw.
 */
export const threepc: SystemDefinition = {
  name: 'threepc',
  description:
    'sharded key-value store with three-phase commit and a termination protocol: non-blocking under crashes, loses atomicity under partitions (expected)',
  bugs: [],
  options: [COORDINATOR_PLACEMENT],
  defaultNodeCount: 4,
  workloads: ['list-append', 'rw-register', 'bank'],
  createNode(ctx, options) {
    return new ThreePcNode(ctx, options.options);
  },
};
