import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCounter } from '../../checkers/maelstrom/counter.js';
import { findChecker } from '../../checkers/registry.js';
import type { Op } from '../../src/history/op.js';
import { Rng } from '../../src/sim/random.js';
import { findWorkload } from '../../workloads/registry.js';
import { FINAL, HistoryBuilder } from './helpers.js';

describe('counter checker', () => {
  it('a final read must include every ok add that completed before it', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    h.call(1, 'add', 2, 'ok', 2);
    h.finalRead(2, 'ok', 3);
    expect(checkCounter(h.ops)).toMatchObject({
      valid: true,
      readCount: 1,
      finalReadCount: 1,
      acceptable: [[3, 3]],
    });
    const bad = new HistoryBuilder();
    bad.call(0, 'add', 1, 'ok', 1);
    bad.call(1, 'add', 2, 'ok', 2);
    bad.finalRead(2, 'ok', 2);
    const r = checkCounter(bad.ops);
    expect(r).toMatchObject({ valid: false, errorCount: 1 });
    expect(r.errors).toEqual([{ op: 5, process: 2, value: 2, final: true, acceptable: [[3, 3]] }]);
    expect((r.report as string[])[0]).toMatch(/^final read op 5 .* saw 2, not reachable: 3$/);
  });

  it('indefinite adds may or may not have happened: exactly the subset sums', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    h.call(1, 'add', 2, 'info', 2);
    h.call(2, 'add', 10, 'info', 10);
    for (const [v, ok] of [
      [1, true],
      [3, true],
      [11, true],
      [13, true],
      [2, false],
      [12, false],
      [0, false],
    ] as const) {
      const t = new HistoryBuilder();
      t.ops.push(...h.ops);
      t.finalRead(3, 'ok', v);
      expect(checkCounter(t.ops).valid, `read ${v}`).toBe(ok);
    }
    const t = new HistoryBuilder();
    t.ops.push(...h.ops);
    t.finalRead(3, 'ok', 1);
    expect(checkCounter(t.ops).acceptable).toEqual([
      [1, 1],
      [3, 3],
      [11, 11],
      [13, 13],
    ]);
  });

  it('an add that never completed counts as indefinite; a failed add never happened', () => {
    const h = new HistoryBuilder();
    h.invoke(0, 'add', 5);
    h.call(1, 'add', 4, 'fail', 4);
    h.finalRead(2, 'ok', 5);
    expect(checkCounter(h.ops).valid).toBe(true);
    h.finalRead(2, 'ok', 4);
    expect(checkCounter(h.ops).valid).toBe(false);
  });

  it('an ok add concurrent with a final read may or may not be in it', () => {
    const h = new HistoryBuilder();
    h.invoke(0, 'add', 3);
    h.add('invoke', 1, 'read', null, undefined, FINAL);
    h.add('ok', 1, 'read', 0, undefined, FINAL);
    h.ok(0, 'add', 3);
    expect(checkCounter(h.ops).valid).toBe(true);
    h.ops[2] = { ...h.ops[2], value: 3 };
    expect(checkCounter(h.ops).valid).toBe(true);
    h.ops[2] = { ...h.ops[2], value: 2 };
    expect(checkCounter(h.ops).valid).toBe(false);
  });

  it('reads during the run may be stale, but only a subset sum of adds invoked before they returned', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 5, 'ok', 5);
    h.call(0, 'add', 1, 'ok', 1);
    h.call(1, 'read', null, 'ok', 0);
    h.call(1, 'read', null, 'ok', 5);
    expect(checkCounter(h.ops)).toMatchObject({ valid: true, readCount: 2, finalReadCount: 0 });
    h.call(1, 'read', null, 'ok', 3);
    expect(checkCounter(h.ops)).toMatchObject({ valid: false, errorCount: 1 });
    // A read of an add invoked only after it returned: from the future.
    const f = new HistoryBuilder();
    f.call(1, 'read', null, 'ok', 2);
    f.call(0, 'add', 2, 'ok', 2);
    expect(checkCounter(f.ops).valid).toBe(false);
  });

  it("pn-counter deltas, and Jepsen's final? field on either op", () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', -3, 'ok', -3);
    h.call(0, 'add', 2, 'info', 2);
    h.add('invoke', 1, 'read', null, undefined, { 'final?': true });
    h.add('ok', 1, 'read', -1, undefined, { 'final?': true });
    expect(checkCounter(h.ops)).toMatchObject({ valid: true, finalReadCount: 1 });
    h.ops[5] = { ...h.ops[5], value: 0 };
    expect(checkCounter(h.ops).valid).toBe(false);
    // Marked on the invocation only, or on the completion only: still final (0 is reachable,
    // but not by a final read, which must hold the definite -3).
    const inv = { ...h.ops[5] };
    delete inv['final?'];
    expect(checkCounter([...h.ops.slice(0, 5), inv]).finalReadCount).toBe(1);
    const comp = { ...h.ops[4] };
    delete comp['final?'];
    expect(checkCounter([...h.ops.slice(0, 4), comp, h.ops[5]])).toMatchObject({
      valid: false,
      finalReadCount: 1,
    });
    // Not final: false, a string, or no field at all (a read during the run may be stale).
    for (const mark of [false, 'true', undefined]) {
      const a = { ...h.ops[4], 'final?': mark };
      const b = { ...h.ops[5], 'final?': mark };
      expect(checkCounter([...h.ops.slice(0, 4), a, b])).toMatchObject({ valid: true, finalReadCount: 0 });
    }
  });

  it('out of budget: the range decides outside it, unknown inside', () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'info', 1);
    h.call(1, 'add', 10, 'info', 10);
    h.finalRead(2, 'ok', 5);
    expect(checkCounter(h.ops).valid).toBe(false);
    const tight = checkCounter(h.ops, { maxIntervals: 1 });
    expect(tight).toMatchObject({ valid: 'unknown', undecidedCount: 1 });
    h.ops[5] = { ...h.ops[5], value: 12 };
    const outside = checkCounter(h.ops, { maxIntervals: 1 });
    expect(outside).toMatchObject({ valid: false });
    expect((outside.errors as { range: number[] }[])[0].range).toEqual([0, 11]);
    expect(checkCounter(h.ops, { maxSteps: 0 }).valid).toBe(false);
  });

  it('nothing to judge → unknown; a non-integer read is an input error', async () => {
    const h = new HistoryBuilder();
    h.call(0, 'add', 1, 'ok', 1);
    expect(checkCounter(h.ops).valid).toBe('unknown');
    h.call(1, 'read', null, 'ok', 'x');
    expect(checkCounter(h.ops).inputError).toMatch(/op 3 .*integer/);
    expect((await findChecker('counter')!.check([], {})).valid).toBe('unknown');
  });

  it('sums past 2^53 − 1 are refused, never rounded into a valid verdict', () => {
    // In doubles these adds, in this order, sum to 5; exactly, to 4. A read of 5 must not pass.
    const M = Number.MAX_SAFE_INTEGER;
    const h = new HistoryBuilder();
    for (const [p, d] of [M, 3, -M, M, 1, -M].entries()) h.call(p, 'add', d, 'ok', d);
    h.finalRead(9, 'ok', 5);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe('unknown');
    expect(r.inputError).toMatch(/sum past 2\^53 − 1/);
    // Within the exact range the same shape is judged: 4 is reachable, 5 is not.
    const small = new HistoryBuilder();
    for (const [p, d] of [7, 3, -7, 7, 1, -7].entries()) small.call(p, 'add', d, 'ok', d);
    small.finalRead(9, 'ok', 5);
    expect(checkCounter(small.ops).valid).toBe(false);
  });
});

/** The definition, by brute force over subsets. */
function bruteCounter(history: readonly Op[]): number[] {
  const completionOf = (inv: Op) => history.find((o) => o.index > inv.index && o.process === inv.process);
  const invocationOf = (c: Op) =>
    [...history].reverse().find((o) => o.index < c.index && o.process === c.process)!;
  const adds = history
    .filter((o) => o.f === 'add' && o.type === 'invoke')
    .map((inv) => ({ inv, done: completionOf(inv) }))
    .filter((a) => a.done?.type !== 'fail');
  const bad: number[] = [];
  for (const r of history.filter((o) => o.f === 'read' && o.type === 'ok')) {
    const rInv = invocationOf(r);
    const final = r['final?'] === true;
    const definite = final ? adds.filter((a) => a.done?.type === 'ok' && a.done.index < rInv.index) : [];
    const optional = adds.filter((a) => !definite.includes(a) && a.inv.index < r.index);
    const base = definite.reduce((s, a) => s + (a.inv.value as number), 0);
    let found = false;
    for (let mask = 0; mask < 1 << optional.length && !found; mask++) {
      let s = base;
      for (let i = 0; i < optional.length; i++) if (mask & (1 << i)) s += optional[i].inv.value as number;
      if (s === r.value) found = true;
    }
    if (!found) bad.push(r.index);
  }
  return bad;
}

const counterHistory = fc
  .array(
    fc.record({
      proc: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('add', 'read', 'final'),
      delta: fc.integer({ min: -3, max: 4 }),
      readValue: fc.integer({ min: -4, max: 9 }),
      outcome: fc.constantFrom('ok', 'ok', 'info', 'fail'),
    }),
    { maxLength: 26 },
  )
  .map((steps) => {
    const h = new HistoryBuilder();
    const open = new Map<number, Op>();
    for (const s of steps) {
      const pending = open.get(s.proc);
      if (pending) {
        open.delete(s.proc);
        if (pending.f === 'add') h.add(s.outcome as Op['type'], s.proc, 'add', pending.value);
        else {
          const extra = pending['final?'] === true ? FINAL : {};
          if (s.outcome === 'ok') h.add('ok', s.proc, 'read', s.readValue, undefined, extra);
          else h.add('fail', s.proc, 'read', null, undefined, extra);
        }
      } else if (s.kind === 'add') open.set(s.proc, h.invoke(s.proc, 'add', s.delta));
      else
        open.set(s.proc, h.add('invoke', s.proc, 'read', null, undefined, s.kind === 'final' ? FINAL : {}));
    }
    return h.ops;
  });

describe('counter against a brute force over subsets', () => {
  it('finds exactly the reads no subset of possible adds explains', () => {
    fc.assert(
      fc.property(counterHistory, (history) => {
        const r = checkCounter(history);
        const bad = bruteCounter(history);
        expect(((r.errors ?? []) as { op: number }[]).map((e) => e.op)).toEqual(bad);
        const reads = history.filter((o) => o.f === 'read' && o.type === 'ok').length;
        expect(r.valid).toBe(bad.length > 0 ? false : reads === 0 ? 'unknown' : true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('g-counter and pn-counter workloads', () => {
  it("speak Maelstrom's add / read shapes", () => {
    for (const name of ['g-counter', 'pn-counter']) {
      const w = findWorkload(name)!;
      expect(w.checker.name).toBe('counter');
      expect(w.clientRequest({ f: 'add', value: 3 })).toEqual({ type: 'add', delta: 3 });
      expect(w.clientRequest({ f: 'read', value: null, final: true })).toEqual({ type: 'read' });
      expect(w.completeFromReply({ f: 'add', value: 3 }, { type: 'add_ok' })).toEqual({
        type: 'ok',
        value: 3,
      });
      expect(w.completeFromReply({ f: 'read', value: null }, { type: 'read_ok', value: 7 })).toEqual({
        type: 'ok',
        value: 7,
      });
      expect(w.completeFromReply({ f: 'read', value: null }, { type: 'read_ok', value: 'x' }).type).toBe(
        'fail',
      );
      expect(w.completeFromReply({ f: 'add', value: 3 }, { type: 'error', code: 0 }).type).toBe('info');
      expect(w.completeFromReply({ f: 'add', value: 3 }, { type: 'error', code: 11 }).type).toBe('fail');
      expect(w.isReadOnly({ f: 'read', value: null, final: true })).toBe(true);
      const gen = w.generator({}).main;
      const rng = new Rng('generator', name);
      const deltas = new Set<number>();
      for (let i = 0; i < 400; i++) {
        const step = gen.next({ timeNs: 0, rng, worker: 0, workerCount: 1, inFlight: 0 });
        if (step.kind === 'op' && step.op.f === 'add') deltas.add(step.op.value as number);
      }
      const expected = name === 'g-counter' ? [0, 1, 2, 3, 4] : [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4];
      expect([...deltas].sort((a, b) => a - b)).toEqual(expected);
    }
  });
});
