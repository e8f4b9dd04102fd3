import { excerpt, writeEdn } from '../../src/history/edn.js';
import type { Op } from '../../src/history/op.js';
import { Keyword, mapEntries, type Value } from '../../src/history/values.js';
import type { CheckOptions, CheckResult } from '../types.js';

/**
 * Jepsen's bank checker (jepsen.tests.bank): transfers move money between
 * accounts, so every read of all balances must see the same total, and no
 * balance may be negative. A read is a `read` op whose `ok` value maps each
 * account to its balance (`{"0": 10, "1": 7, …}`; EDN maps read the same).
 *
 * Errors, as Jepsen names them: `wrong-total` (the balances do not add up to
 * the total), `negative-value`, `nil-balance` (an account read as null),
 * `unexpected-key` / `missing-key` (the read's accounts differ from the
 * first read's). The expected total is `totalAmount` when given; otherwise
 * the first read's total, said so in the result (`totalInferred`), so a
 * history whose reads disagree is still caught. Only `ok` reads are
 * judged (a failed or indeterminate read observed nothing). No read at all →
 * `unknown`, never `true`. A read value that is not a map of numbers or nulls
 * is an input error naming the op.
 */

export type BankErrorType =
  | 'wrong-total'
  | 'negative-value'
  | 'nil-balance'
  | 'unexpected-key'
  | 'missing-key';

export interface BankBadRead {
  type: BankErrorType;
  /** The read op's index in the history, its process and time (ns). */
  index: number;
  process: Op['process'];
  time: number;
  total?: number;
  expected?: number;
  accounts?: string[];
  balances: Record<string, number | null>;
}

/** Offending reads listed per error type (the count is always whole). */
export const BANK_BAD_READS_LISTED = 20;

export function checkBank(history: readonly Op[], opts: CheckOptions = {}): CheckResult {
  const given = opts.totalAmount;
  if (given !== undefined && !Number.isFinite(given))
    return { valid: 'unknown', inputError: `totalAmount must be a number, got ${given}` };
  let expected = given;
  let firstKeys: string[] | undefined;
  let reads = 0;
  const counts: Partial<Record<BankErrorType, number>> = {};
  const bad: BankBadRead[] = [];
  const totals = new Map<number, number>();

  for (const op of history) {
    if (op.type !== 'ok' || op.f !== 'read' || op.process === 'nemesis') continue;
    const entries = mapEntries(op.value);
    if (entries === undefined) {
      return {
        valid: 'unknown',
        inputError: `op ${op.index}: a bank read's value must map accounts to balances, got ${excerpt(writeEdn(op.value), 80)}`,
      };
    }
    // Accounts by name: a string key as it is, an integer or a keyword (Jepsen's EDN) as its text.
    const balances: Record<string, unknown> = {};
    for (const [k, b] of entries) balances[accountName(k)] = b;
    const keys = Object.keys(balances).sort();
    for (const k of keys) {
      const b = balances[k];
      if (b !== null && (typeof b !== 'number' || !Number.isFinite(b))) {
        return {
          valid: 'unknown',
          inputError: `op ${op.index}: account ${k}'s balance must be a number or null, got ${excerpt(writeEdn(b), 80)}`,
        };
      }
    }
    reads++;
    const seen = balances as Record<string, number | null>;
    const base = { index: op.index, process: op.process, time: op.time, balances: seen };
    const flag = (e: Omit<BankBadRead, 'index' | 'process' | 'time' | 'balances'>) => {
      counts[e.type] = (counts[e.type] ?? 0) + 1;
      if (bad.filter((x) => x.type === e.type).length < BANK_BAD_READS_LISTED) bad.push({ ...base, ...e });
    };
    firstKeys ??= keys;
    const unexpected = keys.filter((k) => !firstKeys!.includes(k));
    const missing = firstKeys.filter((k) => !keys.includes(k));
    if (unexpected.length > 0) flag({ type: 'unexpected-key', accounts: unexpected });
    if (missing.length > 0) flag({ type: 'missing-key', accounts: missing });
    const nil = keys.filter((k) => seen[k] === null);
    if (nil.length > 0) flag({ type: 'nil-balance', accounts: nil });
    const negative = keys.filter((k) => (seen[k] ?? 0) < 0);
    if (negative.length > 0) flag({ type: 'negative-value', accounts: negative });
    let total = 0;
    for (const k of keys) total += seen[k] ?? 0;
    totals.set(total, (totals.get(total) ?? 0) + 1);
    expected ??= total;
    if (total !== expected) flag({ type: 'wrong-total', total, expected });
  }

  const totalInferred = given === undefined;
  const detail = {
    readsChecked: reads,
    expectedTotal: expected ?? null,
    ...(totalInferred ? { totalInferred: true } : {}),
    totalsSeen: Object.fromEntries([...totals.entries()].sort((a, b) => a[0] - b[0])),
  };
  if (reads === 0) return { valid: 'unknown', summary: 'no read completed: nothing to check', ...detail };
  const types = Object.keys(counts) as BankErrorType[];
  if (types.length === 0) {
    return {
      valid: true,
      summary: `${reads} read${reads === 1 ? '' : 's'}, every one totalling ${expected}${totalInferred ? ' (the first read’s total)' : ''}, no negative balance`,
      ...detail,
    };
  }
  const badCount = types.reduce((n, t) => n + (counts[t] ?? 0), 0);
  return {
    valid: false,
    summary: `${badCount} bad read${badCount === 1 ? '' : 's'} of ${reads}: ${types.map((t) => `${counts[t]} ${t}`).join(', ')}`,
    errorTypes: types,
    errorCounts: counts,
    badReads: bad,
    report: bad.map(describeBadRead),
    ...detail,
  };
}

function describeBadRead(b: BankBadRead): string {
  const at = `read op ${b.index} (process ${b.process}, ${(b.time / 1e9).toFixed(3)} s)`;
  const balances = JSON.stringify(b.balances);
  switch (b.type) {
    case 'wrong-total':
      return `wrong-total: ${at} saw total ${b.total}, expected ${b.expected}: ${balances}`;
    case 'negative-value':
      return `negative-value: ${at} saw account${b.accounts!.length === 1 ? '' : 's'} ${b.accounts!.join(', ')} below zero: ${balances}`;
    case 'nil-balance':
      return `nil-balance: ${at} read null for ${b.accounts!.join(', ')}: ${balances}`;
    case 'unexpected-key':
      return `unexpected-key: ${at} read account${b.accounts!.length === 1 ? '' : 's'} ${b.accounts!.join(', ')} the first read did not have`;
    case 'missing-key':
      return `missing-key: ${at} lacks account${b.accounts!.length === 1 ? '' : 's'} ${b.accounts!.join(', ')} the first read had`;
  }
}

/** An account's name from a map key (src/history/values.ts): strings as they are, keywords by name, others as EDN. */
function accountName(k: Value): string {
  if (typeof k === 'string') return k;
  if (k instanceof Keyword) return k.name;
  return writeEdn(k);
}
