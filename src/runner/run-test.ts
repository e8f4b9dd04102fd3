import { join } from 'node:path';
import { findChecker } from '../../checkers/registry.js';
import type { CheckResult } from '../../checkers/types.js';
import type { Adapter } from '../../systems/adapters/types.js';
import type { Op } from '../history/op.js';
import { readHistoryFileSync } from '../history/read.js';
import { isAdapterName, type ResolvedRealRun, resolveRealConfig } from '../real/config.js';
import type { RealRunSummary } from '../real/run-real.js';
import { writeRunReport } from '../report/write.js';
import type { NodeId } from '../sim/types.js';
import { HistoryFileWriter } from '../store/history-writer.js';
import { BufferedFileWriter, createRunDir, sha256File, updateLatest, writeJson } from '../store/store.js';
import { type RunConfig, replayCommand, resolveConfig, testName } from './config.js';
import { expectedSimulatedNs, type SimulationSummary, simulate } from './simulate.js';

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

export interface RunTestOptions {
  /** Store root; default `store`. */
  storeDir?: string;
  /** Real wall-clock start as an ISO string: names the run directory (never seen by the simulation). */
  startedAtIso: string;
  /** Wall-clock budget for the checker, ms; out of it the verdict is `unknown`. */
  checkTimeLimitMs?: number;
  /** Real mode with an adapter of your own (systems/adapters/README.md); `system` is then its name. */
  adapter?: Adapter;
  /** Called when the simulation has finished and again when the check has (the CLI times the phases). */
  onPhaseDone?: (phase: 'simulation' | 'check') => void;
  /** Progress of the simulation: virtual time so far and about how much the run takes (ns). */
  onSimulationProgress?: (virtualNs: number, expectedNs: number) => void;
}

export interface TestRun {
  dir: string;
  config: RunConfig;
  valid: true | false | 'unknown';
  /** Name of the checker that judged the history (a `fallback:` one while the real one is not registered). */
  checker: string;
  result: CheckResult;
  /** A simulated run's summary, or a real run's (`mode: 'real'`). */
  summary: SimulationSummary | RealRunSummary;
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

/**
 * `faultline run`, as a function: simulate, stream the history and node logs
 * into `store/<test>/<time>/`, check the history with the workload's
 * checker, write results.json and point `store/latest` at the run.
 */
export async function runTest(
  partial: Partial<RunConfig> & { seed: number },
  opts: RunTestOptions,
): Promise<TestRun> {
  // An adapter's name means real mode: the same runner, on the wall clock, against real processes.
  // An adapter of the caller's own (opts.adapter) means real mode too.
  const real: ResolvedRealRun | undefined = opts.adapter
    ? resolveRealConfig(partial, opts.adapter)
    : isAdapterName(partial.system ?? '')
      ? resolveRealConfig(partial)
      : undefined;
  const { config, workload } = real ?? resolveConfig(partial);
  const realMode = real ? await import('../real/run-real.js') : undefined;
  if (real && realMode) await realMode.preflight(real);
  const storeDir = opts.storeDir ?? 'store';
  const dir = createRunDir(storeDir, testName(config), opts.startedAtIso);
  const replay = replayCommand(config, opts.storeDir);
  writeJson(join(dir, 'test.json'), {
    name: testName(config),
    mode: real ? 'real' : 'simulation',
    startedAt: opts.startedAtIso,
    config,
    // What `faultline check RUN_DIR` re-checks the history with (Jepsen's analyse).
    checker: { name: workload.checker.name, options: workload.checker.options },
    replay,
  });
  updateLatest(storeDir, dir);

  const historyPath = join(dir, 'history.jsonl');
  const history = new HistoryFileWriter(historyPath);
  const logs = new Map<NodeId, BufferedFileWriter>();
  const nodeLog = (node: NodeId, timeNs: number, line: string) => {
    let w = logs.get(node);
    if (!w) {
      // Real nodes' logs go to disk line by line: someone may be watching them (and the harness may die).
      w = new BufferedFileWriter(join(dir, `${node}.log`), real ? 0 : undefined);
      logs.set(node, w);
    }
    w.write(`${(timeNs / 1e6).toFixed(3)} ${line}\n`);
  };
  let summary: SimulationSummary | RealRunSummary;
  try {
    if (real && realMode) {
      summary = await realMode.runReal(config, real.adapter, workload, { history, nodeLog }, { runDir: dir });
    } else {
      const progress = opts.onSimulationProgress;
      const expectedNs = expectedSimulatedNs(config);
      summary = simulate(config, {
        history,
        nodeLog,
        ...(progress ? { onProgress: (ns: number) => progress(ns, expectedNs) } : {}),
      });
    }
  } catch (err) {
    if (realMode && err instanceof realMode.RunInterruptedError) {
      writeJson(join(dir, 'results.json'), { valid: 'unknown', interrupted: err.signal, replay });
      throw err;
    }
    if (err instanceof Error && err.name === 'RealSetupError') {
      writeJson(join(dir, 'results.json'), { valid: 'unknown', error: err.message, replay });
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    writeJson(join(dir, 'results.json'), { valid: 'unknown', crashed: true, error: message, replay });
    history.close();
    writeReport(dir);
    throw new RunCrashedError(message, dir, replay, err);
  } finally {
    history.close();
    for (const w of logs.values()) w.close();
  }
  const historySha256 = sha256File(historyPath);

  opts.onPhaseDone?.('simulation');
  const registered = findChecker(workload.checker.name);
  const checker = registered ?? workload.fallbackChecker;
  const ops = readHistoryFileSync(historyPath, { format: 'jsonl' }).ops;
  const result = await checker.check(ops, {
    ...workload.checker.options,
    ...(opts.checkTimeLimitMs !== undefined ? { timeLimitMs: opts.checkTimeLimitMs } : {}),
    outDir: dir,
  });
  opts.onPhaseDone?.('check');
  writeJson(join(dir, 'results.json'), {
    valid: result.valid,
    checker: checker.name,
    ...(registered
      ? {}
      : { wanted: workload.checker.name, note: `checker ${workload.checker.name} is not registered yet` }),
    result,
    summary,
    historySha256,
    replay,
  });
  const report = writeReport(dir, ops);
  return {
    dir,
    config,
    valid: result.valid,
    checker: checker.name,
    result,
    summary,
    historySha256,
    replay,
    report,
  };
}
