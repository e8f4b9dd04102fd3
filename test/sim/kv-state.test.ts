import { describe, expect, it } from 'vitest';
import type { Body } from '../../src/sim/types.js';
import { KvStateMachine } from '../../systems/shared/kv-state.js';

let msgId = 0;
function txn(sm: KvStateMachine, ...mops: [string, unknown, unknown][]): unknown[] {
  const i = ++msgId;
  const reply = sm.apply({ c: 'c1', i, b: { type: 'txn', msg_id: i, txn: mops } as Body });
  return reply.txn as unknown[];
}

describe('KvStateMachine list appends', () => {
  it('a read reply keeps the list it read, whatever is appended later', () => {
    const sm = new KvStateMachine();
    txn(sm, ['append', 'x', 1], ['append', 'x', 2]);
    const [read] = txn(sm, ['r', 'x', null]) as [string, unknown, unknown][];
    expect(read[2]).toEqual([1, 2]);
    txn(sm, ['append', 'x', 3], ['append', 'x', 4]);
    expect(read[2]).toEqual([1, 2]);
    const [again] = txn(sm, ['r', 'x', null]) as [string, unknown, unknown][];
    expect(again[2]).toEqual([1, 2, 3, 4]);
  });

  it('a read inside a txn sees the appends before it and not those after', () => {
    const sm = new KvStateMachine();
    const out = txn(sm, ['append', 'x', 1], ['r', 'x', null], ['append', 'x', 2], ['r', 'x', null]) as [
      string,
      unknown,
      unknown,
    ][];
    expect(out[1][2]).toEqual([1]);
    expect(out[3][2]).toEqual([1, 2]);
  });

  it('a snapshot and a remembered reply do not change with later appends', () => {
    const sm = new KvStateMachine();
    txn(sm, ['append', 'x', 1]);
    const snap = sm.snapshot();
    const frozen = JSON.stringify(snap);
    txn(sm, ['append', 'x', 2]);
    expect(JSON.stringify(snap)).toBe(frozen);
    const restored = new KvStateMachine();
    restored.restore(snap);
    txn(restored, ['append', 'x', 9]);
    expect(JSON.stringify(snap)).toBe(frozen);
    const r = sm.apply({ c: 'c2', i: 1, b: { type: 'txn', msg_id: 1, txn: [['r', 'x', null]] } as Body });
    txn(sm, ['append', 'x', 3]);
    const dup = sm.apply({ c: 'c2', i: 1, b: { type: 'txn', msg_id: 1, txn: [['r', 'x', null]] } as Body });
    expect(dup).toBe(r);
    expect((dup.txn as [string, unknown, unknown][])[0][2]).toEqual([1, 2]);
  });

  it('a plain read or a write replaces what later appends build on', () => {
    const sm = new KvStateMachine();
    txn(sm, ['append', 'x', 1]);
    const read = sm.read({ type: 'read', msg_id: 99, key: 'x' } as Body);
    txn(sm, ['append', 'x', 2]);
    expect(read.value).toEqual([1]);
    txn(sm, ['w', 'x', 7], ['append', 'x', 8]);
    const [r] = txn(sm, ['r', 'x', null]) as [string, unknown, unknown][];
    expect(r[2]).toEqual([7, 8]);
  });
});
