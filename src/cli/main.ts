import { Command, CommanderError } from 'commander';
import { registerCheck } from './commands/check.js';
import { registerCheckers } from './commands/checkers.js';
import { registerConvert } from './commands/convert.js';
import { registerNemeses } from './commands/nemeses.js';
import { registerReplay } from './commands/replay.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSearch } from './commands/search.js';
import { registerServe } from './commands/serve.js';
import { registerShrink } from './commands/shrink.js';
import { registerSystems } from './commands/systems.js';
import { registerValidate } from './commands/validate.js';
import { registerWorkloads } from './commands/workloads.js';
import { EXIT } from './exit-codes.js';
import { errorReport, printError, reportOf } from './output.js';

/**
 * The `faultline` command line. Each command lives in its own module under
 * commands/ and registers itself here with one line.
 */
export function buildProgram(): Command {
  const program = new Command('faultline')
    .description('Jepsen-style correctness testing: seeded simulation, fault injection, consistency checkers')
    .version('0.2.0')
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
  registerSearch(program);
  registerShrink(program);
  registerReplay(program);
  registerSystems(program);
  registerWorkloads(program);
  registerNemeses(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** `--json` anywhere before a `--`: errors are JSON objects on stdout too. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * A first word that names no command, with or without --help after it
 * (commander would print the top help for `faultline NOPE --help` and exit 0).
 */
function unknownCommand(program: Command, argv: readonly string[]): string | undefined {
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first === -1) return undefined;
  const word = argv[first];
  if (word === 'help') {
    const topic = argv[first + 1];
    return topic !== undefined && !topic.startsWith('-') && !names.includes(topic) ? topic : undefined;
  }
  return names.includes(word) ? undefined : word;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = wantsJson(argv);
  if (argv.length === 0) {
    // Bare `faultline` is a mistake, not a request for help: say so, show the commands, exit 254.
    process.stderr.write(program.helpInformation());
    printError(errorReport('name a command (`faultline --help` lists them)', EXIT.badArguments), json);
    return EXIT.badArguments;
  }
  const unknown = unknownCommand(program, argv);
  if (unknown !== undefined) {
    const names = program.commands.map((c) => c.name()).join(', ');
    printError(errorReport(`unknown command '${unknown}'; commands: ${names}`, EXIT.badArguments), json);
    return EXIT.badArguments;
  }
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
      // Commander has printed its message on stderr already; under --json it goes to stdout too.
      if (json) {
        const message = err.message.replace(/^error: /, '');
        process.stdout.write(`${JSON.stringify(errorReport(message, EXIT.badArguments))}\n`);
      }
      return EXIT.badArguments;
    }
    const report = reportOf(err);
    if (report) {
      printError(report, json);
      return report.exitCode;
    }
    process.stderr.write(
      `faultline: internal error (please report): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.crashed;
  }
}

/** The signal that stopped a run: bin/faultline.js ends the process by it after the run has said so. */
export { takeInterruptSignal } from './commands/run.js';
