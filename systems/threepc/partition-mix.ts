import type { RunConfig } from '../../src/runner/config.js';

/**
 * The fault mix that shows 3PC's expected finding quickly: partitions into
 * two halves (the coordinator with one shard, the other two shards apart)
 * every ~300 ms, with 20 ms mean latency so that a partition often falls
 * between the pre-commits reaching one shard and the others. The default
 * partition nemesis finds it too, more rarely (bench/twopc.ts: about 4% of
 * bank seeds). Used by the tests and documented in README.md.
 */
export const PARTITION_MIX = {
  nemesis: ['partition'],
  partitionModes: ['random-halves'],
  rateOpsPerS: 100,
  concurrency: 10,
  nemesisIntervalMs: 300,
  nemesisDurationMs: 600,
  network: { latencyMeanMs: 20 },
} as const satisfies Partial<RunConfig>;

export const PARTITION_MIX_FLAGS =
  '--nemesis partition --partition-modes random-halves --rate 100 --concurrency 10 --nemesis-interval 300 --nemesis-duration 600 --latency 20';

export function partitionMixConfig(
  workload: 'list-append' | 'bank',
  opts: { seed: number; timeLimitS: number },
): Partial<RunConfig> & { seed: number } {
  return {
    system: 'threepc',
    workload,
    ...PARTITION_MIX,
    nemesis: [...PARTITION_MIX.nemesis],
    partitionModes: [...PARTITION_MIX.partitionModes],
    network: { ...PARTITION_MIX.network },
    seed: opts.seed,
    timeLimitS: opts.timeLimitS,
  };
}
