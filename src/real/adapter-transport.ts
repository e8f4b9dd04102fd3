import type {
  Adapter,
  AdapterClient,
  ClusterInfo,
  NodeInfo,
  OpResult,
} from '../../systems/adapters/types.js';
import type { Completion, Workload } from '../../workloads/types.js';
import type { OpSpec } from '../generator/generator.js';
import type { ClientConnection, ClientTransport } from '../runner/environment.js';
import type { NodeId } from '../sim/types.js';

/**
 * The real transport: each worker holds one adapter client, opened against
 * the node of its current process (through that node's proxy). Results
 * become completions; thrown errors are classified by the adapter —
 * definite → `fail`, indefinite → `info` (`fail` for a read-only op, which
 * cannot have changed anything). An abandoned operation closes the client:
 * the next one opens a fresh connection, as Jepsen reopens a crashed
 * process's client.
 */
export class AdapterTransport implements ClientTransport {
  readonly connections: AdapterConnection[] = [];

  constructor(
    private readonly adapter: Adapter,
    private readonly cluster: ClusterInfo,
    private readonly workload: Workload,
  ) {}

  connect(clientId: string): ClientConnection {
    const c = new AdapterConnection(clientId, this.adapter, this.cluster, this.workload);
    this.connections.push(c);
    return c;
  }

  /** Close every client (end of the run). */
  async closeAll(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }
}

export function completionFromResult(op: OpSpec, result: OpResult): Completion {
  return result.type === 'ok'
    ? { type: 'ok', value: result.value }
    : { type: 'fail', value: op.value, error: result.error };
}

export function completionFromError(
  adapter: Adapter,
  workload: Workload,
  op: OpSpec,
  err: unknown,
): Completion {
  const c = adapter.classifyError(err, op);
  const text = err instanceof Error ? err.message : String(err);
  const error = { name: c.name, text };
  return { type: c.definite || workload.isReadOnly(op) ? 'fail' : 'info', value: op.value, error };
}

class AdapterConnection implements ClientConnection {
  private client: Promise<AdapterClient> | undefined;
  private clientNode: NodeId | undefined;
  /** Bumped by abandon: completions of older operations are dropped. */
  private generation = 0;
  private readonly closing = new Set<Promise<void>>();

  constructor(
    readonly clientId: string,
    private readonly adapter: Adapter,
    private readonly cluster: ClusterInfo,
    private readonly workload: Workload,
  ) {}

  invoke(op: OpSpec, node: NodeId, complete: (c: Completion) => void): void {
    const generation = this.generation;
    if (this.client === undefined || this.clientNode !== node) {
      this.dropClient();
      const info = this.cluster.nodes.find((n) => n.id === node) as NodeInfo;
      this.client = this.adapter.openClient(info, this.cluster);
      this.clientNode = node;
    }
    const opening = this.client;
    opening.then(
      (client) =>
        client.invoke(op).then(
          (result) => {
            if (generation === this.generation) complete(completionFromResult(op, result));
          },
          (err: unknown) => {
            // Unless the client says it is still usable, the next operation opens a fresh connection.
            if (this.client === opening && client.usable?.() !== true) this.dropClient();
            if (generation === this.generation)
              complete(completionFromError(this.adapter, this.workload, op, err));
          },
        ),
      (err: unknown) => {
        // No connection, so nothing was sent: definitely did not happen.
        if (this.client === opening) this.client = undefined;
        if (generation === this.generation) {
          complete({
            type: 'fail',
            value: op.value,
            error: { name: 'cannot-connect', text: err instanceof Error ? err.message : String(err) },
          });
        }
      },
    );
  }

  abandon(): void {
    this.generation++;
    this.dropClient();
  }

  private dropClient(): void {
    const c = this.client;
    this.client = undefined;
    this.clientNode = undefined;
    if (c === undefined) return;
    const p = c.then(
      (client) => client.close().catch(() => {}),
      () => {},
    );
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  async close(): Promise<void> {
    this.generation++;
    this.dropClient();
    await Promise.all([...this.closing]);
  }
}
