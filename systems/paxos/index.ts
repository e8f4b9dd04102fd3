import type { BugKnob, SystemDefinition } from '../../src/sim/types.js';
import { type BugName, PaxosNode } from './node.js';

export { PaxosNode, type PaxosStatus } from './node.js';

const BUGS: readonly (BugKnob & { name: BugName })[] = [
  {
    name: 'no-persist-promise',
    description:
      'promises live only in memory: a restarted acceptor forgets what it promised and accepts a lower ballot',
  },
  {
    name: 'ignore-accepted',
    description:
      "a new proposer proposes its own value (a no-op, or its client's) although a promise reported an accepted one",
  },
  {
    name: 'stale-read',
    description: 'a leader answers reads from its own state with no read round (no quorum asked)',
  },
  {
    name: 'reuse-ballot',
    description:
      'ballots leave out the node id: two proposers starting from the same round use the same ballot, and both win',
  },
  {
    name: 'read-before-recovery',
    description:
      'a new leader serves reads at once, before the proposals its phase 1 found in progress are chosen (CASSANDRA-12126)',
  },
];

/**
 * A replicated key-value store on a Multi-Paxos log, speaking Maelstrom's
 * lin-kv (`read`, `write`, `cas`) and `txn`, plus single-decree Paxos per
 * key for the `consensus` workload. Linearizable (and strict serializable)
 * with no bug knob on.
 */
export const paxos: SystemDefinition = {
  name: 'paxos',
  description:
    'Multi-Paxos key-value store: ballots, phase 1 on leader change only, no-op gap filling, snapshots, read rounds (linearizable); single-decree Paxos per key for consensus',
  bugs: BUGS,
  defaultNodeCount: 5,
  hasPrimary: true,
  workloads: ['register', 'list-append', 'rw-register', 'consensus'],
  createNode(ctx, options) {
    return new PaxosNode(ctx, options.bugs);
  },
};
