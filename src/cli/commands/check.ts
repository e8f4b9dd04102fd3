import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { ALL_ANOMALIES, ALL_MODELS } from '../../../checkers/elle/models.js';
import { findModel, ModelError } from '../../../checkers/linearizable/models.js';
import { findChecker, listCheckers } from '../../../checkers/registry.js';
import type { Checker, CheckerSpecificOption, CheckOptions, CheckResult } from '../../../checkers/types.js';
import { parseEdn } from '../../history/edn.js';
import type { History } from '../../history/op.js';
import { toTypedJson } from '../../history/typed-json.js';
import type { Value } from '../../history/values.js';
import { namesModule } from '../../plugins/flags.js';
import { combineValid, EXIT, exitCodeForValid } from '../exit-codes.js';
import { fsFailure } from '../fs-errors.js';
import {
  expandInputs,
  formatLocated,
  type InputEntry,
  loadHistory,
  parseFormatFlag,
  type StoredChecker,
} from '../inputs.js';
import {
  type ErrorReport,
  errorReport,
  isStackOverflow,
  type OutputSink,
  printError,
  processOutput,
  TOO_DEEP,
} from '../output.js';
import { reportExcerpt } from '../report.js';
import { colorEnabled, verdictWord, withElapsed } from '../terminal.js';
import { parseNumberFlag, requireChoice, UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export interface CheckFlags {
  checker?: string;
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
  threads?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(COMMAND_SUMMARIES.check.summary)
    .argument(
      '<files...>',
      "history files, run directories (faultline's store/latest, or a Jepsen store directory's history.edn), or directories of history files",
    )
    .option(
      '--checker <name>',
      "checker to run (see `faultline checkers`) or a module of your own (./my-checker.ts); a faultline run directory's own (from its test.json) when left out",
    )
    .option(
      '--model <model>',
      'model for the linearizable checker: register, cas-register, kv, kv-append, …, or a module of your own (./my-model.ts)',
    )
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
    .option(
      '--threads <n>',
      'check several files at once on up to n threads (default: one per core, when the files are big enough to pay for a thread); 1: one after another',
    )
    .option('--json', 'print one JSON object per file, on its own line')
    .addHelpText(
      'after',
      `
Examples:
  $ faultline check ../shared/data/jepsen-etcd --checker linearizable --model cas-register
  $ faultline check ../shared/data/kv/c10-bad.txt --checker linearizable --model kv-append --json
  $ faultline check ../shared/data/kv/c10-ok.txt --checker linearizable --model kv-append --no-split
  $ faultline check store/latest
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
  const checker =
    flags.checker === undefined
      ? undefined
      : namesModule(flags.checker)
        ? await (await import('../../plugins/load.js')).loadCheckerModule(flags.checker)
        : requireChecker('--checker', flags.checker);
  if (flags.model !== undefined && namesModule(flags.model)) {
    // A model of the user's own: the linearizable checker with it (any other checker takes no model file).
    if (checker !== undefined && checker.name !== 'linearizable')
      throw new UserError(
        `--model ${flags.model}: a model file is for the linearizable checker, not ${checker.name}`,
      );
    const { loadModelModule } = await import('../../plugins/load.js');
    const { checkLinearizable } = await import('../../../checkers/linearizable/check.js');
    const model = await loadModelModule(flags.model);
    const withModel: Checker = {
      name: 'linearizable',
      description: `linearizability against the ${model.name} model (${flags.model})`,
      takes: ['independent', 'split'],
      check: (history, opts) => checkLinearizable(history, model, opts),
    };
    const { model: _, ...rest } = flags;
    const flagOpts = optionsFromFlags(withModel, rest);
    return checkAll(files, withModel, flagOpts, rest);
  }
  // Flags are checked before any file is read: a mistake in them is reported at once.
  const flagOpts = checker ? optionsFromFlags(checker, flags) : undefined;
  return checkAll(
    files,
    checker,
    flagOpts,
    flags,
    checker !== undefined && !namesModule(flags.checker ?? ''),
  );
}

async function checkAll(
  files: string[],
  checker: Checker | undefined,
  flagOpts: CheckOptions | undefined,
  flags: CheckFlags,
  /** The checker and model are built in, so a thread can find them by name. */
  threadable = false,
): Promise<number> {
  const format = parseFormatFlag(flags.format);
  const askedThreads =
    flags.threads === undefined
      ? undefined
      : parseNumberFlag('--threads', flags.threads, { min: 1, integer: true });
  const entries = await expandInputs(files);
  if (!checker && !entries.some((e) => e.storedChecker !== undefined)) {
    const runDir = entries.find((e) => e.runDir !== undefined)?.runDir;
    throw new UserError(
      runDir !== undefined
        ? `--checker: ${runDir} is not a faultline run directory (no test.json), so name a checker (see \`faultline checkers\`)`
        : '--checker: name a checker (see `faultline checkers`); only a faultline run directory says its own',
    );
  }
  const ctx: CheckContext = {
    checker,
    flagOpts,
    format,
    flags,
    inputCount: entries.length,
    color: colorEnabled(process.stdout),
  };
  const threads = threadable ? threadsFor(entries, askedThreads) : 1;
  const outcomes =
    threads > 1
      ? await (await import('./check-threads.js')).checkOnThreads(entries, ctx, threads)
      : await checkInOrder(entries, ctx);
  const tally = { valid: 0, invalid: 0, unknown: 0, notChecked: 0 };
  let overall: true | false | 'unknown' = true;
  let failed = false;
  for (const outcome of outcomes) {
    if (outcome.verdict === undefined) tally.notChecked++;
    else {
      overall = combineValid(overall, outcome.verdict);
      tally[outcome.verdict === true ? 'valid' : outcome.verdict === false ? 'invalid' : 'unknown']++;
    }
    if (outcome.failed) failed = true;
  }
  if (entries.length > 1 && !flags.json) {
    const parts = [
      `${tally.valid} valid`,
      `${tally.invalid} INVALID`,
      `${tally.unknown} unknown`,
      ...(tally.notChecked > 0 ? [`${tally.notChecked} not checked`] : []),
    ];
    process.stdout.write(`${entries.length} files: ${parts.join(', ')}\n`);
  }
  // Like Jepsen's test-all: an input that could not be checked outranks every verdict (all are printed).
  if (failed) return EXIT.badArguments;
  return exitCodeForValid(overall);
}

/**
 * A thread costs ~110 ms of CPU to start (a new isolate compiles node's own
 * modules and the check's code again), so it pays only when the files
 * besides the biggest (which one thread checks anyway) are much more work
 * than that. Measured on 2 cores with kv-append files: 6 files of 720 KB
 * (0.26 s) and the 102 etcd logs (824 KB) were slower with a thread; five
 * 283 KB files broke even; eight (2.2 MB, 1.1 s) took 0.71 s instead.
 */
const THREAD_MIN_OTHER_BYTES = 1536 * 1024;

/** How many threads check these inputs: --threads, else one per core when the inputs are big enough. */
function threadsFor(entries: readonly InputEntry[], asked: number | undefined): number {
  const wanted = Math.min(asked ?? availableParallelism(), entries.length);
  if (wanted < 2 || asked !== undefined) return wanted;
  let total = 0;
  let biggest = 0;
  for (const e of entries) {
    const size = e.problem === undefined ? sizeOf(e.path) : 0;
    total += size;
    if (size > biggest) biggest = size;
  }
  return total - biggest >= THREAD_MIN_OTHER_BYTES ? wanted : 1;
}

export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function requireChecker(flag: string, name: string): Checker {
  const checker = findChecker(name);
  if (checker) return checker;
  const names = listCheckers().map((c) => c.name);
  throw new UserError(
    `${flag}: unknown checker '${name}'; choices: ${names.length > 0 ? names.join(', ') : '(none registered)'}`,
  );
}

/** The check options the flags ask for, refusing any this checker does not take. */
function optionsFromFlags(checker: Checker, flags: CheckFlags, stored?: CheckOptions): CheckOptions {
  const opts: CheckOptions = { ...(stored ?? {}) };
  if (checker.models && checker.models.length > 0) {
    if (flags.model !== undefined) opts.model = requireChoice('--model', flags.model, checker.models);
    else if (opts.model === undefined) {
      throw new UserError(
        `--model: the ${checker.name} checker needs a model; choices: ${checker.models.join(', ')}`,
      );
    }
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
  return opts;
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

/** What became of one input: its verdict if one was reached, and whether anything failed (exit 254). */
export interface EntryOutcome {
  verdict?: CheckResult['valid'];
  failed: boolean;
}

/** The checker and options for one input: the flags', or a faultline run directory's own. */
function checkerFor(
  entry: InputEntry,
  checker: Checker | undefined,
  flagOpts: CheckOptions | undefined,
  flags: CheckFlags,
): { checker: Checker; opts: CheckOptions } {
  if (checker && flagOpts) return { checker, opts: flagOpts };
  const stored: StoredChecker | undefined = entry.storedChecker;
  if (!stored) {
    throw new UserError(
      entry.runDir
        ? `--checker: ${entry.runDir} is not a faultline run directory (no test.json), so name a checker (see \`faultline checkers\`)`
        : '--checker: name a checker (see `faultline checkers`); only a faultline run directory says its own',
    );
  }
  const found = requireChecker(`${entry.runDir}/test.json: checker`, stored.name);
  return { checker: found, opts: optionsFromFlags(found, flags, stored.options) };
}

/** What every input of one `faultline check` is checked with. Plain data but the checker: a thread rebuilds it (checkerOnThread). */
export interface CheckContext {
  checker: Checker | undefined;
  flagOpts: CheckOptions | undefined;
  format: ReturnType<typeof parseFormatFlag>;
  flags: CheckFlags;
  inputCount: number;
  /** Colour on the verdict words (decided for the process's stdout, wherever the lines are made). */
  color: boolean;
}

/** The inputs one after another, each printed as it is checked. */
async function checkInOrder(entries: readonly InputEntry[], ctx: CheckContext): Promise<EntryOutcome[]> {
  const outcomes: EntryOutcome[] = [];
  // One file at a time in its own call, so its history is garbage before the next file is read.
  for (const entry of entries) outcomes.push(await checkOne(entry, ctx, processOutput, false));
  return outcomes;
}

/** One input read, checked and reported to `to`; an input too deeply nested to follow is reported, not thrown. */
export async function checkOne(
  entry: InputEntry,
  ctx: CheckContext,
  to: OutputSink,
  quiet: boolean,
): Promise<EntryOutcome> {
  try {
    return await checkEntry(entry, ctx, to, quiet);
  } catch (err) {
    if (!isStackOverflow(err)) throw err;
    printError(
      errorReport(`${entry.path}: ${TOO_DEEP}; not checked`, EXIT.badArguments, entry.path),
      ctx.flags.json === true,
      '',
      to,
    );
    return { failed: true };
  }
}

/** The checker and options of a context sent to a thread (built in, found by name). */
export function checkerOnThread(flags: CheckFlags): Pick<CheckContext, 'checker' | 'flagOpts'> {
  const checker = requireChecker('--checker', flags.checker ?? '');
  return { checker, flagOpts: optionsFromFlags(checker, flags) };
}

/** Read, check and print one input. A verdict reached is printed before any error writing --out. */
async function checkEntry(
  entry: InputEntry,
  ctx: CheckContext,
  to: OutputSink,
  /** No "checking FILE… Ns elapsed" on stderr (a file checked on a thread). */
  quiet: boolean,
): Promise<EntryOutcome> {
  const { checker, flagOpts, format, flags, inputCount } = ctx;
  const json = flags.json === true;
  const path = entry.path;
  if (entry.problem !== undefined) {
    printError(errorReport(`${path}: ${entry.problem}`, EXIT.badArguments, path), json, '', to);
    return { failed: true };
  }
  let chosen: { checker: Checker; opts: CheckOptions };
  try {
    chosen = checkerFor(entry, checker, flagOpts, flags);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    printError(errorReport(err.message, EXIT.badArguments, path), json, '', to);
    return { failed: true };
  }
  const loaded = loadHistory(path, format);
  if (!loaded.ok) {
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    for (const p of errors)
      printError(errorReport(formatLocated(p), EXIT.badArguments, p.file, p.line), json, '', to);
    return { failed: true };
  }
  const warnings = loaded.problems.filter((p) => p.severity === 'warning');
  if (warnings.length > 0) {
    // Shapes validate warns about (times out of order, …) do not stop a check; name how many there were.
    to.write(
      'err',
      `${formatLocated(warnings[0])}${warnings.length > 1 ? ` (and ${warnings.length - 1} more warnings: faultline validate FILE lists them)` : ''}\n`,
    );
  }
  const fileOpts: CheckOptions = { ...chosen.opts };
  let outError: ErrorReport | undefined;
  if (flags.out) {
    const outDir = inputCount === 1 ? flags.out : join(flags.out, entry.label);
    try {
      // The store's module (and node:crypto with it) loads only for --out.
      (await import('../../store/store.js')).makeDirs(outDir);
      fileOpts.outDir = outDir;
    } catch (err) {
      outError = outputError(err, outDir);
      if (!outError) throw err;
    }
  }
  // A long check shows how long it has been running (on stderr; nothing with --json).
  const check = () =>
    withElapsed({ label: `checking ${path}`, silent: json || quiet }, () =>
      chosen.checker.check(loaded.history.ops, fileOpts),
    );
  let result: CheckResult;
  try {
    result = await check();
  } catch (err) {
    // Writing the explanations failed (a full or read-only disk): check again without them, so the verdict is not lost.
    const failure = fileOpts.outDir === undefined ? undefined : outputError(err, fileOpts.outDir);
    if (!failure) throw err;
    outError = failure;
    delete fileOpts.outDir;
    result = await check();
  }
  if (typeof result.inputError === 'string') {
    // The history cannot be read by this checker or model: the user's mistake, not a budget.
    const line = lineOfIndex(loaded.history, result.inputErrorIndex);
    const where = line === undefined ? path : `${path}:${line}`;
    to.write('err', `${where}: ${result.inputError}\n`);
    if (json) {
      to.write(
        'out',
        `${toTypedJson({ file: path, ...(line === undefined ? {} : { line }), error: result.inputError, exitCode: EXIT.badArguments, ...result })}\n`,
      );
    }
    return { failed: true };
  }
  if (json) to.write('out', `${toTypedJson({ file: path, ...result })}\n`);
  else {
    to.write('out', `${path}\t${describeVerdict(result, ctx.color)}\n`);
    for (const line of reportExcerpt(result, '  ')) to.write('out', `${line}\n`);
  }
  if (outError) {
    printError(outError, json, '', to);
    return { verdict: result.valid, failed: true };
  }
  return { verdict: result.valid, failed: false };
}

/** An error writing under --out, in words; undefined when `err` is not a filesystem failure. */
function outputError(err: unknown, outDir: string): ErrorReport | undefined {
  const f = fsFailure(err);
  if (!f) return undefined;
  const where = f.path && f.path !== outDir ? ` (${f.path})` : '';
  return errorReport(
    `--out ${outDir}: cannot write the explanations${where}: ${f.problem}`,
    EXIT.badArguments,
    f.path ?? outDir,
  );
}

/** The line of the op whose `index` is `opIndex` (checkers name ops by index; users read lines). */
function lineOfIndex(history: History, opIndex: unknown): number | undefined {
  if (typeof opIndex !== 'number') return undefined;
  const pos = history.ops.findIndex((op) => op.index === opIndex);
  return pos < 0 ? undefined : (history.lines[pos] ?? pos + 1);
}

function describeVerdict(result: CheckResult, color: boolean): string {
  const verdict = verdictWord(result.valid, pc.createColors(color));
  const summary = typeof result.summary === 'string' ? `\t${result.summary}` : '';
  return `${verdict}${summary}`;
}
