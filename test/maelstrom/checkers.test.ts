import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEcho } from '../../checkers/maelstrom/echo.js';
import { checkSetFull, quantiles } from '../../checkers/maelstrom/set-full.js';
import { checkUniqueIds } from '../../checkers/maelstrom/unique-ids.js';
import { findChecker } from '../../checkers/registry.js';
import type { Op } from '../../src/history/op.js';
import { EdnMap, Keyword } from '../../src/history/values.js';
import { HistoryBuilder } from './helpers.js';

describe('echo checker', () => {
  it('is valid when every ok echo returns what was sent, and names a wrong one', async () => {
    const h = new HistoryBuilder();
    h.call(0, 'echo', 'Please echo 1', 'ok', 'Please echo 1');
    h.call(1, 'echo', 'Please echo 2', 'fail', 'Please echo 2');
    expect(checkEcho(h.ops)).toMatchObject({ valid: true, okCount: 1, mismatchCount: 0 });
    h.call(2, 'echo', 'Please echo 3', 'ok', 'Please echo 4');
    const r = checkEcho(h.ops);
    expect(r).toMatchObject({ valid: false, okCount: 2, mismatchCount: 1 });
    expect((r.report as string[])[0]).toMatch(/sent "Please echo 3" but received "Please echo 4"/);
    expect((await findChecker('echo')!.check(h.ops, {})).valid).toBe(false);
  });

  it('reads the echo of a recorded reply body (Maelstrom histories)', () => {
    const h = new HistoryBuilder();
    h.call(0, 'echo', 'x', 'ok', { type: 'echo_ok', echo: 'x' });
    expect(checkEcho(h.ops).valid).toBe(true);
    const k = new HistoryBuilder();
    k.call(0, 'echo', 'x', 'ok', new EdnMap([[Keyword.of('echo'), 'y']]));
    expect(checkEcho(k.ops).valid).toBe(false);
    const ok = new HistoryBuilder();
    ok.call(0, 'echo', 'x', 'ok', new EdnMap([[Keyword.of('echo'), 'x']]));
    expect(checkEcho(ok.ops).valid).toBe(true);
  });

  it('refuses a process that invokes again before its last invocation completed, naming the op', () => {
    // Which completion answers which cannot be told: the first echo was lost from the pairing before.
    const h = new HistoryBuilder();
    h.invoke(0, 'echo', 'a');
    h.invoke(0, 'echo', 'b');
    h.ok(0, 'echo', 'a');
    const r = checkEcho(h.ops);
    expect(r.valid).toBe('unknown');
    expect(r.inputErrorIndex).toBe(1);
    expect(r.inputError).toMatch(
      /op index 1: process 0 invokes echo while its echo \(op index 0\) has not completed/,
    );
  });

  it('is unknown with no ok echo', () => {
    const h = new HistoryBuilder();
    h.call(0, 'echo', 'x', 'info', 'x');
    expect(checkEcho(h.ops).valid).toBe('unknown');
  });
});

describe('unique-ids checker', () => {
  it('counts attempts, acknowledgements and the range', () => {
    const h = new HistoryBuilder();
    h.call(0, 'generate', null, 'ok', 3);
    h.call(0, 'generate', null, 'ok', 1);
    h.call(1, 'generate', null, 'info', null);
    h.call(2, 'generate', null, 'ok', 7);
    expect(checkUniqueIds(h.ops)).toMatchObject({
      valid: true,
      attemptedCount: 4,
      acknowledgedCount: 3,
      duplicatedCount: 0,
      range: [1, 7],
    });
  });

  it('lists duplicates with their counts', () => {
    const h = new HistoryBuilder();
    for (const id of ['a', 'b', 'a', 'c', 'a', 'b']) h.call(0, 'generate', null, 'ok', id);
    const r = checkUniqueIds(h.ops);
    expect(r).toMatchObject({ valid: false, acknowledgedCount: 6, duplicatedCount: 2, range: ['a', 'c'] });
    expect(r.duplicated).toEqual([
      { id: 'a', count: 3, ops: [1, 5, 9] },
      { id: 'b', count: 2, ops: [3, 11] },
    ]);
    expect((r.report as string[])[0]).toBe('duplicate id "a" returned 3 times (ops 1, 5, 9)');
  });

  it('compares ids as values (1 and "1" differ; equal arrays collide); nothing acknowledged → unknown', () => {
    const h = new HistoryBuilder();
    h.call(0, 'generate', null, 'ok', 1);
    h.call(0, 'generate', null, 'ok', '1');
    expect(checkUniqueIds(h.ops)).toMatchObject({ valid: true, duplicatedCount: 0 });
    expect(checkUniqueIds(h.ops).range).toBeUndefined();
    h.call(0, 'generate', null, 'ok', [1, 2]);
    h.call(0, 'generate', null, 'ok', [1, 2]);
    expect(checkUniqueIds(h.ops).duplicatedCount).toBe(1);
    const none = new HistoryBuilder();
    none.call(0, 'generate', null, 'info', null);
    expect(checkUniqueIds(none.ops)).toMatchObject({
      valid: 'unknown',
      attemptedCount: 1,
      acknowledgedCount: 0,
    });
  });
});

describe('set-full checker', () => {
  it('a read after the add sees it: stable, latency 0, valid', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    h.call(1, 'read', null, 'ok', [1]);
    const r = checkSetFull(h.ops);
    expect(r).toMatchObject({ valid: true, stableCount: 1, lostCount: 0, staleCount: 0, attemptCount: 1 });
    expect(r.stableLatencies).toEqual({ 0: 0, 0.5: 0, 0.95: 0, 0.99: 0, 1: 0 });
  });

  it('broadcast counts as add', () => {
    const h = new HistoryBuilder();
    h.call(0, 'broadcast', 1, 'ok', 1);
    h.finalRead(1, 'ok', [1]);
    expect(checkSetFull(h.ops)).toMatchObject({ valid: true, stableCount: 1 });
    // A final read is a read: one that misses the element makes it lost.
    h.finalRead(2, 'ok', []);
    expect(checkSetFull(h.ops)).toMatchObject({ valid: false, lostCount: 1 });
  });

  it('an element seen and then missed by every later read is lost', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    h.call(0, 'add', 2, 'ok', 2);
    h.call(1, 'read', null, 'ok', [1, 2]);
    h.call(1, 'read', null, 'ok', [2]);
    const r = checkSetFull(h.ops);
    expect(r).toMatchObject({ valid: false, lostCount: 1, lost: [1], stableCount: 1 });
    expect((r.report as string[])[0]).toMatch(/^lost: element 1 was known at op 1/);
    // Lost latency: last present read's invocation (op 4, 4 ms) + 1 ns − known (op 1, 1 ms) → 3 ms.
    expect(r.lostLatencies).toMatchObject({ 0: 3 });
  });

  it('acknowledged but never seen by a later read is lost; no read after it: never read', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    h.call(0, 'add', 2, 'ok', 2);
    h.call(1, 'read', null, 'ok', [2]);
    h.call(0, 'add', 3, 'ok', 3);
    const r = checkSetFull(h.ops);
    expect(r).toMatchObject({ valid: false, lost: [1], neverRead: [3], stableCount: 1 });
  });

  it('a read concurrent with the add that misses it does not make it lost', () => {
    const h = new HistoryBuilder();
    h.invoke(0, 'add', 1);
    h.invoke(1, 'read');
    h.ok(1, 'read', []);
    h.ok(0, 'add', 1);
    h.call(2, 'add', 2, 'ok', 2);
    h.call(2, 'read', null, 'ok', [2]);
    const r = checkSetFull(h.ops);
    expect(r).toMatchObject({ valid: false, lost: [1] });
    // Without the last read (which began after the add completed) 1 is only never read.
    const r2 = checkSetFull(h.ops.slice(0, 6));
    expect(r2).toMatchObject({ valid: 'unknown', neverRead: [1, 2], lostCount: 0 });
  });

  it('stale: missed by a read begun after the add, seen later; invalid only when linearizable', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1, 10); // known at 11 ms
    h.call(1, 'read', null, 'ok', [], 20); // invoked 20 ms, misses it
    h.call(1, 'read', null, 'ok', [1], 30);
    const r = checkSetFull(h.ops);
    expect(r).toMatchObject({ valid: true, staleCount: 1, stale: [1], stableCount: 1 });
    // Stable time 20 ms + 1 ns, known 11 ms → 9 ms.
    expect(r.stableLatencies).toEqual({ 0: 9, 0.5: 9, 0.95: 9, 0.99: 9, 1: 9 });
    expect((r.worstStale as { element: unknown; stableLatencyMs: number }[])[0]).toMatchObject({
      element: 1,
      stableLatencyMs: 9,
    });
    expect(checkSetFull(h.ops, { linearizable: true }).valid).toBe(false);
  });

  it('an indefinite add seen by a read is known from that read', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'info', 1);
    h.call(1, 'read', null, 'ok', [1]);
    h.call(1, 'read', null, 'ok', []);
    expect(checkSetFull(h.ops)).toMatchObject({ valid: false, lost: [1] });
    const never = new HistoryBuilder();
    never.call(0, 'add', 1, 'info', 1);
    never.call(1, 'read', null, 'ok', []);
    expect(checkSetFull(never.ops)).toMatchObject({ valid: 'unknown', neverRead: [1], lostCount: 0 });
  });

  it('duplicates in one read and elements never added are invalid', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    h.call(1, 'read', null, 'ok', [1, 1]);
    expect(checkSetFull(h.ops)).toMatchObject({ valid: false, duplicatedCount: 1 });
    const u = new HistoryBuilder();
    u.call(0, 'add', 1, 'ok', 1);
    u.call(1, 'read', null, 'ok', [1, 5]);
    expect(checkSetFull(u.ops)).toMatchObject({ valid: false, unexpectedCount: 1 });
  });

  it('nothing to judge → unknown; a read value that is not a list is an input error', async () => {
    expect(checkSetFull([]).valid).toBe('unknown');
    const h = new HistoryBuilder();
    h.call(1, 'read', null, 'ok', 5);
    expect(checkSetFull(h.ops).inputError).toMatch(/op 1 .*list of elements/);
    expect((await findChecker('set-full')!.check([], {})).valid).toBe('unknown');
  });

  it('quantiles as Jepsen: index min(n-1, floor(n*q))', () => {
    expect(quantiles([5, 1, 3, 2, 4])).toEqual({ 0: 1, 0.5: 3, 0.95: 5, 0.99: 5, 1: 5 });
    expect(quantiles([])).toBeUndefined();
  });
});

/**
 * A brute force of set-full's definitions, element by element: the reads
 * that count for an element are the ok reads completed after its (last) add
 * invocation; known = the earliest of its add's ok completion and the first
 * such read completion that saw it.
 */
function bruteSetFull(history: readonly Op[]): { lost: number[]; stable: number[]; never: number[] } {
  const invocationOf = (c: Op): Op | undefined => {
    for (let i = c.index - 1; i >= 0; i--)
      if (history[i].process === c.process) return history[i].type === 'invoke' ? history[i] : undefined;
    return undefined;
  };
  const elements = new Set(
    history.filter((o) => o.f === 'add' && o.type === 'invoke').map((o) => o.value as number),
  );
  const out = { lost: [] as number[], stable: [] as number[], never: [] as number[] };
  for (const e of [...elements].sort((a, b) => a - b)) {
    const addInv = history.filter((o) => o.f === 'add' && o.type === 'invoke' && o.value === e).at(-1)!;
    // Jepsen: the first ok add of e after its last invocation (of any process: a second add starts over).
    const addOk = history.find(
      (o) => o.f === 'add' && o.type === 'ok' && o.value === e && o.index > addInv.index,
    );
    const reads = history.filter((o) => o.f === 'read' && o.type === 'ok' && o.index > addInv.index);
    const present = reads.filter((r) => (r.value as number[]).includes(e));
    const absent = reads.filter((r) => !(r.value as number[]).includes(e));
    const knownCandidates = [addOk?.index, present[0]?.index].filter((x): x is number => x !== undefined);
    const known = knownCandidates.length > 0 ? Math.min(...knownCandidates) : undefined;
    const lp = Math.max(-1, ...present.map((r) => invocationOf(r)!.index));
    const la = Math.max(-1, ...absent.map((r) => invocationOf(r)!.index));
    if (present.length > 0 && la < lp) out.stable.push(e);
    else if (known !== undefined && absent.length > 0 && lp < la && known < la) out.lost.push(e);
    else out.never.push(e);
  }
  return out;
}

/** Small random histories: 3 processes, elements 0…3, each add distinct per invocation. */
const smallHistory = fc
  .array(
    fc.record({
      proc: fc.integer({ min: 0, max: 2 }),
      add: fc.boolean(),
      el: fc.integer({ min: 0, max: 3 }),
      seen: fc.subarray([0, 1, 2, 3]),
      outcome: fc.constantFrom('ok', 'ok', 'info', 'fail'),
    }),
    { maxLength: 24 },
  )
  .map((steps) => {
    const h = new HistoryBuilder();
    const open = new Map<number, Op>();
    for (const s of steps) {
      const pending = open.get(s.proc);
      if (pending) {
        open.delete(s.proc);
        if (pending.f === 'add') h.add(s.outcome as Op['type'], s.proc, 'add', pending.value);
        else h.add(s.outcome === 'ok' ? 'ok' : 'fail', s.proc, 'read', s.outcome === 'ok' ? s.seen : null);
      } else {
        open.set(s.proc, s.add ? h.invoke(s.proc, 'add', s.el) : h.invoke(s.proc, 'read'));
      }
    }
    return h.ops;
  });

describe('set-full against a brute force of its definitions', () => {
  it('agrees on every element outcome in small random histories', () => {
    fc.assert(
      fc.property(smallHistory, (history) => {
        const r = checkSetFull(history);
        const b = bruteSetFull(history);
        expect(r.lost).toEqual(b.lost);
        expect(r.stableCount).toBe(b.stable.length);
        expect(r.neverRead).toEqual(b.never);
      }),
      { numRuns: 1000 },
    );
  });
});
