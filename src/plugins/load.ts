/**
 * Plug-ins: a user's own system, workload, checker or linearizability model,
 * loaded from a TypeScript or JavaScript module named on the command line
 * (`--system ./my-system.ts`) or in a saved configuration (`config.modules`).
 * TypeScript is compiled on the fly by tsx. A loaded system, workload or
 * checker is registered by its name, so the runner, the search and replay
 * find it as they find the bundled ones.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Model } from '../../checkers/linearizable/model.js';
import { addPluginChecker } from '../../checkers/registry.js';
import type { Checker } from '../../checkers/types.js';
import { addPluginSystem } from '../../systems/registry.js';
import { addPluginWorkload } from '../../workloads/registry.js';
import type { Workload } from '../../workloads/types.js';
import { importFromOutside } from '../dynamic-import.js';
import type { SystemDefinition } from '../sim/types.js';

import { PluginError } from './errors.js';
import { namesModule } from './flags.js';

export { PluginError };

/** Module paths of a run's plug-ins, as the user gave them (relative to the working directory). */
export interface PluginModules {
  system?: string;
  workload?: string;
}

export type PluginKind = 'system' | 'workload' | 'checker' | 'model';

/** A value of `--system` / `--workload` / `--checker` / `--model` that names a module file, not a registry entry. */
export function isModulePath(value: string): boolean {
  return namesModule(value);
}

/** `./x.ts` for a path under the working directory, else the absolute path: what a replay command shows. */
export function displayPath(path: string): string {
  const abs = resolve(path);
  const rel = relative(process.cwd(), abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return abs;
  return `./${rel}`;
}

const EXPECTED: Record<PluginKind, string> = {
  system:
    'a system: `export default defineSystem({ name, description, bugs, defaultNodeCount, workloads, createNode })` (or `export const system = …`)',
  workload:
    'a workload: `export default defineWorkload({ name, description, checker, fallbackChecker, generator, clientRequest, completeFromReply, isReadOnly })` (or `export const workload = …`)',
  checker:
    'a checker: `export default defineChecker({ name, description, check })` (or `export const checker = …`)',
  model:
    'a linearizability model: `export default defineModel({ name, init, step })` (or `export const model = …`)',
};

const REQUIRED: Record<PluginKind, Record<string, 'string' | 'function' | 'number' | 'array' | 'object'>> = {
  system: {
    name: 'string',
    description: 'string',
    bugs: 'array',
    defaultNodeCount: 'number',
    workloads: 'array',
    createNode: 'function',
  },
  workload: {
    name: 'string',
    description: 'string',
    checker: 'object',
    fallbackChecker: 'object',
    generator: 'function',
    clientRequest: 'function',
    completeFromReply: 'function',
    isReadOnly: 'function',
  },
  checker: { name: 'string', description: 'string', check: 'function' },
  model: { name: 'string', init: 'function', step: 'function' },
};

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

/** What is wrong with `v` as a plug-in of this kind, or undefined when nothing is. */
function shapeProblem(kind: PluginKind, v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return `it is ${kindOf(v)}`;
  const o = v as Record<string, unknown>;
  for (const [field, want] of Object.entries(REQUIRED[kind])) {
    if (kindOf(o[field]) !== want)
      return `its \`${field}\` is ${kindOf(o[field])}, not ${want === 'array' ? 'an array' : `a ${want}`}`;
  }
  return undefined;
}

const cache = new Map<string, Promise<Record<string, unknown>>>();

/** Import a module file (TypeScript through tsx), once per process. */
export function importModule(flag: string, path: string): Promise<Record<string, unknown>> {
  const abs = resolve(path);
  let p = cache.get(abs);
  if (!p) {
    p = importUncached(flag, path, abs);
    cache.set(abs, p);
    p.catch(() => cache.delete(abs));
  }
  return p;
}

async function importUncached(flag: string, path: string, abs: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(abs).href;
  try {
    if (/\.(c|m)?tsx?$/.test(abs)) {
      const { tsImport } = (await importFromOutside('tsx/esm/api')) as typeof import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    return (await importFromOutside(url)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(abs))
      throw new PluginError(`${flag} ${path}: no such module (${abs})`);
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new PluginError(`${flag} ${path}: cannot load the module: ${first}`);
  }
}

/** The plug-in of `kind` a module exports (default export, or the export named after the kind). */
export async function loadPlugin<K extends PluginKind>(
  kind: K,
  flag: string,
  path: string,
): Promise<PluginOf<K>> {
  const mod = await importModule(flag, path);
  // tsx may wrap a CommonJS-looking module's default in `default.default`.
  const candidates: [string, unknown][] = [
    ['default', mod.default],
    [kind, mod[kind]],
  ];
  const present = candidates.filter(([, v]) => v !== undefined);
  for (const [, v] of present) if (shapeProblem(kind, v) === undefined) return v as PluginOf<K>;
  const names = Object.keys(mod).filter((k) => k !== '__esModule');
  const found =
    present.length > 0
      ? `; its \`${present[0][0]}\` export is no ${kind}: ${shapeProblem(kind, present[0][1])}`
      : `; it exports ${names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : 'nothing'}`;
  throw new PluginError(`${flag} ${path}: the module must export ${EXPECTED[kind]}${found}`);
}

type PluginOf<K extends PluginKind> = K extends 'system'
  ? SystemDefinition
  : K extends 'workload'
    ? Workload
    : K extends 'checker'
      ? Checker
      : Model;

/**
 * Register a plug-in system (and its module's `checker` / `workload` exports, if any):
 * the name it registered under.
 */
export async function loadSystemModule(path: string, flag = '--system'): Promise<SystemDefinition> {
  const system = await loadPlugin('system', flag, path);
  wrap(flag, path, () => addPluginSystem(system));
  await registerCompanions(flag, path);
  return system;
}

export async function loadWorkloadModule(path: string, flag = '--workload'): Promise<Workload> {
  const workload = await loadPlugin('workload', flag, path);
  await registerCompanions(flag, path);
  wrap(flag, path, () => addPluginWorkload(workload));
  return workload;
}

export async function loadCheckerModule(path: string, flag = '--checker'): Promise<Checker> {
  const checker = await loadPlugin('checker', flag, path);
  wrap(flag, path, () => addPluginChecker(checker));
  return checker;
}

export function loadModelModule(path: string, flag = '--model'): Promise<Model> {
  return loadPlugin('model', flag, path);
}

/** A module may bring the checker (and workload) its system or workload names: they are registered too. */
async function registerCompanions(flag: string, path: string): Promise<void> {
  const mod = await importModule(flag, path);
  if (mod.checker !== undefined && shapeProblem('checker', mod.checker) === undefined)
    wrap(flag, path, () => addPluginChecker(mod.checker as Checker));
  if (mod.workload !== undefined && shapeProblem('workload', mod.workload) === undefined)
    wrap(flag, path, () => addPluginWorkload(mod.workload as Workload));
}

function wrap(flag: string, path: string, f: () => void): void {
  try {
    f();
  } catch (err) {
    throw new PluginError(`${flag} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Load a saved configuration's plug-ins (a search worker, a replay, a shrink): a no-op without any. */
export async function loadRunModules(modules: PluginModules | undefined): Promise<void> {
  if (modules?.workload !== undefined) await loadWorkloadModule(modules.workload);
  if (modules?.system !== undefined) await loadSystemModule(modules.system);
}
