import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { errorReport, printError, reportOf } from './output.js';

type Register = (program: Command) => void;

let runModule: typeof import('./commands/run.js') | undefined;

/**
 * Every command, in the order `--help` lists them, and its module: each is
 * loaded when needed (`faultline check …` loads check's alone, not the
 * simulator, the systems or the search).
 */
const COMMANDS: readonly (readonly [string, () => Promise<Register>])[] = [
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

/**
 * The `faultline` command line. Each command lives in its own module under
 * commands/ and registers itself (one line in COMMANDS). With `only`, that
 * command alone: what a run of it needs.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('faultline')
    .description('Jepsen-style correctness testing: seeded simulation, fault injection, consistency checkers')
    .version('0.2.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.exitOverride();
  const wanted = only === undefined ? COMMANDS : COMMANDS.filter(([name]) => name === only);
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) register(program);
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
function unknownCommand(argv: readonly string[]): string | undefined {
  const names = COMMANDS.map(([name]) => name);
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first === -1) return undefined;
  const word = argv[first];
  if (word === 'help') {
    const topic = argv[first + 1];
    return topic !== undefined && !topic.startsWith('-') && !names.includes(topic) ? topic : undefined;
  }
  return names.includes(word) ? undefined : word;
}

/** The command the first word names (not `help`): the one module to load; undefined: all of them. */
function commandOf(argv: readonly string[]): string | undefined {
  const word = argv.find((a) => !a.startsWith('-'));
  return COMMANDS.some(([name]) => name === word) ? word : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  if (argv.length === 0) {
    // Bare `faultline` is a mistake, not a request for help: say so, show the commands, exit 254.
    process.stderr.write((await buildProgram()).helpInformation());
    printError(errorReport('name a command (`faultline --help` lists them)', EXIT.badArguments), json);
    return EXIT.badArguments;
  }
  const unknown = unknownCommand(argv);
  if (unknown !== undefined) {
    const names = COMMANDS.map(([name]) => name).join(', ');
    printError(errorReport(`unknown command '${unknown}'; commands: ${names}`, EXIT.badArguments), json);
    return EXIT.badArguments;
  }
  try {
    const program = await buildProgram(commandOf(argv));
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
export function takeInterruptSignal(): NodeJS.Signals | undefined {
  return runModule?.takeInterruptSignal();
}
