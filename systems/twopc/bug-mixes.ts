import type { NemesisKind, PartitionMode } from '../../src/nemesis/nemesis.js';
import type { RunConfig } from '../../src/runner/config.js';
import type { TwoPcBug } from './index.js';

/**
 * For each bug knob of twopc, a fault mix under which seeded runs find it
 * (documented in README.md; used by bench/twopc.ts and the tests), for the
 * list-append and the bank workloads alike. Each is a `faultline run`
 * configuration; the flags are in `mixFlags`.
 *
 * The crash knobs (volatile-prepare, no-recovery) need a participant to
 * crash while it is in doubt, a window of a few network hops per
 * transaction: frequent kills (every ~300 ms), 20 ms mean latency and a
 * busier load widen it. The other two show under the default fault mix.
 */
export interface BugMix {
  bug: TwoPcBug;
  nemesis: NemesisKind[];
  partitionModes?: PartitionMode[];
  rateOpsPerS?: number;
  concurrency?: number;
  nemesisIntervalMs?: number;
  nemesisDurationMs?: number;
  latencyMeanMs?: number;
  /** Why this mix exposes the bug, and what the checkers then report. */
  why: string;
}

export const MIX_WORKLOADS = ['list-append', 'bank'] as const;
export type MixWorkload = (typeof MIX_WORKLOADS)[number];

const CRASH_IN_DOUBT = {
  nemesis: ['kill'] as NemesisKind[],
  rateOpsPerS: 100,
  concurrency: 10,
  nemesisIntervalMs: 300,
  nemesisDurationMs: 300,
  latencyMeanMs: 20,
};

export const BUG_MIXES: readonly BugMix[] = [
  {
    bug: 'presumed-commit-on-timeout',
    nemesis: ['kill', 'partition', 'pause'],
    why: 'a shard that is down, paused or cut off never votes; the coordinator commits anyway and the shard, back, acknowledges a commit it never prepared: the transaction is half applied (Elle: G-single, lost updates, internal inconsistencies; bank: reads of null balances and changed totals)',
  },
  {
    bug: 'early-lock-release',
    nemesis: ['kill', 'partition', 'pause'],
    why: 'a transaction that reads a key released at prepare sees the value before the prepared write is installed, and its own write, computed from it, overwrites that one at commit: lost updates (Elle: G-single, G2-item, incompatible orders; bank: changed totals)',
  },
  {
    bug: 'volatile-prepare',
    ...CRASH_IN_DOUBT,
    why: 'a shard killed after its yes vote and before its next fsync loses the prepare record; the commit it then receives is for a transaction it no longer knows, so it acknowledges without installing the writes (Elle: G-single, G2-item; bank: changed totals)',
  },
  {
    bug: 'no-recovery',
    ...CRASH_IN_DOUBT,
    why: 'a shard killed while in doubt comes back and drops its prepared transactions as aborted, then acknowledges their commits without their writes (Elle: G-single, G2-item; bank: changed totals)',
  },
];

/** The run configuration of a mix (the caller adds the seed and time limit). */
export function mixConfig(
  m: BugMix,
  workload: MixWorkload,
  opts: { seed: number; timeLimitS: number; withBug?: boolean },
): Partial<RunConfig> & { seed: number } {
  return {
    system: 'twopc',
    bugs: opts.withBug === false ? [] : [m.bug],
    workload,
    nemesis: [...m.nemesis],
    seed: opts.seed,
    timeLimitS: opts.timeLimitS,
    ...(m.partitionModes ? { partitionModes: [...m.partitionModes] } : {}),
    ...(m.rateOpsPerS !== undefined ? { rateOpsPerS: m.rateOpsPerS } : {}),
    ...(m.concurrency !== undefined ? { concurrency: m.concurrency } : {}),
    ...(m.nemesisIntervalMs !== undefined ? { nemesisIntervalMs: m.nemesisIntervalMs } : {}),
    ...(m.nemesisDurationMs !== undefined ? { nemesisDurationMs: m.nemesisDurationMs } : {}),
    ...(m.latencyMeanMs !== undefined ? { network: { latencyMeanMs: m.latencyMeanMs } } : {}),
  };
}

/** The `faultline run` flags for a mix (seed and time limit left to the caller). */
export function mixFlags(m: BugMix, workload: MixWorkload): string {
  return [
    `--system twopc --bug ${m.bug} --workload ${workload} --nemesis ${m.nemesis.join(',')}`,
    ...(m.partitionModes ? [`--partition-modes ${m.partitionModes.join(',')}`] : []),
    ...(m.rateOpsPerS !== undefined ? [`--rate ${m.rateOpsPerS}`] : []),
    ...(m.concurrency !== undefined ? [`--concurrency ${m.concurrency}`] : []),
    ...(m.nemesisIntervalMs !== undefined ? [`--nemesis-interval ${m.nemesisIntervalMs}`] : []),
    ...(m.nemesisDurationMs !== undefined ? [`--nemesis-duration ${m.nemesisDurationMs}`] : []),
    ...(m.latencyMeanMs !== undefined ? [`--latency ${m.latencyMeanMs}`] : []),
  ].join(' ');
}
