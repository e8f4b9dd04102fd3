import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../terminal.js';
import { UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(COMMAND_SUMMARIES.replay.summary)
    .argument('<paths...>', 'regression files, or directories of them (every .json in them)')
    .option('--update', 'rewrite each file whose outcome changed with the new outcome (on purpose)')
    .option('--json', 'print one JSON object per file')
    .addHelpText(
      'after',
      `
Each file is run again from its configuration (and explicit schedule, once shrunk) and
compared with what it recorded: the verdict and anomaly class (a fixed bug back, or a bug
fixed) and the SHA-256 of the history (the same scenario must give the same bytes).

Exit codes: 0 every file as saved, 1 a verdict or a history hash changed, 254 bad input.

Examples:
  $ faultline replay regressions
  $ faultline replay regressions/raft+no-truncate-list-append-seed-3.json
  $ faultline replay --update regressions/raft+no-truncate-list-append-seed-3.json`,
    )
    .action(async (paths: string[], flags: { update?: boolean; json?: boolean }) => {
      process.exitCode = await replayCommand(paths, flags);
    });
}

async function replayCommand(paths: string[], flags: { update?: boolean; json?: boolean }): Promise<number> {
  const { regressionFiles, replayRegression, RegressionFileError } = await import(
    '../../search/regression.js'
  );
  const c = colorsFor(process.stdout);
  let files: string[];
  try {
    files = paths.flatMap((p) => regressionFiles(p));
  } catch (err) {
    if (err instanceof RegressionFileError) throw new UserError(err.message);
    throw err;
  }
  if (files.length === 0) throw new UserError(`no regression files (*.json) in ${paths.join(', ')}`);
  let changed = 0;
  for (const file of files) {
    let r: Awaited<ReturnType<typeof replayRegression>>;
    try {
      r = await replayRegression(file, { update: flags.update === true });
    } catch (err) {
      if (err instanceof RegressionFileError) throw new UserError(err.message);
      throw err;
    }
    if (!r.ok && !r.updated) changed++;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      continue;
    }
    const mark = r.ok ? c.green('ok     ') : r.updated ? c.yellow('updated') : c.bold(c.red('CHANGED'));
    process.stdout.write(`${mark} ${file}: ${r.message}\n`);
  }
  if (!flags.json) {
    process.stdout.write(
      changed === 0
        ? `${files.length} of ${files.length} scenario${files.length === 1 ? '' : 's'} replay as saved\n`
        : `${changed} of ${files.length} scenario${files.length === 1 ? '' : 's'} changed\n`,
    );
  }
  return changed === 0 ? EXIT.valid : EXIT.invalid;
}
