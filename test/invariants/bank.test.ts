import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkBank } from '../../checkers/invariants/bank.js';
import { findChecker } from '../../checkers/registry.js';
import type { Op } from '../../src/history/op.js';
import { parseHistory } from '../../src/history/read.js';

let index = 0;
function op(type: Op['type'], f: string, value: unknown, process = 0): Op {
  return { index: index++, time: index * 1000, type, process, f, value };
}
function read(balances: Record<string, number | null>, process = 0): Op[] {
  return [op('invoke', 'read', null, process), op('ok', 'read', balances, process)];
}

describe('bank checker (Jepsen bank)', () => {
  beforeEach(() => {
    index = 0;
  });
  it('is valid when every read totals the given amount', () => {
    const h = [
      ...read({ 0: 10, 1: 10 }),
      op('invoke', 'transfer', { from: 0, to: 1, amount: 3 }),
      op('ok', 'transfer', { from: 0, to: 1, amount: 3 }),
      ...read({ 0: 7, 1: 13 }),
    ];
    const r = checkBank(h, { totalAmount: 20 });
    expect(r.valid).toBe(true);
    expect(r.readsChecked).toBe(2);
  });

  it('names a read with the wrong total, and the total it saw', () => {
    const h = [...read({ 0: 10, 1: 10 }), ...read({ 0: 7, 1: 10 }, 3)];
    const r = checkBank(h, { totalAmount: 20 });
    expect(r.valid).toBe(false);
    expect(r.errorTypes).toEqual(['wrong-total']);
    const bad = (r.badReads as { index: number; total: number; expected: number; process: number }[])[0];
    expect(bad).toMatchObject({ index: 3, total: 17, expected: 20, process: 3 });
    expect((r.report as string[])[0]).toMatch(
      /^wrong-total: read op 3 \(process 3, .*\) saw total 17, expected 20/,
    );
  });

  it('without a given total, every read must agree with the first (said so in the result)', () => {
    const ok = checkBank([...read({ a: 5, b: 5 }), ...read({ a: 1, b: 9 })]);
    expect(ok.valid).toBe(true);
    expect(ok.totalInferred).toBe(true);
    expect(ok.expectedTotal).toBe(10);
    const bad = checkBank([...read({ a: 5, b: 5 }), ...read({ a: 1, b: 10 })]);
    expect(bad.valid).toBe(false);
    expect(bad.totalsSeen).toEqual({ 10: 1, 11: 1 });
  });

  it('finds negative balances, nil balances and accounts that come and go', () => {
    const h = [
      ...read({ 0: 10, 1: 10 }),
      ...read({ 0: -2, 1: 22 }),
      ...read({ 0: null, 1: 20 }),
      ...read({ 0: 10, 1: 5, 2: 5 }),
      ...read({ 0: 20 }),
    ];
    const r = checkBank(h, { totalAmount: 20 });
    expect(r.valid).toBe(false);
    expect((r.errorTypes as string[]).sort()).toEqual([
      'missing-key',
      'negative-value',
      'nil-balance',
      'unexpected-key',
    ]);
  });

  it('judges only ok reads; no read at all is unknown, never valid', () => {
    const h = [
      op('invoke', 'read', null),
      op('fail', 'read', null),
      op('invoke', 'read', null),
      op('info', 'read', null),
      op('invoke', 'transfer', { from: 0, to: 1, amount: 1 }),
      op('info', 'transfer', { from: 0, to: 1, amount: 1 }),
    ];
    const r = checkBank(h, { totalAmount: 20 });
    expect(r.valid).toBe('unknown');
    expect(r.summary).toMatch(/no read completed/);
  });

  it('a read value that is not a map of numbers is an input error naming the op (never coerced)', () => {
    expect(checkBank([...read({ 0: 10 }), op('ok', 'read', [10, 10])]).inputError).toMatch(/^op 2: /);
    const s = checkBank([op('ok', 'read', { 0: '10' })]);
    expect(s.valid).toBe('unknown');
    expect(s.inputError).toMatch(/account 0's balance must be a number or null, got "10"/);
  });

  it('reads a Jepsen EDN bank history (maps with integer keys)', async () => {
    const text = [
      '{:type :invoke, :f :read, :value nil, :process 0, :time 1, :index 0}',
      '{:type :ok, :f :read, :value {0 50, 1 50}, :process 0, :time 2, :index 1}',
      '{:type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 5}, :process 1, :time 3, :index 2}',
      '{:type :ok, :f :transfer, :value {:from 0, :to 1, :amount 5}, :process 1, :time 4, :index 3}',
      '{:type :invoke, :f :read, :value nil, :process 0, :time 5, :index 4}',
      '{:type :ok, :f :read, :value {0 45, 1 60}, :process 0, :time 6, :index 5}',
    ].join('\n');
    const h = parseHistory(text, 'bank.edn').ops;
    const r = await findChecker('bank')!.check(h, { totalAmount: 100 });
    expect(r.valid).toBe(false);
    expect(r.badReads).toMatchObject([{ index: 5, total: 105, expected: 100 }]);
  });

  it('property: invalid exactly when some ok read is off the total or negative (brute force)', () => {
    const balances = fc.dictionary(fc.constantFrom('0', '1', '2'), fc.integer({ min: -3, max: 12 }), {
      minKeys: 3,
      maxKeys: 3,
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(balances, fc.constantFrom<Op['type']>('ok', 'fail', 'info'))),
        (reads) => {
          index = 0;
          const h = reads.flatMap(([b, type]) => [op('invoke', 'read', null), op(type, 'read', b)]);
          const r = checkBank(h, { totalAmount: 18 });
          const judged = reads.filter(([, t]) => t === 'ok').map(([b]) => Object.values(b));
          const expected =
            judged.length === 0
              ? 'unknown'
              : !judged.some((v) => v.reduce((a, x) => a + x, 0) !== 18 || v.some((x) => x < 0));
          expect(r.valid).toBe(expected);
        },
      ),
    );
  });
});
