import type { LockMode } from './locks.js';
import type { HashRing } from './ring.js';

/**
 * The transactions the sharded stores run: micro-operations `[f, key, value]`
 * as in Maelstrom's txn workloads, plus the bank's two.
 *
 * - `r`: read the key (a list, a register value, or null if absent; a bank
 *   account never written reads as the transaction's `initial` balance)
 * - `w`: write a register; `append`: append to a list
 * - `debit` / `credit`: take `value` from / add it to a balance; a debit that
 *   would leave a negative balance aborts the whole transaction
 *
 * A transaction is split by shard (hash ring), each participant runs its
 * part against its committed state under locks, and the writes it computes
 * (whole new values) are what the prepare record stores and commit installs.
 */

export type MicroOp = [string, unknown, unknown];

/** One shard's part of a transaction: the micro-ops (with their positions in the transaction). */
export type ShardOp = [position: number, f: string, key: unknown, value: unknown];

export const MICRO_OP_KINDS = ['r', 'w', 'append', 'debit', 'credit'] as const;

/** Micro-ops per transaction at most (a longer request is malformed). */
export const TXN_MICRO_OPS_MAX = 64;

export function keyId(key: unknown): string {
  return JSON.stringify(key);
}

/** Why a request's `txn` cannot be run, or undefined if it can. */
export function malformedTxn(txn: unknown): string | undefined {
  if (!Array.isArray(txn) || txn.length === 0) return 'txn must be a non-empty array of micro-ops';
  if (txn.length > TXN_MICRO_OPS_MAX) return `txn has more than ${TXN_MICRO_OPS_MAX} micro-ops`;
  for (const [i, m] of txn.entries()) {
    if (!Array.isArray(m) || m.length !== 3) return `micro-op ${i} must be [f, key, value]`;
    if (!(MICRO_OP_KINDS as readonly string[]).includes(m[0] as string))
      return `micro-op ${i}: unknown f ${JSON.stringify(m[0])}; choices: ${MICRO_OP_KINDS.join(', ')}`;
    if (typeof m[1] !== 'number' && typeof m[1] !== 'string')
      return `micro-op ${i}: key must be a number or a string`;
    if ((m[0] === 'debit' || m[0] === 'credit') && !(typeof m[2] === 'number' && m[2] >= 0))
      return `micro-op ${i}: ${m[0]} takes an amount >= 0`;
  }
  return undefined;
}

/** The transaction's micro-ops grouped by owning shard, in shard-name order. */
export function splitByShard(txn: readonly MicroOp[], ring: HashRing): Map<string, ShardOp[]> {
  const out = new Map<string, ShardOp[]>();
  txn.forEach(([f, key, value], pos) => {
    const shard = ring.shardOf(key);
    let list = out.get(shard);
    if (!list) {
      list = [];
      out.set(shard, list);
    }
    list.push([pos, f, key, value]);
  });
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The locks a shard's part needs: exclusive on keys it changes, shared on keys it only reads. */
export function lockModes(ops: readonly ShardOp[]): [string, LockMode][] {
  const modes = new Map<string, LockMode>();
  for (const [, f, key] of ops) {
    const id = keyId(key);
    if (f !== 'r') modes.set(id, 'X');
    else if (!modes.has(id)) modes.set(id, 'S');
  }
  return [...modes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export type ExecOutcome =
  | { ok: true; reads: [number, unknown][]; writes: [string, unknown][] }
  | { ok: false; why: string };

/**
 * Run a shard's part against `read` (the committed value of a key id, or
 * undefined): the values read, by position, and the new value of every key
 * written. Pure: nothing is installed here.
 */
export function executeShardOps(
  ops: readonly ShardOp[],
  read: (id: string) => unknown,
  initialBalance: number | undefined,
): ExecOutcome {
  const local = new Map<string, unknown>();
  const current = (id: string): unknown => (local.has(id) ? local.get(id) : read(id));
  const reads: [number, unknown][] = [];
  for (const [pos, f, key, value] of ops) {
    const id = keyId(key);
    const v = current(id);
    switch (f) {
      case 'r':
        reads.push([pos, v === undefined ? (initialBalance ?? null) : v]);
        break;
      case 'w':
        local.set(id, value);
        break;
      case 'append':
        local.set(id, Array.isArray(v) ? [...v, value] : [value]);
        break;
      case 'debit':
      case 'credit': {
        const balance = typeof v === 'number' ? v : (initialBalance ?? 0);
        const amount = value as number;
        if (f === 'debit' && balance < amount)
          return { ok: false, why: `insufficient funds: account ${id} holds ${balance}, debit ${amount}` };
        local.set(id, f === 'debit' ? balance - amount : balance + amount);
        break;
      }
      default:
        return { ok: false, why: `unknown micro-op ${f}` };
    }
  }
  return { ok: true, reads, writes: [...local.entries()] };
}

/** The client's view of a committed transaction: every read filled in from the shards' answers. */
export function fillReads(txn: readonly MicroOp[], reads: ReadonlyMap<number, unknown>): MicroOp[] {
  return txn.map(([f, k, v], pos) =>
    f === 'r' ? [f, k, reads.has(pos) ? reads.get(pos) : null] : [f, k, v],
  );
}
