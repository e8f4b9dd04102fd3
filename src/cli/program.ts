import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { errorReport, printError, reportOf } from './output.js';

export type Register = (program: Command) => void;

/** Commands by name, in the order `--help` lists them, each with how to load its module. */
export type CommandTable = readonly (readonly [string, () => Promise<Register>])[];

/**
 * The `faultline` command line of these commands. Each command lives in its
 * own module under commands/ and registers itself. With `only`, that command
 * alone: what a run of it needs.
 */
export async function buildProgramOf(commands: CommandTable, only?: string): Promise<Command> {
  const program = new Command('faultline')
    .description('Jepsen-style correctness testing: seeded simulation, fault injection, consistency checkers')
    .version('0.2.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.exitOverride();
  const wanted = only === undefined ? commands : commands.filter(([name]) => name === only);
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
function unknownCommand(commands: CommandTable, argv: readonly string[]): string | undefined {
  const names = commands.map(([name]) => name);
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
function commandOf(commands: CommandTable, argv: readonly string[]): string | undefined {
  const word = argv.find((a) => !a.startsWith('-'));
  return commands.some(([name]) => name === word) ? word : undefined;
}

/** Run the command line `argv` names; answers the exit code. */
export async function runProgram(commands: CommandTable, argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  if (argv.length === 0) {
    // Bare `faultline` is a mistake, not a request for help: say so, show the commands, exit 254.
    process.stderr.write((await buildProgramOf(commands)).helpInformation());
    printError(errorReport('name a command (`faultline --help` lists them)', EXIT.badArguments), json);
    return EXIT.badArguments;
  }
  const unknown = unknownCommand(commands, argv);
  if (unknown !== undefined) {
    const names = commands.map(([name]) => name).join(', ');
    printError(errorReport(`unknown command '${unknown}'; commands: ${names}`, EXIT.badArguments), json);
    return EXIT.badArguments;
  }
  try {
    const program = await buildProgramOf(commands, commandOf(commands, argv));
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
