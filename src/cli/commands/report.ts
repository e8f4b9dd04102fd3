import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { ALL_MODELS } from '../../../checkers/elle/models.js';
import { findChecker, listCheckers } from '../../../checkers/registry.js';
import type { CheckOptions } from '../../../checkers/types.js';
import { EXIT } from '../exit-codes.js';
import { formatLocated, loadHistory, parseFormatFlag } from '../inputs.js';
import { parseNumberFlag, requireChoice, UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface ReportFlags {
  out?: string;
  checker?: string;
  model?: string;
  independent?: boolean;
  consistencyModels?: string;
  timeLimit?: string;
  format?: string;
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(COMMAND_SUMMARIES.report.summary)
    .argument('[run-dir-or-history]', 'a run directory, or a history file (with --checker)', 'store/latest')
    .option(
      '--out <file>',
      'where to write the report (default: RUN_DIR/report.html, or NAME.report.html here)',
    )
    .option('--checker <name>', 'for a history file: the checker to run (see `faultline checkers`)')
    .option('--model <model>', 'for a history file: the linearizable checker’s model')
    .option('--independent', 'for a history file: a Jepsen independent history (linearizable)')
    .option('--consistency-models <models>', 'for a history file: Elle’s models, comma-separated')
    .option(
      '--time-limit <seconds>',
      "for a history file: the checker's budget; out of it the verdict is unknown",
    )
    .option('--format <format>', 'for a history file: jsonl, edn or jepsen-log (default: detected)')
    .option('--json', 'print {"report": PATH, "valid": …} as JSON')
    .addHelpText(
      'after',
      `
The report is one self-contained HTML file: open it in any browser, offline.
Exit 0 once it is written (the verdict is in the report; \`faultline check\` exits with it),
254 for a bad argument or unreadable input.

Examples:
  $ faultline report
  $ faultline report store/lww-register-register/20261122T074016.830Z
  $ faultline report ../shared/data/jepsen-etcd/etcd_000.log --checker linearizable --model cas-register`,
    )
    .action(async (target: string, flags: ReportFlags) => {
      process.exitCode = await runReport(target, flags);
    });
}

async function runReport(target: string, flags: ReportFlags): Promise<number> {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    throw new UserError(
      target === 'store/latest'
        ? 'store/latest: no runs stored here yet (run `faultline run` first, or name a run directory)'
        : `${target}: no such file or directory`,
    );
  }
  const { ReportInputError, writeHistoryReport, writeRunReport } = await import('../../report/write.js');
  let out: string;
  let valid: unknown;
  if (isDir) {
    for (const flag of [
      'checker',
      'model',
      'independent',
      'consistencyModels',
      'timeLimit',
      'format',
    ] as const) {
      if (flags[flag] !== undefined)
        throw new UserError(
          `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only for a history file; a run directory is reported with its own results`,
        );
    }
    try {
      out = writeRunReport(target, { out: flags.out, generatedAt: new Date().toISOString() });
    } catch (err) {
      if (err instanceof ReportInputError) throw new UserError(err.message);
      throw err;
    }
  } else {
    if (flags.checker === undefined) {
      throw new UserError(
        `--checker: a history file needs a checker to report on; choices: ${listCheckers()
          .map((c) => c.name)
          .join(', ')}`,
      );
    }
    const checker = findChecker(flags.checker);
    if (!checker) {
      throw new UserError(
        `--checker: unknown checker '${flags.checker}'; choices: ${listCheckers()
          .map((c) => c.name)
          .join(', ')}`,
      );
    }
    const opts: CheckOptions = {};
    if (checker.models && checker.models.length > 0) {
      if (flags.model === undefined)
        throw new UserError(
          `--model: the ${checker.name} checker needs a model; choices: ${checker.models.join(', ')}`,
        );
      opts.model = requireChoice('--model', flags.model, checker.models);
    } else if (flags.model !== undefined) {
      throw new UserError(`--model: the ${checker.name} checker takes no model`);
    }
    if (flags.independent) {
      if (!checker.takes?.includes('independent'))
        throw new UserError(`--independent: the ${checker.name} checker does not take it`);
      opts.independent = true;
    }
    if (flags.consistencyModels !== undefined) {
      if (!checker.takes?.includes('consistencyModels'))
        throw new UserError(`--consistency-models: the ${checker.name} checker does not take it`);
      opts.consistencyModels = flags.consistencyModels
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
        .map((m) => requireChoice('--consistency-models', m, ALL_MODELS));
    }
    if (flags.timeLimit !== undefined)
      opts.timeLimitMs = parseNumberFlag('--time-limit', flags.timeLimit, { min: 0 }) * 1000;
    const loaded = loadHistory(target, parseFormatFlag(flags.format));
    if (!loaded.ok) {
      for (const p of loaded.problems)
        if (p.severity === 'error') process.stderr.write(`${formatLocated(p)}\n`);
      return EXIT.badArguments;
    }
    // The checker's own files (linear.svg, elle/*) are not needed: the report draws from the result.
    const scratch = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    let result: Awaited<ReturnType<typeof checker.check>>;
    try {
      result = await checker.check(loaded.history.ops, { ...opts, outDir: scratch });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    if (typeof result.inputError === 'string') throw new UserError(`${target}: ${result.inputError}`);
    valid = result.valid;
    out = flags.out ?? `${basename(target, extname(target))}.report.html`;
    writeHistoryReport(loaded.history, [{ checker: checker.name, result }], out, new Date().toISOString());
  }
  if (flags.json)
    process.stdout.write(`${JSON.stringify({ report: out, ...(valid === undefined ? {} : { valid }) })}\n`);
  else process.stdout.write(`${out}\n`);
  return EXIT.valid;
}
