import type { AdapterDescription } from '../types.js';

export const etcdDescription: AdapterDescription = {
  name: 'etcd',
  description:
    'etcd: a cluster on loopback (peers and clients through the proxies); register read/write/cas (a transaction) through etcd3; linearizable reads unless --read-mode serializable',
  requires: [{ package: 'etcd-server', binaries: ['/usr/bin/etcd'] }],
  workloads: ['register'],
  defaultNodeCount: 3,
  nodeCounts: { min: 1, max: 7 },
  options: [
    {
      name: 'read-mode',
      description:
        'linearizable: reads go through the leader (a quorum); serializable: a member answers from its own state',
      choices: ['linearizable', 'serializable'],
      default: 'linearizable',
    },
  ],
  refuses: {
    clock: 'etcd is a Go program: it reads the clock without libc, so libfaketime cannot skew it',
  },
};
