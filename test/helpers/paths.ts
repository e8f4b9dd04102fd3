import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared, read-only data set of real Jepsen histories (beside the repo). */
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');
export const ETCD_DIR = join(SHARED_DATA, 'jepsen-etcd');
export const KV_DIR = join(SHARED_DATA, 'kv');
