import type { Checker } from '../../checkers/types.js';
import { checkReadsWereWritten, completeTxn, txnGenerators, txnIsReadOnly, txnRequest } from '../txn.js';
import type { Workload } from '../types.js';

const fallback: Checker = {
  name: 'fallback:appends-were-made',
  description: 'every element read from a list was appended to it, at most once',
  async check(history) {
    return checkReadsWereWritten(history, 'append', this.name, (value) => {
      const values = Array.isArray(value) ? value : [value];
      return { values, duplicates: new Set(values.map((v) => JSON.stringify(v))).size !== values.length };
    });
  },
};

/** Elle's list-append: transactions of appends and whole-list reads (Maelstrom txn-list-append). */
export const listAppendWorkload: Workload = {
  name: 'list-append',
  description:
    'transactions of appends and list reads on rotating keys (Maelstrom txn-list-append); checked by Elle',
  checker: { name: 'elle-list-append', options: { consistencyModels: ['strict-serializable'] } },
  fallbackChecker: fallback,
  generator: (opts) => txnGenerators('append', opts),
  clientRequest: txnRequest,
  completeFromReply: completeTxn,
  isReadOnly: txnIsReadOnly,
};
