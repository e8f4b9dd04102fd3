/**
 * What the code API runs (`run`, `search`, `simulate` in faultline/vitest): a
 * run configuration whose system, workload and nemesis may be objects or
 * module paths; turned into a plain configuration by registering them.
 */
import { addPluginChecker } from '../../checkers/registry.js';
import type { Checker } from '../../checkers/types.js';
import { addPluginSystem } from '../../systems/registry.js';
import { addPluginWorkload } from '../../workloads/registry.js';
import type { Workload } from '../../workloads/types.js';
import type { NemesisKind, PartitionMode } from '../nemesis/nemesis.js';
import type { RunConfig } from '../runner/config.js';
import type { SystemDefinition } from '../sim/types.js';
import { displayPath, isModulePath, loadSystemModule, loadWorkloadModule } from './load.js';

/**
 * A nemesis: which faults, how often, how long, and the partition shapes.
 * Faults are the simulator's (NEMESIS_KINDS); a nemesis picks and paces them.
 */
export interface Nemesis {
  kinds: readonly NemesisKind[];
  /** Mean time between faults of one kind, ms (default 3000). */
  intervalMs?: number;
  /** Mean time a fault is held, ms (default 3000). */
  durationMs?: number;
  partitionModes?: readonly PartitionMode[];
}

/**
 * What to run: the run configuration's fields, with the system, workload and
 * nemesis given by name, by module path (`./my-system.ts`, as on the command
 * line: replay commands then work from the shell) or as objects.
 */
export type Target = Partial<Omit<RunConfig, 'system' | 'workload' | 'nemesis' | 'modules'>> & {
  system: string | SystemDefinition;
  workload?: string | Workload;
  /** Checkers a workload of your own names, registered before the run. */
  checkers?: readonly Checker[];
  nemesis?: readonly NemesisKind[] | Nemesis;
};

/** Register what a target brings and turn it into the configuration's names. */
export async function resolveTarget(t: Target): Promise<Partial<RunConfig>> {
  const { system, workload, checkers, nemesis, ...rest } = t;
  const out: Partial<RunConfig> = { ...rest };
  const modules: NonNullable<RunConfig['modules']> = {};
  for (const c of checkers ?? []) addPluginChecker(c);
  if (typeof workload === 'string' && isModulePath(workload)) {
    modules.workload = displayPath(workload);
    out.workload = (await loadWorkloadModule(modules.workload, 'workload')).name;
  } else if (typeof workload === 'object') {
    addPluginWorkload(workload);
    out.workload = workload.name;
  } else if (workload !== undefined) out.workload = workload;
  if (typeof system === 'string' && isModulePath(system)) {
    modules.system = displayPath(system);
    out.system = (await loadSystemModule(modules.system, 'system')).name;
  } else if (typeof system === 'object') {
    addPluginSystem(system);
    out.system = system.name;
  } else out.system = system;
  if (Object.keys(modules).length > 0) out.modules = modules;
  if (nemesis !== undefined) {
    if (Array.isArray(nemesis)) out.nemesis = [...(nemesis as readonly NemesisKind[])];
    else {
      const n = nemesis as Nemesis;
      out.nemesis = [...n.kinds];
      if (n.intervalMs !== undefined) out.nemesisIntervalMs = n.intervalMs;
      if (n.durationMs !== undefined) out.nemesisDurationMs = n.durationMs;
      if (n.partitionModes !== undefined) out.partitionModes = [...n.partitionModes];
    }
  }
  return out;
}
