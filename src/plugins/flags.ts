/**
 * `--system ./my-system.ts` and `--workload ./w.ts` on the command line: a
 * value that names a module file is loaded (and its system or workload
 * registered), and the flag then names it as a registered name does.
 * Imported lazily by the commands: nothing loads for a bundled name.
 */
import type { PluginModules } from './load.js';

export async function loadModuleFlags(flags: {
  system?: string;
  workload?: string;
}): Promise<PluginModules | undefined> {
  const { displayPath, isModulePath, loadSystemModule, loadWorkloadModule } = await import('./load.js');
  const modules: PluginModules = {};
  // The workload first: a system module's own `workload` export may name the same one.
  if (flags.workload !== undefined && isModulePath(flags.workload)) {
    modules.workload = displayPath(flags.workload);
    flags.workload = (await loadWorkloadModule(modules.workload)).name;
  }
  if (flags.system !== undefined && isModulePath(flags.system)) {
    modules.system = displayPath(flags.system);
    flags.system = (await loadSystemModule(modules.system)).name;
  }
  return Object.keys(modules).length > 0 ? modules : undefined;
}

/** Cheap test the commands run first, so a bundled name never loads the plug-in machinery. */
export function namesModule(value: string | undefined): boolean {
  return (
    value !== undefined &&
    (value.startsWith('./') ||
      value.startsWith('../') ||
      value.startsWith('/') ||
      /\.(c|m)?(t|j)sx?$/.test(value))
  );
}
