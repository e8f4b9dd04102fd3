import { Registered } from '../src/plugins/registered.js';
import { bankWorkload } from './bank/index.js';
import { broadcastWorkload } from './broadcast/index.js';
import { consensusWorkload } from './consensus/index.js';
import { echoWorkload } from './echo/index.js';
import { gCounterWorkload } from './g-counter/index.js';
import { gSetWorkload } from './g-set/index.js';
import { kafkaWorkload } from './kafka/index.js';
import { linKvWorkload } from './lin-kv/index.js';
import { listAppendWorkload } from './list-append/index.js';
import { pnCounterWorkload } from './pn-counter/index.js';
import { registerWorkload } from './register/index.js';
import { rwRegisterWorkload } from './rw-register/index.js';
import { txnListAppendWorkload } from './txn-list-append/index.js';
import { txnRwRegisterWorkload } from './txn-rw-register/index.js';
import type { Workload } from './types.js';
import { uniqueIdsWorkload } from './unique-ids/index.js';

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
  // Maelstrom's workloads, by Maelstrom's names.
  echoWorkload,
  uniqueIdsWorkload,
  broadcastWorkload,
  gSetWorkload,
  gCounterWorkload,
  pnCounterWorkload,
  linKvWorkload,
  txnListAppendWorkload,
  txnRwRegisterWorkload,
  kafkaWorkload,
];

/** Workloads of the user's own (`--workload ./w.ts`, or from code), after the bundled ones. */
const plugins = new Registered<Workload>('workload', () => WORKLOADS);

export function listWorkloads(): readonly Workload[] {
  return [...WORKLOADS, ...plugins.list()];
}

export function findWorkload(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === name) ?? plugins.find(name);
}

/** Register a workload of the user's own under its name (again: replaces it). */
export function addPluginWorkload(workload: Workload): void {
  plugins.add(workload);
}
