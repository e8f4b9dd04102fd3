import type { CheckResult } from '../checkers/types.js';
import type { GenContext, Generator, GenStep, OpSpec } from '../src/generator/generator.js';
import type { Op } from '../src/history/op.js';
import type { Body } from '../src/sim/types.js';
import { completeError, MAX_REPORTED_PROBLEMS, unexpectedReply } from './protocol.js';
import type { Completion, WorkloadGenerators, WorkloadOptions } from './types.js';

/** A micro-operation: [f, key, value]; reads carry null until completed. */
export type MicroOp = [string, number, unknown];

/**
 * Transactions in Elle's style: 1…maxTxnLength micro-ops, each a read or a
 * write (`append` or `w`) on a key drawn from a small pool of active keys.
 * Written values are unique per key (1, 2, 3, …), which is what lets Elle
 * infer version orders. A key retires after `maxWritesPerKey` writes and a
 * fresh key takes its place, keeping every key's history short.
 */
export function txnGenerators(writeF: 'append' | 'w', opts: WorkloadOptions): WorkloadGenerators {
  const activeKeys = opts.activeKeys ?? 5;
  const maxTxnLength = opts.maxTxnLength ?? 4;
  const maxWritesPerKey = opts.maxWritesPerKey ?? 32;
  if (activeKeys < 1 || maxTxnLength < 1 || maxWritesPerKey < 1)
    throw new RangeError('txn workload options must be >= 1');
  const active: number[] = [];
  const writes = new Map<number, number>();
  let nextKey = 0;
  while (active.length < activeKeys) active.push(nextKey++);

  const main: Generator = {
    next(ctx: GenContext): GenStep {
      const length = 1 + ctx.rng.int(maxTxnLength);
      const txn: MicroOp[] = [];
      for (let i = 0; i < length; i++) {
        const slot = ctx.rng.int(active.length);
        const key = active[slot];
        if (ctx.rng.next() < 0.5) {
          txn.push(['r', key, null]);
          continue;
        }
        const n = (writes.get(key) ?? 0) + 1;
        writes.set(key, n);
        txn.push([writeF, key, n]);
        if (n >= maxWritesPerKey) {
          writes.delete(key);
          active[slot] = nextKey++;
        }
      }
      return { kind: 'op', op: { f: 'txn', value: txn }, atNs: ctx.timeNs };
    },
  };

  let finalDone = false;
  const final: Generator = {
    next(ctx) {
      if (finalDone) return { kind: 'done' };
      finalDone = true;
      const txn: MicroOp[] = [...active].sort((a, b) => a - b).map((k) => ['r', k, null]);
      return { kind: 'op', op: { f: 'txn', value: txn }, atNs: ctx.timeNs };
    },
  };
  return { main, final };
}

export function txnRequest(op: OpSpec): Body {
  if (op.f !== 'txn') throw new Error(`txn workload: unknown f ${op.f}`);
  return { type: 'txn', txn: op.value };
}

export function txnIsReadOnly(op: OpSpec): boolean {
  return Array.isArray(op.value) && (op.value as MicroOp[]).every((m) => m[0] === 'r');
}

export function completeTxn(op: OpSpec, reply: Body): Completion {
  if (reply.type === 'error') return completeError(reply, op.value, txnIsReadOnly(op));
  if (reply.type === 'txn_ok' && Array.isArray(reply.txn)) return { type: 'ok', value: reply.txn };
  return unexpectedReply(reply, op.value);
}

/**
 * The core of the txn fallback checkers: every value a read observed must
 * have been written to that key by a transaction invoked before the read
 * returned. `observed` turns a read's value into the written values it
 * claims to have seen (a list for appends, one value for registers).
 */
export function checkReadsWereWritten(
  history: readonly Op[],
  writeF: string,
  checkerName: string,
  observed: (value: unknown) => { values: unknown[]; duplicates: boolean },
): CheckResult {
  const firstWrite = new Map<string, number>();
  history.forEach((op, pos) => {
    if (op.type !== 'invoke' || op.f !== 'txn' || !Array.isArray(op.value)) return;
    for (const m of op.value as MicroOp[]) {
      if (m[0] !== writeF) continue;
      const id = JSON.stringify([m[1], m[2]]);
      if (!firstWrite.has(id)) firstWrite.set(id, pos);
    }
  });
  const problems: unknown[] = [];
  let reads = 0;
  history.forEach((op, pos) => {
    if (op.type !== 'ok' || op.f !== 'txn' || !Array.isArray(op.value)) return;
    for (const m of op.value as MicroOp[]) {
      if (m[0] !== 'r' || m[2] === null || m[2] === undefined) continue;
      reads++;
      const { values, duplicates } = observed(m[2]);
      const bad = values.filter((v) => {
        const at = firstWrite.get(JSON.stringify([m[1], v]));
        return at === undefined || at > pos;
      });
      if ((bad.length > 0 || duplicates) && problems.length < MAX_REPORTED_PROBLEMS) {
        problems.push({
          op,
          key: m[1],
          ...(bad.length > 0 ? { neverWritten: bad } : {}),
          ...(duplicates ? { duplicates: true } : {}),
        });
      }
    }
  });
  return problems.length > 0
    ? { valid: false, checker: checkerName, readsChecked: reads, problems }
    : {
        valid: 'unknown',
        checker: checkerName,
        readsChecked: reads,
        note: 'the Elle checker is not registered; only checked that every value read was written',
      };
}
