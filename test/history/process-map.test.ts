import { describe, expect, it } from 'vitest';
import { ProcessMap } from '../../src/history/process-map.js';

describe('ProcessMap', () => {
  it('keeps small, negative, huge, fractional and named processes apart, as a Map does', () => {
    const m = new ProcessMap<string>();
    const keys: unknown[] = [0, 3, 65535, 65536, -1, 1.5, 2 ** 40, 'nemesis', '3'];
    for (const [i, k] of keys.entries()) m.set(k, `v${i}`);
    for (const [i, k] of keys.entries()) expect(m.get(k)).toBe(`v${i}`);
    expect(m.get(1)).toBeUndefined();
    expect(m.get(-0)).toBe('v0');
    m.delete(3);
    m.delete('3');
    expect(m.get(3)).toBeUndefined();
    expect(m.get('3')).toBeUndefined();
    expect(m.values()).toEqual(['v0', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
    m.set(3, 'again');
    expect(m.values()).toEqual(['v0', 'again', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
  });
});
