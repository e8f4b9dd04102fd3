import type { Checker, CheckResult } from '../../checkers/types.js';
import { type GenContext, type Generator, mix, type OpSpec, repeat } from '../../src/generator/generator.js';
import type { Body } from '../../src/sim/types.js';
import { completeError, unexpectedReply } from '../protocol.js';
import type { Completion, Workload, WorkloadOptions } from '../types.js';

/**
 * Jepsen's bank test: a fixed set of accounts, each opening with the same
 * balance; clients transfer random amounts between two different accounts
 * and read every balance at once. Transfers conserve money, so every read
 * must see the same total, and no transfer may overdraw an account (the
 * system refuses one that would: a definite `fail`).
 *
 * Ops: `transfer` with value `{from, to, amount}`; `read` whose `ok` value
 * maps each account to its balance. On the wire (this workload's own
 * messages, beside Maelstrom's): `bank_transfer {from, to, amount,
 * initial_balance}` → `bank_transfer_ok`, error 22 for insufficient funds;
 * `bank_read {accounts, initial_balance}` → `bank_read_ok {balances}`. The
 * request carries the opening balance: an account never written holds it
 * (Jepsen's client writes it at setup, which a simulated run has no step for).
 */

/** Accounts 0…ACCOUNTS-1 (Jepsen's default is 8). */
export const BANK_ACCOUNTS = 8;
export const BANK_INITIAL_BALANCE = 10;
export const BANK_TOTAL = BANK_ACCOUNTS * BANK_INITIAL_BALANCE;
/** Largest amount one transfer moves (Jepsen's max-transfer). */
export const BANK_MAX_TRANSFER = 5;

const ACCOUNTS = Array.from({ length: BANK_ACCOUNTS }, (_, i) => i);

function transfer(ctx: GenContext): OpSpec {
  const from = ctx.rng.int(BANK_ACCOUNTS);
  const to = (from + 1 + ctx.rng.int(BANK_ACCOUNTS - 1)) % BANK_ACCOUNTS;
  return { f: 'transfer', value: { from, to, amount: 1 + ctx.rng.int(BANK_MAX_TRANSFER) } };
}

/**
 * Used only while the `bank` checker is not registered: it proves negative
 * balances and otherwise says `unknown`.
 */
const fallback: Checker = {
  name: 'fallback:no-negative-balance',
  description: 'no read saw a negative balance',
  async check(history): Promise<CheckResult> {
    const negative = history.filter(
      (op) =>
        op.type === 'ok' &&
        op.f === 'read' &&
        op.value !== null &&
        typeof op.value === 'object' &&
        Object.values(op.value as Record<string, unknown>).some((b) => typeof b === 'number' && b < 0),
    );
    return negative.length > 0
      ? { valid: false, checker: this.name, negativeReads: negative.slice(0, 20) }
      : { valid: 'unknown', checker: this.name, note: 'the bank checker is not registered' };
  },
};

export const bankWorkload: Workload = {
  name: 'bank',
  description: `Jepsen's bank: transfers between ${BANK_ACCOUNTS} accounts and reads of every balance; total ${BANK_TOTAL} conserved, no negative balance`,
  checker: { name: 'bank', options: { totalAmount: BANK_TOTAL } },
  fallbackChecker: fallback,

  generator(_opts: WorkloadOptions) {
    const main: Generator = mix([repeat(transfer), repeat(() => ({ f: 'read', value: null }))]);
    // After the heal: every client reads every balance once.
    let finalLeft: number | undefined;
    const final: Generator = {
      next(ctx) {
        finalLeft ??= ctx.workerCount;
        if (finalLeft <= 0) return { kind: 'done' };
        finalLeft--;
        return { kind: 'op', op: { f: 'read', value: null }, atNs: ctx.timeNs };
      },
    };
    return { main, final };
  },

  clientRequest(op: OpSpec): Body {
    if (op.f === 'transfer') {
      const { from, to, amount } = op.value as { from: number; to: number; amount: number };
      return { type: 'bank_transfer', from, to, amount, initial_balance: BANK_INITIAL_BALANCE };
    }
    if (op.f === 'read')
      return { type: 'bank_read', accounts: ACCOUNTS, initial_balance: BANK_INITIAL_BALANCE };
    throw new Error(`bank workload: unknown f ${op.f}`);
  },

  completeFromReply(op: OpSpec, reply: Body): Completion {
    if (reply.type === 'error') return completeError(reply, op.value, op.f === 'read');
    if (op.f === 'transfer' && reply.type === 'bank_transfer_ok') return { type: 'ok', value: op.value };
    if (op.f === 'read' && reply.type === 'bank_read_ok' && typeof reply.balances === 'object')
      return { type: 'ok', value: reply.balances };
    return unexpectedReply(reply, op.value);
  },

  isReadOnly: (op) => op.f === 'read',
};
