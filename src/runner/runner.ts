import type { Workload } from '../../workloads/types.js';
import { phases, sleep, stagger, timeLimit } from '../generator/generator.js';
import { Nemesis } from '../nemesis/nemesis.js';
import type { RunConfig } from './config.js';
import type { Environment } from './environment.js';
import { ClientInterpreter, NemesisInterpreter } from './interpreter.js';
import { HistoryRecorder, type HistorySink } from './recorder.js';

/** A test wired to its environment, started and running. */
export interface RunningTest {
  readonly recorder: HistoryRecorder;
  readonly nemesis: Nemesis;
  /** True once the clients and the nemesis have both finished. */
  isFinished(): boolean;
  readonly clientsFinished: boolean;
  readonly nemesisFinished: boolean;
}

/**
 * The one runner, for every environment: the workload's generator on N
 * clients, the nemesis's schedule, then heal, recovery and final reads,
 * every op recorded into `history` as it happens. It never waits itself:
 * the environment's scheduler drives it (the simulator's event loop, or the
 * wall clock), and `onFinished` is called once everything is done.
 *
 * Phases (environment time): [0, T) ops at the given rate under faults; at
 * T the nemesis heals everything; once the last op is done, `recoveryMs` of
 * quiet, then the workload's final reads.
 */
export function startTest(
  env: Environment,
  config: RunConfig,
  workload: Workload,
  history: HistorySink,
  onFinished: () => void,
): RunningTest {
  const recorder = new HistoryRecorder(env.time, history);
  const generators = workload.generator(config.workloadOptions);

  let clientsDone = false;
  let nemesisDone = false;
  const maybeFinish = () => {
    if (clientsDone && nemesisDone) onFinished();
  };

  const clientGen = phases(
    timeLimit(config.timeLimitS, stagger(config.rateOpsPerS, generators.main)),
    sleep(config.recoveryMs),
    ...(generators.final ? [generators.final] : []),
  );
  const clients = new ClientInterpreter(
    env.time,
    env.nodeIds,
    env.clients,
    workload,
    clientGen,
    env.random.stream('generator'),
    recorder,
    {
      concurrency: config.concurrency,
      timeoutMs: config.clientTimeoutMs,
      nodeFor: env.clientNode,
      onFinished: () => {
        clientsDone = true;
        maybeFinish();
      },
    },
  );

  const nemesisRng = env.random.stream('nemesis');
  const nemesis = new Nemesis(
    env.faults,
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
  const nemesisRunner = new NemesisInterpreter(env.time, nemesis, nemesisGen, nemesisRng, () => {
    nemesisDone = true;
    maybeFinish();
  });

  env.start();
  clients.start();
  nemesisRunner.start();
  return {
    recorder,
    nemesis,
    isFinished: () => clientsDone && nemesisDone,
    get clientsFinished() {
      return clientsDone;
    },
    get nemesisFinished() {
      return nemesisDone;
    },
  };
}
