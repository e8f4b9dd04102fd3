import type { AdapterDescription } from '../types.js';

export const redisDescription: AdapterDescription = {
  name: 'redis',
  description:
    'Redis: a primary (n1) and asynchronous replicas (replicaof through the proxy); register read/write/cas (a Lua script) through ioredis; reads from the primary unless --read-from replica',
  requires: [{ package: 'redis-server', binaries: ['/usr/bin/redis-server'] }],
  workloads: ['register'],
  defaultNodeCount: 3,
  nodeCounts: { min: 1, max: 7 },
  options: [
    {
      name: 'read-from',
      description: 'where reads go: the primary, or the replica of the client’s node',
      choices: ['primary', 'replica'],
      default: 'primary',
    },
    {
      name: 'wait',
      description:
        'after each write, WAIT for this many replicas (0: no WAIT); fewer acknowledgements within 1 s make the write indefinite',
      default: '0',
      check: (v) =>
        /^\d+$/.test(v) && Number(v) <= 6
          ? undefined
          : `must be a whole number of replicas, 0 to 6, not '${v}'`,
    },
  ],
};
