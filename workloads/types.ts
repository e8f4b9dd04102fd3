import type { Checker, CheckOptions } from '../checkers/types.js';
import type { Generator, OpSpec } from '../src/generator/generator.js';
import type { Body, NodeId } from '../src/sim/types.js';

/** Knobs a workload's generator understands; each workload documents its defaults. */
export interface WorkloadOptions {
  /** Keys in play at the same time. */
  activeKeys?: number;
  /** Register: operations per key before the key retires. */
  opsPerKey?: number;
  /** Transactions: micro-operations per transaction, at most. */
  maxTxnLength?: number;
  /** Transactions: writes (appends) per key before the key retires. */
  maxWritesPerKey?: number;
  /** Broadcast: the neighbour graph the harness tells each node in its `topology` message (Maelstrom's `--topology`). */
  topology?: BroadcastTopology;
}

/** Maelstrom's broadcast topologies (`maelstrom test --topology`). */
export type BroadcastTopology = 'line' | 'grid' | 'tree2' | 'tree3' | 'tree4' | 'total';

/** A message the harness sends a node before the main phase (Maelstrom's broadcast `topology`), awaiting its reply. */
export interface SetupMessage {
  dest: NodeId;
  /** The request body (the harness adds `msg_id`). */
  body: Body;
  /** The reply type that acknowledges it (`topology_ok`). */
  replyType: string;
}

export interface WorkloadGenerators {
  /** The main phase, run under faults (the runner adds the rate and the time limit). */
  main: Generator;
  /** After faults are healed and the system had time to recover: final reads. */
  final?: Generator;
}

/** How a client operation ended, derived from the server's reply. */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value: unknown;
  error?: unknown;
}

/**
 * A workload: what clients do, how they say it on the wire (Maelstrom
 * message shapes), how replies become completions, and which checker judges
 * the history. A workload never knows which system serves it.
 */
export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Checker by its registry name (checkers/registry.ts) and its options (model, …). */
  readonly checker: { readonly name: string; readonly options: CheckOptions };
  /**
   * Used only while `checker.name` is not registered: a weaker check that
   * reports violations it can prove and otherwise `unknown`, never `true`.
   */
  readonly fallbackChecker: Checker;
  generator(opts: WorkloadOptions): WorkloadGenerators;
  /** The request body for an operation (the client adds `msg_id`). */
  clientRequest(op: OpSpec): Body;
  /** An operation's completion from the server's reply. */
  completeFromReply(op: OpSpec, reply: Body): Completion;
  /** Read-only operations cannot have taken effect, so an indefinite outcome is a `fail`. */
  isReadOnly(op: OpSpec): boolean;
  /**
   * Messages to send the nodes after `init` and before the first operation
   * (broadcast's `topology`), each acknowledged by its reply; none if absent.
   */
  setupMessages?(nodeIds: readonly NodeId[], opts: WorkloadOptions): readonly SetupMessage[];
}
