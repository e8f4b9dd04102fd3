/**
 * fast-check: on random small histories (with info and fail operations) the
 * checker agrees with a brute-force search over all orders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendRegister, checkLinearizableSync, keyed } from '../../checkers/linearizable/index.js';
import type { Op } from '../../src/history/op.js';
import { bruteForceLinearizable, type SpecName } from './brute-force.js';

interface PlannedOp {
  f: string;
  key?: string;
  value: unknown;
  outcome: 'ok' | 'fail' | 'info';
  out: unknown;
}

const small = fc.constantFrom<unknown>(null, 0, 1, 2);
const val = fc.integer({ min: 0, max: 2 });
const outcome = fc.constantFrom<'ok' | 'fail' | 'info'>('ok', 'ok', 'ok', 'ok', 'fail', 'info');

function planned(spec: SpecName): fc.Arbitrary<PlannedOp> {
  const read = fc.record({ f: fc.constant('read'), value: fc.constant(null), outcome, out: small });
  const write = fc.record({ f: fc.constant('write'), value: val, outcome, out: fc.constant(null) });
  if (spec === 'register') return fc.oneof(read, write);
  if (spec === 'counter') {
    const add = fc.record({ f: fc.constant('add'), value: val, outcome, out: fc.constant(null) });
    return fc.oneof(read, add);
  }
  if (spec === 'set') {
    // Reads that list every element, some in another order, some with an element twice.
    const seen = fc.constantFrom<unknown>([], [0], [1], [0, 1], [1, 0], [0, 0], [1, 0, 1], [0, 1, 2], [2]);
    return fc.oneof(
      fc.record({ f: fc.constant('read'), value: fc.constant(null), outcome, out: seen }),
      fc.record({ f: fc.constant('add'), value: val, outcome, out: fc.constant(null) }),
    );
  }
  if (spec === 'kv-append') {
    // Mostly one key, so that the ops interact; short strings, so that reads often fit.
    const key = fc.constantFrom('x', 'x', 'x', 'y');
    const piece = fc.constantFrom('a', 'b', 'ab');
    const seen = fc.constantFrom('', 'a', 'b', 'ab', 'ba', 'aab', 'abb', 'bab', 'abab');
    return fc.oneof(
      fc.record({ f: fc.constant('get'), key, value: fc.constant(null), outcome, out: seen }),
      fc.record({ f: fc.constant('append'), key, value: piece, outcome, out: fc.constant(null) }),
      fc.record({ f: fc.constant('put'), key, value: piece, outcome, out: fc.constant(null) }),
    );
  }
  if (spec === 'cas-register') {
    const cas = fc.record({
      f: fc.constant('cas'),
      value: fc.tuple(small, val),
      outcome,
      out: fc.constant(null),
    });
    return fc.oneof(read, write, cas);
  }
  return fc.oneof(
    fc.record({ f: fc.constant('enqueue'), value: val, outcome, out: fc.constant(null) }),
    fc.record({ f: fc.constant('dequeue'), value: fc.constant(null), outcome, out: small }),
  );
}

/** Interleave the planned ops over three client slots; an info op retires its process. */
function buildHistory(ops: PlannedOp[], schedule: number[]): Op[] {
  const history: Op[] = [];
  const proc = [0, 1, 2];
  let nextProc = 3;
  const pending: (PlannedOp | undefined)[] = [undefined, undefined, undefined];
  let nextOp = 0;
  const emit = (type: Op['type'], p: number, f: string, value: unknown, key?: string) =>
    history.push({
      index: history.length,
      time: history.length,
      type,
      process: p,
      f,
      value,
      ...(key === undefined ? {} : { key }),
    });
  for (const a of schedule) {
    const slot = a % 3;
    const cur = pending[slot];
    if (cur === undefined) {
      if (nextOp >= ops.length) continue;
      const op = ops[nextOp++];
      pending[slot] = op;
      emit('invoke', proc[slot], op.f, op.value, op.key);
    } else {
      const value =
        cur.outcome === 'ok' && (cur.f === 'read' || cur.f === 'get' || cur.f === 'dequeue')
          ? cur.out
          : cur.value;
      emit(cur.outcome, proc[slot], cur.f, value, cur.key);
      pending[slot] = undefined;
      if (cur.outcome === 'info') proc[slot] = nextProc++;
    }
  }
  // Sprinkle a nemesis op: the checker must ignore it.
  history.push({
    index: history.length,
    time: history.length,
    type: 'info',
    process: 'nemesis',
    f: 'start',
    value: null,
  });
  return history;
}

function historyArb(spec: SpecName): fc.Arbitrary<Op[]> {
  return fc
    .tuple(
      fc.array(planned(spec), { minLength: 1, maxLength: 7 }),
      fc.array(fc.nat(5), { minLength: 2, maxLength: 24 }),
    )
    .map(([ops, schedule]) => buildHistory(ops, schedule));
}

describe('checker agrees with brute force on random small histories', () => {
  for (const spec of ['register', 'cas-register', 'fifo-queue', 'counter', 'kv-append', 'set'] as const) {
    it(spec, () => {
      let invalid = 0;
      let valid = 0;
      fc.assert(
        fc.property(historyArb(spec), (history) => {
          const expected = bruteForceLinearizable(history, spec);
          const got = checkLinearizableSync(history, spec, { minimise: false }).valid;
          if (expected) valid++;
          else invalid++;
          expect(got).toBe(expected);
          // kv-append split per key prunes by what strings can grow into; as one object it does not.
          if (spec === 'kv-append') {
            expect(checkLinearizableSync(history, spec, { minimise: false, split: false }).valid).toBe(
              expected,
            );
          }
        }),
        // kv-append's pruning needs many runs to meet a put that matters.
        { numRuns: spec === 'kv-append' ? 5000 : 400 },
      );
      // The generator must exercise both verdicts, or the property says little.
      expect(valid).toBeGreaterThan(20);
      expect(invalid).toBeGreaterThan(20);
    });
  }
});

describe('kv-append: dropping configurations whose next read can never fit', () => {
  // The same model without `reaches`: the search without that pruning.
  const plain = keyed('kv-append-plain', 'kv-append without reaches', {
    ...appendRegister,
    reaches: undefined,
  });
  it('changes neither the verdict nor the op that cannot be linearized', () => {
    fc.assert(
      fc.property(historyArb('kv-append'), fc.boolean(), (history, split) => {
        const pruned = checkLinearizableSync(history, 'kv-append', { minimise: false, split });
        const full = checkLinearizableSync(history, plain, { minimise: false, split });
        expect(pruned.valid).toBe(full.valid);
        expect(pruned.failure?.op).toEqual(full.failure?.op);
      }),
      { numRuns: 3000 },
    );
  });
});
