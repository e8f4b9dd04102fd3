import type { BugKnob, SystemDefinition, SystemOption } from '../../src/sim/types.js';
import { COORDINATOR_ON_PARTICIPANT, TwoPcNode } from './node.js';

export type TwoPcBug =
  | 'presumed-commit-on-timeout'
  | 'early-lock-release'
  | 'volatile-prepare'
  | 'no-recovery';

const BUGS: readonly (BugKnob & { name: TwoPcBug })[] = [
  {
    name: 'presumed-commit-on-timeout',
    description: 'the coordinator commits when a vote is still missing at its timeout (instead of aborting)',
  },
  {
    name: 'early-lock-release',
    description: 'participants release their locks as soon as they vote yes, before the decision',
  },
  {
    name: 'volatile-prepare',
    description: 'the prepare record is not fsynced before the yes vote: a crash forgets the promise',
  },
  {
    name: 'no-recovery',
    description:
      'a restarted participant forgets its in-doubt transactions instead of asking the coordinator',
  },
];

export const COORDINATOR_PLACEMENT: SystemOption = {
  name: COORDINATOR_ON_PARTICIPANT,
  description:
    'the coordinator runs on n1, which is also a participant shard (default: n1 coordinates only, n2…nN are the shards)',
};

/**
 * A sharded transactional key-value store: keys on participant shards by
 * consistent hashing, strict two-phase locking (wait-die), two-phase commit
 * with presumed abort. Strict serializable with no bug knob on; it blocks
 * while the coordinator is away (in-doubt transactions keep their locks).
 */
export const twopc: SystemDefinition = {
  name: 'twopc',
  description:
    'sharded key-value store with two-phase commit: consistent hashing, strict 2PL (wait-die), presumed abort (blocks while the coordinator is down)',
  bugs: BUGS,
  options: [COORDINATOR_PLACEMENT],
  defaultNodeCount: 4,
  workloads: ['list-append', 'rw-register', 'bank'],
  createNode(ctx, options) {
    return new TwoPcNode(ctx, options.bugs, options.options);
  },
};
