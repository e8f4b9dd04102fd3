import { describe, expect, it } from 'vitest';
import { ValueTable } from '../../checkers/elle/value-table.js';

describe('elle value table', () => {
  it('keeps (key, value) pairs apart, for ints, strings, floats and -0', () => {
    const t = new ValueTable(4, 2);
    const vals: unknown[] = [1, 2, 'a', 1.5, 2 ** 40, -0, -7];
    for (const k of [0, 1]) for (const v of vals) t.set(t.cell(k, v), 0, k * 100 + vals.indexOf(v));
    for (const k of [0, 1]) {
      for (const v of vals) {
        const c = t.find(k, v);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(t.get(c, 0)).toBe(k * 100 + vals.indexOf(v));
        expect(t.value(c)).toBe(Object.is(v, -0) ? 0 : v);
      }
    }
    expect(t.find(0, 3)).toBe(-1);
    expect(t.find(2, 1)).toBe(-1);
    expect(t.find(0, 'b')).toBe(-1);
  });

  it('stays correct with structured values and growth', () => {
    const t = new ValueTable(16, 1);
    // Values a power of two apart, more than the initial capacity: grows and rehashes.
    for (let v = 0; v < 20_000; v++) t.set(t.cell(5, v * 65536), 0, v);
    for (let v = 0; v < 20_000; v++) expect(t.get(t.find(5, v * 65536), 0)).toBe(v);
    expect(t.generation).toBeGreaterThan(0);
  });
});
