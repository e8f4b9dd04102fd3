import type { Workload } from '../../workloads/types.js';
import { DONE, type Generator, phases, sleep, stagger, timeLimit } from '../generator/generator.js';
import { type FaultEvent, Nemesis } from '../nemesis/nemesis.js';
import type { RunConfig } from './config.js';
import type { Environment } from './environment.js';
import { ClientInterpreter, NemesisInterpreter } from './interpreter.js';
import { HistoryRecorder, type HistorySink } from './recorder.js';
import { recording, type Schedule, type ScheduledOp, scripted } from './schedule.js';

/** A test wired to its environment, started and running. */
export interface RunningTest {
  readonly recorder: HistoryRecorder;
  readonly nemesis: Nemesis;
  /** True once the clients and the nemesis have both finished. */
  isFinished(): boolean;
  readonly clientsFinished: boolean;
  readonly nemesisFinished: boolean;
  /** The run's explicit schedule so far (with `recordSchedule`), else undefined. */
  schedule(): Schedule | undefined;
}

export interface StartTestOptions {
  /** Carry out this explicit schedule instead of drawing operations and faults. */
  schedule?: Schedule;
  /** Write out the operations and faults as they happen (`RunningTest.schedule()`). */
  recordSchedule?: boolean;
}

/**
 * The one runner, for every environment: the workload's generator on N
 * clients, the nemesis's schedule, then heal, recovery and final reads,
 * every op recorded into `history` as it happens. It never waits itself:
 * the environment's scheduler drives it (the simulator's event loop, or the
 * wall clock), and `onFinished` is called once everything is done.
 *
 * Phases (environment time): [0, T) ops at the given rate under faults (no
 * fault starts at or after T, and each lasts its drawn duration); once the
 * last fault has stopped and the last op is done, the nemesis heals
 * everything, then `recoveryMs` of quiet, then the workload's final reads.
 * With an explicit schedule, its operations and faults take the place of
 * the drawn ones.
 */
export function startTest(
  env: Environment,
  config: RunConfig,
  workload: Workload,
  history: HistorySink,
  onFinished: () => void,
  opts: StartTestOptions = {},
): RunningTest {
  const recorder = new HistoryRecorder(env.time, history);
  const recorded: Schedule | undefined = opts.recordSchedule
    ? { main: [], final: [], faults: [] }
    : undefined;

  let clientsDone = false;
  let nemesisDone = false;
  let waitingForHeal = false;
  const maybeFinish = () => {
    if (clientsDone && nemesisDone) onFinished();
  };
  // The recovery time starts once the nemesis has healed (its last fault may outlast the time limit).
  const untilHealed: Generator = {
    next: () => {
      if (nemesisDone) return DONE;
      waitingForHeal = true;
      return { kind: 'wait' };
    },
  };
  let main: Generator;
  let final: Generator | undefined;
  if (opts.schedule) {
    main = scripted(opts.schedule.main, config.concurrency);
    final = scripted(opts.schedule.final, config.concurrency);
  } else {
    const generators = workload.generator(config.workloadOptions);
    main = timeLimit(config.timeLimitS, stagger(config.rateOpsPerS, generators.main));
    final = generators.final;
  }
  const record = (g: Generator, out: ScheduledOp[] | undefined) => (out ? recording(g, out) : g);
  const clientGen = phases(
    record(main, recorded?.main),
    untilHealed,
    sleep(config.recoveryMs),
    ...(final ? [record(final, recorded?.final)] : []),
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
      timeLimitNs: Math.round(config.timeLimitS * 1e9),
      ...(opts.schedule ? { script: opts.schedule.faults } : {}),
    },
  );
  const nemesisGen = phases(nemesis.generator(), nemesis.healGenerator());
  const nemesisRunner = new NemesisInterpreter(env.time, nemesis, nemesisGen, nemesisRng, () => {
    nemesisDone = true;
    if (waitingForHeal) clients.poke();
    maybeFinish();
  });

  env.start();
  // Setup messages (broadcast's topology) are answered before the first operation and the first fault.
  const setup = workload.setupMessages?.(env.nodeIds, config.workloadOptions) ?? [];
  const begin = () => {
    clients.start();
    nemesisRunner.start();
  };
  if (setup.length === 0) begin();
  else {
    if (!env.clients.setup)
      throw new Error(
        `workload ${workload.name} sends setup messages, which this environment's clients cannot send`,
      );
    env.clients.setup(setup, env.time, config.clientTimeoutMs, begin);
  }
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
    schedule: () => (recorded ? { ...recorded, faults: nemesis.events.map(copyEvent) } : undefined),
  };
}

function copyEvent(e: FaultEvent): FaultEvent {
  return { ...e, seq: [...e.seq] as [number, number] };
}
