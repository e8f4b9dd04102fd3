import type { BugName } from './node.js';

/**
 * For each bug knob, a workload and fault mix under which seeded runs find
 * the bug (documented in README.md; used by bench/raft.ts and the tests).
 * Each is a `faultline run` configuration: the flags are in `cli`.
 *
 * The correct system has defences in depth (pre-vote, leader stickiness,
 * check-quorum, the no-op barrier), which make most single bugs rare under
 * gentle faults. The mixes are aggressive on purpose: faults every few
 * hundred ms, short client timeouts so that clients of a deposed leader keep
 * asking it, and list-append where divergence leaves permanent traces.
 */
export interface BugMix {
  bug: BugName;
  workload: 'register' | 'list-append' | 'rw-register';
  nemesis: ('partition' | 'kill' | 'pause' | 'clock' | 'loss' | 'duplication' | 'disk')[];
  rateOpsPerS: number;
  concurrency: number;
  clientTimeoutMs: number;
  nemesisIntervalMs: number;
  nemesisDurationMs: number;
  /** Why this mix exposes the bug. */
  why: string;
}

export const BUG_MIXES: readonly BugMix[] = [
  {
    bug: 'stale-read',
    workload: 'register',
    nemesis: ['partition'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 100,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: 'a leader cut off from the majority keeps answering reads until check-quorum deposes it, while the majority already elected a new leader and took writes; short client timeouts keep its clients reading',
  },
  {
    bug: 'lease-no-drift',
    workload: 'register',
    nemesis: ['partition', 'clock'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 100,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: 'a leader whose clock jumps back (a negative skew, or the reset after a positive one) still trusts its lease when a partition deposes it',
  },
  {
    bug: 'no-truncate',
    workload: 'list-append',
    nemesis: ['partition', 'kill'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: 'deposed and killed leaders leave uncommitted entries on followers; a follower that keeps them applies them instead of committed transactions, and its replies show lists that disagree with everyone else',
  },
  {
    bug: 'commit-prior-term',
    workload: 'register',
    nemesis: ['partition', 'kill'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 100,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: "figure 8 of the Raft paper: a leader commits an older term's entry that a node holding a newer-term entry at that index later overwrites. The damage is visible only if a read observes the entry while no entry of the committing leader's term has reached a majority, so random schedules almost never line it up (none in seeds 1..200 of any mix tried); test/raft/raft.test.ts scripts it with partitions instead",
  },
  {
    bug: 'no-persist-vote',
    workload: 'list-append',
    nemesis: ['kill', 'disk', 'partition'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 500,
    why: 'kill and power-loss faults together often take several nodes down; they come back with term 0 and no vote, grant votes again in terms already used, and two leaders win one term; a later leader then overwrites entries one of them committed',
  },
];

/** The `faultline run` flags for a mix (seed and time limit left to the caller). */
export function mixFlags(m: BugMix): string {
  return [
    `--system raft --bug ${m.bug} --workload ${m.workload} --nemesis ${m.nemesis.join(',')}`,
    `--rate ${m.rateOpsPerS} --concurrency ${m.concurrency} --client-timeout ${m.clientTimeoutMs}`,
    `--nemesis-interval ${m.nemesisIntervalMs} --nemesis-duration ${m.nemesisDurationMs}`,
  ].join(' ');
}
