import { Redis } from 'ioredis';
import type { OpSpec } from '../../../src/generator/generator.js';
import type { Adapter, AdapterClient, ClusterInfo, ErrorClass, NodeInfo, OpResult } from '../types.js';
import { redisDescription } from './description.js';

/**
 * Redis through `ioredis`. n1 is the primary; every other node is a
 * replica (`replicaof` n1's proxy, so a partition cuts replication).
 * Writes go to the primary (SET, then optionally WAIT); cas is a Lua
 * script, atomic on the primary; reads go to the primary, or with
 * `--read-from replica` to the replica of the client's node. Replication
 * is asynchronous, so replica reads can be stale: not linearizable.
 * The AOF is fsynced on every write (`appendfsync always`), so a killed
 * primary keeps what it acknowledged.
 */

const CAS_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end`;
const WAIT_TIMEOUT_MS = 1000;

/** Raised when WAIT saw fewer replicas than asked for: the write is on the primary, but may not survive. */
class NotReplicatedError extends Error {}

function connection(port: number): Redis {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 1000,
    // One attempt per command: a lost connection fails the command instead of resending it.
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    autoResendUnfulfilledCommands: false,
  });
  r.on('error', () => {});
  return r;
}

class RedisRegisterClient implements AdapterClient {
  constructor(
    private readonly primary: Redis,
    private readonly reads: Redis,
    private readonly waitReplicas: number,
  ) {}

  async invoke(op: OpSpec): Promise<OpResult> {
    const key = `k${String(op.key)}`;
    switch (op.f) {
      case 'read': {
        const v = await this.reads.get(key);
        return { type: 'ok', value: v === null ? null : Number(v) };
      }
      case 'write':
        await this.primary.set(key, String(op.value));
        await this.waitForReplicas();
        return { type: 'ok', value: op.value };
      case 'cas': {
        const [from, to] = op.value as [number, number];
        const done = (await this.primary.eval(CAS_SCRIPT, 1, key, String(from), String(to))) as number;
        if (done !== 1)
          return { type: 'fail', error: { name: 'precondition-failed', text: `${key} is not ${from}` } };
        await this.waitForReplicas();
        return { type: 'ok', value: op.value };
      }
      default:
        throw new Error(`redis adapter: unknown op ${op.f}`);
    }
  }

  private async waitForReplicas(): Promise<void> {
    if (this.waitReplicas === 0) return;
    const acked = (await this.primary.call(
      'WAIT',
      String(this.waitReplicas),
      String(WAIT_TIMEOUT_MS),
    )) as number;
    if (acked < this.waitReplicas)
      throw new NotReplicatedError(
        `WAIT: ${acked} of ${this.waitReplicas} replicas acknowledged within ${WAIT_TIMEOUT_MS} ms`,
      );
  }

  /** A reply error leaves both connections usable; anything that closed one does not. */
  usable(): boolean {
    return this.primary.status === 'ready' && this.reads.status === 'ready';
  }

  async close(): Promise<void> {
    this.primary.disconnect();
    if (this.reads !== this.primary) this.reads.disconnect();
  }
}

export const redis: Adapter = {
  ...redisDescription,
  db: {
    ports: ['redis'],
    start(node: NodeInfo, cluster: ClusterInfo) {
      const primary = cluster.nodes[0];
      return {
        command: cluster.binary('redis-server'),
        args: [
          '--port',
          String(node.ports.redis),
          '--bind',
          '127.0.0.1',
          '--protected-mode',
          'no',
          '--dir',
          node.dir,
          '--daemonize',
          'no',
          '--logfile',
          '',
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          ...(node.index === 0 ? [] : ['--replicaof', '127.0.0.1', String(primary.proxyPorts.redis)]),
        ],
      };
    },
    async ready(node: NodeInfo) {
      const r = connection(node.ports.redis);
      try {
        await r.connect();
        await r.ping();
      } finally {
        r.disconnect();
      }
    },
    async initialize(cluster: ClusterInfo) {
      // Every replica must be in sync before the test starts.
      for (const n of cluster.nodes.slice(1)) {
        const r = connection(n.ports.redis);
        try {
          await r.connect();
          for (let i = 0; ; i++) {
            const info = await r.info('replication');
            if (/master_link_status:up/.test(info)) break;
            if (i > 200) throw new Error(`${n.id} did not connect to its primary: ${info}`);
            await new Promise((res) => setTimeout(res, 100));
          }
        } finally {
          r.disconnect();
        }
      }
    },
    primaries: () => ['n1'],
  },
  async openClient(node: NodeInfo, cluster: ClusterInfo) {
    const primaryNode = cluster.nodes[0];
    const primary = connection(primaryNode.proxyPorts.redis);
    let reads = primary;
    if (cluster.options['read-from'] === 'replica' && cluster.nodes.length > 1) {
      const replica = node.index === 0 ? cluster.nodes[1] : node;
      reads = connection(replica.proxyPorts.redis);
    }
    try {
      await primary.connect();
      if (reads !== primary) await reads.connect();
    } catch (err) {
      primary.disconnect();
      reads.disconnect();
      throw err;
    }
    return new RedisRegisterClient(primary, reads, Number(cluster.options.wait));
  },
  classifyError(err: unknown): ErrorClass {
    if (err instanceof NotReplicatedError) return { definite: false, name: 'not-replicated' };
    const name = err instanceof Error ? err.name : '';
    // An error reply (READONLY, a script error, …): the server refused the command.
    if (name === 'ReplyError') return { definite: true, name: 'reply-error' };
    // The connection closed, or never opened: ioredis does not say whether the command reached the server.
    return { definite: false, name: 'connection-lost' };
  },
};
