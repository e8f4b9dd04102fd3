/**
 * The transactions of a history, indexed by integer id, without copying the
 * operations: typed arrays of types, processes and positions, plus references
 * to the micro-op arrays of the original ops.
 *
 * Txn ids follow invocation order. A completion with no invocation (some
 * hand-written and Elle test histories carry only completions) counts as a
 * transaction invoked where it completed. An invocation that never completes
 * counts as `info`: it may or may not have happened.
 */

import { excerpt, writeEdn } from '../../src/history/edn.js';
import { writeTxn } from '../../src/history/edn-history.js';
import type { Op } from '../../src/history/op.js';
import { isPlainJsonValue } from '../../src/history/typed-json.js';
import { valueEquals } from '../../src/history/values.js';
import { f64, i32, u8 } from './arena.js';

export const OK = 0;
export const INFO = 1;
export const FAIL = 2;

export type MicroOp = readonly [string, unknown, unknown];

export interface Txns {
  readonly ops: readonly Op[];
  readonly n: number;
  /** OK, INFO or FAIL. */
  readonly type: Uint8Array;
  /** Process number (nemesis ops never become txns). */
  readonly process: Float64Array;
  /** Position in `ops` of the invocation (== completion position when there was none). */
  readonly invokePos: Int32Array;
  /** Position in `ops` of the completion, -1 when it never completed. */
  readonly completePos: Int32Array;
  /** Micro-ops: the completion's for ok and fail, the invocation's for info (its reads are unknown). */
  readonly mops: (readonly MicroOp[])[];
  /** Events in history order: txn id * 2 for an invocation, txn id * 2 + 1 for a completion. */
  readonly events: Int32Array;
  /** Prefix sums over txns of micro-op counts: txn id's micro-ops are numbered mopStart[id] … mopStart[id+1]-1. */
  readonly mopStart: Int32Array;
  /** Prefix sums of micro-ops of the first kind named (append, w). */
  readonly firstKindStart: Int32Array;
}

export class MalformedTxnError extends Error {
  constructor(
    message: string,
    readonly opIndex: number,
  ) {
    super(message);
  }
}

/** Could this completion's value be the completion of that invocation's txn? Reads may differ (nil when invoked). */
function sameTxn(invoked: unknown, completed: unknown): boolean {
  if (!Array.isArray(invoked) || !Array.isArray(completed) || invoked.length !== completed.length)
    return false;
  for (let j = 0; j < invoked.length; j++) {
    const a = invoked[j];
    const b = completed[j];
    if (!Array.isArray(a) || !Array.isArray(b) || a[0] !== b[0] || !valueEquals(a[1], b[1])) return false;
    if (a[0] !== 'r' && !valueEquals(a[2], b[2])) return false;
  }
  return true;
}

/** A transaction: an op whose f is txn, or that has no f (Elle infers a transaction from the value). */
function isTxn(op: Op): boolean {
  return op.f === 'txn' || op.f === undefined;
}

/**
 * Index the `txn` operations of a history. Non-txn client ops and nemesis ops
 * are skipped. `fs` lists the micro-op names allowed (e.g. append, r).
 */
export function indexTxns(ops: readonly Op[], fs: readonly string[]): Txns {
  let invokes = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op.process === 'nemesis' || !isTxn(op)) continue;
    invokes++; // upper bound: every op could be a standalone completion
  }
  const cap = invokes;
  const type = u8(cap);
  const process = f64(cap);
  const invokePos = i32(cap);
  const completePos = i32(cap).fill(-1);
  const mops: (readonly MicroOp[])[] = new Array(cap);
  const events = i32(cap * 2);
  let nev = 0;
  let n = 0;
  // Pending invocation per process: an array for the usual small process numbers, a Map otherwise.
  const pendingSmall = new Int32Array(1024).fill(-1);
  const pendingBig = new Map<number, number>();
  const getPending = (p: number): number =>
    p >= 0 && p < 1024 && Number.isInteger(p) ? pendingSmall[p] : (pendingBig.get(p) ?? -1);
  const setPending = (p: number, id: number): void => {
    if (p >= 0 && p < 1024 && Number.isInteger(p)) pendingSmall[p] = id;
    else if (id < 0) pendingBig.delete(p);
    else pendingBig.set(p, id);
  };
  const f0 = fs[0];
  const f1 = fs[1] ?? fs[0];
  /** Per process with more than one txn in flight: the earlier ones, oldest first (the newest is pending). */
  const overlapping = new Map<number, number[]>();

  // Per txn: micro-op count and count of the first kind, summed into prefixes at the end.
  const mopStart = i32(cap + 1);
  const firstKindStart = i32(cap + 1);
  let firstKind = 0;
  const checkValue = (op: Op): readonly MicroOp[] => {
    const v = op.value;
    firstKind = 0;
    if (!Array.isArray(v)) {
      throw new MalformedTxnError(
        `operation ${op.index}: a txn's value must be a list of micro-ops`,
        op.index,
      );
    }
    for (let j = 0; j < v.length; j++) {
      const m = v[j];
      const f = Array.isArray(m) && m.length === 3 ? m[0] : undefined;
      if (f === f0) firstKind++;
      else if (f !== f1) {
        throw new MalformedTxnError(
          `operation ${op.index}: unexpected micro-op ${excerpt(formatValue(m), 80)}; expected ${fs.map((x) => `["${x}", key, value]`).join(' or ')}`,
          op.index,
        );
      }
    }
    return v as MicroOp[];
  };

  // Micro-ops are taken (and checked) from the completion of ok and fail
  // txns, and from the invocation of info txns, whose reads are unknown.
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const p = op.process;
    if (p === 'nemesis' || !isTxn(op)) continue;
    if (op.type === 'invoke') {
      const prev = getPending(p);
      if (prev >= 0) {
        // Another txn in flight on this process (Elle accepts this): the earlier one may still complete.
        let list = overlapping.get(p);
        if (list === undefined) {
          list = [];
          overlapping.set(p, list);
        }
        list.push(prev);
      }
      const id = n++;
      type[id] = INFO;
      process[id] = p;
      invokePos[id] = i;
      setPending(p, id);
      events[nev++] = id * 2;
    } else {
      let id = getPending(p);
      const earlier = overlapping.size > 0 ? overlapping.get(p) : undefined;
      if (id < 0) {
        id = n++;
        process[id] = p;
        invokePos[id] = i;
        events[nev++] = id * 2;
      } else if (earlier === undefined) {
        setPending(p, -1);
      } else {
        // Several in flight: the completion answers the oldest invocation whose txn it is (same
        // micro-ops, keys and written values), else the oldest.
        const inFlight = [...earlier, id];
        let k = inFlight.findIndex((c) => sameTxn(ops[invokePos[c]].value, op.value));
        if (k < 0) k = 0;
        id = inFlight[k];
        inFlight.splice(k, 1);
        setPending(p, inFlight.pop()!);
        if (inFlight.length === 0) overlapping.delete(p);
        else overlapping.set(p, inFlight);
      }
      completePos[id] = i;
      if (op.type === 'info') {
        type[id] = INFO;
        mops[id] = checkValue(invokePos[id] !== i ? ops[invokePos[id]] : op);
        mopStart[id + 1] = mops[id].length;
        firstKindStart[id + 1] = firstKind;
      } else {
        type[id] = op.type === 'ok' ? OK : FAIL;
        mops[id] = checkValue(op);
        mopStart[id + 1] = mops[id].length;
        firstKindStart[id + 1] = firstKind;
      }
      events[nev++] = id * 2 + 1;
    }
  }
  // Invocations that never completed are indeterminate.
  for (let id = 0; id < n; id++) {
    if (mops[id] !== undefined) continue;
    mops[id] = checkValue(ops[invokePos[id]]);
    mopStart[id + 1] = mops[id].length;
    firstKindStart[id + 1] = firstKind;
  }
  for (let id = 0; id < n; id++) {
    mopStart[id + 1] += mopStart[id];
    firstKindStart[id + 1] += firstKindStart[id];
  }
  return {
    mopStart: mopStart.subarray(0, n + 1),
    firstKindStart: firstKindStart.subarray(0, n + 1),
    ops,
    n,
    type: type.subarray(0, n),
    process: process.subarray(0, n),
    invokePos: invokePos.subarray(0, n),
    completePos: completePos.subarray(0, n),
    mops,
    events: events.subarray(0, nev),
  };
}

/** Printable, JSON-serialisable description of a txn, for explanations. */
export interface TxnInfo {
  /** Index (the op's `index`) of the completion, or of the invocation if it never completed. */
  index: number;
  process: number;
  type: 'ok' | 'info' | 'fail';
  value: readonly MicroOp[];
}

export function txnInfo(t: Txns, id: number): TxnInfo {
  const pos = t.completePos[id] >= 0 ? t.completePos[id] : t.invokePos[id];
  const op = t.ops[pos];
  return {
    index: op.index,
    process: t.process[id],
    type: t.type[id] === OK ? 'ok' : t.type[id] === FAIL ? 'fail' : 'info',
    value: t.mops[id],
  };
}

/** A value as explanations show it: as JSON when JSON can say it, else as EDN (`:x`, `#{1 2}`, big integers). */
export function formatValue(v: unknown): string {
  return isPlainJsonValue(v) ? (JSON.stringify(v) ?? 'null') : writeEdn(v);
}

/** A micro-op as explanations show it: JSON when it can be, else EDN with its function as a keyword. */
function formatMop(m: unknown): string {
  if (isPlainJsonValue(m)) return JSON.stringify(m) ?? 'null';
  return Array.isArray(m) && typeof m[0] === 'string' ? writeTxn([m]).slice(1, -1) : writeEdn(m);
}

export function formatTxn(t: Txns, id: number): string {
  return formatTxnInfo(txnInfo(t, id));
}

/** `{index 3, process 1, ok: [["r","x",[1]]]}`: how explanations show a txn. */
export function formatTxnInfo(i: TxnInfo): string {
  const mops = i.value.map((m) => formatMop(m)).join(', ');
  return `{index ${i.index}, process ${i.process}, ${i.type}: [${mops}]}`;
}
