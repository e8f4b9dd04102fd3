import { errorName, isDefiniteError } from '../src/sim/maelstrom.js';
import type { Body } from '../src/sim/types.js';
import type { Completion } from './types.js';

/**
 * A Maelstrom `error` reply as a completion: definite codes → `fail`;
 * indefinite codes → `info`, except for read-only operations, which cannot
 * have changed anything and so `fail` (as Maelstrom's client does for reads).
 */
export function completeError(reply: Body, value: unknown, readOnly: boolean): Completion {
  const code = typeof reply.code === 'number' ? reply.code : 13;
  const error = {
    code,
    name: errorName(code),
    ...(typeof reply.text === 'string' ? { text: reply.text } : {}),
  };
  const definite = isDefiniteError(code);
  return { type: definite || readOnly ? 'fail' : 'info', value, error };
}

/** A reply of a type the workload did not expect: the outcome is unknown. */
export function unexpectedReply(reply: Body, value: unknown): Completion {
  return {
    type: 'info',
    value,
    error: { name: 'unexpected-reply', text: `unexpected reply type ${reply.type}` },
  };
}

/** How many problems a fallback checker lists before it stops collecting. */
export const MAX_REPORTED_PROBLEMS = 20;
