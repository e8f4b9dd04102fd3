import type { NemesisKind, PartitionMode } from '../../src/nemesis/nemesis.js';
import type { RunConfig } from '../../src/runner/config.js';
import type { BugName } from './node.js';

/**
 * For each bug knob, a workload and fault mix under which seeded runs find
 * the bug (documented in README.md; used by bench/paxos.ts and the tests).
 * Each is a `faultline run` configuration: the flags are in `mixFlags`.
 *
 * Knobs of the Multi-Paxos log are caught with the key-value workloads and
 * partitions aimed at the leader (`isolate-primary`); knobs of phase 1 and
 * of acceptor durability show best with the `consensus` workload, where
 * every key is a fresh single-decree instance that several nodes propose
 * to at once, so phase 1 runs thousands of times per test instead of once
 * per leader change.
 */
export interface BugMix {
  bug: BugName;
  workload: 'register' | 'list-append' | 'rw-register' | 'consensus';
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
  /** What the checker reports when it catches the knob. */
  anomaly: string;
  /** Why this mix exposes the bug. */
  why: string;
}

export const BUG_MIXES: readonly BugMix[] = [
  {
    bug: 'stale-read',
    workload: 'register',
    nemesis: ['partition'],
    partitionModes: ['isolate-primary'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 100,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    anomaly: 'not linearizable (a read returns a value overwritten before it began)',
    why: 'the leader, cut off from the majority, keeps answering reads from its own state until check-quorum deposes it, while the majority already chose a new leader and took writes; short client timeouts keep its clients reading',
  },
  {
    bug: 'read-before-recovery',
    workload: 'register',
    nemesis: ['partition', 'kill', 'pause'],
    partitionModes: ['isolate-primary'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    anomaly: 'not linearizable (a read misses an acknowledged write)',
    why: "learners hear that a slot was chosen only with the leader's next message, so when the leader is cut off (or paused, or killed) its last slots are chosen and acknowledged but not learned by the others; the next leader's phase 1 finds them in progress, and with the knob it answers the reads queued during the election from its state before re-proposing them",
  },
  {
    bug: 'ignore-accepted',
    workload: 'list-append',
    nemesis: ['partition', 'kill', 'pause'],
    partitionModes: ['isolate-primary'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    anomaly: 'lost appends: Elle cycles and incompatible orders',
    why: 'every leader change finds slots accepted (often chosen and acknowledged) that the new leader has not learned; with the knob it fills them with no-ops, so appends acknowledged to clients vanish on the nodes that learn the no-ops, while nodes that learned them earlier keep them',
  },
  {
    bug: 'reuse-ballot',
    workload: 'consensus',
    nemesis: ['partition', 'kill', 'pause'],
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 300,
    nemesisDurationMs: 1000,
    anomaly: 'agreement violated (two values decided for one key)',
    why: 'every new key is proposed to by several nodes at once, each starting from round 0: without the node id in the ballot they pick the same ballot, every acceptor promises both (a prepare of the promised ballot is answered again), and each proposer gets a majority for its own value',
  },
  {
    bug: 'no-persist-promise',
    workload: 'consensus',
    nemesis: ['partition', 'kill', 'pause'],
    partitionModes: ['bridge'],
    nodes: 3,
    rateOpsPerS: 200,
    concurrency: 10,
    clientTimeoutMs: 1000,
    nemesisIntervalMs: 20,
    nemesisDurationMs: 20,
    anomaly: 'agreement violated (two values decided for one key)',
    why: "a bridge partition of three nodes leaves two proposers that each reach only the bridge node, so every decision turns on its promises; kills every few tens of ms catch it between promising the higher ballot and receiving the lower ballot's accept: restarted, it has forgotten the promise, accepts the lower ballot (its proposer decides) and then the higher one (whose proposer, whose phase 1 never saw that value, decides too)",
  },
];

/** The run configuration of a mix (the caller adds the seed and time limit). */
export function mixConfig(
  m: BugMix,
  opts: { seed: number; timeLimitS: number; withBug?: boolean },
): Partial<RunConfig> & { seed: number } {
  return {
    system: 'paxos',
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
    `--system paxos --bug ${m.bug} --workload ${m.workload} --nemesis ${m.nemesis.join(',')}`,
    ...(m.partitionModes ? [`--partition-modes ${m.partitionModes.join(',')}`] : []),
    ...(m.nodes !== undefined ? [`--nodes ${m.nodes}`] : []),
    `--rate ${m.rateOpsPerS} --concurrency ${m.concurrency} --client-timeout ${m.clientTimeoutMs}`,
    `--nemesis-interval ${m.nemesisIntervalMs} --nemesis-duration ${m.nemesisDurationMs}`,
  ].join(' ');
}
