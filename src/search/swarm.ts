import { findSystem } from '../../systems/registry.js';
import { findWorkload } from '../../workloads/registry.js';
import {
  ALL_PARTITION_MODES,
  defaultPartitionModes,
  NEMESIS_KINDS,
  type NemesisKind,
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
export const SWARM_TIME_LIMIT_S = 30;

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
  return [3, 3, 3, 3, 3, 5, 5, 5, 5, 7];
}

type Range = readonly [number, number];

/**
 * A swarm draws a profile first, then every value within it: mixtures
 * rather than one wide range per dimension, so that the regions where
 * consensus bugs live get a fair share of seeds instead of a product of
 * small chances. Each profile is generic (it names no bug):
 *
 * - `hunt`: partitions aimed at the leader (Jepsen's `:primaries` target)
 *   every few hundred ms, short client timeouts so clients of a deposed
 *   leader keep asking it, a steady load, clients on every node; half the
 *   time one other fault kind beside it (Jepsen's two-fault runs, e.g.
 *   `partition,clock`). Needs a system that reports its leader.
 * - `crash`: both crash faults (a process kill and a power loss, which can
 *   tear the last write) with partitions aimed at the leader, at one of two
 *   paces: every few hundred ms (nodes restart from their disks while
 *   leadership moves), or a crash storm, 10–40 ms apart and down for
 *   10–60 ms (the crash analogue of `storm`: a restart lands between two
 *   messages of one exchange, a promise and the accept after it, a vote
 *   and the commit, which is where a write that skipped the disk is
 *   missed; a few-hundred-ms pace almost never lands there).
 * - `storm`: partitions back to back (5–15 ms apart) over a trickle of
 *   operations: leadership changes faster than the log fills.
 * - `random`: every fault kind and partition shape on or off at random
 *   (Groce et al.), any pace, any load.
 */
interface Profile {
  name: 'hunt' | 'crash' | 'storm' | 'random';
  /** Fault kinds always on (random: none). */
  kinds: readonly NemesisKind[];
  /** hunt, storm: chance of exactly one fault kind beside partition; random: chance of each kind. */
  extraKind: number;
  /** Cluster sizes of a system with more than one node (default: nodeChoices). */
  nodes?: readonly number[];
  /** Clients per node (hunt, storm), so that every node has clients; random: any concurrency. */
  clientsPerNode?: readonly number[];
  /** Chance that the partitions are aimed at the leader only (systems with a leader). */
  leaderOnly: number;
  /**
   * Fault paces, one drawn per seed: how long between faults and how long
   * each lasts (log-uniform within the ranges).
   */
  pace: readonly { intervalMs: Range; durationMs: Range }[];
  rate: readonly Range[];
  clientTimeoutMs: Range;
  /** Chance that each background network fault is on. */
  background: number;
}

const PROFILES: readonly Profile[] = [
  {
    name: 'hunt',
    kinds: ['partition'],
    extraKind: 0.5,
    clientsPerNode: [1, 2, 2, 3],
    leaderOnly: 0.85,
    pace: [{ intervalMs: [150, 500], durationMs: [400, 1500] }],
    rate: [[80, 400]],
    clientTimeoutMs: [50, 200],
    background: 0.1,
  },
  {
    name: 'crash',
    kinds: ['partition', 'kill', 'disk'],
    // A restarted node is a bigger share of a small cluster's quorum.
    nodes: [3, 3, 5],
    extraKind: 0.2,
    clientsPerNode: [1, 2, 3],
    leaderOnly: 0.85,
    pace: [
      { intervalMs: [150, 500], durationMs: [300, 1000] },
      // Crash storm: restarts within one protocol round trip or two.
      { intervalMs: [10, 40], durationMs: [10, 60] },
    ],
    rate: [[20, 200]],
    clientTimeoutMs: [100, 1500],
    background: 0.1,
  },
  {
    name: 'storm',
    kinds: ['partition'],
    // Each cut-off leader is a third of the cluster.
    nodes: [3, 3, 3, 5],
    extraKind: 0.2,
    clientsPerNode: [1, 2, 3],
    leaderOnly: 0.85,
    pace: [{ intervalMs: [5, 15], durationMs: [150, 600] }],
    rate: [[1, 5]],
    clientTimeoutMs: [200, 2000],
    background: 0.1,
  },
  {
    name: 'random',
    kinds: [],
    extraKind: 0.5,
    leaderOnly: 0.3,
    pace: [
      { intervalMs: [5, 30], durationMs: [100, 5000] },
      { intervalMs: [50, 1000], durationMs: [100, 5000] },
      { intervalMs: [1000, 5000], durationMs: [100, 5000] },
    ],
    rate: [
      [1, 5],
      [10, 100],
      [100, 500],
    ],
    clientTimeoutMs: [50, 2000],
    background: 0.35,
  },
];

/** Profile weights: systems with a leader draw all four; the others (no leader to hunt) crash and random. */
function pickProfile(rng: Rng, hasPrimary: boolean): Profile {
  const x = rng.next();
  const [hunt, crash, storm, random] = PROFILES;
  if (!hasPrimary) return x < 0.3 ? crash : random;
  return x < 0.3 ? hunt : x < 0.55 ? crash : x < 0.8 ? storm : random;
}

/**
 * The configuration of one seed: drawn values for everything `fixed` leaves
 * out. Throws ConfigError for an unknown system or a workload it does not serve.
 */
export function drawSwarmConfig(seed: number, fixed: SwarmFixed): Partial<RunConfig> & { seed: number } {
  const system = findSystem(fixed.system);
  if (!system) throw new ConfigError(`unknown system '${fixed.system}'`);
  const rng = swarmRng(seed);
  const hasPrimary = system.hasPrimary === true;
  const profile = pickProfile(rng, hasPrimary);
  const served = system.workloads.filter((w) => findWorkload(w) !== undefined);
  const workload = rng.pick(served);
  // Partition shapes the user fixed must apply to every drawn cluster: draw only sizes they fit.
  const fits = (n: number) =>
    (fixed.partitionModes ?? []).every(
      (m) => partitionModeProblem(m, { nodes: n, hasPrimary }) === undefined,
    );
  const all = nodeChoices(system.defaultNodeCount);
  const sizes = (profile.nodes && system.defaultNodeCount > 1 ? profile.nodes : all).filter(fits);
  const fallbackSizes = all.filter(fits);
  if (fixed.nodes === undefined && fallbackSizes.length === 0) {
    const m = (fixed.partitionModes ?? []).find((x) =>
      partitionModeProblem(x, { nodes: all[all.length - 1], hasPrimary }),
    );
    const problem = m ? partitionModeProblem(m, { nodes: all[all.length - 1], hasPrimary }) : undefined;
    throw new ConfigError(`partition mode ${m} cannot apply to ${system.name}: ${problem}`);
  }
  const nodes = rng.pick(sizes.length > 0 ? sizes : fallbackSizes.length > 0 ? fallbackSizes : all);
  const others = NEMESIS_KINDS.filter((k) => k !== 'partition');
  const each = others.filter(() => rng.chance(profile.extraKind));
  const oneMore = rng.chance(profile.extraKind) ? [rng.pick(others)] : [];
  const extras = profile.name === 'random' ? each : oneMore;
  const partitionOn = profile.name !== 'random' || rng.chance(0.5);
  let kinds: NemesisKind[] = [...profile.kinds, ...(partitionOn ? ['partition' as const] : []), ...extras];
  if (kinds.length === 0) kinds = [rng.pick(NEMESIS_KINDS)];
  else rng.next();
  kinds = NEMESIS_KINDS.filter((k) => kinds.includes(k));
  const leaderOnly = hasPrimary && rng.chance(profile.leaderOnly);
  const someModes = subset(rng, ALL_PARTITION_MODES);
  const modes = leaderOnly ? (['isolate-primary'] as PartitionMode[]) : someModes;
  const pace = rng.pick(profile.pace);
  const nemesisIntervalMs = logUniform(rng, pace.intervalMs[0], pace.intervalMs[1]);
  const nemesisDurationMs = logUniform(rng, pace.durationMs[0], pace.durationMs[1]);
  const load = rng.pick(profile.rate);
  const rateOpsPerS = logUniform(rng, load[0], load[1]);
  const anyConcurrency = rng.pick([2, 3, 5, 8, 10, 10, 15, 20]);
  const perNode = rng.pick(profile.clientsPerNode ?? [1]);
  const clientTimeoutMs = logUniform(rng, profile.clientTimeoutMs[0], profile.clientTimeoutMs[1]);
  const lossProbability = sometimes(rng, 1 - profile.background, 0.001, 0.05);
  const duplicateProbability = sometimes(rng, 1 - profile.background, 0.01, 0.2);
  const reorderProbability = sometimes(rng, 1 - profile.background, 0.01, 0.3);
  const fallbackMode = rng.next();
  // Drawn last, so that adding it reshuffled nothing else.
  const opsPerKey = Math.round(logUniform(rng, 30, 150));

  const config: Partial<RunConfig> & { seed: number } = {
    system: system.name,
    workload: fixed.workload ?? workload,
    nemesis: fixed.nemesis ? [...fixed.nemesis] : kinds,
    seed,
    timeLimitS: fixed.timeLimitS ?? SWARM_TIME_LIMIT_S,
    rateOpsPerS: fixed.rateOpsPerS ?? rateOpsPerS,
    concurrency:
      fixed.concurrency ?? (profile.clientsPerNode ? perNode * (fixed.nodes ?? nodes) : anyConcurrency),
    nodes: fixed.nodes ?? nodes,
    bugs: [...(fixed.bugs ?? [])],
    systemOptions: [...(fixed.systemOptions ?? [])],
    clientTimeoutMs: fixed.clientTimeoutMs ?? clientTimeoutMs,
    nemesisIntervalMs: fixed.nemesisIntervalMs ?? nemesisIntervalMs,
    nemesisDurationMs: fixed.nemesisDurationMs ?? nemesisDurationMs,
  };
  if (fixed.recoveryMs !== undefined) config.recoveryMs = fixed.recoveryMs;
  if (fixed.modules !== undefined) config.modules = { ...fixed.modules };
  // Linearizability is checked key by key, and a long key with many clients and crashed (info) operations is
  // a search no budget finishes: keys of linearizable workloads stay short (Jepsen's independent keys do too).
  const linearizable = findWorkload(config.workload as string)?.checker.name === 'linearizable';
  if (fixed.workloadOptions !== undefined) config.workloadOptions = { ...fixed.workloadOptions };
  else if (linearizable) config.workloadOptions = { opsPerKey };
  const cluster = { nodes: config.nodes as number, hasPrimary: system.hasPrimary === true };
  if (fixed.partitionModes) {
    config.partitionModes = [...fixed.partitionModes];
  } else if (config.nemesis?.includes('partition')) {
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
  'fault interval (5 ms – 5 s) and duration (10 ms – 5 s), crash storms included',
  'rate (1 – 500 ops/s)',
  'concurrency (2 – 20 clients)',
  'client timeout (50 ms – 2 s)',
  'background loss, duplication and reordering (each off most of the time)',
  'operations per key of the register workload (30 – 150)',
];
