import type { OpSpec } from '../../src/generator/generator.js';
import type { NodeId } from '../../src/sim/types.js';

/**
 * The adapter interface: how faultline drives a real database, in Jepsen's
 * split. The **db** part says how to set up, start and serve one node; the
 * runtime (local processes or Docker containers, `src/real/`) runs that
 * command and does the rest of a node's lifecycle — kill (SIGKILL to the
 * node's process group, or the container), pause / resume (SIGSTOP /
 * SIGCONT, or the container's freezer), restart (the same command over the
 * same data), tear down (stop it, remove its data). The **client** part
 * opens a connection to a node, invokes operations and closes; and
 * `classifyError` says whether an error is definite (the operation surely
 * did not happen → `fail`) or indefinite (it may have → `info`).
 *
 * An adapter never touches the generator, the nemesis or the checkers:
 * it serves a workload's operations (`OpSpec`s: register `read`/`write`/
 * `cas` with a `key`, transactions `txn` of micro-ops, …).
 */

/** A Debian package the adapter needs, and the binaries that show it is installed. */
export interface Requirement {
  package: string;
  /** Absolute paths; a `*` matches one path segment (e.g. a PostgreSQL version directory). The first found wins. */
  binaries: readonly string[];
}

/** A command-line option of the adapter (`--isolation serializable`). */
export interface AdapterOption {
  /** Name in `test.json`'s `adapterOptions` and the flag without dashes (`isolation` → `--isolation`). */
  name: string;
  description: string;
  /** Allowed values; absent for a free-form value checked by `check`. */
  choices?: readonly string[];
  default: string;
  /** For a free-form value: an error message, or undefined when it is fine. */
  check?: (value: string) => string | undefined;
}

/** How to run one node's server: the runtime starts it (and starts it again after a kill). */
export interface NodeCommand {
  /** Absolute path of the binary (the same path inside a container image). */
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Run as this user when the harness is root (default: the adapter's `nodeUser`). */
  user?: string;
  /** Bind-mounted read-only into a container besides the node's directory (share files the binary needs). */
  readOnlyPaths?: readonly string[];
}

export interface NodeInfo {
  readonly id: NodeId;
  /** 0-based position: n1 is 0. */
  readonly index: number;
  /** This node's own directory (data, config), under the run directory; removed at tear-down. */
  readonly dir: string;
  /** Ports the server itself listens on, by name, all on 127.0.0.1. */
  readonly ports: Readonly<Record<string, number>>;
  /**
   * Where everyone else reaches this node: a proxy in front of each port
   * (partitions, delays and loss happen there). Peers and clients must be
   * given these, never `ports`.
   */
  readonly proxyPorts: Readonly<Record<string, number>>;
}

export interface ClusterInfo {
  readonly nodes: readonly NodeInfo[];
  /** The adapter's options as chosen for this run (every one present, defaults filled in). */
  readonly options: Readonly<Record<string, string>>;
  /** The workload being run (`register`, `list-append`, …). */
  readonly workload: string;
  /** The user nodes run as (a setup command that writes their files must run as it too). */
  readonly nodeUser: string | undefined;
  /** Run a setup command on the host, as `user` when given; resolves with its output, rejects naming the command on failure. */
  exec(
    command: string,
    args: readonly string[],
    opts?: { user?: string; env?: Record<string, string> },
  ): Promise<string>;
  /** A line in the node's log in the store. */
  log(node: NodeId, line: string): void;
  /** Resolve a requirement's binary (the path found when the adapter was checked). */
  binary(name: string): string;
}

export interface Db {
  /** Names of the ports each node listens on; each gets a free port on 127.0.0.1 and a proxy. */
  readonly ports: readonly string[];
  /**
   * Set up before the first start (write config, `initdb`, copy a base
   * backup). Nodes are set up and started in order, n1 first.
   */
  setup?(node: NodeInfo, cluster: ClusterInfo): Promise<void>;
  /** The command that runs the node. */
  start(node: NodeInfo, cluster: ClusterInfo): NodeCommand;
  /** Resolves when the node serves clients; rejects while it does not (the runtime polls it after every start). */
  ready(node: NodeInfo, cluster: ClusterInfo): Promise<void>;
  /** Wait for each node to be ready before setting up the next (a replica copies its running primary). Default false: all start, then all are awaited (a quorum needs everyone). */
  readonly readyInOrder?: boolean;
  /** Once every node is ready: create tables, check replication, … */
  initialize?(cluster: ClusterInfo): Promise<void>;
  /** Nodes that lead now, newest first (for `--partition-modes isolate-primary`). */
  primaries?(cluster: ClusterInfo): NodeId[];
}

/** What a client operation returned, when it returned (a thrown error goes to `classifyError`). */
export type OpResult = { type: 'ok'; value: unknown } | { type: 'fail'; error: unknown };

export interface AdapterClient {
  invoke(op: OpSpec): Promise<OpResult>;
  close(): Promise<void>;
  /**
   * After `invoke` threw: can this connection still be used? Without it the
   * harness reopens the client after every thrown error (safe, slower: a
   * serialization failure leaves a PostgreSQL connection perfectly usable).
   */
  usable?(): boolean;
}

export interface ErrorClass {
  /** True: the operation certainly did not take effect (`fail`). False: it may have (`info`). */
  definite: boolean;
  /** A short name for the history (`serialization-failure`, `connection-lost`, …). */
  name: string;
}

export interface AdapterDescription {
  readonly name: string;
  readonly description: string;
  readonly requires: readonly Requirement[];
  readonly workloads: readonly string[];
  readonly defaultNodeCount: number;
  readonly nodeCounts: { readonly min: number; readonly max: number };
  readonly options: readonly AdapterOption[];
  /** When the harness is root, nodes run as this user (PostgreSQL refuses root); their directories are given to it. */
  readonly nodeUser?: string;
  /** Faults this database cannot take in real mode, and why (the run is refused, naming them). */
  readonly refuses?: Readonly<Record<string, string>>;
}

export interface Adapter extends AdapterDescription {
  readonly db: Db;
  /** Nodes clients talk to (default all): a primary-only database names its primary. */
  clientNodes?(cluster: ClusterInfo): NodeId[];
  /** Open a client against `node` (through `node.proxyPorts`). Rejecting means no operation was sent. */
  openClient(node: NodeInfo, cluster: ClusterInfo): Promise<AdapterClient>;
  classifyError(err: unknown, op: OpSpec): ErrorClass;
}
