import type { Checker } from '../../checkers/types.js';
import { eachWorker, type Generator, once } from '../../src/generator/generator.js';
import type { Body } from '../../src/sim/types.js';
import { completeError, unexpectedReply } from '../protocol.js';
import type { Completion } from '../types.js';

/**
 * What the Maelstrom workloads (echo, unique-ids, broadcast, g-set,
 * g-counter, pn-counter, kafka) share.
 */

/**
 * One final read per worker, after every fault healed and the recovery time
 * passed: Jepsen's `(gen/each-thread {:f :read, :final? true})`. The op is a
 * `read` like any other; the recorder writes its `final?: true` field, by
 * which checkers that judge final reads apart (the counter) know it.
 */
export function finalReads(): Generator {
  return eachWorker(() => once({ f: 'read', value: null, final: true }));
}

/** Used only when the workload's checker is not registered: it judges nothing. */
export function unregisteredFallback(checkerName: string): Checker {
  return {
    name: `fallback:${checkerName}-missing`,
    description: `the ${checkerName} checker is not registered; nothing is judged`,
    async check() {
      return { valid: 'unknown', summary: `the ${checkerName} checker is not registered: nothing judged` };
    },
  };
}

/**
 * A completion from a reply of the expected type (`value` gives the ok
 * value), an error reply (definite → fail, indefinite → info, or fail when
 * read-only), or anything else (info: unexpected reply).
 */
export function completeAs(
  reply: Body,
  okType: string,
  invokedValue: unknown,
  readOnly: boolean,
  value: (reply: Body) => unknown,
): Completion {
  if (reply.type === 'error') return completeError(reply, invokedValue, readOnly);
  if (reply.type === okType) return { type: 'ok', value: value(reply) };
  return unexpectedReply(reply, invokedValue);
}

/**
 * A read's completion: `read_ok` whose `field` is a list → ok with that list;
 * a `read_ok` without one → fail (`malformed-reply`: nothing was observed,
 * and the history says why); errors as `completeAs` for a read.
 */
export function completeRead(reply: Body, invokedValue: unknown, field: string): Completion {
  if (reply.type === 'read_ok' && !Array.isArray(reply[field])) {
    return {
      type: 'fail',
      value: invokedValue,
      error: { name: 'malformed-reply', text: `read_ok without a ${field} list` },
    };
  }
  return completeAs(reply, 'read_ok', invokedValue, true, (r) => r[field]);
}
