import { get } from 'node:http';
import { noop } from 'cockatiel';
import { Etcd3, EtcdError, GRPCInvalidArgumentError, GRPCResourceExhastedError } from 'etcd3';
import type { OpSpec } from '../../../src/generator/generator.js';
import type { Adapter, AdapterClient, ClusterInfo, ErrorClass, NodeInfo, OpResult } from '../types.js';
import { etcdDescription } from './description.js';

/**
 * etcd through the `etcd3` client. Every member advertises its proxies,
 * so peer traffic and client traffic both cross them. Register ops on key
 * `k<key>`: read = range (serializable with --read-mode serializable),
 * write = put, cas = a transaction comparing the value. The client's own
 * retries are off: a retried cas whose first attempt committed would be
 * reported as failed.
 */

const url = (port: number) => `http://127.0.0.1:${port}`;

function health(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = get(`${url(port)}/health`, { timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () =>
        /"health":\s*"true"/.test(body) ? resolve() : reject(new Error(`unhealthy: ${body}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('health check timed out')));
    req.on('error', reject);
  });
}

class EtcdRegisterClient implements AdapterClient {
  constructor(
    private readonly client: Etcd3,
    private readonly serializableReads: boolean,
  ) {}

  async invoke(op: OpSpec): Promise<OpResult> {
    const key = `k${String(op.key)}`;
    const c = this.client;
    switch (op.f) {
      case 'read': {
        const v = await c.get(key).serializable(this.serializableReads).string();
        return { type: 'ok', value: v === null ? null : Number(v) };
      }
      case 'write':
        await c.put(key).value(String(op.value));
        return { type: 'ok', value: op.value };
      case 'cas': {
        const [from, to] = op.value as [number, number];
        const r = await c
          .if(key, 'Value', '==', String(from))
          .then(c.put(key).value(String(to)))
          .commit();
        return r.succeeded
          ? { type: 'ok', value: op.value }
          : { type: 'fail', error: { name: 'precondition-failed', text: `${key} is not ${from}` } };
      }
      default:
        throw new Error(`etcd adapter: unknown op ${op.f}`);
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export const etcd: Adapter = {
  ...etcdDescription,
  db: {
    ports: ['client', 'peer'],
    start(node: NodeInfo, cluster: ClusterInfo) {
      const initial = cluster.nodes.map((n) => `${n.id}=${url(n.proxyPorts.peer)}`).join(',');
      return {
        command: cluster.binary('etcd'),
        args: [
          '--name',
          node.id,
          '--data-dir',
          `${node.dir}/data`,
          '--listen-client-urls',
          url(node.ports.client),
          '--advertise-client-urls',
          url(node.proxyPorts.client),
          '--listen-peer-urls',
          url(node.ports.peer),
          '--initial-advertise-peer-urls',
          url(node.proxyPorts.peer),
          '--initial-cluster',
          initial,
          '--initial-cluster-state',
          'new',
          // Unique per run: members of another run can never join this cluster.
          '--initial-cluster-token',
          `faultline-${cluster.nodes[0].proxyPorts.peer}`,
          '--logger',
          'zap',
          '--log-outputs',
          'stderr',
        ],
      };
    },
    async ready(node: NodeInfo) {
      await health(node.ports.client);
    },
  },
  async openClient(node: NodeInfo, cluster: ClusterInfo) {
    const client = new Etcd3({
      hosts: url(node.proxyPorts.client),
      dialTimeout: 1000,
      faultHandling: { host: () => noop, global: noop },
    });
    return new EtcdRegisterClient(client, cluster.options['read-mode'] === 'serializable');
  },
  classifyError(err: unknown): ErrorClass {
    // Refused before anything was sent, or rejected as malformed / over quota: it did not happen.
    if (err instanceof GRPCInvalidArgumentError) return { definite: true, name: 'invalid-argument' };
    if (err instanceof GRPCResourceExhastedError) return { definite: true, name: 'resource-exhausted' };
    const text = err instanceof Error ? err.message : String(err);
    if (/ECONNREFUSED/.test(text)) return { definite: true, name: 'connection-refused' };
    // Timeouts, lost connections, leader changes: the proposal may still commit.
    if (err instanceof EtcdError) return { definite: false, name: 'etcd-error' };
    return { definite: false, name: 'indefinite' };
  },
};
