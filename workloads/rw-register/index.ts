import type { Checker } from '../../checkers/types.js';
import { checkReadsWereWritten, completeTxn, txnGenerators, txnIsReadOnly, txnRequest } from '../txn.js';
import type { Workload } from '../types.js';

const fallback: Checker = {
  name: 'fallback:reads-were-written',
  description: 'every register value read in a transaction was written to that key',
  async check(history) {
    return checkReadsWereWritten(history, 'w', this.name, (value) => ({
      values: [value],
      duplicates: false,
    }));
  },
};

/** Elle's rw-register: transactions of writes and reads of registers (Maelstrom txn-rw-register). */
export const rwRegisterWorkload: Workload = {
  name: 'rw-register',
  description:
    'transactions of register writes and reads on rotating keys (Maelstrom txn-rw-register); checked by Elle',
  // Strict serializability implies each key is linearizable (so sequentially consistent) and that
  // writes follow reads: the version-order hints cannot make a strict serializable history fail.
  checker: {
    name: 'elle-rw-register',
    options: {
      consistencyModels: ['strict-serializable'],
      wfrKeys: true,
      sequentialKeys: true,
      linearizableKeys: true,
    },
  },
  fallbackChecker: fallback,
  generator: (opts) => txnGenerators('w', opts),
  clientRequest: txnRequest,
  completeFromReply: completeTxn,
  isReadOnly: txnIsReadOnly,
};
