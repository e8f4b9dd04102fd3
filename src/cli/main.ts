import { Command, CommanderError } from 'commander';
import { registerCheck } from './commands/check.js';
import { registerCheckers } from './commands/checkers.js';
import { registerConvert } from './commands/convert.js';
import { registerNemeses } from './commands/nemeses.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerSystems } from './commands/systems.js';
import { registerValidate } from './commands/validate.js';
import { registerWorkloads } from './commands/workloads.js';
import { EXIT } from './exit-codes.js';
import { UserError } from './user-error.js';

/**
 * The `faultline` command line. Each command lives in its own module under
 * commands/ and registers itself here with one line.
 */
export function buildProgram(): Command {
  const program = new Command('faultline')
    .description('Jepsen-style correctness testing: seeded simulation, fault injection, consistency checkers')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.exitOverride();
  registerValidate(program);
  registerConvert(program);
  registerCheck(program);
  registerCheckers(program);
  registerRun(program);
  registerReport(program);
  registerServe(program);
  registerSystems(program);
  registerWorkloads(program);
  registerNemeses(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.valid;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every parse mistake is a bad argument.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT.valid;
      }
      return EXIT.badArguments;
    }
    if (err instanceof UserError) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `faultline: internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.crashed;
  }
}
