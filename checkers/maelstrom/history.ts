import { writeEdn } from '../../src/history/edn.js';
import type { Op } from '../../src/history/op.js';

/**
 * What the Maelstrom checkers share: client operations paired with their
 * invocations (Jepsen's `h/invocation`), and short printable forms of ops
 * for report lines.
 */

/** A client completion with the invocation it completes (absent if the history lacks one). */
export interface Paired {
  invoke: Op | undefined;
  complete: Op;
}

/** True for client ops (not the nemesis). */
export function isClientOp(op: Op): boolean {
  return op.process !== 'nemesis';
}

/**
 * Each client completion paired with its process's open invocation, in
 * history order. Invocations never completed are returned in `open`
 * (Jepsen treats them as `info`). A process that invokes again before its
 * last invocation completed is refused (which completion answers which
 * cannot be told; Jepsen's history pairing refuses it too), naming the op.
 */
export function pairClientOps(
  history: readonly Op[],
): { pairs: Paired[]; open: Op[] } | { inputError: string; inputErrorIndex: number } {
  const pending = new Map<unknown, Op>();
  const pairs: Paired[] = [];
  for (const op of history) {
    if (!isClientOp(op)) continue;
    if (op.type === 'invoke') {
      const prev = pending.get(op.process);
      if (prev !== undefined) {
        return {
          inputError: `op index ${op.index}: process ${String(op.process)} invokes ${op.f ?? '?'} while its ${prev.f ?? '?'} (op index ${prev.index}) has not completed; one operation at a time per process`,
          inputErrorIndex: op.index,
        };
      }
      pending.set(op.process, op);
      continue;
    }
    const invoke = pending.get(op.process);
    if (invoke !== undefined) pending.delete(op.process);
    pairs.push({ invoke, complete: op });
  }
  return { pairs, open: [...pending.values()] };
}

/** An op in one short line: `op 12 (process 3, ok read [1 2])`. */
export function describeOp(op: Op): string {
  const value = op.value === undefined ? '' : ` ${shortValue(op.value)}`;
  const key = op.key === undefined ? '' : ` key ${shortValue(op.key)}`;
  return `op ${op.index} (process ${String(op.process)}, ${op.type} ${op.f ?? '?'}${key}${value})`;
}

/** A value as EDN, cut to `max` characters. */
export function shortValue(v: unknown, max = 80): string {
  let s: string;
  try {
    s = writeEdn(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Nanoseconds → whole milliseconds, truncated as Jepsen's `(long (nanos->ms x))`. */
export function nanosToMs(ns: number): number {
  return Math.trunc(ns / 1e6);
}

/** How many example lines a checker puts in `report` per anomaly kind. */
export const MAX_EXAMPLES = 8;
