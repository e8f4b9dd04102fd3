/**
 * A seeded in-memory database for Elle benchmarks: `clients` concurrent
 * clients run list-append transactions over a pool of active keys (each key
 * retired after `maxWritesPerKey` appends, as Elle's generator does). Every
 * txn executes atomically at an instant between its invocation and its
 * completion, so the history is strict-serializable, unless anomalies are
 * injected:
 *
 *   - stale reads: with probability `staleReadRate` a txn reads an older
 *     prefix of a list (G-single / G2 / realtime anomalies);
 *   - aborted reads: with probability `abortedReadRate` a txn reports `fail`
 *     although its appends took effect (G1a, dirty update).
 */
import seedrandom from 'seedrandom';
import type { Op } from '../src/history/op.js';

export interface GenOptions {
  txns: number;
  seed?: string;
  clients?: number;
  activeKeys?: number;
  maxWritesPerKey?: number;
  maxTxnLength?: number;
  staleReadRate?: number;
  abortedReadRate?: number;
}

/** The bench's two history variants: serializable, or with injected anomalies at these rates. */
export function variantOptions(variant: string): Pick<GenOptions, 'staleReadRate' | 'abortedReadRate'> {
  if (variant === 'serializable') return { staleReadRate: 0, abortedReadRate: 0 };
  if (variant === 'anomalies') return { staleReadRate: 0.001, abortedReadRate: 0.0002 };
  throw new Error(`unknown history variant '${variant}' (serializable or anomalies)`);
}

type Mop = [string, number, unknown];

export function generateListAppend(o: GenOptions): Op[] {
  const rng = seedrandom(o.seed ?? 'elle-bench');
  const clients = o.clients ?? 10;
  const activeKeys = o.activeKeys ?? 10;
  const maxWrites = o.maxWritesPerKey ?? 32;
  const maxLen = o.maxTxnLength ?? 4;
  const stale = o.staleReadRate ?? 0;
  const aborted = o.abortedReadRate ?? 0;

  const store = new Map<number, number[]>();
  const writes = new Map<number, number>();
  const active: number[] = [];
  let nextKey = 0;
  for (let i = 0; i < activeKeys; i++) active.push(nextKey++);
  let nextValue = 1;

  // Per client: its current txn and the virtual time of its next step.
  type Phase = 'idle' | 'invoked' | 'executed';
  const phase: Phase[] = new Array(clients).fill('idle');
  const at = new Float64Array(clients);
  for (let c = 0; c < clients; c++) at[c] = rng() * 10;
  const current: Mop[][] = new Array(clients);
  const failed: boolean[] = new Array(clients).fill(false);
  const ops: Op[] = [];
  let started = 0;
  let running = 0;
  let now = 0;

  while (started < o.txns || running > 0) {
    // Next client to act (clients are few: a scan is fine).
    let c = -1;
    for (let i = 0; i < clients; i++) {
      if (phase[i] === 'idle' && started >= o.txns) continue;
      if (c < 0 || at[i] < at[c]) c = i;
    }
    now = at[c];
    const time = Math.round(now * 1e6);
    if (phase[c] === 'idle') {
      const n = 1 + Math.floor(rng() * maxLen);
      const mops: Mop[] = [];
      for (let j = 0; j < n; j++) {
        const k = active[Math.floor(rng() * rng() * active.length)];
        if (rng() < 0.5) mops.push(['r', k, null]);
        else mops.push(['append', k, nextValue++]);
      }
      current[c] = mops;
      ops.push({ index: ops.length, time, type: 'invoke', process: c, f: 'txn', value: mops });
      started++;
      running++;
      phase[c] = 'invoked';
      at[c] = now + rng() * 2;
    } else if (phase[c] === 'invoked') {
      // Execute atomically now.
      const done: Mop[] = [];
      for (const [f, k, v] of current[c]) {
        const list = store.get(k);
        if (f === 'r') {
          let read = list ? list.slice() : [];
          if (stale > 0 && read.length > 0 && rng() < stale)
            read = read.slice(0, Math.floor(rng() * read.length));
          done.push(['r', k, read]);
        } else {
          if (list) list.push(v as number);
          else store.set(k, [v as number]);
          done.push(['append', k, v]);
          const w = (writes.get(k) ?? 0) + 1;
          writes.set(k, w);
          if (w === maxWrites) {
            const i = active.indexOf(k);
            if (i >= 0) active[i] = nextKey++;
          }
        }
      }
      current[c] = done;
      failed[c] = aborted > 0 && rng() < aborted;
      phase[c] = 'executed';
      at[c] = now + rng() * 2;
    } else {
      const type = failed[c] ? 'fail' : 'ok';
      ops.push({ index: ops.length, time, type, process: c, f: 'txn', value: current[c] });
      running--;
      phase[c] = 'idle';
      at[c] = now + rng() * 0.5;
    }
  }
  return ops;
}
