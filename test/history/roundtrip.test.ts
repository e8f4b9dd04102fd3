import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOpEdn, parseEdnHistory } from '../../src/history/edn-history.js';
import { formatOpJsonl, parseJsonl } from '../../src/history/jsonl.js';
import type { Op } from '../../src/history/op.js';

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

/** Compare as JSON text: -0 and 0 are the same JSON number. */
const asJsonl = (ops: readonly Op[]) => ops.map(formatOpJsonl).join('\n');

describe('history formats round-trip (fast-check)', () => {
  it('JSONL: write then read gives the same ops', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const text = ops.map((op) => `${formatOpJsonl(op)}\n`).join('');
        expect(asJsonl(parseJsonl(text, 'h.jsonl').ops)).toBe(asJsonl(ops));
      }),
      { numRuns: 300 },
    );
  });

  it('EDN: write then read gives the same ops', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const text = ops.map((op) => `${formatOpEdn(op)}\n`).join('');
        expect(asJsonl(parseEdnHistory(text, 'h.edn').ops)).toBe(asJsonl(ops));
      }),
      { numRuns: 300 },
    );
  });

  it('EDN: a vector of maps reads like one map per line', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const text = `[${ops.map(formatOpEdn).join('\n ')}]`;
        expect(asJsonl(parseEdnHistory(text, 'h.edn').ops)).toBe(asJsonl(ops));
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
  });
});
