import type { Workload } from '../../workloads/types.js';
import { SimulationWallClockDriver } from '../real/wall-clock.js';
import type { RunConfig } from '../runner/config.js';
import type { Environment, FaultTarget, Scheduler } from '../runner/environment.js';
import { messageTransport, SETUP_CLIENT_ID } from '../runner/message-transport.js';
import type { HistorySink } from '../runner/recorder.js';
import { startTest } from '../runner/runner.js';
import type { SimulationSummary } from '../runner/simulate.js';
import { CONTROLLER_ID, Simulation } from '../sim/simulation.js';
import type { NodeId } from '../sim/types.js';
import { MaelstromNodeError, MaelstromProcesses } from './processes.js';
import { attachServices } from './services.js';
import { type MaelstromStats, NetStatsCollector, OpStatsSink } from './stats.js';

export interface MaelstromRunSinks {
  history: HistorySink;
  /** Node log lines (the process's stderr and the harness's notes), ns since the processes started. */
  nodeLog: (node: NodeId, timeNs: number, line: string) => void;
}

export interface MaelstromRunOptions {
  /** Aborted (a stop signal) → every process is stopped and the run returns unfinished. */
  signal?: AbortSignal;
  /** Where the processes run; default the current directory (relative --bin-arg paths mean it). */
  cwd?: string;
}

/** What a Maelstrom run did: a simulated run's summary (the network, faults) plus Maelstrom's statistics. */
export interface MaelstromRunSummary extends SimulationSummary {
  maelstrom: MaelstromStats & {
    bin: string;
    args: string[];
    /** Processes started over the run, restarts included. */
    processesStarted: number;
    /** Wall-clock time from the first spawn until every node had answered init, ms. */
    initMs: number;
  };
}

export interface MaelstromRun {
  summary: MaelstromRunSummary;
  /** False when stopped by the signal before the end. */
  finished: boolean;
}

/**
 * Run one test against a Maelstrom node binary: the one runner
 * (`startTest`) with the simulation's network, nemesis and clients, but
 * nodes that are real processes (`MaelstromProcesses`) and virtual time
 * that follows the wall clock (`SimulationWallClockDriver`). The history's
 * time 0 is the moment every node has answered `init`. Every process is
 * stopped before this returns or throws.
 */
export async function runMaelstrom(
  config: RunConfig,
  workload: Workload,
  sinks: MaelstromRunSinks,
  opts: MaelstromRunOptions = {},
): Promise<MaelstromRun> {
  const binary = config.maelstrom;
  if (binary === undefined) throw new Error('runMaelstrom: the config names no binary');
  let fatal: MaelstromNodeError | undefined;
  // Set below; the processes only call it from their streams' callbacks, after the driver exists.
  let driver: SimulationWallClockDriver | undefined;
  const clients = new Set<string>([CONTROLLER_ID, SETUP_CLIENT_ID]);
  for (let i = 1; i <= config.concurrency; i++) clients.add(`c${i}`);
  const net = new NetStatsCollector((actor) => clients.has(actor));
  const processes = new MaelstromProcesses({
    bin: binary.bin,
    args: binary.args,
    cwd: opts.cwd ?? binary.cwd ?? process.cwd(),
    initTimeoutMs: binary.initTimeoutMs,
    inject: (fn) => driver?.inject(fn),
    log: (node, line) => sinks.nodeLog(node, driver?.realNowNs ?? 0, line),
    onFatal: (err) => {
      fatal ??= err;
      driver?.wake();
    },
  });
  const sim = new Simulation({
    seed: config.seed,
    system: processes.system,
    nodeCount: config.nodes,
    network: config.network,
    onNodeLog: sinks.nodeLog,
    onMessageEvent: (event, src, dest) => net.onEvent(event, src, dest),
  });
  driver = new SimulationWallClockDriver(sim);
  const drive = driver;
  // Whatever happens to this process, no node outlives it.
  const killOnExit = () => processes.killAllNow();
  process.on('exit', killOnExit);
  const onAbort = () => drive.wake();
  opts.signal?.addEventListener('abort', onAbort);
  const aborted = () => opts.signal?.aborted === true;
  const history = new OpStatsSink(sinks.history);
  try {
    // Maelstrom's services, as actors on the simulated network that partitions never cut off.
    // Maelstrom's services (lin-kv, seq-kv, lww-kv, lin-tso): actors that are not client workers, so no
    // fault aimed at clients reaches them, and partitions, which list nodes, never cut them off.
    attachServices(
      { addClient: (id, onMessage) => sim.addClient(id, onMessage, { worker: false }) },
      sim.random,
    );

    // Boot: spawn every node, send init (the simulator does), wait for every init_ok.
    const initStartNs = drive.realNowNs;
    const initDeadlineNs = initStartNs + binary.initTimeoutMs * 1e6;
    const allInitialized = () => sim.nodeIds.every((id) => processes.isInitialized(id));
    sim.start();
    await drive.run(
      () => allInitialized() || fatal !== undefined || aborted() || drive.realNowNs > initDeadlineNs,
      binary.initTimeoutMs + 10_000,
    );
    if (fatal !== undefined) throw fatal;
    const initMs = (drive.realNowNs - initStartNs) / 1e6;
    if (!aborted() && !allInitialized()) {
      const silent = sim.nodeIds.filter((id) => !processes.isInitialized(id));
      throw new MaelstromNodeError(
        `${silent.length === 1 ? 'node' : 'nodes'} ${silent.join(', ')} did not answer init with init_ok within ${binary.initTimeoutMs} ms (--init-timeout)`,
      );
    }

    const t0 = sim.nowNs;
    for (const id of sim.nodeIds)
      sinks.nodeLog(
        id,
        t0,
        `*** every node answered init: history time 0 = ${(t0 / 1e6).toFixed(3)} in this log`,
      );
    let finished = false;
    let test: ReturnType<typeof startTest> | undefined;
    if (!aborted()) {
      const env: Environment = {
        time: offsetScheduler(sim, t0),
        random: sim.random,
        nodeIds: sim.nodeIds,
        clients: messageTransport(sim, workload),
        faults: offsetFaults(sim, t0),
        start: () => {},
      };
      test = startTest(env, config, workload, history, () => {
        finished = true;
        drive.wake();
      });
      const limitMs =
        (config.timeLimitS * 1000 + config.recoveryMs + config.nemesisDurationMs * 1.5) * 2 +
        20 * config.clientTimeoutMs +
        60_000;
      await drive.run(() => finished || fatal !== undefined || aborted(), limitMs);
      if (fatal !== undefined) throw fatal;
    }
    await processes.shutdown();
    const stats = test?.nemesis.stats;
    return {
      finished,
      summary: {
        opCount: test?.recorder.size ?? 0,
        counts: test ? { ...test.recorder.counts } : { invoke: 0, ok: 0, fail: 0, info: 0, nemesis: 0 },
        simulatedNs: sim.nowNs - t0,
        sim: { ...sim.stats },
        network: { ...sim.network.stats },
        faults: stats
          ? { took: { ...stats.took }, total: stats.total, skipped: stats.skipped }
          : { took: {}, total: 0, skipped: 0 },
        maelstrom: {
          bin: binary.bin,
          args: [...binary.args],
          processesStarted: processes.spawned,
          initMs,
          net: net.result(history.clientInvokes),
          stats: history.stats(),
          availability: history.availability(),
        },
      },
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await processes.shutdown();
    process.off('exit', killOnExit);
  }
}

/** The simulation's clock with `t0` as time 0 (the history starts once every node is up). */
function offsetScheduler(sim: Simulation, t0: number): Scheduler {
  return {
    get nowNs() {
      return sim.nowNs - t0;
    },
    schedule: (delayNs, fn) => sim.schedule(delayNs, fn),
    scheduleAt: (timeNs, fn) => sim.scheduleAt(timeNs + t0, fn),
  };
}

/** The simulation as the nemesis's target, on the offset clock. */
function offsetFaults(sim: Simulation, t0: number): FaultTarget {
  return {
    nodeIds: sim.nodeIds,
    get clientIds() {
      return sim.clientIds;
    },
    get nowNs() {
      return sim.nowNs - t0;
    },
    network: sim.network,
    hasPrimary: false,
    isUp: (id) => sim.isUp(id),
    isPaused: (id) => sim.isPaused(id),
    primaries: () => [],
    crash: (id, mode) => sim.crash(id, mode),
    restart: (id) => sim.restart(id),
    pause: (id) => sim.pause(id),
    resume: (id) => sim.resume(id),
    skewClock: (id, deltaMs) => sim.skewClock(id, deltaMs),
    driftClock: (id, rate) => sim.driftClock(id, rate),
    resetClock: (id) => sim.resetClock(id),
  };
}
