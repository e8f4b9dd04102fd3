import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findChecker, isPluginChecker } from '../../checkers/registry.js';
import type { CheckOptions, CheckResult } from '../../checkers/types.js';
import type { Adapter } from '../../systems/adapters/types.js';
import type { Workload } from '../../workloads/types.js';
import type { Op } from '../history/op.js';
import { readHistoryFileSync } from '../history/read.js';
import { type CheckBudget, checkInWorker, describeBudget } from '../host/check-in-worker.js';
import { defaultCheckBudget, nextTurn } from '../host/turn.js';
import { isMaelstromSystem, type ResolvedMaelstromRun, resolveMaelstromConfig } from '../maelstrom/config.js';
import type { MaelstromRunSummary } from '../maelstrom/run-maelstrom.js';
import { loadRunModules } from '../plugins/load.js';
import { isAdapterName, type ResolvedRealRun, resolveRealConfig } from '../real/config.js';
import type { RealRunSummary } from '../real/run-real.js';
import { writeRunReport } from '../report/write.js';
import type { NodeId } from '../sim/types.js';
import { HistoryFileWriter } from '../store/history-writer.js';
import {
  BufferedFileWriter,
  checkStore,
  createRunDir,
  hashFile,
  RESULTS_RESERVE_BYTES,
  updateLatest,
  writeJson,
} from '../store/store.js';
import { runCheckerOptions } from './checker-options.js';
import { type RunConfig, replayCommand, resolveConfig, testName } from './config.js';
import type { Schedule } from './schedule.js';
import { expectedSimulatedNs, prepareSimulation, type SimulationSummary } from './simulate.js';

/** The simulation itself failed (a node threw, or the run did not finish): the history so far is on disk. */
export class RunCrashedError extends Error {
  override name = 'RunCrashedError';
  constructor(
    message: string,
    readonly dir: string,
    readonly replay: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/**
 * A Maelstrom node binary misbehaved (exited early, printed a line that is
 * not a message, never answered init): the user's program is at fault, and
 * the history so far is on disk.
 */
export class NodeBinaryError extends RunCrashedError {
  override name = 'NodeBinaryError';
}

export interface RunTestOptions {
  /** Store root; default `store`. */
  storeDir?: string;
  /** Real wall-clock start as an ISO string: names the run directory (never seen by the simulation). */
  startedAtIso: string;
  /** Wall-clock budget for the checker, ms; default sized for the run (defaultCheckBudget). */
  checkTimeLimitMs?: number;
  /** Memory budget for the checker, MiB; default sized for the run. */
  checkMemoryLimitMiB?: number;
  /**
   * Check on a worker thread: the budget is enforced whatever the checker
   * does (its heap capped, stopped at the deadline), and a signal is answered
   * during the check. In-process, the checker is held to the budget by its
   * own limits. 'auto' (default): a worker for histories of at least
   * WORKER_CHECK_MIN_OPS ops or when a memory budget is asked for; smaller
   * ones check in-process (starting a worker costs more than their check).
   */
  checkInWorker?: boolean | 'auto';
  /** Aborted (its reason a signal name, say) → the run stops, and results.json says it was interrupted. */
  signal?: AbortSignal;
  /** Real mode with an adapter of your own (systems/adapters/README.md); `system` is then its name. */
  adapter?: Adapter;
  /** Write the run into this directory (created) instead of a fresh `store/<test>/<time>/`. */
  dir?: string;
  /** Carry out this explicit schedule (a shrunk scenario) instead of drawing operations and faults. */
  schedule?: Schedule;
  /** The command that replays this run, when it is not `faultline run` with the config's flags. */
  replay?: string;
  /** Called when the simulation has finished and again when the check has (the CLI times the phases). */
  onPhaseDone?: (phase: 'simulation' | 'check') => void;
  /** Called once the store is ready and the simulation about to start (a store that cannot be written throws first). */
  onStarted?: (dir: string) => void;
  /** Progress of the simulation: virtual time so far and about how much the run takes (ns). */
  onSimulationProgress?: (virtualNs: number, expectedNs: number) => void;
}

/** complete: checked; interrupted: stopped by `signal`; incomplete: the store could not be written (a full disk). */
export type RunStatus = 'complete' | 'interrupted' | 'incomplete';

export interface TestRun {
  dir: string;
  config: RunConfig;
  status: RunStatus;
  /** Which phase an interrupted or incomplete run stopped in. */
  stoppedIn?: 'simulation' | 'check';
  /** The abort reason (SIGINT, SIGTERM) of an interrupted run. */
  interruptedBy?: string;
  /** What could not be written, `PATH: problem` (an incomplete run, or explanations or results.json that failed). */
  writeError?: string;
  valid: true | false | 'unknown';
  /** Name of the checker that judged the history (a `fallback:` one while the real one is not registered). */
  checker: string;
  result: CheckResult;
  /** The budget the check had. */
  checkBudget?: CheckBudget;
  /** A simulated run's summary, a Maelstrom binary's (`maelstrom`), or a real run's (`mode: 'real'`). */
  summary: SimulationSummary | MaelstromRunSummary | RealRunSummary;
  /** Lines of history.jsonl on disk (all ops of a complete run; a prefix otherwise). */
  opsWritten: number;
  historySha256: string;
  replay: string;
  /** report.html in the run directory, or why it could not be written (the verdict stands either way). */
  report: { path: string } | { error: string };
}

/** report.html from the run directory's files; a failure to draw it never costs the run its verdict. */
function writeReport(dir: string, history?: readonly Op[]): TestRun['report'] {
  try {
    return { path: writeRunReport(dir, { history }) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** From this many ops on, `checkInWorker: 'auto'` checks on a worker thread. */
export const WORKER_CHECK_MIN_OPS = 20_000;

/** Events simulated between two turns of the event loop (a signal waits at most this long). */
const SLICE_EVENTS = 4_000;

/** A write failure in words for results.json: `PATH: problem`. */
function describeWriteFailure(err: Error, path: string): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EIO: 'input/output error',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EMFILE: 'too many open files',
  };
  return `${e.path ?? path}: ${(e.code && words[e.code]) ?? e.message}`;
}

/**
 * results.json, replaced whole. Undefined when written, else why not (a full
 * disk): the older results.json, which says less but says what the run is, stays.
 */
function tryWriteResults(dir: string, data: unknown, reserve = true): string | undefined {
  const path = join(dir, 'results.json');
  try {
    writeJson(path, data, reserve ? { reserveBytes: RESULTS_RESERVE_BYTES } : {});
    return undefined;
  } catch (err) {
    return describeWriteFailure(err as Error, path);
  }
}

/**
 * A run's configuration and workload, whichever kind of system it names: an adapter's name (or
 * an adapter of the caller's own) means real mode, `maelstrom` node binaries on the simulated
 * network, anything else a simulated system.
 */
export function resolveRun(
  partial: Partial<RunConfig> & { seed: number },
  adapter?: Adapter,
): { config: RunConfig; workload: Workload; real?: ResolvedRealRun; maelstrom?: ResolvedMaelstromRun } {
  if (adapter !== undefined || isAdapterName(partial.system ?? '')) {
    const real = resolveRealConfig(partial, adapter);
    return { ...real, real };
  }
  // --system maelstrom: node binaries as processes on the simulated network, in wall-clock time.
  if (isMaelstromSystem(partial.system)) {
    const maelstrom = resolveMaelstromConfig(partial);
    return { ...maelstrom, maelstrom };
  }
  return resolveConfig(partial);
}

/**
 * `faultline run`, as a function: simulate, stream the history and node logs
 * into `store/<test>/<time>/`, check the history with the workload's
 * checker, write results.json and point `store/latest` at the run.
 *
 * Nothing known is lost: a store that cannot be written is refused before
 * the run starts; results.json says from the start what the run is (so
 * `latest` never points at a run that does not); on a full disk or a signal
 * the history keeps its whole lines, node logs are flushed, and results.json
 * says `incomplete` / `interrupted` with what is known.
 */
export async function runTest(
  partial: Partial<RunConfig> & { seed: number },
  opts: RunTestOptions,
): Promise<TestRun> {
  // An adapter's name means real mode: the same runner, on the wall clock, against real processes.
  // An adapter of the caller's own (opts.adapter) means real mode too.
  await loadRunModules(partial.modules);
  const { config, workload, real, maelstrom } = resolveRun(partial, opts.adapter);
  const realMode = real ? await import('../real/run-real.js') : undefined;
  if (real && realMode) await realMode.preflight(real);
  const storeDir = opts.storeDir ?? 'store';
  const name = testName(config);
  checkStore(storeDir, name);
  let dir: string;
  if (opts.dir !== undefined) {
    mkdirSync(opts.dir, { recursive: true });
    dir = opts.dir;
  } else {
    dir = createRunDir(storeDir, name, opts.startedAtIso);
  }
  const replay = opts.replay ?? replayCommand(config, opts.storeDir);
  const registered = findChecker(workload.checker.name);
  const checker = registered ?? workload.fallbackChecker;
  try {
    writeJson(join(dir, 'test.json'), {
      name,
      mode: real ? 'real' : maelstrom ? 'maelstrom' : 'simulation',
      startedAt: opts.startedAtIso,
      config,
      // What `faultline check RUN_DIR` re-checks the history with (Jepsen's analyse).
      checker: { name: workload.checker.name, options: runCheckerOptions(workload, config) },
      ...(opts.schedule ? { schedule: opts.schedule } : {}),
      replay,
    });
    writeJson(
      join(dir, 'results.json'),
      {
        valid: 'unknown',
        incomplete: true,
        phase: 'simulation',
        note: 'the run has not finished, or stopped with no chance to say why (killed, crashed)',
        checker: checker.name,
        replay,
      },
      // Room kept for the last word of a run the disk stops (an in-place rewrite needs no new space).
      { reserveBytes: RESULTS_RESERVE_BYTES },
    );
    updateLatest(storeDir, dir);
  } catch (err) {
    // A run that cannot write its store says so before it starts, and leaves nothing half-made.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  opts.onStarted?.(dir);

  const historyPath = join(dir, 'history.jsonl');
  let writeFailure: string | undefined;
  let stop = () => {};
  const onWriteFailure = (err: Error, path: string) => {
    if (writeFailure !== undefined) return;
    writeFailure = describeWriteFailure(err, path);
    stop();
  };
  const history = new HistoryFileWriter(historyPath, undefined, (err) => onWriteFailure(err, historyPath));
  const logs = new Map<NodeId, BufferedFileWriter | undefined>();
  const nodeLog = (node: NodeId, timeNs: number, line: string) => {
    let w = logs.get(node);
    if (w === undefined) {
      if (logs.has(node)) return; // its file could not be opened: the failure is recorded
      const path = join(dir, `${node}.log`);
      try {
        // Real nodes' logs go to disk line by line: someone may be watching them (and the harness may die).
        w = new BufferedFileWriter(path, real || maelstrom ? 0 : undefined, false, (err) =>
          onWriteFailure(err, path),
        );
      } catch (err) {
        onWriteFailure(err as Error, path);
      }
      logs.set(node, w);
      if (w === undefined) return;
    }
    w.write(`${(timeNs / 1e6).toFixed(3)} ${line}\n`);
  };
  const closeFiles = () => {
    history.close();
    for (const w of logs.values()) w?.close();
  };

  let summary: SimulationSummary | MaelstromRunSummary | RealRunSummary;
  let finished = false;
  if (maelstrom) {
    const m = await import('../maelstrom/run-maelstrom.js');
    try {
      const out = await m.runMaelstrom(config, workload, { history, nodeLog }, { signal: opts.signal });
      summary = out.summary;
      finished = out.finished;
    } catch (err) {
      closeFiles();
      const message = err instanceof Error ? err.message : String(err);
      const byNode = err instanceof Error && err.name === 'MaelstromNodeError';
      tryWriteResults(dir, { valid: 'unknown', crashed: true, error: message, replay });
      writeReport(dir);
      throw byNode
        ? new NodeBinaryError(message, dir, replay, err)
        : new RunCrashedError(message, dir, replay, err);
    }
  } else if (real && realMode) {
    // Real mode answers signals itself (every node stopped, RunInterruptedError).
    try {
      summary = await realMode.runReal(config, real.adapter, workload, { history, nodeLog }, { runDir: dir });
      finished = true;
    } catch (err) {
      closeFiles();
      if (err instanceof realMode.RunInterruptedError) {
        tryWriteResults(dir, { valid: 'unknown', incomplete: true, interrupted: err.signal, replay });
        throw err;
      }
      if (err instanceof Error && err.name === 'RealSetupError') {
        tryWriteResults(dir, { valid: 'unknown', error: err.message, replay });
        throw err;
      }
      const message = err instanceof Error ? err.message : String(err);
      tryWriteResults(dir, { valid: 'unknown', crashed: true, error: message, replay });
      writeReport(dir);
      throw new RunCrashedError(message, dir, replay, err);
    }
  } else {
    const progress = opts.onSimulationProgress;
    const expectedNs = expectedSimulatedNs(config);
    const run = prepareSimulation(
      config,
      {
        history,
        nodeLog,
        ...(progress ? { onProgress: (ns: number) => progress(ns, expectedNs) } : {}),
      },
      opts.schedule ? { schedule: opts.schedule } : {},
    );
    stop = () => run.stop();
    const onAbort = () => run.stop();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        finished = run.step(SLICE_EVENTS);
        if (finished || writeFailure !== undefined || opts.signal?.aborted) break;
        // Node logs reach the disk as the run goes, not only at its end.
        for (const w of logs.values()) w?.flush();
        await nextTurn();
      }
    } catch (err) {
      closeFiles();
      const message = err instanceof Error ? err.message : String(err);
      tryWriteResults(dir, {
        valid: 'unknown',
        crashed: true,
        error: message,
        summary: run.summary(),
        replay,
      });
      writeReport(dir);
      throw new RunCrashedError(message, dir, replay, err);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    summary = run.summary();
  }
  closeFiles();
  const { sha256: historySha256, lines: opsWritten } = hashFile(historyPath);
  const base = { dir, config, checker: checker.name, summary, opsWritten, historySha256, replay };

  if (!finished || writeFailure !== undefined) {
    const interruptedBy = writeFailure === undefined ? String(opts.signal?.reason ?? 'abort') : undefined;
    const result: CheckResult = {
      valid: 'unknown',
      summary:
        interruptedBy !== undefined
          ? `not checked: interrupted by ${interruptedBy} during the simulation`
          : `not checked: the history could not be written (${writeFailure})`,
    };
    const notWritten = tryWriteResults(dir, {
      valid: 'unknown',
      incomplete: true,
      ...(interruptedBy !== undefined ? { interrupted: interruptedBy } : { error: writeFailure }),
      phase: 'simulation',
      opsWritten,
      summary,
      historySha256,
      checker: checker.name,
      replay,
    });
    return {
      ...base,
      status: interruptedBy !== undefined ? 'interrupted' : 'incomplete',
      stoppedIn: 'simulation',
      ...(interruptedBy !== undefined ? { interruptedBy } : {}),
      ...(writeFailure !== undefined
        ? { writeError: notWritten === undefined ? writeFailure : `${writeFailure}; ${notWritten}` }
        : {}),
      valid: 'unknown',
      result,
      // The history so far is drawn (a full disk will refuse it, and says so here).
      report: writeReport(dir),
    };
  }

  opts.onPhaseDone?.('simulation');
  const budget: CheckBudget = {
    ...defaultCheckBudget(summary.opCount),
    ...(opts.checkTimeLimitMs !== undefined ? { timeLimitMs: opts.checkTimeLimitMs } : {}),
    ...(opts.checkMemoryLimitMiB !== undefined ? { memoryLimitMiB: opts.checkMemoryLimitMiB } : {}),
  };
  tryWriteResults(dir, {
    valid: 'unknown',
    incomplete: true,
    phase: 'check',
    note: `the history is whole; the check (budget ${describeBudget(budget)}) has not finished: faultline check ${dir}`,
    summary,
    historySha256,
    checker: checker.name,
    replay,
  });
  const options: CheckOptions = { ...runCheckerOptions(workload, config), outDir: dir };
  let result: CheckResult;
  let writeError: string | undefined;
  // The history in memory, when the check read it here (the report reuses it instead of reading it again).
  let ops: Op[] | undefined;
  const inWorker =
    opts.checkInWorker === undefined || opts.checkInWorker === 'auto'
      ? summary.opCount >= WORKER_CHECK_MIN_OPS || opts.checkMemoryLimitMiB !== undefined
      : opts.checkInWorker;
  // A checker of the user's own is found on the worker by loading its run's modules there; one registered
  // from code only (no module) is checked here.
  const workerFinds =
    registered !== undefined && (!isPluginChecker(registered.name) || config.modules !== undefined);
  if (registered && inWorker && workerFinds) {
    const outcome = await checkInWorker(
      {
        checker: registered.name,
        options,
        historyPath,
        ...(config.modules !== undefined ? { modules: config.modules } : {}),
      },
      budget,
      opts.signal,
    );
    if (outcome.kind === 'interrupted') {
      const interruptedBy = String(opts.signal?.reason ?? 'abort');
      tryWriteResults(dir, {
        valid: 'unknown',
        incomplete: true,
        interrupted: interruptedBy,
        phase: 'check',
        note: `the history is whole: faultline check ${dir}`,
        summary,
        historySha256,
        checker: checker.name,
        replay,
      });
      return {
        ...base,
        status: 'interrupted',
        stoppedIn: 'check',
        interruptedBy,
        valid: 'unknown',
        result: {
          valid: 'unknown',
          summary: `not checked: interrupted by ${interruptedBy} during the check`,
        },
        checkBudget: budget,
        report: { error: 'not written: the check was interrupted' },
      };
    }
    result = outcome.result;
    if (outcome.outError) {
      const e = Object.assign(new Error(outcome.outError.message), outcome.outError);
      writeError = `explanations not written: ${describeWriteFailure(e, dir)}`;
    }
  } else {
    ops = readHistoryFileSync(historyPath, { format: 'jsonl' }).ops;
    result = await checker.check(ops, {
      ...options,
      timeLimitMs: budget.timeLimitMs,
      memoryLimitBytes: budget.memoryLimitMiB * 1024 * 1024,
    });
  }
  opts.onPhaseDone?.('check');
  const notWritten = tryWriteResults(
    dir,
    {
      valid: result.valid,
      checker: checker.name,
      ...(registered
        ? {}
        : { wanted: workload.checker.name, note: `checker ${workload.checker.name} is not registered yet` }),
      result,
      checkBudget: budget,
      summary,
      historySha256,
      replay,
      ...(writeError !== undefined ? { writeError } : {}),
    },
    false,
  );
  if (notWritten !== undefined) {
    const failure = `${notWritten} (results.json still says the check had not finished)`;
    writeError = writeError === undefined ? failure : `${writeError}; ${failure}`;
  }
  return {
    ...base,
    status: 'complete',
    valid: result.valid,
    result,
    checkBudget: budget,
    ...(writeError !== undefined ? { writeError } : {}),
    report: writeReport(dir, ops),
  };
}
