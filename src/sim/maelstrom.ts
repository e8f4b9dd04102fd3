/**
 * Maelstrom's wire protocol, as far as faultline needs it: the error codes
 * and whether each one is definite (the operation certainly did not happen
 * → `fail`) or indefinite (it may have happened → `info`). Codes and
 * definiteness as in Maelstrom's protocol documentation and client
 * (`maelstrom.client/deferror`).
 */
import type { Body } from './types.js';

export const ERROR_CODES = {
  timeout: 0,
  nodeNotFound: 1,
  notSupported: 10,
  temporarilyUnavailable: 11,
  malformedRequest: 12,
  crash: 13,
  abort: 14,
  keyDoesNotExist: 20,
  keyAlreadyExists: 21,
  preconditionFailed: 22,
  txnConflict: 30,
} as const;

interface ErrorInfo {
  name: string;
  definite: boolean;
}

const ERRORS: ReadonlyMap<number, ErrorInfo> = new Map([
  [0, { name: 'timeout', definite: false }],
  [1, { name: 'node-not-found', definite: true }],
  [10, { name: 'not-supported', definite: true }],
  [11, { name: 'temporarily-unavailable', definite: true }],
  [12, { name: 'malformed-request', definite: true }],
  [13, { name: 'crash', definite: false }],
  [14, { name: 'abort', definite: true }],
  [20, { name: 'key-does-not-exist', definite: true }],
  [21, { name: 'key-already-exists', definite: true }],
  [22, { name: 'precondition-failed', definite: true }],
  [30, { name: 'txn-conflict', definite: true }],
]);

/** Definite errors say the operation did not happen. Unknown codes are indefinite: never assume. */
export function isDefiniteError(code: number): boolean {
  return ERRORS.get(code)?.definite ?? false;
}

export function errorName(code: number): string {
  return ERRORS.get(code)?.name ?? `error-${code}`;
}

/** An `error` reply body. */
export function errorReply(inReplyTo: number | undefined, code: number, text: string): Body {
  return { type: 'error', in_reply_to: inReplyTo, code, text };
}
