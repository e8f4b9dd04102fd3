import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashRing, hash32 } from '../../systems/twopc/ring.js';

const KEYS = Array.from({ length: 20_000 }, (_, i) => i);

function loads(ring: HashRing, keys: readonly unknown[]): Map<string, number> {
  const out = new Map<string, number>(ring.shards.map((s) => [s, 0]));
  for (const k of keys) {
    const s = ring.shardOf(k);
    out.set(s, (out.get(s) ?? 0) + 1);
  }
  return out;
}

describe('consistent hashing ring', () => {
  it('spreads keys evenly: every shard within 25% of the mean (3 to 8 shards, 64 virtual nodes)', () => {
    for (let n = 3; n <= 8; n++) {
      const ring = new HashRing(Array.from({ length: n }, (_, i) => `n${i + 1}`));
      const mean = KEYS.length / n;
      for (const [shard, load] of loads(ring, KEYS)) {
        expect(Math.abs(load - mean) / mean, `${n} shards: ${shard} holds ${load}`).toBeLessThan(0.25);
      }
    }
  });

  it('one virtual node per shard is far less even than 64 (why the ring has virtual nodes)', () => {
    const shards = ['n2', 'n3', 'n4', 'n5'];
    const spread = (vnodes: number) => {
      const l = [...loads(new HashRing(shards, vnodes), KEYS).values()];
      return (Math.max(...l) - Math.min(...l)) / (KEYS.length / shards.length);
    };
    expect(spread(1)).toBeGreaterThan(2 * spread(64));
  });

  it('adding a shard moves only keys onto the new shard, about 1/(n+1) of them', () => {
    for (let n = 2; n <= 7; n++) {
      const before = new HashRing(Array.from({ length: n }, (_, i) => `n${i + 1}`));
      const after = before.withShard(`n${n + 1}`);
      let moved = 0;
      for (const k of KEYS) {
        const a = before.shardOf(k);
        const b = after.shardOf(k);
        if (a !== b) {
          expect(b).toBe(`n${n + 1}`);
          moved++;
        }
      }
      const ideal = KEYS.length / (n + 1);
      expect(moved / ideal).toBeGreaterThan(0.75);
      expect(moved / ideal).toBeLessThan(1.25);
    }
  });

  it('is a pure function of the shard set (order of the names does not matter)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }), (ids) => {
        const names = ids.map((i) => `n${i}`);
        const a = new HashRing(names);
        const b = new HashRing([...names].reverse());
        for (let k = 0; k < 200; k++) expect(a.shardOf(k)).toBe(b.shardOf(k));
      }),
    );
  });

  it('hashes keys by their JSON text and wraps past the top of the ring', () => {
    const ring = new HashRing(['a', 'b', 'c']);
    expect(ring.shardOf(1)).toBe(ring.shardOf(1));
    expect(hash32('1')).not.toBe(hash32('"1"'));
    // The key hashing past every point belongs to the owner of the smallest point.
    const owners = new Set<string>();
    for (let k = 0; k < 2000; k++) owners.add(ring.shardOf(`k${k}`));
    expect([...owners].sort()).toEqual(['a', 'b', 'c']);
  });

  it('refuses an empty or duplicated shard list', () => {
    expect(() => new HashRing([])).toThrow(/at least one shard/);
    expect(() => new HashRing(['a', 'a'])).toThrow(/distinct/);
    expect(() => new HashRing(['a'], 0)).toThrow(/virtual nodes/);
  });
});
