import { etcdDescription } from './etcd/description.js';
import { postgresDescription } from './postgres/description.js';
import { redisDescription } from './redis/description.js';
import type { Adapter, AdapterDescription } from './types.js';

/**
 * The adapters `faultline run --system` can name besides the simulated
 * systems. Each entry is its description (cheap: what `faultline systems`
 * prints and what the configuration is checked against) and a loader for
 * the adapter itself, which brings in its database client library.
 */
export interface RegisteredAdapter extends AdapterDescription {
  load(): Promise<Adapter>;
}

const ADAPTERS: readonly RegisteredAdapter[] = [
  { ...postgresDescription, load: async () => (await import('./postgres/index.js')).postgres },
  { ...etcdDescription, load: async () => (await import('./etcd/index.js')).etcd },
  { ...redisDescription, load: async () => (await import('./redis/index.js')).redis },
];

export function listAdapters(): readonly RegisteredAdapter[] {
  return ADAPTERS;
}

export function findAdapter(name: string): RegisteredAdapter | undefined {
  return ADAPTERS.find((a) => a.name === name);
}
