import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { expandInputs, loadHistory, parseFormatFlag } from '../inputs.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check that history files are well-formed (exit 0), else print every problem as FILE:LINE (exit 254)',
    )
    .argument('<files...>', 'history files (.jsonl, Jepsen .edn, Jepsen console .log) or directories of them')
    .option('--format <format>', 'force the input format: jsonl, edn or jepsen-log (default: detected)')
    .option(
      '--strict',
      'treat warnings (times out of order, completions without invocations, overlapping ops per process, …) as errors',
    )
    .option('-q, --quiet', 'print problems only, no summary')
    .addHelpText(
      'after',
      `
Examples:
  $ faultline validate store/latest/history.jsonl
  $ faultline validate ../shared/data/jepsen-etcd ../shared/data/kv
  $ faultline validate --strict history.edn`,
    )
    .action((files: string[], opts: { format?: string; quiet?: boolean; strict?: boolean }) => {
      const format = parseFormatFlag(opts.format);
      const paths = expandInputs(files);
      let bad = 0;
      let opCount = 0;
      for (const path of paths) {
        const loaded = loadHistory(path, format, { strict: opts.strict });
        if (loaded.ok) {
          for (const w of loaded.warnings) process.stdout.write(`${w}\n`);
          opCount += loaded.history.ops.length;
          continue;
        }
        bad++;
        for (const m of loaded.messages) process.stdout.write(`${m}\n`);
      }
      if (!opts.quiet) {
        const summary =
          bad === 0
            ? `${paths.length} file${paths.length === 1 ? '' : 's'} well-formed, ${opCount} operations`
            : `${bad} of ${paths.length} file${paths.length === 1 ? '' : 's'} malformed`;
        process.stderr.write(`${summary}\n`);
      }
      process.exitCode = bad === 0 ? EXIT.valid : EXIT.badArguments;
    });
}
