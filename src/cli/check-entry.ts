/**
 * `faultline check` on its own: bin/faultline.js runs this program, bundled as one
 * CommonJS file with its code cache (dist/bundle/check/main.cjs, scripts/bundle.mjs),
 * for `faultline check …`, so a check loads one file, not the whole CLI. The same
 * program as main.ts, with check alone.
 */
import { registerCheck } from './commands/check.js';
import { type CommandTable, runProgram } from './program.js';

const COMMANDS: CommandTable = [{ name: 'check', load: async () => registerCheck }];

export function main(argv: string[]): Promise<number> {
  return runProgram(COMMANDS, argv);
}

/** A check is never stopped by a signal it must end by (bin/faultline.js asks). */
export function takeInterruptSignal(): NodeJS.Signals | undefined {
  return undefined;
}
