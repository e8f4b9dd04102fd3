import { bankWorkload } from './bank/index.js';
import { consensusWorkload } from './consensus/index.js';
import { listAppendWorkload } from './list-append/index.js';
import { registerWorkload } from './register/index.js';
import { rwRegisterWorkload } from './rw-register/index.js';
import type { Workload } from './types.js';

/**
 * Every workload `faultline run --workload` can name. Add one by writing a
 * `Workload` under workloads/NAME/ and one entry here; it names its checker
 * by the checker registry's name.
 */
const WORKLOADS: readonly Workload[] = [
  registerWorkload,
  listAppendWorkload,
  rwRegisterWorkload,
  bankWorkload,
  consensusWorkload,
];

export function listWorkloads(): readonly Workload[] {
  return WORKLOADS;
}

export function findWorkload(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === name);
}
