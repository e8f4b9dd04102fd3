import type { Completion, SetupMessage } from '../../workloads/types.js';
import type { OpSpec } from '../generator/generator.js';
import type { CrashMode } from '../sim/disk.js';
import type { Grouping } from '../sim/network.js';
import type { RandomStreams } from '../sim/random.js';
import type { NodeId } from '../sim/types.js';

/**
 * The seam between the one runner (generator, nemesis schedule, client
 * interpreter, recorder, store: `src/runner/`) and the world it runs in.
 * An environment supplies three things:
 *
 * - **time** (`Scheduler`): the simulator's virtual time, or the wall clock;
 * - **transport** (`ClientTransport`): Maelstrom messages on the simulated
 *   network, or adapter clients over sockets;
 * - **node lifecycle and faults** (`FaultTarget`): simulated nodes, local
 *   processes or containers, and the network between them (the simulated
 *   network or TCP proxies).
 *
 * The three vary independently: `simulationEnvironment` is virtual time +
 * simulated network + simulated nodes; `src/real/` builds wall clock +
 * sockets + processes or containers; a simulation driven by the wall clock
 * (`SimulationWallClockDriver` in `src/real/wall-clock.ts`, used by the Maelstrom host in
 * `src/maelstrom/`) gives wall clock + simulated network +
 * whatever nodes the simulation hosts. See docs/architecture.md.
 */

/** Time: ns since the test started, and callbacks at later times. */
export interface Scheduler {
  readonly nowNs: number;
  /** Run `fn` `delayNs` from now, after everything already due at that instant. */
  schedule(delayNs: number, fn: () => void): void;
  /** Run `fn` at `timeNs` (at once, after what is already due, if that is past). */
  scheduleAt(timeNs: number, fn: () => void): void;
}

/** One client worker's line to the system. */
export interface ClientConnection {
  /** Start `op` against `node`; `complete` is called at most once, unless the op is abandoned first. */
  invoke(op: OpSpec, node: NodeId, complete: (c: Completion) => void): void;
  /**
   * The interpreter gave up on the operation in flight (it timed out, or
   * ended `info`): forget it and never call its `complete`. A real client
   * closes its connection here; the next `invoke` opens a fresh one, as
   * Jepsen reopens the client of a crashed process.
   */
  abandon(): void;
}

export interface ClientTransport {
  /** One connection per worker, asked for in worker order before the run starts. */
  connect(clientId: string): ClientConnection;
  /**
   * Send the workload's setup messages (broadcast's `topology`) and call
   * `done` once each was acknowledged by its `replyType`; a message with no
   * answer is sent again every `timeoutMs`, and after `attempts` tries the
   * run fails naming the node. Absent: this transport cannot (an adapter's clients).
   */
  setup?(messages: readonly SetupMessage[], time: Scheduler, timeoutMs: number, done: () => void): void;
}

/** The part of the network the nemesis changes. Actors are node ids and client ids. */
export interface FaultNetwork {
  /** Cut every link between actors of different groups, both ways. */
  partition(groups: Grouping): void;
  /** Cut only the links from each of `from` to each of `to`. */
  cutOneWay(from: readonly string[], to: readonly string[]): void;
  /** Restore every link. */
  heal(): void;
  /** While set, each message (real mode: each chunk of bytes) is lost with this probability. */
  lossOverride: number | undefined;
  /** While set, each message is delivered twice with this probability. */
  duplicateOverride: number | undefined;
  /** One-way links cut now: a partition that cuts none is a bug of the nemesis (checked when known). */
  readonly cutLinkCount?: number;
  /** The links cut now, as `from->to`, sorted (written into explicit schedules, which replay in simulation). */
  describeCuts?(): string[];
}

/** Node lifecycle and faults: what the nemesis acts on. Every method returns at once. */
export interface FaultTarget {
  readonly nodeIds: readonly NodeId[];
  readonly clientIds: readonly string[];
  /** The same clock as the environment's scheduler. */
  readonly nowNs: number;
  readonly network: FaultNetwork;
  isUp(id: NodeId): boolean;
  isPaused(id: NodeId): boolean;
  /** The nodes report whether they lead (`isolate-primary` applies); undefined: not known up front. */
  readonly hasPrimary?: boolean;
  /** Up nodes that believe they lead, newest term first (Jepsen's `db/primaries`). */
  primaries(): NodeId[];
  crash(id: NodeId, mode?: CrashMode): void;
  restart(id: NodeId): void;
  pause(id: NodeId): void;
  resume(id: NodeId): void;
  skewClock(id: NodeId, deltaMs: number): void;
  driftClock(id: NodeId, rate: number): void;
  resetClock(id: NodeId): void;
}

export interface Environment {
  readonly time: Scheduler;
  /** The seeded streams the generator (`generator`) and the nemesis (`nemesis`) draw from. */
  readonly random: RandomStreams;
  readonly nodeIds: readonly NodeId[];
  readonly clients: ClientTransport;
  /**
   * Which node a worker's operations go to. Default: by process
   * (`nodeIds[process % n]`, so a worker moves on after an `info`); real
   * mode binds each worker to one node, as Jepsen binds a thread, so a
   * client stays with a node a partition cut off.
   */
  readonly clientNode?: (worker: number, process: number) => NodeId;
  readonly faults: FaultTarget;
  /** Bring the nodes up (simulation: boot each and send `init`); called once, before clients start. */
  start(): void;
}
