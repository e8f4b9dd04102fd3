import type { Command } from 'commander';
import { buildProgramOf, type CommandTable, runProgram } from './program.js';

let runModule: typeof import('./commands/run.js') | undefined;

/**
 * Every command, in the order `--help` lists them, and its module: each is
 * loaded when needed (`faultline check …` loads check's alone, not the
 * simulator, the systems or the search; `faultline --help` loads none). bin/faultline.js runs `check` from
 * a bundle of its own (check-entry.ts).
 */
const COMMANDS: CommandTable = [
  { name: 'validate', load: async () => (await import('./commands/validate.js')).registerValidate },
  { name: 'convert', load: async () => (await import('./commands/convert.js')).registerConvert },
  { name: 'check', load: async () => (await import('./commands/check.js')).registerCheck },
  { name: 'checkers', load: async () => (await import('./commands/checkers.js')).registerCheckers },
  {
    name: 'run',
    load: async () => {
      runModule = await import('./commands/run.js');
      return runModule.registerRun;
    },
  },
  { name: 'report', load: async () => (await import('./commands/report.js')).registerReport },
  { name: 'serve', load: async () => (await import('./commands/serve.js')).registerServe },
  { name: 'search', load: async () => (await import('./commands/search.js')).registerSearch },
  { name: 'shrink', load: async () => (await import('./commands/shrink.js')).registerShrink },
  { name: 'replay', load: async () => (await import('./commands/replay.js')).registerReplay },
  { name: 'systems', load: async () => (await import('./commands/systems.js')).registerSystems },
  { name: 'workloads', load: async () => (await import('./commands/workloads.js')).registerWorkloads },
  { name: 'nemeses', load: async () => (await import('./commands/nemeses.js')).registerNemeses },
];

/** The command line with these commands' modules loaded (default: all of them); the others by name and summary. */
export function buildProgram(load: 'all' | readonly string[] = 'all'): Promise<Command> {
  return buildProgramOf(COMMANDS, load);
}

export function main(argv: string[]): Promise<number> {
  return runProgram(COMMANDS, argv);
}

/** The signal that stopped a run: bin/faultline.js ends the process by it after the run has said so. */
export function takeInterruptSignal(): NodeJS.Signals | undefined {
  return runModule?.takeInterruptSignal();
}
