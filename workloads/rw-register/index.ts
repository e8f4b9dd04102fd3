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
  checker: { name: 'elle-rw-register', options: { consistencyModels: ['strict-serializable'] } },
  fallbackChecker: fallback,
  generator: (opts) => txnGenerators('w', opts),
  clientRequest: txnRequest,
  completeFromReply: completeTxn,
  isReadOnly: txnIsReadOnly,
};
