import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { BroadcastTopology, Workload } from '../../workloads/types.js';
import { defaultPartitionModes } from '../nemesis/nemesis.js';
import {
  ConfigError,
  checkCommonFields,
  checkPartitionModesApply,
  commonConfig,
  DEFAULT_CONFIG,
  DEFAULT_INIT_TIMEOUT_MS,
  type RunConfig,
  requireWorkload,
} from '../runner/config.js';

/** `faultline run --system maelstrom`: Maelstrom node binaries as real processes on the simulated network. */
export const MAELSTROM_SYSTEM = 'maelstrom';

/** Maelstrom's own default cluster (`--node-count`, default one node). */
export const MAELSTROM_DEFAULT_NODES = 1;

/** Maelstrom's broadcast topologies (`--topology`). */
export const TOPOLOGIES: readonly BroadcastTopology[] = ['line', 'grid', 'tree2', 'tree3', 'tree4', 'total'];

/** Faults a process cannot take from the simulator, and why. */
export const MAELSTROM_REFUSES: Readonly<Record<string, string>> = {
  clock: "a process reads its operating system's clock, which the simulator cannot skew",
  disk: 'a process writes to the real file system, which the simulator cannot make lose unsynced writes',
};

export function isMaelstromSystem(name: string | undefined): boolean {
  return name === MAELSTROM_SYSTEM;
}

/**
 * The node binary as a path to run: a name with a slash is a path (made
 * absolute), a bare name is looked up on PATH (`--bin python3`). Throws
 * ConfigError naming the binary when it is missing, not a file, or not
 * executable.
 */
export function resolveBinary(bin: string, cwd = process.cwd()): string {
  if (bin === '') throw new ConfigError('--bin: empty path');
  let path: string | undefined;
  if (bin.includes('/')) {
    path = isAbsolute(bin) ? bin : resolve(cwd, bin);
  } else {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, bin);
      try {
        if (statSync(candidate).isFile()) {
          path = candidate;
          break;
        }
      } catch {
        // not here
      }
    }
    if (path === undefined)
      throw new ConfigError(`--bin ${bin}: no such file (not a path, and not found on PATH)`);
  }
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new ConfigError(`--bin ${bin}: no such file (${path})`);
  }
  if (!isFile) throw new ConfigError(`--bin ${bin}: not a file (${path})`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new ConfigError(
      `--bin ${bin}: not executable (${path}); chmod +x it, or run it through its interpreter`,
    );
  }
  return path;
}

export interface ResolvedMaelstromRun {
  config: RunConfig;
  workload: Workload;
}

/**
 * Fill defaults and check a Maelstrom run's configuration: the binary
 * exists and is executable, the workload is known, the faults are ones the
 * simulator can inflict on a process. Throws ConfigError naming what is wrong.
 */
export function resolveMaelstromConfig(partial: Partial<RunConfig> & { seed: number }): ResolvedMaelstromRun {
  if (partial.maelstrom === undefined || partial.maelstrom.bin === undefined)
    throw new ConfigError('--system maelstrom needs --bin PATH: the node binary to run, once per node');
  const workload = requireWorkload(partial.workload ?? DEFAULT_CONFIG.workload);
  if ((partial.bugs ?? []).length > 0)
    throw new ConfigError('--system maelstrom has no bug knobs (--bug is for the bundled systems)');
  if ((partial.systemOptions ?? []).length > 0)
    throw new ConfigError(
      '--system maelstrom has no --system-option; give the binary its own with --bin-arg',
    );
  const nodes = partial.nodes ?? MAELSTROM_DEFAULT_NODES;
  const cluster = { nodes, hasPrimary: false };
  const initTimeoutMs = partial.maelstrom.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
  const cwd = resolve(partial.maelstrom.cwd ?? process.cwd());
  if (!(initTimeoutMs > 0) || !Number.isFinite(initTimeoutMs))
    throw new ConfigError(`init timeout must be a positive number of ms, got ${initTimeoutMs}`);
  const config: RunConfig = {
    ...commonConfig(partial, {
      system: MAELSTROM_SYSTEM,
      workload: workload.name,
      nodes,
      bugs: [],
      systemOptions: [],
      partitionModes: defaultPartitionModes(cluster),
    }),
    maelstrom: {
      bin: resolveBinary(partial.maelstrom.bin, cwd),
      args: [...(partial.maelstrom.args ?? [])],
      initTimeoutMs,
      cwd,
    },
  };
  checkCommonFields(config);
  const refused = config.nemesis.filter((k) => MAELSTROM_REFUSES[k] !== undefined);
  if (refused.length > 0)
    throw new ConfigError(
      `--system maelstrom cannot inject ${refused.join(', ')}: ${refused.map((k) => `${k}: ${MAELSTROM_REFUSES[k]}`).join('; ')}`,
    );
  checkPartitionModesApply(config, cluster, `${nodes} Maelstrom node(s)`);
  const topology = config.workloadOptions.topology;
  if (topology !== undefined && !TOPOLOGIES.includes(topology))
    throw new ConfigError(`unknown topology '${topology}'; choices: ${TOPOLOGIES.join(', ')}`);
  return { config, workload };
}
