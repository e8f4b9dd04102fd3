/**
 * faultline's public API: `import { defineSystem, run, search } from 'faultline'`.
 *
 * Everything a user's project may rely on is exported here and nowhere else
 * (test/api/surface.test.ts fails when a name appears or disappears without
 * this list changing); it follows semantic versioning (CHANGELOG.md). Test
 * your own protocol: define a system (a node factory over `NodeContext`),
 * pick or define a workload, a model and a checker, then `run`, `search`,
 * `shrink`, `check` and `replay` it from code with the results the CLI
 * prints and stores. docs/guide-your-own-protocol.md walks through it.
 */
import { checkLinearizable } from '../checkers/linearizable/check.js';
import type { Model } from '../checkers/linearizable/model.js';
import { findChecker, listCheckers } from '../checkers/registry.js';
import type { Checker, CheckOptions, CheckResult } from '../checkers/types.js';
import type { Adapter } from '../systems/adapters/types.js';
import type { Workload } from '../workloads/types.js';
import type { Op } from './history/op.js';
import { readHistoryFile } from './history/read.js';
import { type Nemesis, resolveTarget, type Target } from './plugins/target.js';
import type { RunConfig } from './runner/config.js';
import { runTest, type TestRun } from './runner/run-test.js';
import {
  type ReplayResult,
  regressionFiles,
  replayRegression,
  saveRegression,
  scenarioRegression,
} from './search/regression.js';
import { runScenario, type Scenario } from './search/scenario.js';
import { search as runSearch } from './search/search.js';
import { type ShrinkResult, shrinkScenario } from './search/shrink.js';
import type { SearchSummary, StopRule } from './search/types.js';
import type { SystemDefinition } from './sim/types.js';

export type { Model, ModelInput } from '../checkers/linearizable/model.js';
export { sameValue } from '../checkers/linearizable/model.js';
export type { Checker, CheckOptions, CheckResult } from '../checkers/types.js';
// ---- Real databases: an adapter of your own ----
export type {
  Adapter,
  AdapterClient,
  AdapterDescription,
  AdapterOption,
  ClusterInfo,
  Db,
  ErrorClass,
  NodeCommand,
  NodeInfo,
  OpResult,
  Requirement,
} from '../systems/adapters/types.js';
// ---- Workloads and generators ----
export type { Completion, Workload, WorkloadGenerators, WorkloadOptions } from '../workloads/types.js';
export type { GenContext, Generator, GenStep, OpSpec } from './generator/generator.js';
export { eachWorker, limit, mix, once, perKey, phases, repeat, sequence } from './generator/generator.js';
// ---- Histories, checkers and models ----
export type { Op, OpType, Process } from './history/op.js';
export type { Value } from './history/values.js';
// ---- Runs, searches, scenarios ----
export type { NemesisKind, PartitionMode } from './nemesis/nemesis.js';
export { NEMESIS_KINDS } from './nemesis/nemesis.js';
export type { Nemesis, Target } from './plugins/target.js';
export type { RunConfig } from './runner/config.js';
export type { RunStatus, TestRun } from './runner/run-test.js';
export type { Schedule, ScheduledOp } from './runner/schedule.js';
export type { ReplayResult } from './search/regression.js';
export type { Scenario } from './search/scenario.js';
export type { ShrinkResult } from './search/shrink.js';
export type { SearchFailure, SearchSummary, ShrunkSummary, StopRule } from './search/types.js';
export { ERROR_CODES, errorReply } from './sim/maelstrom.js';
export type { Rng } from './sim/random.js';
// ---- The contract a system is written against (src/sim/types.ts) ----
export type {
  Body,
  BugKnob,
  Disk,
  Message,
  MetricsSink,
  NodeContext,
  NodeId,
  SimNode,
  SystemDefinition,
  SystemOption,
  TimerId,
} from './sim/types.js';
export { FAULTLINE_VERSION } from './version.js';

/**
 * A system: `createNode(ctx, { bugs, options })` builds one node (an actor:
 * `onMessage`, timers through `ctx.setTimer`); after a crash it is called again
 * with the disk as fsynced. Nodes never touch real time or randomness: use
 * `ctx.now()` and `ctx.random()`, so a seed replays byte for byte.
 */
export function defineSystem(system: SystemDefinition): SystemDefinition {
  return system;
}

/** A workload: what clients do (a generator), their messages, how replies complete, and the checker by name. */
export function defineWorkload(workload: Workload): Workload {
  return workload;
}

/**
 * A sequential specification for the linearizability checker, as Porcupine's:
 * `init()` and `step(state, input, output)` answering the states that may
 * follow (or true/false). `output` is undefined when the outcome is unknown.
 */
export function defineModel<S>(model: Model<S>): Model<S> {
  return model;
}

/** A checker: judges a history; `unknown` (never `true`) when it cannot tell. */
export function defineChecker(checker: Checker): Checker {
  return checker;
}

/** An adapter: run the workload against real processes of your database (`run({ adapter })`). */
export function defineAdapter(adapter: Adapter): Adapter {
  return adapter;
}

export function defineNemesis(nemesis: Nemesis): Nemesis {
  return nemesis;
}

/** The linearizability checker with a model of your own (registered under `name`, default `linearizable:MODEL`). */
export function linearizable(model: Model, name = `linearizable:${model.name}`): Checker {
  return {
    name,
    description: `linearizability against the ${model.name} model`,
    takes: ['independent', 'split'],
    check: (history, opts) => checkLinearizable(history, model, opts),
  };
}

export interface RunOptions {
  /** Store root (default `store`): the run is written as `faultline run` writes it. */
  storeDir?: string;
  /** A real-mode adapter of your own (then `system` is its name). */
  adapter?: Adapter;
  checkTimeLimitMs?: number;
  signal?: AbortSignal;
}

/** `faultline run`: simulate one seed, store the history, check it. Resolves with what results.json holds. */
export async function run(target: Target & { seed: number }, opts: RunOptions = {}): Promise<TestRun> {
  const partial = (await resolveTarget(target)) as Partial<RunConfig> & { seed: number };
  return runTest(partial, {
    startedAtIso: new Date().toISOString(),
    ...(opts.storeDir !== undefined ? { storeDir: opts.storeDir } : {}),
    ...(opts.adapter !== undefined ? { adapter: opts.adapter } : {}),
    ...(opts.checkTimeLimitMs !== undefined ? { checkTimeLimitMs: opts.checkTimeLimitMs } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
}

export interface SearchOptions {
  /** Seeds 1..N, or a range (default 1..100). */
  seeds?: number | { from: number; to: number };
  /** Worker threads (default 0: this thread). A system given as an object needs 0; a module path works with any. */
  workers?: number;
  stop?: StopRule;
  /** Shrink each failure (default true), with this wall-clock budget in ms (default 60 s). */
  shrink?: boolean | { timeLimitMs: number };
  /** Store root for failures and summary.json (default: write nothing). */
  storeDir?: string;
  /** Save each (shrunk) failure as a regression file here. */
  saveDir?: string;
}

/**
 * `faultline search`: a swarm over seeds, drawing what the target leaves
 * open (workload, nemesis, cluster size, rates), shrinking each failure.
 */
export async function search(target: Target, opts: SearchOptions = {}): Promise<SearchSummary> {
  const fixed = await resolveTarget(target);
  const seeds =
    opts.seeds === undefined
      ? { from: 1, to: 100 }
      : typeof opts.seeds === 'number'
        ? { from: 1, to: opts.seeds }
        : opts.seeds;
  return runSearch({
    fixed: { ...fixed, system: fixed.system as string },
    seeds,
    workers: opts.workers ?? 0,
    stop: opts.stop ?? { kind: 'first' },
    shrink:
      opts.shrink === false ? false : opts.shrink === true || opts.shrink === undefined ? {} : opts.shrink,
    ...(opts.storeDir !== undefined ? { storeDir: opts.storeDir } : {}),
    ...(opts.saveDir !== undefined ? { saveDir: opts.saveDir } : {}),
    startedAtIso: new Date().toISOString(),
  });
}

/**
 * `faultline shrink`: the smallest scenario that still fails with the same
 * anomaly. Undefined when the scenario does not fail. With `out`, saved there as a regression file.
 */
export async function shrink(
  scenario: Scenario,
  opts: { timeLimitMs?: number; out?: string } = {},
): Promise<ShrinkResult | undefined> {
  const first = await runScenario(scenario);
  if (first.valid !== false || !first.anomaly) return undefined;
  const r = await shrinkScenario(scenario, first.anomaly.anomaly, {
    ...(opts.timeLimitMs !== undefined ? { timeLimitMs: opts.timeLimitMs } : {}),
  });
  if (opts.out !== undefined)
    saveRegression(
      opts.out,
      scenarioRegression(r.shrunk, r.outcome, { seed: scenario.config.seed, shrunkFrom: r.before }),
    );
  return r;
}

/**
 * `faultline check`: a history (ops, or a file in any format `check` reads)
 * judged by a checker (by name, or your own).
 */
export async function check(
  history: readonly Op[] | string,
  checker: string | Checker,
  opts: CheckOptions = {},
): Promise<CheckResult> {
  let c: Checker | undefined;
  if (typeof checker === 'string') {
    c = findChecker(checker);
    if (!c)
      throw new Error(
        `unknown checker '${checker}'; choices: ${listCheckers()
          .map((x) => x.name)
          .join(', ')}`,
      );
  } else c = checker;
  const ops = typeof history === 'string' ? (await readHistoryFile(history)).ops : history;
  return c.check(ops, opts);
}

/** `faultline replay`: re-run saved scenarios (a file or a directory of them) and compare verdict and history hash. */
export async function replay(path: string, opts: { update?: boolean } = {}): Promise<ReplayResult[]> {
  const out: ReplayResult[] = [];
  for (const file of regressionFiles(path))
    out.push(await replayRegression(file, { update: opts.update === true }));
  return out;
}
