import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import { findChecker } from '../../checkers/registry.js';
import type { CheckOptions, CheckResult } from '../../checkers/types.js';
import { formatOpJsonl, parseJsonl } from '../history/jsonl.js';
import type { Op } from '../history/op.js';
import { loadRunModules } from '../plugins/load.js';
import { runCheckerOptions } from '../runner/checker-options.js';
import { type RunConfig, resolveConfig } from '../runner/config.js';
import { MemoryHistorySink } from '../runner/recorder.js';
import type { Schedule } from '../runner/schedule.js';
import { SimulationBudgetError, type SimulationSummary, simulate } from '../runner/simulate.js';
import { type AnomalyClass, anomalyClass } from './anomaly.js';

/**
 * A scenario: a run configuration (seed included) and, once shrunk, the
 * explicit schedule that replaces the drawn operations and faults. Search,
 * shrink and replay all run scenarios through `runScenario`: simulate with
 * the runner's `simulate`, hash the history bytes exactly as the store
 * writes them, and check with the workload's checker under a budget.
 */
export interface Scenario {
  config: RunConfig;
  schedule?: Schedule;
}

/** What one seed may spend; out of it the seed is `unknown`, never valid. */
export interface SeedBudget {
  /** Checker wall-clock budget, ms. */
  checkTimeLimitMs: number;
  /** Checker memory budget (the linearizability search tables), bytes. */
  checkMemoryBytes: number;
  /** Simulator events (the simulated-time budget: a run that goes on and on stops here). */
  maxEvents: number;
}

/** Default per-seed budget: 10 s of checking, a share of memory for each worker, 1M simulator events. */
export function defaultSeedBudget(workers = 1): SeedBudget {
  const share = Math.floor(totalmem() / 4 / Math.max(1, workers));
  return {
    checkTimeLimitMs: 10_000,
    checkMemoryBytes: Math.min(1024 * 2 ** 20, share),
    maxEvents: 1_000_000,
  };
}

export interface ScenarioOutcome {
  valid: true | false | 'unknown';
  /** Set when not valid. */
  anomaly?: AnomalyClass;
  /** Why the verdict is unknown (a budget, a crash of the system under test). */
  unknownReason?: string;
  checker: string;
  /** Client and nemesis ops in the history. */
  opCount: number;
  /** Client invocations: the size a shrink reports. */
  invocations: number;
  historySha256: string;
  summary?: SimulationSummary;
  /** The checker's one-line summary. */
  checkSummary?: string;
  /** The run's explicit schedule, when asked for. */
  schedule?: Schedule;
  simulationMs: number;
  checkMs: number;
}

export interface RunScenarioOptions {
  budget?: SeedBudget;
  /** Record the explicit schedule of a drawn run (`outcome.schedule`). */
  recordSchedule?: boolean;
  /** Keep the linearizability checker's witness search (slower; off while searching). */
  minimise?: boolean;
}

/** Simulate a scenario in memory and check it; a budget running out gives `unknown`, never a guess. */
export async function runScenario(
  scenario: Scenario,
  opts: RunScenarioOptions = {},
): Promise<ScenarioOutcome> {
  const budget = opts.budget ?? defaultSeedBudget();
  await loadRunModules(scenario.config.modules);
  const { config, workload } = resolveConfig(scenario.config);
  const checker = findChecker(workload.checker.name) ?? workload.fallbackChecker;
  const t0 = performance.now();
  const sink = new MemoryHistorySink();
  let summary: SimulationSummary;
  try {
    summary = simulate(
      config,
      { history: sink },
      {
        maxEvents: budget.maxEvents,
        ...(scenario.schedule ? { schedule: scenario.schedule } : {}),
        ...(opts.recordSchedule && !scenario.schedule ? { recordSchedule: true } : {}),
      },
    );
  } catch (err) {
    if (!(err instanceof SimulationBudgetError)) {
      // The system under test threw (a broken invariant) or never finished: a failure in its own right.
      const message = err instanceof Error ? err.message : String(err);
      return {
        valid: false,
        anomaly: { anomaly: 'crashed', anomalies: ['crashed'] },
        checkSummary: `the run crashed: ${message}`,
        checker: checker.name,
        opCount: sink.ops.length,
        invocations: countInvocations(sink.ops),
        historySha256: sha256(historyText(sink.ops)),
        simulationMs: performance.now() - t0,
        checkMs: 0,
      };
    }
    return {
      valid: 'unknown',
      unknownReason: err.message,
      checker: checker.name,
      opCount: sink.ops.length,
      invocations: countInvocations(sink.ops),
      historySha256: '',
      simulationMs: performance.now() - t0,
      checkMs: 0,
    };
  }
  const text = historyText(sink.ops);
  const historySha256 = sha256(text);
  const t1 = performance.now();
  // The checker reads the history as `faultline run` does: from its JSONL bytes.
  const ops = parseJsonl(text, 'history.jsonl').ops;
  const checkOpts: CheckOptions & { minimise?: boolean; workers?: number } = {
    ...runCheckerOptions(workload, config),
    timeLimitMs: budget.checkTimeLimitMs,
    memoryLimitBytes: budget.checkMemoryBytes,
    minimise: opts.minimise === true,
    workers: 0,
  };
  const result: CheckResult = await checker.check(ops, checkOpts);
  const t2 = performance.now();
  const outcome: ScenarioOutcome = {
    valid: result.valid,
    checker: checker.name,
    opCount: ops.length,
    invocations: countInvocations(ops),
    historySha256,
    summary,
    simulationMs: t1 - t0,
    checkMs: t2 - t1,
  };
  if (typeof result.summary === 'string') outcome.checkSummary = result.summary;
  const a = anomalyClass(result, checker.name);
  if (a) outcome.anomaly = a;
  if (result.valid === 'unknown')
    outcome.unknownReason =
      typeof result.summary === 'string' ? result.summary : 'the checker could not decide';
  if (summary.schedule) outcome.schedule = summary.schedule;
  return outcome;
}

/** The history's bytes exactly as the store's history.jsonl holds them. */
export function historyText(ops: readonly Op[]): string {
  let text = '';
  for (const op of ops) text += `${formatOpJsonl(op)}\n`;
  return text;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function countInvocations(ops: readonly { type: string; process: unknown }[]): number {
  let n = 0;
  for (const o of ops) if (o.type === 'invoke' && o.process !== 'nemesis') n++;
  return n;
}
