import type { AdapterDescription } from '../types.js';

export const ISOLATION_LEVELS = ['read-committed', 'repeatable-read', 'serializable'] as const;

export const postgresDescription: AdapterDescription = {
  name: 'postgres',
  description:
    'PostgreSQL: a primary (n1) and, with --nodes 2 or 3, streaming replicas; list-append, rw-register and bank transactions through pg at --isolation',
  requires: [
    { package: 'postgresql', binaries: ['/usr/lib/postgresql/*/bin/postgres'] },
    { package: 'postgresql', binaries: ['/usr/lib/postgresql/*/bin/initdb'] },
    { package: 'postgresql', binaries: ['/usr/lib/postgresql/*/bin/pg_basebackup'] },
  ],
  workloads: ['list-append', 'rw-register', 'bank'],
  defaultNodeCount: 1,
  nodeCounts: { min: 1, max: 3 },
  nodeUser: 'postgres',
  options: [
    {
      name: 'isolation',
      description: 'transaction isolation level',
      choices: ISOLATION_LEVELS,
      default: 'serializable',
    },
  ],
};
