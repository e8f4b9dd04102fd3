import { Redis } from 'ioredis';
import type { Adapter } from '../types.js';

const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;
const options = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null };
async function connect(port: number): Promise<Redis> {
  const r = new Redis(port, '127.0.0.1', options);
  r.on('error', () => {});
  await r.connect();
  return r;
}
/** One Redis node serving the register workload: a whole adapter. */
export const redisLite: Adapter = {
  name: 'redis-lite',
  description: 'one Redis node; register read / write / cas',
  requires: [{ package: 'redis-server', binaries: ['/usr/bin/redis-server'] }],
  workloads: ['register'],
  defaultNodeCount: 1,
  nodeCounts: { min: 1, max: 1 },
  options: [],
  db: {
    ports: ['redis'],
    // The runtime runs this (again after a kill); kill, pause and resume are its signals to the node.
    start: (node, cluster) => ({
      command: cluster.binary('redis-server'),
      args: ['--port', `${node.ports.redis}`, '--bind', '127.0.0.1', '--dir', node.dir],
    }),
    ready: async (node) => (await connect(node.ports.redis)).disconnect(),
  },
  async openClient(node) {
    // Through the proxy in front of the node, where partitions happen.
    const r = await connect(node.proxyPorts.redis);
    return {
      async invoke(op) {
        const key = `k${op.key}`;
        if (op.f === 'read')
          return { type: 'ok', value: ((v) => (v === null ? null : Number(v)))(await r.get(key)) };
        if (op.f === 'write') return (await r.set(key, `${op.value}`)) && { type: 'ok', value: op.value };
        const [from, to] = op.value as [number, number];
        const swapped = (await r.eval(CAS, 1, key, `${from}`, `${to}`)) === 1;
        return swapped ? { type: 'ok', value: op.value } : { type: 'fail', error: 'precondition-failed' };
      },
      close: async () => r.disconnect(),
    };
  },
  // An error reply: Redis refused the command (definite). Anything else, e.g. a lost connection: it may have run.
  classifyError: (err) =>
    err instanceof Error && err.name === 'ReplyError'
      ? { definite: true, name: 'reply-error' }
      : { definite: false, name: 'connection-lost' },
};
