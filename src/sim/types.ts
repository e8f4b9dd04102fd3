/**
 * The contract between the simulator and the systems it runs (DESIGN.md,
 * "Simulation"). Bundled systems under `systems/` see only these types:
 * they never read real time or real randomness.
 */

export type NodeId = string;

/**
 * A Maelstrom message body: `type`, optional `msg_id` / `in_reply_to`, and
 * the fields of that message type (`key`, `value`, `from`, `to`, `txn`, …).
 */
export interface Body {
  type: string;
  msg_id?: number;
  in_reply_to?: number;
  [field: string]: unknown;
}

export interface Message {
  src: NodeId;
  dest: NodeId;
  body: Body;
}

export type TimerId = number;

/**
 * A node's disk: named files of text. Writes are visible to the running node
 * at once but survive a crash only after `fsync()`; a torn-write fault may
 * also cut the last unsynced append short.
 */
export interface Disk {
  read(file: string): string | undefined;
  /** Replace the whole file. */
  write(file: string, data: string): void;
  append(file: string, data: string): void;
  remove(file: string): void;
  list(): string[];
  /** Make every write so far durable. */
  fsync(): void;
}

/**
 * Numbers a system reports about itself (in-doubt time, unavailable keys,
 * …), summed or maxed over every node and incarnation of a run and saved in
 * the run summary as `systemMetrics`. Names carry their units (`inDoubtMsMax`).
 */
export interface MetricsSink {
  /** Add `amount` to a counter (created at 0). */
  add(name: string, amount: number): void;
  /** Keep the largest value reported under `name`. */
  max(name: string, value: number): void;
}

export interface NodeContext {
  readonly id: NodeId;
  readonly nodeIds: readonly NodeId[];
  /** This node's clock in ms: virtual time plus this node's skew and drift. */
  now(): number;
  /**
   * This node's monotonic clock in ms (CLOCK_MONOTONIC): it drifts like
   * `now()` but never jumps, and it runs on while the node is paused.
   */
  monotonicNow(): number;
  /** This node's own random stream, in [0, 1). */
  random(): number;
  send(dest: NodeId, body: Body): void;
  /** Fires after `ms` of virtual time (frozen while the node is paused). */
  setTimer(ms: number, fn: () => void): TimerId;
  clearTimer(id: TimerId): void;
  readonly disk: Disk;
  log(line: string): void;
  /** Where the node reports its metrics; absent where nobody collects them. */
  readonly metrics?: MetricsSink;
}

/** A running node: an actor reacting to messages (timers are callbacks). */
export interface SimNode {
  onMessage(msg: Message): void;
  /**
   * Jepsen's `db/primaries`: the term (or epoch) in which this node believes
   * it is the primary (leader), or null. Lets a nemesis target leaders;
   * systems without a primary leave it out.
   */
  primaryTerm?(): number | null;
  /**
   * Lifecycle hooks for nodes that live outside the simulator (a Maelstrom
   * binary run as a process): the simulator calls them as it crashes, pauses
   * or resumes the node. Simulated nodes leave them out; the simulator's own
   * bookkeeping (lost memory, frozen timers, held messages) is the same either way.
   */
  onCrash?(): void;
  onPause?(): void;
  onResume?(): void;
}

export interface BugKnob {
  name: string;
  description: string;
}

/** A documented, correct variant of a system (`--system-option NAME`), e.g. Raft's lease reads. */
export interface SystemOption {
  name: string;
  description: string;
}

/**
 * A bundled system: a factory for nodes. After a crash the simulator calls
 * `createNode` again with a context whose disk holds what was fsynced.
 */
export interface SystemDefinition {
  readonly name: string;
  readonly description: string;
  readonly bugs: readonly BugKnob[];
  /** Optional features a run can turn on (none if absent). */
  readonly options?: readonly SystemOption[];
  readonly defaultNodeCount: number;
  /**
   * Its nodes report `primaryTerm()` (a leader-based system): the
   * `isolate-primary` partition shape applies to it.
   */
  readonly hasPrimary?: boolean;
  /** Workloads whose client messages this system serves (register, list-append, …). */
  readonly workloads: readonly string[];
  createNode(ctx: NodeContext, options: { bugs: ReadonlySet<string>; options: ReadonlySet<string> }): SimNode;
}
