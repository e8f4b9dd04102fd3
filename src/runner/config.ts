import { findSystem, listSystems } from '../../systems/registry.js';
import { findWorkload, listWorkloads } from '../../workloads/registry.js';
import type { Workload, WorkloadOptions } from '../../workloads/types.js';
import {
  ALL_PARTITION_MODES,
  defaultPartitionModes,
  NEMESIS_KINDS,
  type NemesisKind,
  type PartitionMode,
  partitionModeProblem,
} from '../nemesis/nemesis.js';
import type { PluginModules } from '../plugins/load.js';
import { DEFAULT_NETWORK, type NetworkOptions, validateNetworkOptions } from '../sim/network.js';
import type { SystemDefinition } from '../sim/types.js';

/** A test description: everything that decides a simulated run. Saved as test.json; replaying it gives the same history. */
export interface RunConfig {
  system: string;
  workload: string;
  nemesis: NemesisKind[];
  seed: number;
  timeLimitS: number;
  rateOpsPerS: number;
  concurrency: number;
  nodes: number;
  bugs: string[];
  /** Optional features of the system turned on (`faultline systems` lists them). */
  systemOptions: string[];
  /** A request with no reply after this long completes as info (fail if read-only). */
  clientTimeoutMs: number;
  /** Quiet time after the heal before the final reads. */
  recoveryMs: number;
  /** Mean time between faults of one kind, and mean time a fault is held. */
  nemesisIntervalMs: number;
  nemesisDurationMs: number;
  /** Partition shapes the partition nemesis draws from. */
  partitionModes: PartitionMode[];
  network: Partial<NetworkOptions>;
  workloadOptions: WorkloadOptions;
  /** Real mode only (the system is an adapter): where nodes run. */
  runtime?: 'local' | 'docker';
  /** Real mode only: the adapter's options (`--isolation serializable`, …), every one filled in. */
  adapterOptions?: Record<string, string>;
  /** `--system maelstrom` only: the node binary (absolute path), its arguments, and how long `init` may take. */
  maelstrom?: MaelstromBinary;
  /**
   * The user's own system / workload modules (`--system ./my-system.ts`), as given: a search
   * worker, a replay or a shrink loads them before resolving the names (src/plugins/load.ts).
   */
  modules?: PluginModules;
}

/** A Maelstrom node binary as a run starts it: `bin args…`, once per node. */
export interface MaelstromBinary {
  bin: string;
  args: string[];
  /** Every node must answer `init` with `init_ok` within this long (ms) before the workload starts. */
  initTimeoutMs: number;
  /** Where the processes run (relative paths among `args` mean this directory); default the current one. */
  cwd?: string;
}

export const DEFAULT_CONFIG = {
  system: 'lww-register',
  workload: 'register',
  nemesis: ['partition'] as NemesisKind[],
  timeLimitS: 10,
  rateOpsPerS: 50,
  concurrency: 5,
  clientTimeoutMs: 1000,
  recoveryMs: 3000,
  nemesisIntervalMs: 3000,
  nemesisDurationMs: 3000,
} as const;

/** A configuration problem, in words for the user. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ResolvedRun {
  config: RunConfig;
  system: SystemDefinition;
  workload: Workload;
}

/** Fill defaults, check every field, and resolve names; throws ConfigError naming what is wrong. */
export function resolveConfig(partial: Partial<RunConfig> & { seed: number }): ResolvedRun {
  const systemName = partial.system ?? DEFAULT_CONFIG.system;
  const system = findSystem(systemName);
  if (!system)
    throw new ConfigError(
      `unknown system '${systemName}'; choices: ${listSystems()
        .map((s) => s.name)
        .join(', ')}`,
    );
  const workload = requireWorkload(partial.workload ?? DEFAULT_CONFIG.workload);
  if (!system.workloads.includes(workload.name)) {
    throw new ConfigError(
      `system ${system.name} does not serve workload ${workload.name}; it serves: ${system.workloads.join(', ')}`,
    );
  }
  const nodes = partial.nodes ?? system.defaultNodeCount;
  const cluster = { nodes, hasPrimary: system.hasPrimary === true };
  const config = commonConfig(partial, {
    system: system.name,
    workload: workload.name,
    nodes,
    bugs: [...(partial.bugs ?? [])].sort(),
    systemOptions: [...(partial.systemOptions ?? [])].sort(),
    // Left unset, the default shapes that can apply to this cluster (no ring on two nodes).
    partitionModes: defaultPartitionModes(cluster),
  });
  if (partial.modules !== undefined) config.modules = { ...partial.modules };
  requireKnown(system.name, 'option', config.systemOptions, system.options ?? []);
  requireKnown(system.name, 'bug', config.bugs, system.bugs);
  checkCommonFields(config);
  checkPartitionModesApply(config, cluster, system.name);
  return { config, system, workload };
}

/** The workload named, or a ConfigError listing the choices. */
export function requireWorkload(name: string): Workload {
  const workload = findWorkload(name);
  if (!workload)
    throw new ConfigError(
      `unknown workload '${name}'; choices: ${listWorkloads()
        .map((w) => w.name)
        .join(', ')}`,
    );
  return workload;
}

/**
 * The fields every run's configuration has, simulated, Maelstrom or real:
 * the caller's names and cluster, the rest from `partial` or the defaults
 * (in the order test.json shows them). The caller adds its own fields after.
 */
export function commonConfig(
  partial: Partial<RunConfig> & { seed: number },
  own: Pick<RunConfig, 'system' | 'workload' | 'nodes' | 'bugs' | 'systemOptions'> & {
    /** The shapes used when `partial.partitionModes` is unset. */
    partitionModes: readonly RunConfig['partitionModes'][number][];
  },
): RunConfig {
  return {
    system: own.system,
    workload: own.workload,
    nemesis: [...(partial.nemesis ?? DEFAULT_CONFIG.nemesis)],
    seed: partial.seed,
    timeLimitS: partial.timeLimitS ?? DEFAULT_CONFIG.timeLimitS,
    rateOpsPerS: partial.rateOpsPerS ?? DEFAULT_CONFIG.rateOpsPerS,
    concurrency: partial.concurrency ?? DEFAULT_CONFIG.concurrency,
    nodes: own.nodes,
    bugs: own.bugs,
    systemOptions: own.systemOptions,
    clientTimeoutMs: partial.clientTimeoutMs ?? DEFAULT_CONFIG.clientTimeoutMs,
    recoveryMs: partial.recoveryMs ?? DEFAULT_CONFIG.recoveryMs,
    nemesisIntervalMs: partial.nemesisIntervalMs ?? DEFAULT_CONFIG.nemesisIntervalMs,
    nemesisDurationMs: partial.nemesisDurationMs ?? DEFAULT_CONFIG.nemesisDurationMs,
    partitionModes: [...(partial.partitionModes ?? own.partitionModes)],
    network: { ...(partial.network ?? {}) },
    workloadOptions: { ...(partial.workloadOptions ?? {}) },
  };
}

/**
 * With partitions on, every shape must apply to the cluster (a ring on two nodes, isolate-primary
 * without a leader are refused by name); `what` names the cluster in the error.
 */
export function checkPartitionModesApply(
  config: RunConfig,
  cluster: { nodes: number; hasPrimary: boolean },
  what: string,
): void {
  if (!config.nemesis.includes('partition')) return;
  for (const m of config.partitionModes) {
    const problem = partitionModeProblem(m, cluster);
    if (problem) throw new ConfigError(`partition mode ${m} cannot apply to ${what}: ${problem}`);
  }
}

/** The checks every run's configuration passes, simulated or real (nemesis names, numbers, network). */
export function checkCommonFields(config: RunConfig): void {
  for (const k of config.nemesis) {
    if (!(NEMESIS_KINDS as readonly string[]).includes(k)) {
      throw new ConfigError(`unknown nemesis '${k}'; choices: ${[...NEMESIS_KINDS, 'all'].join(', ')}`);
    }
  }
  for (const m of config.partitionModes) {
    if (!(ALL_PARTITION_MODES as readonly string[]).includes(m))
      throw new ConfigError(`unknown partition mode '${m}'; choices: ${ALL_PARTITION_MODES.join(', ')}`);
  }
  if (config.partitionModes.length === 0) throw new ConfigError('partition modes must not be empty');
  if (!Number.isSafeInteger(config.seed))
    throw new ConfigError(`seed must be an integer, got ${config.seed}`);
  positive('time limit', config.timeLimitS);
  positive('rate', config.rateOpsPerS);
  integerIn('concurrency', config.concurrency, 1, 1000);
  integerIn('nodes', config.nodes, 1, 100);
  positive('client timeout', config.clientTimeoutMs);
  if (!(config.recoveryMs >= 0))
    throw new ConfigError(`recovery time must be >= 0, got ${config.recoveryMs}`);
  positive('nemesis interval', config.nemesisIntervalMs);
  positive('nemesis duration', config.nemesisDurationMs);
  try {
    validateNetworkOptions({ ...DEFAULT_NETWORK, ...config.network });
  } catch (err) {
    throw new ConfigError(`network: ${(err as Error).message}`);
  }
}

/** Every name must be one of the system's bugs (or options), or a ConfigError lists the choices. */
function requireKnown(
  system: string,
  what: 'bug' | 'option',
  names: readonly string[],
  known: readonly { name: string }[],
): void {
  const choices = known.map((k) => k.name);
  for (const n of names) {
    if (!choices.includes(n))
      throw new ConfigError(
        `system ${system} has no ${what} '${n}'; choices: ${choices.length > 0 ? choices.join(', ') : '(none)'}`,
      );
  }
}

function positive(what: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new ConfigError(`${what} must be a positive number, got ${v}`);
}

function integerIn(what: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new ConfigError(`${what} must be an integer in [${lo}, ${hi}], got ${v}`);
}

/** How long a Maelstrom node may take to answer `init`, by default (ms). */
export const DEFAULT_INIT_TIMEOUT_MS = 10_000;

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The test's name in the store: system (+bugs) and workload. */
export function testName(config: RunConfig): string {
  const bugs = config.bugs.length > 0 ? `+${config.bugs.join('+')}` : '';
  const options = config.systemOptions.map((o) => `.${o}`).join('');
  return `${config.system}${options}${bugs}-${config.workload}`;
}

/** The command line that replays this configuration exactly. */
export function replayCommand(config: RunConfig, storeDir?: string): string {
  const parts = [
    'npx faultline run',
    `--system ${config.modules?.system ?? config.system}`,
    `--workload ${config.modules?.workload ?? config.workload}`,
    `--nemesis ${config.nemesis.length > 0 ? config.nemesis.join(',') : 'none'}`,
    `--seed ${config.seed}`,
    `--time-limit ${config.timeLimitS}`,
    `--rate ${config.rateOpsPerS}`,
    `--concurrency ${config.concurrency}`,
    `--nodes ${config.nodes}`,
  ];
  for (const b of config.bugs) parts.push(`--bug ${b}`);
  for (const o of config.systemOptions) parts.push(`--system-option ${o}`);
  if (config.clientTimeoutMs !== DEFAULT_CONFIG.clientTimeoutMs)
    parts.push(`--client-timeout ${config.clientTimeoutMs}`);
  if (config.recoveryMs !== DEFAULT_CONFIG.recoveryMs) parts.push(`--recovery ${config.recoveryMs}`);
  if (config.nemesisIntervalMs !== DEFAULT_CONFIG.nemesisIntervalMs)
    parts.push(`--nemesis-interval ${config.nemesisIntervalMs}`);
  if (config.nemesisDurationMs !== DEFAULT_CONFIG.nemesisDurationMs)
    parts.push(`--nemesis-duration ${config.nemesisDurationMs}`);
  const cluster = { nodes: config.nodes, hasPrimary: findSystem(config.system)?.hasPrimary === true };
  if (config.partitionModes.join(',') !== defaultPartitionModes(cluster).join(','))
    parts.push(`--partition-modes ${config.partitionModes.join(',')}`);
  if (config.network.latencyMeanMs !== undefined) parts.push(`--latency ${config.network.latencyMeanMs}`);
  if (config.network.latencyDistribution !== undefined)
    parts.push(`--latency-dist ${config.network.latencyDistribution}`);
  if (config.network.lossProbability !== undefined) parts.push(`--loss ${config.network.lossProbability}`);
  if (config.network.duplicateProbability !== undefined)
    parts.push(`--duplication ${config.network.duplicateProbability}`);
  if (config.network.reorderProbability !== undefined)
    parts.push(`--reorder ${config.network.reorderProbability}`);
  if (config.runtime !== undefined) parts.push(`--runtime ${config.runtime}`);
  if (config.maelstrom !== undefined) {
    parts.push(`--bin ${shellWord(config.maelstrom.bin)}`);
    for (const a of config.maelstrom.args)
      parts.push(`--bin-arg${a.startsWith('-') ? '=' : ' '}${shellWord(a)}`);
    if (config.maelstrom.initTimeoutMs !== DEFAULT_INIT_TIMEOUT_MS)
      parts.push(`--init-timeout ${config.maelstrom.initTimeoutMs}`);
  }
  if (config.workloadOptions.topology !== undefined)
    parts.push(`--topology ${config.workloadOptions.topology}`);
  for (const [k, v] of Object.entries(config.adapterOptions ?? {})) parts.push(`--${k} ${v}`);
  if (config.workloadOptions.opsPerKey !== undefined)
    parts.push(`--ops-per-key ${config.workloadOptions.opsPerKey}`);
  if (storeDir !== undefined && storeDir !== 'store') parts.push(`--store ${storeDir}`);
  return parts.join(' ');
}
