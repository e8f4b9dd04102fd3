import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LockMode, LockTable } from '../../systems/twopc/locks.js';

const nothing = () => {};

describe('lock table (strict 2PL, wait-die)', () => {
  it('shares S locks, and an X lock conflicts with any other holder', () => {
    const t = new LockTable();
    expect(t.acquire(5, [['x', 'S']], nothing, nothing)).toBe('granted');
    expect(t.acquire(6, [['x', 'S']], nothing, nothing)).toBe('granted');
    // 7 is younger than both holders: it dies.
    expect(t.acquire(7, [['x', 'X']], nothing, nothing)).toBe('died');
    // 1 is older than both: it waits.
    expect(t.acquire(1, [['x', 'X']], nothing, nothing)).toBe('waiting');
  });

  it('an older requester waits and is granted when the holder releases; a younger one dies', () => {
    const t = new LockTable();
    const events: string[] = [];
    t.acquire(10, [['x', 'X']], nothing, nothing);
    expect(
      t.acquire(
        3,
        [
          ['x', 'X'],
          ['y', 'S'],
        ],
        () => events.push('3 granted'),
        () => events.push('3 died'),
      ),
    ).toBe('waiting');
    expect(t.acquire(12, [['x', 'S']], nothing, nothing)).toBe('died');
    // All or nothing: the waiter holds no lock meanwhile, so y is free.
    expect(t.holds(3)).toBe(false);
    expect(t.acquire(11, [['y', 'S']], nothing, nothing)).toBe('granted');
    t.release(10);
    expect(events).toEqual(['3 granted']);
    expect(t.keysOf(3).sort()).toEqual(['x', 'y']);
  });

  it('waiters are served oldest first; a waiter a younger holder now blocks dies', () => {
    const t = new LockTable();
    const events: string[] = [];
    t.acquire(10, [['x', 'X']], nothing, nothing);
    t.acquire(
      4,
      [['x', 'X']],
      () => events.push('4 granted'),
      () => events.push('4 died'),
    );
    t.acquire(
      2,
      [['x', 'S']],
      () => events.push('2 granted'),
      () => events.push('2 died'),
    );
    t.release(10);
    // 2 (oldest) gets x shared first; then 4 (younger than holder 2) must die rather than wait.
    expect(events).toEqual(['2 granted', '4 died']);
  });

  it('cancel takes a waiter out without calling back', () => {
    const t = new LockTable();
    let called = false;
    t.acquire(9, [['x', 'X']], nothing, nothing);
    t.acquire(
      1,
      [['x', 'X']],
      () => {
        called = true;
      },
      () => {
        called = true;
      },
    );
    expect(t.isWaiting(1)).toBe(true);
    t.cancel(1);
    t.release(9);
    expect(called).toBe(false);
    expect(t.lockedKeyCount).toBe(0);
  });

  it('property: holders never conflict, and every waiter is older than the holders it waits for (no cycle)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('acquire' as const),
        txid: fc.integer({ min: 1, max: 12 }),
        wants: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom<LockMode>('S', 'X')), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      fc.record({ kind: fc.constant('release' as const), txid: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant('cancel' as const), txid: fc.integer({ min: 1, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const t = new LockTable();
        // What each transaction holds, as the callbacks and results report it.
        const holding = new Map<number, Map<string, LockMode>>();
        const waiting = new Map<number, [string, LockMode][]>();
        const asMap = (wants: [string, LockMode][]) => {
          const m = new Map<string, LockMode>();
          for (const [k, mode] of wants) if (mode === 'X' || !m.has(k)) m.set(k, mode);
          return m;
        };
        for (const o of ops) {
          if (o.kind === 'acquire') {
            if (holding.has(o.txid) || waiting.has(o.txid)) continue;
            const wants = [...asMap(o.wants)];
            const r = t.acquire(
              o.txid,
              wants,
              () => {
                waiting.delete(o.txid);
                holding.set(o.txid, new Map(wants));
              },
              () => waiting.delete(o.txid),
            );
            if (r === 'granted') holding.set(o.txid, new Map(wants));
            if (r === 'waiting') waiting.set(o.txid, wants);
          } else if (o.kind === 'release') {
            if (!holding.has(o.txid)) continue;
            holding.delete(o.txid);
            t.release(o.txid);
          } else {
            waiting.delete(o.txid);
            t.cancel(o.txid);
          }
          for (const key of ['a', 'b', 'c']) {
            const hs = [...holding].filter(([, m]) => m.has(key));
            const xs = hs.filter(([, m]) => m.get(key) === 'X');
            if (xs.length > 0) expect(hs.length).toBe(1);
          }
          for (const [w, wants] of waiting) {
            for (const [k, mode] of wants) {
              for (const [h, m] of holding) {
                const conflict = m.has(k) && (mode === 'X' || m.get(k) === 'X');
                if (conflict) expect(w).toBeLessThan(h);
              }
            }
          }
        }
      }),
    );
  });
});
