/**
 * Random small histories for the property tests (with info and fail
 * operations, three client slots, a nemesis op): one generator per model.
 */
import fc from 'fast-check';
import type { Op } from '../../src/history/op.js';
import type { SpecName } from './brute-force.js';

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

export function historyArb(spec: SpecName): fc.Arbitrary<Op[]> {
  return fc
    .tuple(
      fc.array(planned(spec), { minLength: 1, maxLength: 7 }),
      fc.array(fc.nat(5), { minLength: 2, maxLength: 24 }),
    )
    .map(([ops, schedule]) => buildHistory(ops, schedule));
}
