import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOpEdn, parseEdnHistory } from '../../src/history/edn-history.js';
import { formatOpJsonl, parseJsonl } from '../../src/history/jsonl.js';
import type { Op } from '../../src/history/op.js';
import { toTypedJson } from '../../src/history/typed-json.js';
import { valueEquals } from '../../src/history/values.js';

/** Arbitrary ops: JSON values anywhere a user may put them, extra fields included. */
const opArb = fc.record(
  {
    type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
    process: fc.oneof(fc.nat(1000), fc.constant('nemesis')),
    f: fc.constantFrom('read', 'write', 'cas', 'txn', 'add', 'start-partition', 'weird f!'),
    value: fc.jsonValue({ maxDepth: 3 }),
    key: fc.oneof(fc.string(), fc.nat()),
    node: fc.constantFrom('n1', 'n2'),
    error: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['type', 'process', 'f', 'value'] },
);

const historyArb = fc
  .array(opArb, { maxLength: 30 })
  .map((raws) => raws.map((r, i) => ({ index: i, time: i * 1000, ...r }) as Op));

/** Ops equal field by field, values by Clojure's = (an unsafe JS number reads back as the bigint it is). */
function expectSameOps(read: readonly Op[], ops: readonly Op[]): void {
  expect(read.length).toBe(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const a = read[i];
    const b = ops[i];
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(b)) expect(valueEquals(a[k], b[k]), `${i}.${k}`).toBe(true);
  }
}

describe('history formats round-trip (fast-check)', () => {
  it('JSONL: write then read gives the same ops', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const text = ops.map((op) => `${formatOpJsonl(op)}\n`).join('');
        expectSameOps(parseJsonl(text, 'h.jsonl').ops, ops);
      }),
      { numRuns: 300 },
    );
  });

  it('JSONL: a line in canonical field order (read as the op itself) reads like the same fields in any order', () => {
    fc.assert(
      fc.property(historyArb, fc.boolean(), (ops, reverse) => {
        const canonical = ops.map((op) => `${formatOpJsonl(op)}\n`).join('');
        const shuffled = ops
          .map((op) => {
            // The core fields out of order (the other fields keep theirs: it is the op's own).
            const fields = Object.keys(op).filter((k) => op[k] !== undefined);
            const core = fields.slice(0, 6);
            const order = [...(reverse ? core.reverse() : [...core.slice(1), core[0]]), ...fields.slice(6)];
            return `{${order.map((k) => `${JSON.stringify(k)}:${toTypedJson(op[k])}`).join(',')}}\n`;
          })
          .join('');
        const a = parseJsonl(canonical, 'a.jsonl').ops;
        expectSameOps(a, ops);
        expectSameOps(parseJsonl(shuffled, 'b.jsonl').ops, a);
      }),
      { numRuns: 300 },
    );
  });

  it('EDN: write then read gives the same ops', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const text = ops.map((op) => `${formatOpEdn(op)}\n`).join('');
        expectSameOps(parseEdnHistory(text, 'h.edn').ops, ops);
      }),
      { numRuns: 300 },
    );
  });

  it('EDN: a vector of maps reads like one map per line', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const text = `[${ops.map(formatOpEdn).join('\n ')}]`;
        expectSameOps(parseEdnHistory(text, 'h.edn').ops, ops);
      }),
      { numRuns: 100 },
    );
  });

  it('writes txn micro-op functions as keywords, like Jepsen', () => {
    const op: Op = {
      index: 0,
      time: 5,
      type: 'ok',
      process: 1,
      f: 'txn',
      value: [
        ['append', 'x', 1],
        ['r', 'y', [1, 2]],
      ],
    };
    expect(formatOpEdn(op)).toBe(
      '{:index 0, :time 5, :type :ok, :process 1, :f :txn, :value [[:append "x" 1] [:r "y" [1 2]]]}',
    );
    // Names that are not keywords are written as strings, whatever they hold (`$\``, a replacement pattern once).
    const odd: Op = { ...op, value: [['$`'], ['a b', 1, 2]] };
    expect(formatOpEdn(odd)).toContain(':value [["$`"] ["a b" 1 2]]');
    expectSameOps(parseEdnHistory(formatOpEdn(odd), 'h.edn').ops, [odd]);
  });
});
