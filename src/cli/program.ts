import { Command, CommanderError, Help } from 'commander';
import { COMMAND_SUMMARIES, type CommandName } from './commands/summaries.js';
import { EXIT } from './exit-codes.js';
import { errorReport, printError, reportOf } from './output.js';

export type Register = (program: Command) => void;

/** A command: its name (COMMAND_SUMMARIES says what `--help` lists for it) and how to load its module. */
export interface CommandEntry {
  readonly name: CommandName;
  readonly load: () => Promise<Register>;
}

/** Commands in the order `--help` lists them. */
export type CommandTable = readonly CommandEntry[];

/**
 * The `faultline` command line of these commands. Each command lives in its
 * own module under commands/ and registers itself. Only the `load`ed ones
 * (default: none) are loaded; the others stand in by name and summary, which
 * is all the top-level help shows, so `faultline --help` or a run of one
 * command loads that command's module alone.
 */
export async function buildProgramOf(
  commands: CommandTable,
  load: 'all' | readonly string[] = [],
): Promise<Command> {
  const program = new Command('faultline')
    .description('Jepsen-style correctness testing: seeded simulation, fault injection, consistency checkers')
    .version('0.2.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.exitOverride();
  const loaded = commands.filter((c) => load === 'all' || load.includes(c.name));
  const registers = new Map(await Promise.all(loaded.map(async (c) => [c.name, await c.load()] as const)));
  const terms = new Map<string, string>();
  for (const c of commands) {
    const register = registers.get(c.name);
    if (register) register(program);
    else {
      program.command(c.name).description(COMMAND_SUMMARIES[c.name].summary);
      terms.set(c.name, COMMAND_SUMMARIES[c.name].term);
    }
  }
  program.configureHelp({
    subcommandTerm(cmd: Command): string {
      return terms.get(cmd.name()) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
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
  const names: readonly string[] = commands.map((c) => c.name);
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first === -1) return undefined;
  const word = argv[first];
  if (word === 'help') {
    const topic = argv[first + 1];
    return topic !== undefined && !topic.startsWith('-') && !names.includes(topic) ? topic : undefined;
  }
  return names.includes(word) ? undefined : word;
}

/** The command the first word names (or, after `help`, the second): the one module to load. */
function commandOf(commands: CommandTable, argv: readonly string[]): string[] {
  const words = argv.filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return commands.filter((c) => c.name === word).map((c) => c.name);
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
    const names = commands.map((c) => c.name).join(', ');
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
