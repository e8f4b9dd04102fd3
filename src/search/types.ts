import type { RunConfig } from '../runner/config.js';
import type { SeedResult } from './seed-run.js';
import type { SwarmFixed } from './swarm.js';

/** When a search stops: at the first failure (the default, as fast-check), after N, or never. */
export type StopRule = { kind: 'first' } | { kind: 'collect'; count: number } | { kind: 'all' };

/** `--shard k/n`: this process runs the k-th of n interleaved slices of the seed range (k from 1). */
export interface Shard {
  index: number;
  count: number;
}

/** What a search was asked to do (saved in summary.json, and what `--merge` checks shards agree on). */
export interface SearchRequest {
  /** What the user set; the rest is drawn per seed. */
  fixed: SwarmFixed;
  seeds: { from: number; to: number };
  shard: Shard | null;
  stop: StopRule;
  workers: number;
}

/** A failure a search found: the seed, its anomaly, its configuration and how to replay it. */
export interface SearchFailure {
  seed: number;
  anomaly: string;
  anomalies: string[];
  checkSummary?: string;
  config: RunConfig;
  historySha256: string;
  opCount: number;
  /** `faultline run` with every value of the configuration: the same history byte for byte. */
  replay: string;
  /** The seed re-run as an ordinary run directory (with --store). */
  runDir?: string;
  shrunk?: ShrunkSummary;
  /** The regression file written by --save. */
  saved?: string;
}

export interface ShrunkSummary {
  /** The shrunk scenario (a regression file). */
  file?: string;
  runDir?: string;
  anomaly: string;
  opsBefore: number;
  opsAfter: number;
  faultsBefore: number;
  faultsAfter: number;
  clientsBefore: number;
  clientsAfter: number;
  nodesBefore: number;
  nodesAfter: number;
  timeBeforeS: number;
  timeAfterS: number;
  historySha256: string;
  runs: number;
  wallSeconds: number;
  replay?: string;
}

export interface SearchSummary {
  kind: 'faultline-search';
  faultlineVersion: string;
  startedAt: string;
  dir?: string;
  request: SearchRequest;
  counts: { seeds: number; valid: number; invalid: number; unknown: number; notRun: number };
  wallSeconds: number;
  seedsPerSecond: number;
  /** Every seed run, in seed order. */
  seeds: SeedSummary[];
  failures: SearchFailure[];
  unknown: { seed: number; reason: string; replay: string }[];
  /** Why the search ended early, if it did. */
  stoppedBecause?: string;
  /** Files a merged summary was made of. */
  merged?: string[];
}

export type SeedSummary = Pick<SeedResult, 'seed' | 'valid' | 'opCount' | 'wallMs'> & {
  anomaly?: string;
};
