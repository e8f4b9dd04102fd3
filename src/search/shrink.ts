import { findSystem } from '../../systems/registry.js';
import { defaultPartitionModes, partitionModeProblem } from '../nemesis/nemesis.js';
import type { RunConfig } from '../runner/config.js';
import type { Schedule, ScheduledOp } from '../runner/schedule.js';
import { hasAnomaly } from './anomaly.js';
import { runScenario, type Scenario, type ScenarioOutcome, type SeedBudget } from './scenario.js';

/**
 * Shrinking a failing scenario: the run is written out as an explicit
 * schedule (its operations and fault events), then cut down while it still
 * fails with the same anomaly class — shorter time (the schedule cut at a
 * point found by bisection), then delta debugging (Zeller's ddmin) over the
 * keys (every operation on a key at once), fewer clients, ddmin over the
 * fault events, fewer nodes, then ddmin over the operations and the final
 * reads and shorter faults, round after round until a round changes nothing or the
 * budget runs out. Every candidate is a full simulated run and check:
 * removing an operation changes the timing of everything after it, so a
 * candidate either shows the anomaly or it does not.
 */

export interface ScenarioSize {
  /** Client operations (main phase and final reads). */
  ops: number;
  clients: number;
  faults: number;
  nodes: number;
  /** Simulated seconds the schedule spans (operations and faults). */
  timeS: number;
}

export interface ShrinkOptions {
  /** Wall-clock budget for the whole shrink, ms (default 60 s). */
  timeLimitMs?: number;
  /** Budget of each candidate run. */
  budget?: SeedBudget;
  /** After each kept candidate. */
  onStep?: (p: { runs: number; size: ScenarioSize }) => void;
}

export interface ShrinkResult {
  anomaly: string;
  /** The original scenario, with its explicit schedule. */
  original: Scenario;
  shrunk: Scenario;
  before: ScenarioSize;
  after: ScenarioSize;
  /** The shrunk scenario's outcome (it fails with `anomaly`). */
  outcome: ScenarioOutcome;
  /** Candidate runs tried. */
  runs: number;
  wallMs: number;
  /** False when the budget ran out before a round changed nothing. */
  complete: boolean;
  /** Set when the scenario could not be shrunk at all, and why. */
  note?: string;
}

export const DEFAULT_SHRINK_MS = 60_000;

export function scenarioSize(config: RunConfig, schedule: Schedule): ScenarioSize {
  return {
    ops: schedule.main.length + schedule.final.length,
    clients: config.concurrency,
    faults: schedule.faults.length,
    nodes: config.nodes,
    timeS: spanNs(schedule) / 1e9,
  };
}

function spanNs(s: Schedule): number {
  let end = 0;
  for (const op of s.main) end = Math.max(end, op.atNs);
  for (const f of s.faults) end = Math.max(end, f.stopNs);
  return end;
}

/** The configuration that goes with a schedule: its span as the time limit, its clients as the concurrency. */
function fitConfig(
  config: RunConfig,
  schedule: Schedule,
  nodes = config.nodes,
  clients = config.concurrency,
): RunConfig {
  const timeLimitS = Math.max(0.1, Math.ceil(spanNs(schedule) / 1e8) / 10);
  // The schedule says what each fault does; the drawn shapes only have to fit the smaller cluster.
  const cluster = { nodes, hasPrimary: findSystem(config.system)?.hasPrimary === true };
  const fit = config.partitionModes.filter((m) => partitionModeProblem(m, cluster) === undefined);
  const partitionModes = fit.length > 0 ? fit : defaultPartitionModes(cluster);
  return { ...config, timeLimitS, nodes, concurrency: clients, partitionModes };
}

export async function shrinkScenario(
  scenario: Scenario,
  anomaly: string,
  opts: ShrinkOptions = {},
): Promise<ShrinkResult> {
  const t0 = performance.now();
  const deadline = t0 + (opts.timeLimitMs ?? DEFAULT_SHRINK_MS);
  let runs = 0;
  const base = scenario.config;

  const firstRun = await runScenario(scenario, { budget: opts.budget, recordSchedule: true });
  runs++;
  const schedule0 = scenario.schedule ?? firstRun.schedule;
  const unshrunk = (note: string): ShrinkResult => {
    const size = schedule0
      ? scenarioSize(base, schedule0)
      : {
          ops: firstRun.invocations,
          clients: base.concurrency,
          faults: 0,
          nodes: base.nodes,
          timeS: base.timeLimitS,
        };
    return {
      anomaly,
      original: scenario,
      shrunk: schedule0 ? { config: base, schedule: schedule0 } : scenario,
      before: size,
      after: size,
      outcome: firstRun,
      runs,
      wallMs: performance.now() - t0,
      complete: false,
      note,
    };
  };
  if (!schedule0) return unshrunk('the run did not finish, so it has no schedule to shrink');
  if (!(firstRun.valid === false && hasAnomaly(firstRun.anomaly, anomaly)))
    return unshrunk(`the scenario does not fail with ${anomaly} (it gave ${describe(firstRun)})`);

  let best: Scenario = { config: fitConfig(base, schedule0), schedule: schedule0 };
  let bestOutcome = firstRun;
  if (!scenario.schedule) {
    // The written-out schedule must fail as the drawn run did (it gives the same history).
    const check = await runScenario(best, { budget: opts.budget });
    runs++;
    if (!(check.valid === false && hasAnomaly(check.anomaly, anomaly)))
      return unshrunk('its explicit schedule does not reproduce the failure');
    bestOutcome = check;
  }
  const before = scenarioSize(base, schedule0);
  let outOfBudget = false;

  /** Run a candidate; keep it when it still fails with the anomaly. */
  const attempt = async (c: Scenario): Promise<boolean> => {
    if (performance.now() >= deadline) {
      outOfBudget = true;
      return false;
    }
    runs++;
    const o = await runScenario(c, { budget: opts.budget });
    if (o.valid === false && hasAnomaly(o.anomaly, anomaly)) {
      best = c;
      bestOutcome = o;
      opts.onStep?.({ runs, size: scenarioSize(c.config, c.schedule!) });
      return true;
    }
    return false;
  };
  const withSchedule = (s: Schedule, nodes?: number, clients?: number): Scenario => ({
    config: fitConfig(best.config, s, nodes, clients),
    schedule: s,
  });

  for (let round = 0; round < 20 && !outOfBudget; round++) {
    const startSize = JSON.stringify(scenarioSize(best.config, best.schedule!));
    const cur = () => best;
    // Cheap, large cuts first (each makes every later candidate run faster): time, then whole keys
    // (an anomaly usually lives on a few keys, and there are far fewer keys than operations).
    await shrinkTime(cur, attempt, withSchedule);
    await dropNodes(cur, attempt, withSchedule);
    await ddmin(keysOf(best.schedule!), (keys) => {
      const s = best.schedule!;
      const keep = (op: ScheduledOp) => opKeys(op).every((k) => keys.includes(k));
      return attempt(withSchedule({ ...s, main: s.main.filter(keep), final: s.final.filter(keep) }));
    });
    await dropClients(cur, attempt, withSchedule);
    await ddmin(best.schedule!.faults, (faults) => attempt(withSchedule({ ...best.schedule!, faults })));
    await dropNodes(cur, attempt, withSchedule);
    await ddmin(best.schedule!.main, (main) => attempt(withSchedule({ ...best.schedule!, main })));
    await ddmin(best.schedule!.final, (final) => attempt(withSchedule({ ...best.schedule!, final })));
    await shortenFaults(cur, attempt, withSchedule);
    if (JSON.stringify(scenarioSize(best.config, best.schedule!)) === startSize) break;
  }
  return {
    anomaly,
    original: { config: base, schedule: schedule0 },
    shrunk: best,
    before,
    after: scenarioSize(best.config, best.schedule!),
    outcome: bestOutcome,
    runs,
    wallMs: performance.now() - t0,
    complete: !outOfBudget,
  };
}

/** The keys an operation touches: its register key, or the keys of its transaction's micro-operations. */
function opKeys(op: ScheduledOp): string[] {
  if (op.key !== undefined) return [JSON.stringify(op.key)];
  if (Array.isArray(op.value)) {
    const keys = new Set<string>();
    for (const m of op.value) if (Array.isArray(m) && m.length >= 2) keys.add(JSON.stringify(m[1]));
    return [...keys];
  }
  return [];
}

/** Every key the schedule's operations touch, in first-use order. */
function keysOf(s: Schedule): string[] {
  const keys = new Set<string>();
  for (const op of [...s.main, ...s.final]) for (const k of opKeys(op)) keys.add(k);
  return [...keys];
}

type Attempt = (c: Scenario) => Promise<boolean>;
/** The best scenario so far (it changes as candidates are kept). */
type Current = () => Scenario;
type WithSchedule = (s: Schedule, nodes?: number, clients?: number) => Scenario;

/** The schedule up to `endNs`: later operations and faults dropped, faults running then stopped there. */
function truncate(s: Schedule, endNs: number): Schedule {
  return {
    main: s.main.filter((op) => op.atNs < endNs),
    final: s.final,
    faults: s.faults
      .filter((f) => f.startNs < endNs)
      .map((f) => (f.stopNs > endNs ? { ...f, stopNs: endNs, seq: [...f.seq] as [number, number] } : f)),
  };
}

/** Bisect for the earliest cut of the schedule that still fails. */
async function shrinkTime(cur: Current, attempt: Attempt, withSchedule: WithSchedule): Promise<void> {
  const s = cur().schedule!;
  let hi = spanNs(s);
  let lo = 0;
  for (let i = 0; i < 8 && hi - lo > 50e6; i++) {
    const mid = Math.round((lo + hi) / 2);
    if (await attempt(withSchedule(truncate(s, mid)))) hi = mid;
    else lo = mid;
  }
}

/** Remove whole clients (their operations), renumbering the rest. */
async function dropClients(cur: Current, attempt: Attempt, withSchedule: WithSchedule): Promise<void> {
  for (let w = cur().config.concurrency - 1; w >= 0 && cur().config.concurrency > 1; w--) {
    const best = cur();
    const s = best.schedule!;
    const renumber = (ops: ScheduledOp[]) =>
      ops
        .filter((op) => op.worker !== w)
        .map((op) => (op.worker > w ? { ...op, worker: op.worker - 1 } : op));
    await attempt(
      withSchedule(
        { main: renumber(s.main), final: renumber(s.final), faults: s.faults },
        best.config.nodes,
        best.config.concurrency - 1,
      ),
    );
  }
}

/** The smallest cluster (the highest-numbered nodes removed) that still fails. */
async function dropNodes(cur: Current, attempt: Attempt, withSchedule: WithSchedule): Promise<void> {
  const best = cur();
  for (let k = 1; k < best.config.nodes; k++) {
    if (await attempt(withSchedule(best.schedule!, k, best.config.concurrency))) return;
  }
}

/** Halve each fault's duration while the failure stays. */
async function shortenFaults(cur: Current, attempt: Attempt, withSchedule: WithSchedule): Promise<void> {
  for (let i = 0; i < cur().schedule!.faults.length; i++) {
    const s = cur().schedule!;
    const f = s.faults[i];
    const stopNs = f.startNs + Math.round((f.stopNs - f.startNs) / 2);
    if (stopNs - f.startNs < 10e6) continue;
    const faults = s.faults.map((x, j) =>
      j === i ? { ...x, stopNs, seq: [...x.seq] as [number, number] } : x,
    );
    await attempt(withSchedule({ ...s, faults }));
  }
}

/**
 * Zeller's ddmin over a list: try removing each of n chunks (keeping the
 * complement); on success keep it and go on with fewer chunks, otherwise
 * split finer, until single items cannot be removed. `test` keeps what passes.
 */
async function ddmin<T>(items: readonly T[], test: (kept: T[]) => Promise<boolean>): Promise<void> {
  let current = [...items];
  if (current.length === 0) return;
  if (await test([])) return;
  let n = 2;
  while (current.length >= 2) {
    const chunk = Math.ceil(current.length / n);
    let reduced = false;
    for (let i = 0; i < n; i++) {
      const complement = [...current.slice(0, i * chunk), ...current.slice((i + 1) * chunk)];
      if (complement.length === current.length) continue;
      if (await test(complement)) {
        current = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(n * 2, current.length);
    }
  }
}

function describe(o: ScenarioOutcome): string {
  if (o.valid === true) return 'valid';
  if (o.valid === 'unknown') return `unknown (${o.unknownReason ?? 'no reason'})`;
  return `INVALID with ${o.anomaly?.anomalies.join(', ') ?? 'no anomaly'}`;
}
