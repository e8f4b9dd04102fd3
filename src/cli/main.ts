import type { Command } from 'commander';
import { buildProgramOf, type CommandTable, runProgram } from './program.js';

let runModule: typeof import('./commands/run.js') | undefined;

/**
 * Every command, in the order `--help` lists them, and its module: each is
 * loaded when needed (`faultline check …` loads check's alone, not the
 * simulator, the systems or the search). bin/faultline.js runs `check` from
 * a bundle of its own (check-entry.ts).
 */
const COMMANDS: CommandTable = [
  ['validate', async () => (await import('./commands/validate.js')).registerValidate],
  ['convert', async () => (await import('./commands/convert.js')).registerConvert],
  ['check', async () => (await import('./commands/check.js')).registerCheck],
  ['checkers', async () => (await import('./commands/checkers.js')).registerCheckers],
  [
    'run',
    async () => {
      runModule = await import('./commands/run.js');
      return runModule.registerRun;
    },
  ],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['serve', async () => (await import('./commands/serve.js')).registerServe],
  ['search', async () => (await import('./commands/search.js')).registerSearch],
  ['shrink', async () => (await import('./commands/shrink.js')).registerShrink],
  ['replay', async () => (await import('./commands/replay.js')).registerReplay],
  ['systems', async () => (await import('./commands/systems.js')).registerSystems],
  ['workloads', async () => (await import('./commands/workloads.js')).registerWorkloads],
  ['nemeses', async () => (await import('./commands/nemeses.js')).registerNemeses],
];

/** The whole command line (with `only`, that command alone). */
export function buildProgram(only?: string): Promise<Command> {
  return buildProgramOf(COMMANDS, only);
}

export function main(argv: string[]): Promise<number> {
  return runProgram(COMMANDS, argv);
}

/** The signal that stopped a run: bin/faultline.js ends the process by it after the run has said so. */
export function takeInterruptSignal(): NodeJS.Signals | undefined {
  return runModule?.takeInterruptSignal();
}
