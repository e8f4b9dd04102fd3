import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { expandInputs, formatLocated, type LocatedProblem, loadHistory, parseFormatFlag } from '../inputs.js';
import { isStackOverflow, TOO_DEEP } from '../output.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface ValidateFlags {
  format?: string;
  strict?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(COMMAND_SUMMARIES.validate.summary)
    .argument(
      '<files...>',
      'history files (.jsonl, Jepsen .edn, Jepsen console .log), run directories, or directories of history files',
    )
    .option('--format <format>', 'force the input format: jsonl, edn or jepsen-log (default: detected)')
    .option(
      '--strict',
      'treat warnings (times out of order, completions without invocations, overlapping ops per process, …) as errors',
    )
    .option('-q, --quiet', 'print problems only, no summary')
    .option('--json', 'print one JSON object per file: file, wellFormed, operations, problems')
    .addHelpText(
      'after',
      `
Examples:
  $ faultline validate store/latest
  $ faultline validate ../shared/data/jepsen-etcd ../shared/data/kv
  $ faultline validate --strict history.edn`,
    )
    .action(async (files: string[], flags: ValidateFlags) => {
      process.exitCode = await runValidate(files, flags);
    });
}

/** A problem as `--json` prints it: the fields every CLI error has (`error`, `file`, `line`). */
function problemJson(p: LocatedProblem): Record<string, unknown> {
  return {
    file: p.file,
    ...(p.line > 0 ? { line: p.line } : {}),
    error: p.message,
    severity: p.severity,
    kind: p.kind,
  };
}

async function runValidate(files: string[], flags: ValidateFlags): Promise<number> {
  const format = parseFormatFlag(flags.format);
  const entries = await expandInputs(files);
  let bad = 0;
  let problemCount = 0;
  let opCount = 0;
  for (const entry of entries) {
    // Every input is read, missing ones included, and every problem in each is printed.
    let problems: LocatedProblem[];
    let operations: number | undefined;
    let wellFormed: boolean;
    if (entry.problem !== undefined) {
      problems = [
        {
          file: entry.path,
          line: 0,
          message: `cannot read: ${entry.problem}`,
          severity: 'error',
          kind: 'unreadable',
        },
      ];
      wellFormed = false;
    } else {
      try {
        const loaded = loadHistory(entry.path, format, { strict: flags.strict });
        problems = loaded.problems;
        wellFormed = loaded.ok;
        if (loaded.ok) operations = loaded.history.ops.length;
      } catch (err) {
        if (!isStackOverflow(err)) throw err;
        problems = [{ file: entry.path, line: 0, message: TOO_DEEP, severity: 'error', kind: 'too-deep' }];
        wellFormed = false;
      }
    }
    if (!wellFormed) bad++;
    problemCount += problems.length;
    opCount += operations ?? 0;
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ file: entry.path, wellFormed, ...(operations === undefined ? {} : { operations }), problems: problems.map(problemJson) })}\n`,
      );
      continue;
    }
    for (const p of problems) process.stdout.write(`${formatLocated(p)}\n`);
  }
  if (!flags.quiet && !flags.json) {
    const n = entries.length;
    const files = `file${n === 1 ? '' : 's'}`;
    const problems = `${problemCount} problem${problemCount === 1 ? '' : 's'}`;
    const warnings = `${problemCount} warning${problemCount === 1 ? '' : 's'}`;
    const summary =
      bad === 0
        ? `${n} ${files} well-formed, ${opCount} operations${problemCount > 0 ? ` (${warnings}; --strict makes them errors)` : ''}`
        : `${bad} of ${n} ${files} malformed (${problems})`;
    process.stdout.write(`${summary}\n`);
  }
  return bad === 0 ? EXIT.valid : EXIT.badArguments;
}
