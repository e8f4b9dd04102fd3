import { rwRegisterWorkload } from '../rw-register/index.js';
import type { Workload } from '../types.js';

/**
 * Maelstrom's txn-rw-register under its own name: the `rw-register`
 * workload, whose `txn` messages carry Maelstrom's micro-ops (`["r", k, null]`
 * → `["r", k, v]`, `["w", k, v]`), checked by Elle.
 */
export const txnRwRegisterWorkload: Workload = {
  ...rwRegisterWorkload,
  name: 'txn-rw-register',
  description:
    "Maelstrom's txn-rw-register: transactions of register reads and writes; checked by Elle (rw-register)",
};
