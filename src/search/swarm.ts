import { findSystem } from '../../systems/registry.js';
import { findWorkload } from '../../workloads/registry.js';
import {
  ALL_PARTITION_MODES,
  defaultPartitionModes,
  NEMESIS_KINDS,
  type PartitionMode,
  partitionModeProblem,
} from '../nemesis/nemesis.js';
import { ConfigError, type RunConfig } from '../runner/config.js';
import { Rng } from '../sim/random.js';

/**
 * Swarm configurations (Groce et al., "Swarm Testing", ISSTA 2012; the
 * randomised simulation of FoundationDB): every seed of a search runs under
 * its own configuration, drawn from the seed itself — which fault kinds are
 * on, the partition shapes, how often faults come and how long they last,
 * the rate, concurrency, client timeout, cluster size, workload and
 * background loss, duplication and reordering. A configuration that leaves
 * most features off explores corners a configuration with everything on
 * never reaches. What the user set stays fixed; everything is drawn in the
 * same order whatever is fixed, so fixing one dimension never reshuffles the
 * others. The result is an ordinary run configuration: `faultline run` with
 * its flags (the replay command) gives the same history.
 */

/** What a search fixes: the flags the user gave (the system and bugs always). */
export type SwarmFixed = Partial<Omit<RunConfig, 'seed' | 'network'>> & {
  system: string;
  network?: Partial<RunConfig['network']>;
};

/** Simulated seconds per seed when the user sets none. */
export const SWARM_TIME_LIMIT_S = 20;

/** The swarm's own stream: derived from the seed, apart from every stream of the run itself. */
function swarmRng(seed: number): Rng {
  return new Rng('swarm', `faultline:${seed}:swarm`);
}

/** Log-uniform in [lo, hi], rounded to two significant digits (readable replay commands). */
function logUniform(rng: Rng, lo: number, hi: number): number {
  const x = Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  return Math.min(hi, Math.max(lo, Number(x.toPrecision(2))));
}

/** A background fault probability: off most of the time, else log-uniform in [lo, hi]. */
function sometimes(rng: Rng, off: number, lo: number, hi: number): number {
  const on = !rng.chance(off);
  const p = logUniform(rng, lo, hi);
  return on ? p : 0;
}

/** Each item on with probability 1/2; at least one (then one drawn at random). */
function subset<T>(rng: Rng, items: readonly T[]): T[] {
  const on = items.filter(() => rng.chance(0.5));
  const fallback = rng.pick(items);
  return on.length > 0 ? on : [fallback];
}

/** The cluster sizes drawn from: small clusters most often (a node is a bigger share of a quorum). */
function nodeChoices(defaultNodes: number): number[] {
  if (defaultNodes <= 1) return [1, 1, 2, 3];
  return [3, 3, 3, 3, 3, 5, 5, 5, 7, 7];
}

/**
 * Mixtures rather than one range per dimension: a pace (faults back to
 * back, every few hundred ms, or every few seconds) and a load (a trickle,
 * steady, heavy), each drawn first, then a value within it. Bugs that need
 * an extreme (figure 8 needs partitions back to back over a nearly idle
 * log) get a fair share of seeds that way.
 */
const PACES = [
  { intervalMs: [5, 30], durationMs: [100, 1000] },
  { intervalMs: [50, 1000], durationMs: [200, 2000] },
  { intervalMs: [1000, 5000], durationMs: [500, 5000] },
] as const;
const LOADS = [
  [1, 5],
  [10, 100],
  [100, 500],
] as const;

/**
 * The configuration of one seed: drawn values for everything `fixed` leaves
 * out. Throws ConfigError for an unknown system or a workload it does not serve.
 */
export function drawSwarmConfig(seed: number, fixed: SwarmFixed): Partial<RunConfig> & { seed: number } {
  const system = findSystem(fixed.system);
  if (!system) throw new ConfigError(`unknown system '${fixed.system}'`);
  const rng = swarmRng(seed);
  const served = system.workloads.filter((w) => findWorkload(w) !== undefined);
  const workload = rng.pick(served);
  const nodes = rng.pick(nodeChoices(system.defaultNodeCount));
  // Often a single fault kind, otherwise each kind on with probability 1/2.
  const single = rng.chance(0.4);
  const oneKind = rng.pick(NEMESIS_KINDS);
  const someKinds = subset(rng, NEMESIS_KINDS);
  const kinds = single ? [oneKind] : someKinds;
  // Where a leader exists, half the seeds aim every partition at it (Jepsen's :primaries target).
  const primaryOnly = system.hasPrimary === true && rng.chance(0.5);
  const someModes = subset(rng, ALL_PARTITION_MODES);
  const modes = primaryOnly ? (['isolate-primary'] as PartitionMode[]) : someModes;
  const pace = rng.pick(PACES);
  const nemesisIntervalMs = logUniform(rng, pace.intervalMs[0], pace.intervalMs[1]);
  const nemesisDurationMs = logUniform(rng, pace.durationMs[0], pace.durationMs[1]);
  const load = rng.pick(LOADS);
  const rateOpsPerS = logUniform(rng, load[0], load[1]);
  const concurrency = rng.pick([2, 3, 5, 8, 10, 10, 15, 20]);
  const clientTimeoutMs = logUniform(rng, 50, 2000);
  const lossProbability = sometimes(rng, 0.7, 0.001, 0.05);
  const duplicateProbability = sometimes(rng, 0.7, 0.01, 0.2);
  const reorderProbability = sometimes(rng, 0.6, 0.01, 0.3);
  const fallbackMode = rng.next();

  const config: Partial<RunConfig> & { seed: number } = {
    system: system.name,
    workload: fixed.workload ?? workload,
    nemesis: fixed.nemesis ? [...fixed.nemesis] : kinds,
    seed,
    timeLimitS: fixed.timeLimitS ?? SWARM_TIME_LIMIT_S,
    rateOpsPerS: fixed.rateOpsPerS ?? rateOpsPerS,
    concurrency: fixed.concurrency ?? concurrency,
    nodes: fixed.nodes ?? nodes,
    bugs: [...(fixed.bugs ?? [])],
    systemOptions: [...(fixed.systemOptions ?? [])],
    clientTimeoutMs: fixed.clientTimeoutMs ?? clientTimeoutMs,
    nemesisIntervalMs: fixed.nemesisIntervalMs ?? nemesisIntervalMs,
    nemesisDurationMs: fixed.nemesisDurationMs ?? nemesisDurationMs,
  };
  if (fixed.recoveryMs !== undefined) config.recoveryMs = fixed.recoveryMs;
  if (fixed.workloadOptions !== undefined) config.workloadOptions = { ...fixed.workloadOptions };
  const cluster = { nodes: config.nodes as number, hasPrimary: system.hasPrimary === true };
  if (fixed.partitionModes) {
    config.partitionModes = [...fixed.partitionModes];
  } else {
    // Shapes that cannot apply to the drawn cluster are left out (never refused: the user did not ask).
    const fit = modes.filter((m) => partitionModeProblem(m, cluster) === undefined);
    const defaults = defaultPartitionModes(cluster);
    config.partitionModes = fit.length > 0 ? fit : [defaults[Math.floor(fallbackMode * defaults.length)]];
  }
  const network: RunConfig['network'] = { ...(fixed.network ?? {}) };
  if (fixed.network?.lossProbability === undefined && lossProbability > 0)
    network.lossProbability = lossProbability;
  if (fixed.network?.duplicateProbability === undefined && duplicateProbability > 0)
    network.duplicateProbability = duplicateProbability;
  if (fixed.network?.reorderProbability === undefined && reorderProbability > 0)
    network.reorderProbability = reorderProbability;
  config.network = network;
  return config;
}

/** The dimensions a swarm draws, for help texts and docs. */
export const SWARM_DIMENSIONS: readonly string[] = [
  'workload (among those the system serves)',
  'cluster size',
  'fault kinds (each on with probability 1/2)',
  'partition shapes (each on with probability 1/2, isolate-primary included where it applies)',
  'fault interval (10 ms – 3 s) and duration (100 ms – 3 s)',
  'rate (2 – 300 ops/s)',
  'concurrency (2 – 20 clients)',
  'client timeout (50 ms – 2 s)',
  'background loss, duplication and reordering (each off most of the time)',
];
