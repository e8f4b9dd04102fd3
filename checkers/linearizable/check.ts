/**
 * The linearizability checker: pair the history, split it per key when the
 * model allows, search every part (interleaved in-process, or on worker
 * threads when the history is large), and explain and minimise a failure.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { Op } from '../../src/history/op.js';
import { toTypedJson } from '../../src/history/typed-json.js';
import type { CheckOptions, CheckResult } from '../types.js';
import { explainFailure, type FailureReport } from './explain.js';
import { minimiseNonLinearizable } from './minimise.js';
import type { Model } from './model.js';
import { findModel, keyed, MODEL_NAMES, ModelError } from './models.js';
import { MalformedHistoryError, type Part, type PreparedOp, prepare, unwrapIndependent } from './prepare.js';
import { renderFailureHtml, renderFailureSvg, writeFailureFiles } from './render.js';
import { orCancelled, type Progress, runInterleaved, runInterleavedWhile, SLICE_STEPS } from './schedule.js';
import { type SearchBudget, type SearchOutcome, searchLinearization } from './search.js';

export interface LinearizableOptions extends CheckOptions {
  /**
   * Worker threads for a split history of at least `workerMinOps` operations:
   * a count, 0 for none, or 'auto' (default: one per core, up to 8).
   */
  workers?: number | 'auto';
  /** Below this many operations a split history is checked in-process. Default 20,000. */
  workerMinOps?: number;
  /**
   * Before starting workers, check the parts in-process for this long (ms,
   * default 250): only the parts not finished by then go to the workers, and
   * none at all when every part is done (small parts need no threads).
   */
  workerHeadStartMs?: number;
  /**
   * After the head start, workers start only when the search left looks to
   * need at least this many more steps (default 4,000,000, about a second of
   * search): the steps the unfinished parts have taken so far (a hard part
   * likely needs as many again) plus, for the parts not started, the steps
   * per op of the finished ones. A thread costs a start-up of its own
   * (loading the checker, a cold JIT, copying its parts over) that parts
   * needing about a step per op, however many, never repay. Until then the
   * check goes on in-process, asked again between slices.
   */
  workerMinRemainingSteps?: number;
  /** Budget of the minimisation in ms (default 2,000; never past timeLimitMs). */
  minimiseTimeLimitMs?: number;
}

export interface Witness {
  /** Operations in the witness (invocation + completion pairs). */
  operations: number;
  /** Operations in the part it was reduced from. */
  reducedFrom: number;
  /** The witness as a history: the original events, in order. */
  history: Op[];
  /** Re-checks spent minimising. */
  checks: number;
  /** True when no single operation can be dropped from it any more. */
  minimal: boolean;
  /** The failure as found in the witness. */
  failure: FailureReport;
}

export interface LinearizableStats {
  timeMs: number;
  /** Steps of the search loop, over all parts (a part linearized in one pass, greedy.ts: one per op taken). */
  steps: number;
  /** Configurations (linearized set, state) memoised, over all parts. */
  configurations: number;
  /** Largest table memory of one part's search, in bytes. */
  peakSearchBytes: number;
  /** Worker threads used (0: in-process). */
  workers: number;
}

export interface LinearizableResult extends CheckResult {
  checker: 'linearizable';
  model: string;
  /** One line for people. */
  summary: string;
  /** Operations checked (failed ones and unknown reads are dropped first). */
  operations: number;
  partitions: number;
  dropped: { failed: number; unknownReads: number };
  /** Set when the history was read as Jepsen `independent` tuples `[key value]`. */
  independent?: true;
  unknownReason?: 'time' | 'memory';
  /** Input errors (a completion with no invocation, an op the model does not know). */
  error?: string;
  failure?: FailureReport;
  witness?: Witness;
  /** Files written under outDir. */
  files?: string[];
  stats: LinearizableStats;
}

const DEFAULT_WORKER_MIN_OPS = 20_000;
const DEFAULT_WORKER_HEAD_START_MS = 250;
const DEFAULT_WORKER_MIN_REMAINING_STEPS = 4_000_000;

/** The machine's figures, read once per process (os.totalmem() reads /proc/meminfo every time). */
let machineMemoryBytes: number | undefined;
let machineCores: number | undefined;

/** How many workers `workers: 'auto'` means: one per core, up to 8. */
export function defaultWorkerCount(): number {
  machineCores ??= availableParallelism();
  return Math.max(1, Math.min(machineCores, 8));
}

const DEFAULT_MINIMISE_MS = 2_000;

function resolveModel(model: Model | string, opts: LinearizableOptions): Model {
  if (typeof model !== 'string') return model;
  const found = findModel(model, { initialValue: opts.initialValue });
  if (!found) throw new TypeError(`unknown model '${model}'; choices: ${MODEL_NAMES.join(', ')}`);
  return found;
}

interface Setup {
  model: Model;
  /** The model the parts are searched with: `model.perKey` when the history was split. */
  partModel: Model;
  /** How a worker thread finds `partModel` (a built-in model by name and options); undefined: in-process only. */
  worker: { modelName: string; perKey: boolean; initialValue?: string } | undefined;
  independent: boolean;
  prepared: ReturnType<typeof prepare>;
  budget: SearchBudget;
  t0: number;
}

/**
 * The memory cap when the caller sets none: 2 GiB of search tables, or a
 * quarter of the machine's memory if that is less. Out of it the verdict is
 * `unknown`, where an unbounded search would end in an out-of-memory crash.
 */
export function defaultMemoryLimitBytes(): number {
  machineMemoryBytes ??= totalmem();
  return Math.min(2 * 2 ** 30, Math.floor(machineMemoryBytes / 4));
}

function setup(
  history: readonly Op[],
  modelArg: Model | string,
  opts: LinearizableOptions,
): Setup | { rejected: LinearizableResult } {
  const t0 = performance.now();
  let named: Model;
  try {
    named = resolveModel(modelArg, opts);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    return { rejected: inputError({ name: String(modelArg) } as Model, err.message, t0) };
  }
  const independent = opts.independent === true;
  // Independent tuples: a map of copies of the model, one per key, checked like kv.
  const model: Model = independent
    ? (keyed(named.name, named.description ?? named.name, named) as Model)
    : named;
  const builtIn = typeof modelArg === 'string' || findModel(named.name) === named;
  const initialValue = opts.initialValue === undefined ? undefined : toTypedJson(opts.initialValue);
  const budget: SearchBudget = {};
  if (opts.timeLimitMs !== undefined) budget.deadlineMs = Date.now() + opts.timeLimitMs;
  budget.memoryLimitBytes = opts.memoryLimitBytes ?? defaultMemoryLimitBytes();
  try {
    const prepared = prepare(independent ? unwrapIndependent(history) : history, model, opts.split !== false);
    const split = prepared.parts.length > 0 && prepared.parts[0].key !== undefined;
    const partModel = split && model.perKey ? model.perKey : model;
    const worker = !builtIn
      ? undefined
      : independent
        ? partModel === named
          ? { modelName: named.name, perKey: false, initialValue }
          : undefined
        : { modelName: named.name, perKey: partModel !== named, initialValue };
    return { model, partModel, worker, independent, prepared, budget, t0 };
  } catch (err) {
    if (err instanceof MalformedHistoryError || err instanceof ModelError) {
      const at = err instanceof MalformedHistoryError ? err.opIndex : undefined;
      return { rejected: inputError(model, err.message, t0, at) };
    }
    throw err;
  }
}

function inputError(model: Model, message: string, t0: number, opIndex?: number): LinearizableResult {
  return {
    valid: 'unknown',
    checker: 'linearizable',
    model: model.name,
    summary: `cannot check: ${message}`,
    error: message,
    inputError: message,
    ...(opIndex === undefined ? {} : { inputErrorIndex: opIndex }),
    operations: 0,
    partitions: 0,
    dropped: { failed: 0, unknownReads: 0 },
    stats: { timeMs: performance.now() - t0, steps: 0, configurations: 0, peakSearchBytes: 0, workers: 0 },
  };
}

/**
 * Check a history for linearizability against a model (a Model or a built-in
 * model's name). Large split histories are checked on worker threads.
 */
export async function checkLinearizable(
  history: readonly Op[],
  model: Model | string,
  opts: LinearizableOptions = {},
): Promise<LinearizableResult> {
  const s = setup(history, model, opts);
  if ('rejected' in s) return s.rejected;
  const { parts } = s.prepared;
  const wanted = opts.workers === undefined || opts.workers === 'auto' ? defaultWorkerCount() : opts.workers;
  const minOps = opts.workerMinOps ?? DEFAULT_WORKER_MIN_OPS;
  if (s.worker && wanted > 1 && parts.length > 1 && s.prepared.opCount >= minOps) {
    try {
      // Threads cost a start-up each: parts that finish within the head start are
      // checked here, and only what is left goes to the workers.
      const headStart = opts.workerHeadStartMs ?? DEFAULT_WORKER_HEAD_START_MS;
      const minRemaining = opts.workerMinRemainingSteps ?? DEFAULT_WORKER_MIN_REMAINING_STEPS;
      const { outcomes: local, unfinished } = runInterleavedWhile(
        parts.map((p) => p.ops),
        s.partModel,
        s.budget,
        (p) => p.elapsedMs < headStart || estimatedRemainingSteps(p) < minRemaining,
      );
      const left = local.flatMap((o, i) => (o === undefined ? [i] : []));
      if (left.length === 0 || local.some((o) => o?.valid === false)) {
        return finish(history, s, opts, local.map(orCancelled), 0);
      }
      // The search furthest along goes on here (sending it over would throw its
      // steps away); threads take the rest, one core fewer. A single part left
      // stays here: a thread could only start it over.
      let kept = unfinished[0];
      for (const u of unfinished) if (u.search.stepsTaken > kept.search.stepsTaken) kept = u;
      const outcomes = local.map(orCancelled);
      const sent = left.filter((i) => i !== kept?.index);
      const threads = Math.min(kept ? wanted - 1 : wanted, sent.length);
      const cancel = new SharedArrayBuffer(4);
      const flag = new Int32Array(cancel);
      const { runOnWorkers } = threads > 0 ? await import('./workers.js') : { runOnWorkers: undefined };
      // Workers start now (runOnWorkers creates them before its first await) and run beside the search here.
      const remote = runOnWorkers?.(
        sent.map((i) => parts[i]),
        s.worker.modelName,
        s.worker.perKey,
        s.budget,
        threads,
        cancel,
        s.worker.initialValue,
      );
      if (kept) {
        const search = kept.search;
        while (!search.run(SLICE_STEPS) && Atomics.load(flag, 0) === 0);
        if (search.done) {
          outcomes[kept.index] = search.outcome();
          if (outcomes[kept.index].valid === false) Atomics.store(flag, 0, 1);
        }
      }
      const done = await remote;
      if (remote === undefined || done) {
        sent.forEach((part, k) => {
          if (done) outcomes[part] = done[k];
        });
        // States crossed the thread boundary as plain data (class instances lose
        // their prototype): redo the failing part here for an explanation in the
        // model's own states. It failed once, so it fails again, just as fast.
        const failedAt = outcomes.findIndex((o) => o.valid === false);
        if (failedAt >= 0 && sent.includes(failedAt)) {
          const again = searchLinearization(parts[failedAt].ops, s.partModel, s.budget);
          if (again.valid === false) outcomes[failedAt] = again;
        }
        // The part kept here, when a thread's failure stopped it, is cancelled (orCancelled).
        return finish(history, s, opts, outcomes, threads);
      }
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      return inputError(s.model, err.message, s.t0, opOfModelError(s, err.message));
    }
  }
  return runInProcess(history, s, opts);
}

/**
 * How many more search steps the in-process check looks to need: as many
 * again as the unfinished parts have taken (hard parts come last, and the
 * easy ones say little about them), and for the parts not started the steps
 * per op of the finished ones (one each before any finished).
 */
function estimatedRemainingSteps(p: Progress): number {
  const perOp = p.finishedOps > 0 ? p.finishedSteps / p.finishedOps : 1;
  return p.activeSteps + p.waitingOps * perOp;
}

/** The same check, in-process and synchronous (no worker threads). */
export function checkLinearizableSync(
  history: readonly Op[],
  model: Model | string,
  opts: LinearizableOptions = {},
): LinearizableResult {
  const s = setup(history, model, opts);
  if ('rejected' in s) return s.rejected;
  return runInProcess(history, s, opts);
}

function runInProcess(history: readonly Op[], s: Setup, opts: LinearizableOptions): LinearizableResult {
  try {
    const outcomes = runInterleaved(
      s.prepared.parts.map((p) => p.ops),
      s.partModel,
      s.budget,
    );
    return finish(history, s, opts, outcomes, 0);
  } catch (err) {
    if (err instanceof ModelError)
      return inputError(s.model, err.message, s.t0, opOfModelError(s, err.message));
    throw err;
  }
}

/** A memory budget as people write it: MiB, or KiB below one MiB (never "0 MiB"). */
function describeBytes(bytes: number): string {
  if (bytes < 1048576) return `${Math.ceil(bytes / 1024)} KiB`;
  const mib = bytes / 1048576;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/**
 * The op a model refused (its invocation's index), found after the fact so
 * the search's hot loop stays as it is: the first op whose step from the
 * initial state throws the same message (the refusals are about an op's
 * shape, not the state). Undefined when none does.
 */
function opOfModelError(s: Setup, message: string): number | undefined {
  const model = s.partModel;
  for (const part of s.prepared.parts) {
    for (const op of part.ops) {
      try {
        model.step(model.init(), op.input, op.known ? op.output : null);
      } catch (err) {
        if (err instanceof ModelError && err.message === message) return op.invokeIndex;
      }
    }
  }
  return undefined;
}

function finish(
  history: readonly Op[],
  s: Setup,
  opts: LinearizableOptions,
  outcomes: SearchOutcome<unknown>[],
  workers: number,
): LinearizableResult {
  const { model, partModel, prepared } = s;
  const stats: LinearizableStats = { timeMs: 0, steps: 0, configurations: 0, peakSearchBytes: 0, workers };
  for (const o of outcomes) {
    stats.steps += o.stats.steps;
    stats.configurations += o.stats.configurations;
    stats.peakSearchBytes = Math.max(stats.peakSearchBytes, o.stats.peakBytes);
  }
  const base = {
    checker: 'linearizable' as const,
    model: model.name,
    operations: prepared.opCount,
    partitions: prepared.parts.length,
    dropped: prepared.dropped,
    ...(s.independent ? { independent: true as const } : {}),
    stats,
  };
  const failedAt = outcomes.findIndex((o) => o.valid === false);
  if (failedAt >= 0) {
    const part = prepared.parts[failedAt];
    const outcome = outcomes[failedAt];
    const failure = explainFailure(partModel, part.ops, outcome, part.key);
    const failing = part.ops[outcome.failing!];
    // Knossos takes a read of nil as a read of unknown value; faultline as a read of nil. Say so where it matters.
    const nilRead =
      failing !== undefined && failing.input.f === 'read' && failing.output === null
        ? ' (a read of nil is taken as reading nil; Knossos would take it as a read of unknown value: record such reads as :info or :fail)'
        : '';
    const result: LinearizableResult = {
      valid: false,
      ...base,
      summary: `not linearizable: ${failure.explanation}${nilRead}`,
      failure,
    };
    if (opts.minimise !== false) {
      const hint = (outcome.prefix ?? []).map((i) => part.ops[i]);
      const witness = minimise(
        history,
        partModel,
        part,
        part.ops[outcome.failing!],
        hint,
        outcome.stats.steps,
        s.budget,
        opts,
      );
      if (witness) {
        result.witness = witness;
        result.summary += `; a witness of ${witness.operations} operation${witness.operations === 1 ? '' : 's'} is in the result`;
      }
    }
    if (opts.outDir !== undefined) {
      // A history whose times are its positions (a Jepsen console log) gets an axis of indices.
      const timed = history.some((o) => o.time !== o.index);
      const timeOf = new Map(history.map((o) => [o.index, o.time]));
      const svg = renderFailureSvg(failure, timed ? { timeOfIndex: (i) => timeOf.get(i) } : {});
      result.files = writeFailureFiles(opts.outDir, svg, renderFailureHtml(svg, failure));
    }
    stats.timeMs = performance.now() - s.t0;
    return result;
  }
  const unknown = outcomes.find((o) => o.valid === 'unknown');
  stats.timeMs = performance.now() - s.t0;
  if (unknown) {
    const reason = unknown.unknownReason === 'memory' ? 'memory' : 'time';
    const finished = outcomes.filter((o) => o.valid === true).length;
    const limit =
      reason === 'time'
        ? `time limit ${opts.timeLimitMs} ms`
        : `memory limit ${describeBytes(s.budget.memoryLimitBytes ?? 0)}`;
    return {
      valid: 'unknown',
      ...base,
      unknownReason: reason,
      summary: `unknown: the ${limit} ran out with ${finished} of ${outcomes.length} parts linearizable`,
    };
  }
  if (prepared.opCount === 0 && prepared.dropped.failed + prepared.dropped.unknownReads === 0) {
    // A history with no operations at all: nothing was checked, so never valid.
    return { valid: 'unknown', ...base, summary: 'unknown: the history holds no client operations to check' };
  }
  return {
    valid: true,
    ...base,
    summary: `linearizable: ${prepared.opCount} operations${prepared.parts.length > 1 ? ` in ${prepared.parts.length} independent parts` : ''}`,
  };
}

function minimise(
  history: readonly Op[],
  model: Model,
  part: Part,
  failing: PreparedOp,
  hint: readonly PreparedOp[],
  steps: number,
  budget: SearchBudget,
  opts: LinearizableOptions,
): Witness | undefined {
  const deadlineMs = Math.min(
    budget.deadlineMs ?? Number.POSITIVE_INFINITY,
    Date.now() + (opts.minimiseTimeLimitMs ?? DEFAULT_MINIMISE_MS),
  );
  const m = minimiseNonLinearizable(
    part.ops,
    failing,
    model,
    {
      deadlineMs,
      maxChecks: 2_000,
      checkTimeLimitMs: 250,
      // Bounded effort: a re-check should not need much more search than the part
      // did (a cut history can be much harder: out of steps, the op stays), and
      // all of them together at most ten times that (or 200,000 steps).
      checkMaxSteps: Math.max(5_000, 2 * steps),
      maxTotalSteps: Math.max(200_000, 10 * steps),
    },
    hint,
  );
  const outcome = searchLinearization(m.ops, model, { deadlineMs: Date.now() + 1_000 });
  if (outcome.valid !== false) return undefined;
  const events: { pos: number; op: Op }[] = [];
  for (const o of m.ops) {
    events.push({ pos: o.callPos, op: history[o.callPos] });
    if (o.completePos >= 0) events.push({ pos: o.completePos, op: history[o.completePos] });
  }
  events.sort((a, b) => a.pos - b.pos);
  return {
    operations: m.ops.length,
    reducedFrom: part.ops.length,
    history: events.map((e) => e.op),
    checks: m.checks,
    minimal: m.minimal,
    failure: explainFailure(model, m.ops, outcome, part.key),
  };
}
