import { findAdapter, listAdapters, type RegisteredAdapter } from '../../systems/adapters/registry.js';
import type { Adapter } from '../../systems/adapters/types.js';
import { findWorkload } from '../../workloads/registry.js';
import type { Workload } from '../../workloads/types.js';
import { PARTITION_MODES } from '../nemesis/nemesis.js';
import { ConfigError, checkCommonFields, commonConfig, type RunConfig } from '../runner/config.js';
import { findFaketimeLibrary } from './clock-skew.js';

export const RUNTIMES = ['local', 'docker'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** Faults no real database can take here, whatever the adapter. */
export const REAL_MODE_REFUSES: Readonly<Record<string, string>> = {
  duplication: 'TCP delivers each byte once: duplicating messages needs the simulated network',
  disk: 'losing unsynced writes or tearing the last one needs the simulated disk; a real kill (SIGKILL) keeps what the kernel has',
};

export interface ResolvedRealRun {
  config: RunConfig;
  adapter: RegisteredAdapter;
  workload: Workload;
}

/** Whether `faultline run --system NAME` means real mode. */
export function isAdapterName(name: string): boolean {
  return findAdapter(name) !== undefined;
}

/** Why this fault cannot run against this adapter in real mode, or undefined if it can. */
export function refusal(adapter: RegisteredAdapter, kind: string): string | undefined {
  const general = REAL_MODE_REFUSES[kind];
  if (general !== undefined) return general;
  const own = adapter.refuses?.[kind];
  if (own !== undefined) return own;
  if (kind === 'clock' && findFaketimeLibrary() === undefined)
    return 'clock skew needs libfaketime (Debian package faketime): apt-get install -y faketime';
  return undefined;
}

/** Fill defaults and check a real-mode configuration; throws ConfigError naming what is wrong. */
export function resolveRealConfig(
  partial: Partial<RunConfig> & { seed: number },
  /** An adapter of your own, not in the registry (then `partial.system` may be left out). */
  own?: Adapter,
): ResolvedRealRun {
  const name = own?.name ?? partial.system ?? '';
  const adapter: RegisteredAdapter | undefined = own ? { ...own, load: async () => own } : findAdapter(name);
  if (!adapter)
    throw new ConfigError(
      `unknown adapter '${name}'; adapters: ${listAdapters()
        .map((a) => a.name)
        .join(', ')}`,
    );
  const workloadName = partial.workload ?? adapter.workloads[0];
  const workload = findWorkload(workloadName);
  if (!workload || !adapter.workloads.includes(workloadName)) {
    throw new ConfigError(
      `adapter ${adapter.name} does not serve workload ${workloadName}; it serves: ${adapter.workloads.join(', ')}`,
    );
  }
  const runtime = partial.runtime ?? 'local';
  if (!(RUNTIMES as readonly string[]).includes(runtime))
    throw new ConfigError(`unknown runtime '${runtime}'; choices: ${RUNTIMES.join(', ')}`);
  const adapterOptions: Record<string, string> = {};
  for (const o of adapter.options) adapterOptions[o.name] = o.default;
  for (const [k, v] of Object.entries(partial.adapterOptions ?? {})) {
    const o = adapter.options.find((x) => x.name === k);
    if (!o) {
      throw new ConfigError(
        `adapter ${adapter.name} has no option --${k}; its options: ${adapter.options.map((x) => `--${x.name}`).join(', ') || '(none)'}`,
      );
    }
    if (o.choices && !o.choices.includes(v))
      throw new ConfigError(`--${k}: '${v}' is not one of ${o.choices.join(', ')}`);
    const problem = o.check?.(v);
    if (problem !== undefined) throw new ConfigError(`--${k}: ${problem}`);
    adapterOptions[k] = v;
  }
  if ((partial.bugs ?? []).length > 0)
    throw new ConfigError(`adapter ${adapter.name} has no bug knobs (--bug is for simulated systems)`);
  if ((partial.systemOptions ?? []).length > 0)
    throw new ConfigError(
      `adapter ${adapter.name} has no --system-option; its options are flags: ${adapter.options.map((x) => `--${x.name}`).join(', ')}`,
    );
  const config: RunConfig = {
    ...commonConfig(partial, {
      system: adapter.name,
      workload: workloadName,
      nodes: partial.nodes ?? adapter.defaultNodeCount,
      bugs: [],
      systemOptions: [],
      partitionModes: PARTITION_MODES,
    }),
    runtime,
    adapterOptions,
  };
  checkCommonFields(config);
  const { min, max } = adapter.nodeCounts;
  if (config.nodes < min || config.nodes > max)
    throw new ConfigError(
      `adapter ${adapter.name} runs ${min === max ? min : `${min} to ${max}`} nodes, not ${config.nodes}`,
    );
  const refused = config.nemesis
    .map((k) => [k, refusal(adapter, k)] as const)
    .filter((r): r is readonly [(typeof config.nemesis)[number], string] => r[1] !== undefined);
  if (refused.length > 0) {
    throw new ConfigError(
      `real mode cannot inject ${refused.map(([k]) => k).join(', ')} into ${adapter.name}: ${refused.map(([k, why]) => `${k}: ${why}`).join('; ')}`,
    );
  }
  const net = config.network;
  const unsupportedNet = (
    ['duplicateProbability', 'reorderProbability', 'latencyDistribution'] as const
  ).filter((k) => net[k] !== undefined);
  if (unsupportedNet.length > 0)
    throw new ConfigError(
      `real mode's proxies add a constant latency and loss only; not supported: ${unsupportedNet.join(', ')}`,
    );
  return { config, adapter, workload };
}
