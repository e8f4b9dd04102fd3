import type { BugKnob, SystemDefinition } from '../../src/sim/types.js';
import { type BugName, RaftNode } from './node.js';

export { RaftNode, type RaftStatus } from './node.js';

const BUGS: readonly (BugKnob & { name: BugName })[] = [
  {
    name: 'no-persist-vote',
    description:
      'term and vote live only in memory: a restarted node forgets its vote and can vote twice in one term',
  },
  {
    name: 'stale-read',
    description:
      'a leader answers reads from its own state without confirming it still leads (no ReadIndex round)',
  },
  {
    name: 'commit-prior-term',
    description: "a leader commits an earlier term's entry once a majority holds it (Raft paper, figure 8)",
  },
  {
    name: 'no-truncate',
    description:
      'a follower keeps its own conflicting entries instead of truncating them, yet acknowledges the leader',
  },
  {
    name: 'lease-no-drift',
    description:
      'a leader serves reads under a lease timed on its local clock, assuming no clock drift or jumps',
  },
];

/**
 * A Raft-replicated key-value store speaking Maelstrom's lin-kv (`read`,
 * `write`, `cas`) and `txn` (list-append and rw-register micro-operations).
 * Linearizable and strict serializable with no bug knob on.
 */
export const raft: SystemDefinition = {
  name: 'raft',
  description:
    'Raft-replicated key-value store: elections, log replication, snapshots, ReadIndex reads (linearizable)',
  bugs: BUGS,
  options: [
    {
      name: 'lease',
      description:
        'leader-lease reads: no ReadIndex round while the lease runs; timed on the monotonic clock, safe while clocks drift at most 5%',
    },
  ],
  defaultNodeCount: 5,
  hasPrimary: true,
  workloads: ['register', 'list-append', 'rw-register'],
  createNode(ctx, options) {
    return new RaftNode(ctx, options.bugs, options.options);
  },
};
