import { listAppendWorkload } from '../list-append/index.js';
import type { Workload } from '../types.js';

/**
 * Maelstrom's txn-list-append under its own name: the `list-append` workload,
 * whose `txn` messages carry Maelstrom's micro-ops (`["r", k, null]` →
 * `["r", k, [1, 2]]`, `["append", k, v]`), checked by Elle.
 */
export const txnListAppendWorkload: Workload = {
  ...listAppendWorkload,
  name: 'txn-list-append',
  description:
    "Maelstrom's txn-list-append: transactions of appends and list reads; checked by Elle (list-append)",
};
