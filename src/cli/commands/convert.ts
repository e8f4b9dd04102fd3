import type { Command } from 'commander';
import { formatOpEdn } from '../../history/edn-history.js';
import { formatOpJsonl } from '../../history/jsonl.js';
import type { Op } from '../../history/op.js';
import { EXIT } from '../exit-codes.js';
import { formatLocated, loadHistory, parseFormatFlag } from '../inputs.js';
import { errorReport, isStackOverflow, printError, TOO_DEEP } from '../output.js';
import { requireChoice } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

const TARGETS = ['jsonl', 'edn'] as const;

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description(COMMAND_SUMMARIES.convert.summary)
    .argument('<file>', 'history file (.jsonl, Jepsen .edn, Jepsen console .log)')
    .requiredOption('--to <format>', 'output format: jsonl or edn')
    .option('--format <format>', 'force the input format: jsonl, edn or jepsen-log (default: detected)')
    .option('--json', 'errors as JSON objects on stdout (error, file, line), as every command prints them')
    .addHelpText(
      'after',
      `
Examples:
  $ faultline convert ../shared/data/jepsen-etcd/etcd_000.log --to edn > etcd_000.edn
  $ faultline convert etcd_000.edn --to jsonl`,
    )
    .action(async (file: string, opts: { to: string; format?: string; json?: boolean }) => {
      const to = requireChoice('--to', opts.to, TARGETS);
      const loaded = loadHistory(file, parseFormatFlag(opts.format));
      if (!loaded.ok) {
        // Nothing is written for a malformed history: every error in it is named instead.
        for (const p of loaded.problems.filter((x) => x.severity === 'error'))
          printError(
            errorReport(formatLocated(p), EXIT.badArguments, p.file, p.line),
            opts.json === true,
            '',
          );
        process.exitCode = EXIT.badArguments;
        return;
      }
      const format: (op: Op) => string = to === 'edn' ? formatOpEdn : formatOpJsonl;
      try {
        await writeChunked(loaded.history.ops, format);
      } catch (err) {
        if (!isStackOverflow(err)) throw err;
        printError(
          errorReport(`${file}: ${TOO_DEEP}; not converted`, EXIT.badArguments, file),
          opts.json === true,
          '',
        );
        process.exitCode = EXIT.badArguments;
        return;
      }
      process.exitCode = EXIT.valid;
    });
}

/** Stream ops to stdout in chunks, honouring back-pressure so large histories do not pile up in memory. */
async function writeChunked(ops: readonly Op[], format: (op: Op) => string): Promise<void> {
  const chunkOps = 2048;
  for (let i = 0; i < ops.length; i += chunkOps) {
    let chunk = '';
    for (let j = i; j < Math.min(ops.length, i + chunkOps); j++) chunk += `${format(ops[j])}\n`;
    if (!process.stdout.write(chunk))
      await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}
