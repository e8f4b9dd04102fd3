import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { ALL_ANOMALIES, ALL_MODELS } from '../../../checkers/elle/models.js';
import { findModel, ModelError } from '../../../checkers/linearizable/models.js';
import { findChecker, listCheckers } from '../../../checkers/registry.js';
import type { Checker, CheckerSpecificOption, CheckOptions, CheckResult } from '../../../checkers/types.js';
import { parseEdn } from '../../history/edn.js';
import { toTypedJson } from '../../history/typed-json.js';
import type { Value } from '../../history/values.js';
import { combineValid, EXIT, exitCodeForValid } from '../exit-codes.js';
import { expandInputs, loadHistory, parseFormatFlag } from '../inputs.js';
import { reportExcerpt } from '../report.js';
import { colorsFor, verdictWord, withElapsed } from '../terminal.js';
import { parseNumberFlag, requireChoice, UserError } from '../user-error.js';

interface CheckFlags {
  checker: string;
  model?: string;
  independent?: boolean;
  /** False with --no-split. */
  split?: boolean;
  initialValue?: string;
  anomalies?: string;
  json?: boolean;
  format?: string;
  timeLimit?: string;
  memoryLimit?: string;
  consistencyModels?: string;
  wfrKeys?: boolean;
  sequentialKeys?: boolean;
  linearizableKeys?: boolean;
  totalAmount?: string;
  out?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check histories with a checker; exit 0 valid, 1 invalid, 2 unknown, 254 bad input')
    .argument('<files...>', 'history files, or directories (every .jsonl, .edn, .log and .txt in them)')
    .requiredOption('--checker <name>', 'checker to run (see `faultline checkers`)')
    .option('--model <model>', 'model for the linearizable checker: register, cas-register, kv, kv-append, …')
    .option(
      '--independent',
      "linearizable: a Jepsen independent history (every op's value [key value]); each key checked alone with --model",
    )
    .option(
      '--no-split',
      'linearizable: check a keyed history (kv, kv-append, --independent) as one object, not split per key',
    )
    .option(
      '--initial-value <edn>',
      "linearizable: the model's initial value as EDN (Knossos' (cas-register 0) is --initial-value 0; multi-register: '{:x 0 :y 0}'); every key of a keyed model starts with it",
    )
    .option(
      '--anomalies <names>',
      "elle: comma-separated anomalies to fail on besides those the models forbid (Elle's :anomalies), e.g. G1,G2-item",
    )
    .option(
      '--consistency-models <models>',
      "elle: comma-separated models to check, Elle's names and aliases (e.g. serializable,strict-serializable; default strict-serializable; none: only --anomalies)",
    )
    .option('--wfr-keys', 'elle-rw-register: infer versions assuming writes follow reads within a txn')
    .option(
      '--sequential-keys',
      'elle-rw-register: infer versions assuming each key is sequentially consistent (process order)',
    )
    .option(
      '--linearizable-keys',
      'elle-rw-register: infer versions assuming each key is linearizable (real-time order)',
    )
    .option('--total-amount <n>', "bank: the total every read must see (default: the first read's total)")
    .option('--time-limit <seconds>', 'budget per file; out of it the verdict is unknown, never valid')
    .option(
      '--memory-limit <MiB>',
      "memory budget for the search, in MiB (default: 2048, or a quarter of the machine's memory if less); out of it the verdict is unknown",
    )
    .option('--out <dir>', 'write explanations (SVG/HTML) under this directory, one folder per file')
    .option('--format <format>', 'force the input format: jsonl, edn or jepsen-log (default: detected)')
    .option('--json', 'print one JSON object per file, on its own line')
    .addHelpText(
      'after',
      `
Examples:
  $ faultline check ../shared/data/jepsen-etcd --checker linearizable --model cas-register
  $ faultline check ../shared/data/kv/c10-bad.txt --checker linearizable --model kv-append --json
  $ faultline check ../shared/data/kv/c10-ok.txt --checker linearizable --model kv-append --no-split
  $ faultline check store/latest/history.jsonl --checker linearizable --model kv
  $ faultline check history.jsonl --checker elle-list-append --consistency-models serializable,strict-serializable
  $ faultline check history.edn --checker linearizable --model cas-register --initial-value 0
  $ faultline check history.edn --checker elle-list-append --consistency-models read-committed --anomalies G2-item`,
    )
    .action(async (files: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(files, flags);
    });
}

async function runCheck(files: string[], flags: CheckFlags): Promise<number> {
  const checker = findChecker(flags.checker);
  if (!checker) {
    const names = listCheckers().map((c) => c.name);
    throw new UserError(
      `--checker: unknown checker '${flags.checker}'; choices: ${names.length > 0 ? names.join(', ') : '(none registered)'}`,
    );
  }
  const opts: CheckOptions = {};
  if (checker.models && checker.models.length > 0) {
    if (flags.model === undefined) {
      throw new UserError(
        `--model: the ${checker.name} checker needs a model; choices: ${checker.models.join(', ')}`,
      );
    }
    opts.model = requireChoice('--model', flags.model, checker.models);
  } else if (flags.model !== undefined) {
    throw new UserError(`--model: the ${checker.name} checker takes no model`);
  }
  if (flags.independent) {
    requireTaker('--independent', 'independent', checker);
    opts.independent = true;
  }
  if (flags.split === false) {
    requireTaker('--no-split', 'split', checker);
    opts.split = false;
  }
  if (flags.initialValue !== undefined) {
    requireTaker('--initial-value', 'initialValue', checker);
    opts.initialValue = parseInitialValue(flags.initialValue, opts.model);
  }
  if (flags.anomalies !== undefined) {
    requireTaker('--anomalies', 'anomalies', checker);
    opts.anomalies = flags.anomalies
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean)
      .map((a) => requireChoice('--anomalies', a, ALL_ANOMALIES));
  }
  if (flags.timeLimit !== undefined)
    opts.timeLimitMs = parseNumberFlag('--time-limit', flags.timeLimit, { min: 0 }) * 1000;
  if (flags.memoryLimit !== undefined) {
    opts.memoryLimitBytes = parseNumberFlag('--memory-limit', flags.memoryLimit, { min: 1 }) * 1024 * 1024;
  }
  if (flags.consistencyModels !== undefined) {
    requireTaker('--consistency-models', 'consistencyModels', checker);
    // `none`: no model at all, only the --anomalies named (Elle's :consistency-models nil).
    opts.consistencyModels =
      flags.consistencyModels.trim() === 'none'
        ? []
        : flags.consistencyModels
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean)
            .map((m) => requireChoice('--consistency-models', m, ALL_MODELS));
  }
  for (const [flag, on, key] of [
    ['--wfr-keys', flags.wfrKeys, 'wfrKeys'],
    ['--sequential-keys', flags.sequentialKeys, 'sequentialKeys'],
    ['--linearizable-keys', flags.linearizableKeys, 'linearizableKeys'],
  ] as const) {
    if (!on) continue;
    requireTaker(flag, key, checker);
    opts[key] = true;
  }
  if (flags.totalAmount !== undefined) {
    requireTaker('--total-amount', 'totalAmount', checker);
    opts.totalAmount = parseNumberFlag('--total-amount', flags.totalAmount, {});
  }
  // A witness is only shown in the JSON result: the plain verdict lines do without the minimisation.
  if (!flags.json) opts.minimise = false;
  const format = parseFormatFlag(flags.format);
  const paths = expandInputs(files);

  let overall: true | false | 'unknown' = true;
  let malformed = false;
  for (const path of paths) {
    // One file at a time in its own call, so its history is garbage before the next file is read.
    const verdict = await checkFile(path, checker, opts, format, flags, paths.length);
    if (verdict === 'malformed') malformed = true;
    else overall = combineValid(overall, verdict);
  }
  if (malformed) return EXIT.badArguments;
  return exitCodeForValid(overall);
}

/** `--initial-value` as EDN, checked against the model now (a model that takes none is refused by name). */
function parseInitialValue(text: string, model: string | undefined): Value {
  let v: Value;
  try {
    v = parseEdn(text);
  } catch (err) {
    throw new UserError(
      `--initial-value: not an EDN value (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (model !== undefined) {
    try {
      findModel(model, { initialValue: v });
    } catch (err) {
      if (err instanceof ModelError) throw new UserError(`--initial-value: ${err.message}`);
      throw err;
    }
  }
  return v;
}

/** A flag of an option the checker does not take is refused, naming the checkers that do. */
function requireTaker(flag: string, option: CheckerSpecificOption, checker: Checker): void {
  if (checker.takes?.includes(option)) return;
  const takers = listCheckers()
    .filter((c) => c.takes?.includes(option))
    .map((c) => c.name);
  throw new UserError(
    `${flag}: only the ${takers.join(' and ')} checker${takers.length === 1 ? ' takes' : 's take'} it, not ${checker.name}`,
  );
}

/** Read, check and print one file: its verdict, or 'malformed' for input it cannot take. */
async function checkFile(
  path: string,
  checker: Checker,
  opts: CheckOptions,
  format: ReturnType<typeof parseFormatFlag>,
  flags: CheckFlags,
  fileCount: number,
): Promise<CheckResult['valid'] | 'malformed'> {
  const loaded = loadHistory(path, format);
  if (!loaded.ok) {
    for (const m of loaded.messages) process.stderr.write(`${m}\n`);
    if (flags.json)
      process.stdout.write(`${JSON.stringify({ file: path, valid: 'unknown', error: loaded.messages })}\n`);
    return 'malformed';
  }
  if (loaded.warnings.length > 0) {
    // Shapes validate warns about (times out of order, …) do not stop a check; name how many there were.
    process.stderr.write(
      `${loaded.warnings[0]}${loaded.warnings.length > 1 ? ` (and ${loaded.warnings.length - 1} more warnings: faultline validate FILE lists them)` : ''}\n`,
    );
  }
  const fileOpts = { ...opts };
  if (flags.out) {
    fileOpts.outDir = fileCount === 1 ? flags.out : join(flags.out, basename(path));
    mkdirSync(fileOpts.outDir, { recursive: true });
  }
  // A long check shows how long it has been running (on stderr; nothing with --json).
  const result = await withElapsed({ label: `checking ${path}`, silent: flags.json === true }, () =>
    checker.check(loaded.history.ops, fileOpts),
  );
  if (typeof result.inputError === 'string') {
    // The history cannot be read by this checker or model: the user's mistake, not a budget.
    process.stderr.write(`${path}: ${result.inputError}\n`);
    if (flags.json) process.stdout.write(`${toTypedJson({ file: path, ...result })}\n`);
    return 'malformed';
  }
  if (flags.json) process.stdout.write(`${toTypedJson({ file: path, ...result })}\n`);
  else {
    process.stdout.write(`${path}\t${describeVerdict(result)}\n`);
    for (const line of reportExcerpt(result, '  ')) process.stdout.write(`${line}\n`);
  }
  return result.valid;
}

function describeVerdict(result: CheckResult): string {
  const verdict = verdictWord(result.valid, colorsFor(process.stdout));
  const summary = typeof result.summary === 'string' ? `\t${result.summary}` : '';
  return `${verdict}${summary}`;
}
