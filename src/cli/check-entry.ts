/**
 * `faultline check` on its own: bin/faultline.js runs this bundle (dist/bundle/check/,
 * scripts/bundle.mjs) for `faultline check …`, so a check loads a few files, not
 * the chunks every command shares. The same program as main.ts, with check alone.
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
