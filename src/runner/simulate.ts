import type { Workload } from '../../workloads/types.js';
import type { FaultStats } from '../nemesis/nemesis.js';
import type { NetworkStats } from '../sim/network.js';
import { Simulation, type SimulationStats } from '../sim/simulation.js';
import type { NodeId } from '../sim/types.js';
import { type RunConfig, resolveConfig } from './config.js';
import type { Environment } from './environment.js';
import { messageTransport } from './message-transport.js';
import type { HistorySink, OpCounts } from './recorder.js';
import { startTest } from './runner.js';
import type { Schedule } from './schedule.js';

export interface SimulateSinks {
  history: HistorySink;
  /** Node log lines with the virtual time they were written at. */
  nodeLog?: (node: NodeId, timeNs: number, line: string) => void;
  /** Told the virtual time now and then (every few thousand events), for a progress display. */
  onProgress?: (virtualNs: number) => void;
}

/** About how much virtual time a run takes: its time limit and the quiet recovery after it (ns). */
export function expectedSimulatedNs(config: Pick<RunConfig, 'timeLimitS' | 'recoveryMs'>): number {
  return config.timeLimitS * 1e9 + config.recoveryMs * 1e6;
}

export interface SimulateOptions {
  /** Carry out this explicit schedule instead of drawing operations and faults. */
  schedule?: Schedule;
  /** Write the run's explicit schedule into the summary (`schedule`). */
  recordSchedule?: boolean;
  /** Out of this many simulator events the run stops: SimulationBudgetError. */
  maxEvents?: number;
}

/** The run went past its event budget (a per-seed budget of search): its verdict is unknown. */
export class SimulationBudgetError extends Error {
  override name = 'SimulationBudgetError';
}

export interface SimulationSummary {
  /** Ops in the history. */
  opCount: number;
  counts: OpCounts;
  /** Virtual time at the end, ns. */
  simulatedNs: number;
  sim: SimulationStats;
  network: NetworkStats;
  /** Faults that took effect, per kind. */
  faults: FaultStats;
  /** Metrics the system's nodes reported (`NodeContext.metrics`); absent when none did. */
  systemMetrics?: Record<string, number>;
  /** The run's explicit schedule, when asked for. */
  schedule?: Schedule;
}

/**
 * The simulated environment: virtual time, Maelstrom messages on the
 * simulated network, simulated nodes. The simulation is all three at once.
 */
export function simulationEnvironment(sim: Simulation, workload: Workload): Environment {
  return {
    time: sim,
    random: sim.random,
    nodeIds: sim.nodeIds,
    clients: messageTransport(sim, workload),
    faults: sim,
    start: () => sim.start(),
  };
}

/** A simulated test set up and not run yet: `step` it in slices, or `simulate` runs it whole. */
export interface SteppedSimulation {
  readonly sim: Simulation;
  /**
   * Run up to `maxEvents` more events. True when the test has finished (then
   * `summary()` is final); throws when the system crashed or the run cannot
   * finish by the hard limit on virtual time.
   */
  step(maxEvents: number): boolean;
  /** Stop after the event being processed (an interrupt, a full disk); the summary says how far it got. */
  stop(): void;
  summary(): SimulationSummary;
}

export function prepareSimulation(
  partial: Partial<RunConfig> & { seed: number },
  sinks: SimulateSinks,
  opts: SimulateOptions = {},
): SteppedSimulation {
  const { config, system, workload } = resolveConfig(partial);
  const sim = new Simulation({
    seed: config.seed,
    system,
    nodeCount: config.nodes,
    bugs: new Set(config.bugs),
    systemOptions: new Set(config.systemOptions),
    network: config.network,
    onNodeLog: sinks.nodeLog,
    onProgress: sinks.onProgress,
    ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
  });
  const test = startTest(
    simulationEnvironment(sim, workload),
    config,
    workload,
    sinks.history,
    () => sim.stop(),
    {
      ...(opts.schedule ? { schedule: opts.schedule } : {}),
      ...(opts.recordSchedule ? { recordSchedule: true } : {}),
    },
  );
  // Bounded: virtual time can never pass the end of every phase by much; this is a guard against a runaway
  // system. The last fault may outlast the time limit by its duration; a schedule may run past it too.
  const scheduleEndNs = opts.schedule ? scheduleEnd(opts.schedule) : 0;
  const hardLimitNs =
    (Math.max(config.timeLimitS * 1000, scheduleEndNs / 1e6) +
      1.5 * config.nemesisDurationMs +
      config.recoveryMs +
      10 * config.clientTimeoutMs +
      60_000) *
    1e6 *
    4;
  let stopped = false;
  return {
    sim,
    step(maxEvents: number): boolean {
      if (test.isFinished()) return true;
      if (stopped) return false;
      try {
        sim.run(hardLimitNs, maxEvents);
      } catch (err) {
        if (opts.maxEvents !== undefined && err instanceof Error && /exceeded \d+ events/.test(err.message))
          throw new SimulationBudgetError(`the simulation went past its budget of ${opts.maxEvents} events`);
        throw err;
      }
      if (test.isFinished() || stopped) return test.isFinished();
      if (sim.pendingEvents === 0 || sim.nowNs >= hardLimitNs) {
        throw new Error(
          `simulation did not finish by virtual time ${(hardLimitNs / 1e9).toFixed(0)} s (clients done: ${test.clientsFinished}, nemesis done: ${test.nemesisFinished})`,
        );
      }
      return false;
    },
    stop(): void {
      stopped = true;
      sim.stop();
    },
    summary: () => {
      const systemMetrics = sim.systemMetrics();
      const stats = test.nemesis.stats;
      const schedule = test.schedule();
      return {
        opCount: test.recorder.size,
        counts: { ...test.recorder.counts },
        simulatedNs: sim.nowNs,
        sim: { ...sim.stats },
        network: { ...sim.network.stats },
        faults: { took: { ...stats.took }, total: stats.total, skipped: stats.skipped },
        ...(Object.keys(systemMetrics).length > 0 ? { systemMetrics } : {}),
        ...(schedule ? { schedule } : {}),
      };
    },
  };
}

/**
 * Run one simulated test (`startTest` in the simulated environment, driven
 * by the simulator's event loop until it finishes). Deterministic: the same
 * config gives the same history, op for op, byte for byte. With an explicit
 * schedule, its operations and faults take the place of the drawn ones.
 */
export function simulate(
  partial: Partial<RunConfig> & { seed: number },
  sinks: SimulateSinks,
  opts: SimulateOptions = {},
): SimulationSummary {
  const run = prepareSimulation(partial, sinks, opts);
  run.step(Number.POSITIVE_INFINITY);
  return run.summary();
}

function scheduleEnd(s: Schedule): number {
  let end = 0;
  for (const op of s.main) end = Math.max(end, op.atNs);
  for (const f of s.faults) end = Math.max(end, f.stopNs);
  return end;
}
