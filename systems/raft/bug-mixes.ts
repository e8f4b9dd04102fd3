import type { NemesisKind, PartitionMode } from '../../src/nemesis/nemesis.js';
import type { RunConfig } from '../../src/runner/config.js';
import type { BugName } from './node.js';

/**
 * For each bug knob, a workload and fault mix under which seeded runs find
 * the bug (documented in README.md; used by bench/raft.ts and the tests).
 * Each is a `faultline run` configuration: the flags are in `cli`.
 *
 * The correct system has defences in depth (pre-vote, leader stickiness,
 * check-quorum, the no-op barrier), which make most single bugs rare under
 * gentle faults. The mixes are aggressive on purpose: faults every few
 * hundred ms aimed at the leader (the `isolate-primary` partition, Jepsen's
 * `:primaries` target), short client timeouts so that clients of a deposed
 * leader keep asking it, and list-append where divergence leaves permanent
 * traces.
 */
export interface BugMix {
  bug: BugName;
  workload: 'register' | 'list-append' | 'rw-register';
  nemesis: NemesisKind[];
  /** Partition shapes (default: the nemesis's own mix). */
  partitionModes?: PartitionMode[];
  /** Cluster size (default: the system's five). */
  nodes?: number;
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
    partitionModes: ['isolate-primary'],
    rateOpsPerS: 50,
    concurrency: 10,
    clientTimeoutMs: 100,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: 'the leader, cut off from the majority, keeps answering reads until check-quorum deposes it, while the majority already elected a new leader and took writes; short client timeouts keep its clients reading',
  },
  {
    bug: 'lease-no-drift',
    workload: 'register',
    nemesis: ['partition', 'clock'],
    partitionModes: ['isolate-primary'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 100,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: 'a leader whose clock jumps back (a negative skew, or the reset after a positive one) still trusts its lease when the partition cuts it off',
  },
  {
    bug: 'no-truncate',
    workload: 'list-append',
    nemesis: ['partition', 'kill'],
    partitionModes: ['isolate-primary'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    why: 'cut-off and killed leaders leave uncommitted entries on followers; a follower that keeps them applies them instead of committed transactions, and its replies show lists that disagree with everyone else',
  },
  {
    bug: 'commit-prior-term',
    workload: 'list-append',
    nemesis: ['partition'],
    partitionModes: ['isolate-primary'],
    nodes: 3,
    rateOpsPerS: 2,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 10,
    nemesisDurationMs: 400,
    why: "figure 8 of the Raft paper. Back-to-back partitions each cut off the current leader: a cut-off leader appends a transaction only it holds; the next leader (no no-op with this knob) takes one only it holds at the same index before it too is cut off; the first one, elected again, replicates its old entry to a majority and commits it, and is cut off before an entry of its own term spreads; the second, whose entry is newer, wins and overwrites the committed one. A slow trickle of transactions (2/s) leaves new leaders' terms empty long enough; nodes that applied the lost transaction then answer with lists nobody else has",
  },
  {
    bug: 'no-persist-vote',
    workload: 'list-append',
    nemesis: ['kill', 'disk', 'partition'],
    partitionModes: ['isolate-primary'],
    nodes: 3,
    rateOpsPerS: 50,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 500,
    why: 'kill and power-loss faults restart nodes with term 0 and no vote: they grant votes again in terms already used, and with three nodes a restarted one is half of a majority, so two leaders win one term while the partition keeps cutting leaders off; a later leader then overwrites entries one of them committed',
  },
];

/** The run configuration of a mix (the caller adds the seed and time limit). */
export function mixConfig(
  m: BugMix,
  opts: { seed: number; timeLimitS: number; withBug?: boolean },
): Partial<RunConfig> & { seed: number } {
  return {
    system: 'raft',
    bugs: opts.withBug === false ? [] : [m.bug],
    workload: m.workload,
    nemesis: [...m.nemesis],
    ...(m.partitionModes ? { partitionModes: [...m.partitionModes] } : {}),
    ...(m.nodes !== undefined ? { nodes: m.nodes } : {}),
    seed: opts.seed,
    timeLimitS: opts.timeLimitS,
    rateOpsPerS: m.rateOpsPerS,
    concurrency: m.concurrency,
    clientTimeoutMs: m.clientTimeoutMs,
    nemesisIntervalMs: m.nemesisIntervalMs,
    nemesisDurationMs: m.nemesisDurationMs,
  };
}

/** The `faultline run` flags for a mix (seed and time limit left to the caller). */
export function mixFlags(m: BugMix): string {
  return [
    `--system raft --bug ${m.bug} --workload ${m.workload} --nemesis ${m.nemesis.join(',')}`,
    ...(m.partitionModes ? [`--partition-modes ${m.partitionModes.join(',')}`] : []),
    ...(m.nodes !== undefined ? [`--nodes ${m.nodes}`] : []),
    `--rate ${m.rateOpsPerS} --concurrency ${m.concurrency} --client-timeout ${m.clientTimeoutMs}`,
    `--nemesis-interval ${m.nemesisIntervalMs} --nemesis-duration ${m.nemesisDurationMs}`,
  ].join(' ');
}
