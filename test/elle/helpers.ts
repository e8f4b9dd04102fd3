/**
 * A tiny language for hand-written txn histories.
 *
 *   hist(
 *     seq(t(0, [['append', 'x', 1]])),            // invoke then complete, alone
 *     par(t(1, [['r', 'x', [1]]]), t(2, [['r', 'x', []]])),   // both invoked, then both complete
 *   )
 *
 * Reads in invocations are null, as Jepsen writes them; `info` txns complete
 * with their invocation's value.
 */
import type { Op, OpType } from '../../src/history/op.js';

export type Mop = [string, unknown, unknown];

export interface T {
  process: number | 'nemesis';
  value: Mop[];
  type: Exclude<OpType, 'invoke'>;
  f?: string;
}

export function t(process: number | 'nemesis', value: Mop[], type: T['type'] = 'ok'): T {
  return { process, value, type };
}

export type Step = { kind: 'invoke' | 'complete'; txn: T };

/** Each txn invoked and completed before the next begins. */
export function seq(...txns: T[]): Step[] {
  return txns.flatMap((x) => [
    { kind: 'invoke' as const, txn: x },
    { kind: 'complete' as const, txn: x },
  ]);
}

export function inv(x: T): Step[] {
  return [{ kind: 'invoke', txn: x }];
}

export function done(x: T): Step[] {
  return [{ kind: 'complete', txn: x }];
}

/** All txns invoked, then all completed: mutually concurrent. */
export function par(...txns: T[]): Step[] {
  return [
    ...txns.map((x) => ({ kind: 'invoke' as const, txn: x })),
    ...txns.map((x) => ({ kind: 'complete' as const, txn: x })),
  ];
}

export function hist(...parts: Step[][]): Op[] {
  const ops: Op[] = [];
  for (const s of parts.flat()) {
    const index = ops.length;
    const x = s.txn;
    if (s.kind === 'invoke') {
      const value = x.value.map(([f, k, v]) => [f, k, f === 'r' ? null : v]);
      ops.push({ index, time: index * 1000, type: 'invoke', process: x.process, f: x.f ?? 'txn', value });
    } else {
      const value =
        x.type === 'info'
          ? x.value.map(([f, k, v]) => [f, k, f === 'r' ? null : v])
          : x.value.map((m) => [...m]);
      ops.push({ index, time: index * 1000, type: x.type, process: x.process, f: x.f ?? 'txn', value });
    }
  }
  return ops;
}

/** Only completions, as in many Elle test histories: each a separate instant. */
export function oks(...txns: T[]): Op[] {
  return txns.map((x, index) => ({
    index,
    time: index,
    type: x.type,
    process: x.process,
    f: 'txn',
    value: x.value,
  }));
}
