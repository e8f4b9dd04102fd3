/**
 * Elle-style transactional consistency checkers.
 *
 * ```ts
 * import { checkListAppend } from './checkers/elle/index.js';
 * const r = await checkListAppend(history, { consistencyModels: ['serializable'] });
 * if (r.valid === false) console.log(r['anomaly-types'], r.not);
 * ```
 *
 * Histories hold `f: "txn"` operations whose value is a list of micro-ops:
 * `["append", k, v]` / `["r", k, [..]]` for list-append, `["w", k, v]` /
 * `["r", k, v]` for rw-register.
 */
import type { Op } from '../../src/history/op.js';
import { type ElleOptions, type ElleResult, runElle } from './check.js';
import { analyzeListAppend } from './list-append.js';
import { analyzeRwRegister } from './rw-register.js';

export type { AnomalyCase } from './analysis.js';
export type { ElleOptions, ElleResult } from './check.js';
export { prohibitedAnomalyTypes, UnknownModelError } from './check.js';
export { ALL_MODELS, boundary } from './models.js';

/** Check a list-append history (Elle's `elle.list-append/check`). */
export async function checkListAppend(history: readonly Op[], opts: ElleOptions = {}): Promise<ElleResult> {
  return runElle(history, opts, ['append', 'r'], (t) => analyzeListAppend(t));
}

/** Check a read/write-register history (Elle's `elle.rw-register/check`). */
export async function checkRwRegister(history: readonly Op[], opts: ElleOptions = {}): Promise<ElleResult> {
  return runElle(history, opts, ['w', 'r'], (t, o) => analyzeRwRegister(t, o));
}
