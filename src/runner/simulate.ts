import { phases, sleep, stagger, timeLimit } from '../generator/generator.js';
import { Nemesis } from '../nemesis/nemesis.js';
import type { NetworkStats } from '../sim/network.js';
import { Simulation, type SimulationStats } from '../sim/simulation.js';
import type { NodeId } from '../sim/types.js';
import { type RunConfig, resolveConfig } from './config.js';
import { ClientInterpreter, NemesisInterpreter } from './interpreter.js';
import { HistoryRecorder, type HistorySink, type OpCounts } from './recorder.js';

export interface SimulateSinks {
  history: HistorySink;
  /** Node log lines with the virtual time they were written at. */
  nodeLog?: (node: NodeId, timeNs: number, line: string) => void;
}

export interface SimulationSummary {
  /** Ops in the history. */
  opCount: number;
  counts: OpCounts;
  /** Virtual time at the end, ns. */
  simulatedNs: number;
  sim: SimulationStats;
  network: NetworkStats;
}

/**
 * Run one simulated test: the workload's generator on N clients, the
 * nemesis's schedule, then heal, recovery and final reads. Deterministic:
 * the same config gives the same history, op for op, byte for byte.
 *
 * Phases (virtual time): [0, T) ops at the given rate under faults; at T the
 * nemesis heals everything; once the last op is done, `recoveryMs` of quiet,
 * then the workload's final reads; then the run stops.
 */
export function simulate(
  partial: Partial<RunConfig> & { seed: number },
  sinks: SimulateSinks,
): SimulationSummary {
  const { config, system, workload } = resolveConfig(partial);
  const sim = new Simulation({
    seed: config.seed,
    system,
    nodeCount: config.nodes,
    bugs: new Set(config.bugs),
    systemOptions: new Set(config.systemOptions),
    network: config.network,
    onNodeLog: sinks.nodeLog,
  });
  const recorder = new HistoryRecorder(sim, sinks.history);
  const generators = workload.generator(config.workloadOptions);

  let clientsDone = false;
  let nemesisDone = false;
  const maybeStop = () => {
    if (clientsDone && nemesisDone) sim.stop();
  };

  const clientGen = phases(
    timeLimit(config.timeLimitS, stagger(config.rateOpsPerS, generators.main)),
    sleep(config.recoveryMs),
    ...(generators.final ? [generators.final] : []),
  );
  const clients = new ClientInterpreter(sim, workload, clientGen, sim.random.stream('generator'), recorder, {
    concurrency: config.concurrency,
    timeoutMs: config.clientTimeoutMs,
    onFinished: () => {
      clientsDone = true;
      maybeStop();
    },
  });

  const nemesisRng = sim.random.stream('nemesis');
  const nemesis = new Nemesis(
    sim,
    nemesisRng,
    (type, f, value) => recorder.record(type, 'nemesis', f, value),
    {
      kinds: config.nemesis,
      intervalMs: config.nemesisIntervalMs,
      durationMs: config.nemesisDurationMs,
      partitionModes: config.partitionModes,
    },
  );
  const nemesisGen = phases(timeLimit(config.timeLimitS, nemesis.generator()), nemesis.healGenerator());
  const nemesisRunner = new NemesisInterpreter(sim, nemesis, nemesisGen, nemesisRng, () => {
    nemesisDone = true;
    maybeStop();
  });

  sim.start();
  clients.start();
  nemesisRunner.start();
  // Bounded: virtual time can never pass the end of every phase by much; this is a guard against a runaway system.
  const hardLimitNs =
    (config.timeLimitS * 1000 + config.recoveryMs + 10 * config.clientTimeoutMs + 60_000) * 1e6 * 4;
  sim.run(hardLimitNs);
  if (!(clientsDone && nemesisDone)) {
    throw new Error(
      `simulation did not finish by virtual time ${(hardLimitNs / 1e9).toFixed(0)} s (clients done: ${clientsDone}, nemesis done: ${nemesisDone})`,
    );
  }
  return {
    opCount: recorder.size,
    counts: { ...recorder.counts },
    simulatedNs: sim.nowNs,
    sim: { ...sim.stats },
    network: { ...sim.network.stats },
  };
}
