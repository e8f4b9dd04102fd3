/**
 * fast-check: on random small histories (with info and fail operations) the
 * checker agrees with a brute-force search over all orders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendRegister, checkLinearizableSync, keyed } from '../../checkers/linearizable/index.js';
import { bruteForceLinearizable } from './brute-force.js';
import { historyArb } from './random-histories.js';

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
