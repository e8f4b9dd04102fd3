import { describe, expect, it } from 'vitest';
import {
  eachWorker,
  type GenContext,
  type Generator,
  limit,
  mix,
  once,
  perKey,
  phases,
  repeat,
  sleep,
  stagger,
  timeLimit,
} from '../../src/generator/generator.js';
import { Rng } from '../../src/sim/random.js';

function ctx(timeNs: number, over: Partial<GenContext> = {}): GenContext {
  return { timeNs, rng: new Rng('t', 'seed'), worker: 0, workerCount: 1, inFlight: 0, ...over };
}

/** Drain a generator as a single worker whose ops complete at once. */
function drain(gen: Generator, maxSteps = 10_000): { f: string; atNs: number; key?: unknown }[] {
  const rng = new Rng('t', 'drain');
  const out: { f: string; atNs: number; key?: unknown }[] = [];
  let now = 0;
  for (let i = 0; i < maxSteps; i++) {
    const s = gen.next({ timeNs: now, rng, worker: 0, workerCount: 1, inFlight: 0 });
    if (s.kind === 'done') return out;
    if (s.kind === 'wait') {
      if (s.untilNs === undefined) throw new Error('wait forever');
      now = s.untilNs;
      continue;
    }
    now = Math.max(now, s.atNs);
    out.push({ f: s.op.f, atNs: s.atNs, key: s.op.key });
  }
  throw new Error('generator did not finish');
}

const reads = () => repeat(() => ({ f: 'read', value: null }));

describe('generators', () => {
  it('limit, once and mix', () => {
    expect(drain(limit(3, reads()))).toHaveLength(3);
    expect(drain(once({ f: 'x', value: 1 }))).toEqual([{ f: 'x', atNs: 0, key: undefined }]);
    const fs = drain(
      limit(
        1000,
        mix([repeat(() => ({ f: 'a', value: null })), repeat(() => ({ f: 'b', value: null }))], [3, 1]),
      ),
    );
    const a = fs.filter((o) => o.f === 'a').length;
    expect(a).toBeGreaterThan(650);
    expect(a).toBeLessThan(850);
  });

  it('stagger spreads ops at the requested mean rate; timeLimit stops them at the deadline', () => {
    const ops = drain(timeLimit(10, stagger(100, reads())));
    // 10 s at 100 ops/s ≈ 1000 ops.
    expect(ops.length).toBeGreaterThan(900);
    expect(ops.length).toBeLessThan(1100);
    expect(ops.every((o, i) => i === 0 || o.atNs >= ops[i - 1].atNs)).toBe(true);
    expect(ops[ops.length - 1].atNs).toBeLessThan(10e9);
  });

  it('phases does not ask a finished phase again while its ops are in flight (timeLimit would draw more)', () => {
    let drawn = 0;
    const counting: Generator = {
      next: (c) => {
        drawn++;
        return { kind: 'op', op: { f: 'read', value: null }, atNs: c.timeNs + 2e9 };
      },
    };
    const g = phases(timeLimit(1, counting), once({ f: 'final', value: null }));
    // The first draw lands past the deadline: the phase is over, but one op is still in flight.
    for (let i = 0; i < 50; i++) expect(g.next(ctx(i, { inFlight: 1 }))).toEqual({ kind: 'wait' });
    expect(drawn).toBe(1);
    const f = g.next(ctx(100));
    expect(f.kind === 'op' && f.op.f).toBe('final');
  });

  it('phases wait for in-flight ops before the next phase, and sleep waits', () => {
    const g = phases(limit(1, reads()), sleep(1000), once({ f: 'final', value: null }));
    expect(g.next(ctx(0)).kind).toBe('op');
    // The first phase is exhausted but an op is still in flight: wait.
    expect(g.next(ctx(5, { inFlight: 1 }))).toEqual({ kind: 'wait' });
    const w = g.next(ctx(10));
    expect(w).toEqual({ kind: 'wait', untilNs: 10 + 1e9 });
    const f = g.next(ctx(10 + 1e9));
    expect(f.kind === 'op' && f.op.f).toBe('final');
    expect(g.next(ctx(2e9)).kind).toBe('done');
  });

  it('eachWorker gives every worker its own copy', () => {
    const g = eachWorker((w) => once({ f: `w${w}`, value: null }));
    const seen: string[] = [];
    for (const worker of [0, 1, 2]) {
      const s = g.next(ctx(0, { worker, workerCount: 3 }));
      if (s.kind === 'op') seen.push(s.op.f);
    }
    expect(seen).toEqual(['w0', 'w1', 'w2']);
    expect(g.next(ctx(0, { worker: 0, workerCount: 3 })).kind).toBe('wait');
    expect(g.next(ctx(0, { worker: 1, workerCount: 3 })).kind).toBe('wait');
    expect(g.next(ctx(0, { worker: 2, workerCount: 3 })).kind).toBe('done');
  });

  it('perKey keeps a window of active keys, each retiring after its quota', () => {
    const g = perKey({ activeKeys: 2, opsPerKey: 5 }, (key) =>
      repeat(() => ({ f: 'read', value: null, key })),
    );
    const ops = drain(limit(40, g));
    const perKeyCount = new Map<unknown, number>();
    for (const o of ops) perKeyCount.set(o.key, (perKeyCount.get(o.key) ?? 0) + 1);
    expect([...perKeyCount.values()].every((n) => n <= 5)).toBe(true);
    expect(g.keysUsed).toBeGreaterThanOrEqual(8);
    // Never more than two keys in play: at every position at most two keys lie between their first and last op.
    const span = new Map<unknown, [number, number]>();
    ops.forEach((o, i) => {
      span.set(o.key, [span.get(o.key)?.[0] ?? i, i]);
    });
    for (let i = 0; i < ops.length; i++) {
      const open = [...span.values()].filter(([a, b]) => a <= i && i <= b).length;
      expect(open).toBeLessThanOrEqual(2);
    }
  });
});
