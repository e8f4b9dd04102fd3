import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkConsensus } from '../../checkers/invariants/consensus.js';
import { findChecker } from '../../checkers/registry.js';
import type { Op, OpType, Process } from '../../src/history/op.js';
import { double, kw } from '../../src/history/values.js';

/** A history from [type, process, f, value, key?] rows; index and time from the position. */
function history(rows: [OpType, Process, string, unknown, unknown?][]): Op[] {
  return rows.map(([type, process, f, value, key], index) => ({
    index,
    time: index * 1000,
    type,
    process,
    f,
    value,
    ...(key !== undefined ? { key } : {}),
  }));
}

/** A kill healed, then one propose timed out and one never returned. */
function historyAfterHeal(): Op[] {
  return history([
    ['invoke', 'nemesis', 'start-kill', null],
    ['info', 'nemesis', 'start-kill', { nodes: ['n1'] }],
    ['invoke', 0, 'propose', 1, 'a'],
    ['ok', 0, 'propose', 1, 'a'],
    ['invoke', 'nemesis', 'stop-kill', null],
    ['info', 'nemesis', 'stop-kill', { restarted: ['n1'] }],
    ['invoke', 1, 'propose', 2, 'a'],
    ['info', 1, 'propose', 2, 'a'],
    ['invoke', 2, 'propose', 3, 'a'],
  ]);
}

describe('consensus checker: known answers', () => {
  it('is registered and valid when every learner learns the one proposed value', async () => {
    const h = history([
      ['invoke', 0, 'propose', 1, 'a'],
      ['invoke', 1, 'propose', 2, 'a'],
      ['ok', 0, 'propose', 2, 'a'],
      ['ok', 1, 'propose', 2, 'a'],
      ['invoke', 2, 'read', null, 'a'],
      ['ok', 2, 'read', 2, 'a'],
    ]);
    const r = await findChecker('consensus')?.check(h, {});
    expect(r?.valid).toBe(true);
    expect(r).toMatchObject({ agreement: true, validity: true, termination: true, keysDecided: 1 });
    expect(r?.summary).toBe(
      'agreement and validity hold on 1 decided key(s); termination (no faults): all 2 proposes decided',
    );
  });

  it('agreement: two learners learning different values is invalid, and names both', () => {
    const r = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'propose', 2, 'a'],
        ['ok', 0, 'propose', 1, 'a'],
        ['ok', 1, 'propose', 2, 'a'],
      ]),
    );
    expect(r.valid).toBe(false);
    expect(r.agreement).toBe(false);
    expect(r.validity).toBe(true);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ kind: 'agreement', key: 'a', ops: [2, 3] });
    expect(r.report?.[0]).toMatch(
      /^agreement: key "a": learners learned 2 different values: 1 \(index 2\), 2/,
    );
  });

  it('keys are independent instances; ops without a key are one instance', () => {
    const r = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', 1, 'a'],
        ['invoke', 0, 'propose', 2, 'b'],
        ['ok', 0, 'propose', 2, 'b'],
        ['invoke', 1, 'propose', 3],
        ['ok', 1, 'propose', 3],
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.keys).toBe(3);
  });

  it('validity: a value never proposed, proposed only later, or only by definitely failed ops', () => {
    const never = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', 9, 'a'],
      ]),
    );
    expect(never).toMatchObject({ valid: false, validity: false, agreement: true });
    expect(never.report?.[0]).toMatch(/9 was learned \(index 1\) but was never proposed/);

    const later = checkConsensus(
      history([
        ['invoke', 0, 'read', null, 'a'],
        ['ok', 0, 'read', 5, 'a'],
        ['invoke', 1, 'propose', 5, 'a'],
        ['ok', 1, 'propose', 5, 'a'],
      ]),
    );
    expect(later.validity).toBe(false);
    expect(later.report?.[0]).toMatch(/proposed only after it was learned/);

    const failed = checkConsensus(
      history([
        ['invoke', 0, 'propose', 5, 'a'],
        ['fail', 0, 'propose', 5, 'a'],
        ['invoke', 1, 'read', null, 'a'],
        ['ok', 1, 'read', 5, 'a'],
      ]),
    );
    expect(failed.validity).toBe(false);
    expect(failed.report?.[0]).toMatch(/failed definitely/);

    // The same value proposed once more, indefinitely, is enough (under a fault never healed: no termination asked).
    const rescued = checkConsensus(
      history([
        ['invoke', 'nemesis', 'start-partition', null],
        ['info', 'nemesis', 'start-partition', null],
        ['invoke', 0, 'propose', 5, 'a'],
        ['fail', 0, 'propose', 5, 'a'],
        ['invoke', 2, 'propose', 5, 'a'],
        ['info', 2, 'propose', 5, 'a'],
        ['invoke', 1, 'read', null, 'a'],
        ['ok', 1, 'read', 5, 'a'],
      ]),
    );
    expect(rescued.valid).toBe(true);
  });

  it('values are compared as Clojure compares them: 1, 1.0 and "1" differ; 1 and 1n do not', () => {
    const learnedTwice = (a: unknown, b: unknown) =>
      checkConsensus(
        history([
          ['invoke', 0, 'propose', a, 'a'],
          ['ok', 0, 'propose', a, 'a'],
          ['invoke', 1, 'read', null, 'a'],
          ['ok', 1, 'read', b, 'a'],
        ]),
      ).agreement;
    expect(learnedTwice(1, double(1))).toBe(false);
    expect(learnedTwice(1, 1n)).toBe(true);
    expect(learnedTwice(kw('x'), 'x')).toBe(false);

    const r = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'read', null, 'a'],
        ['ok', 1, 'read', '1', 'a'],
      ]),
    );
    expect(r.agreement).toBe(false);
  });

  it('termination: required once faults heal, only reported under faults', () => {
    const underFaults = checkConsensus(
      history([
        ['invoke', 'nemesis', 'start-partition', null],
        ['info', 'nemesis', 'start-partition', { mode: 'isolate-one' }],
        ['invoke', 0, 'propose', 1, 'a'],
        ['info', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'propose', 2, 'a'],
        ['ok', 1, 'propose', 2, 'a'],
        ['invoke', 'nemesis', 'stop-partition', null],
        ['info', 'nemesis', 'stop-partition', 'network healed'],
        ['invoke', 2, 'propose', 3, 'a'],
        ['ok', 2, 'propose', 2, 'a'],
      ]),
    );
    expect(underFaults).toMatchObject({
      valid: true,
      termination: true,
      healedAtIndex: 7,
      proposesAfterHeal: 1,
      unterminatedUnderFaults: 1,
    });

    const afterHeal = checkConsensus(historyAfterHeal());
    expect(afterHeal).toMatchObject({ valid: false, agreement: true, validity: true, termination: false });
    expect(afterHeal.unterminated).toEqual([
      [6, 'info'],
      [8, 'pending'],
    ]);
    expect(afterHeal.report?.[0]).toMatch(
      /^termination: 2 of 2 proposes invoked after the last fault healed/,
    );

    // A fault never healed: termination is not observed, not required.
    const neverHealed = checkConsensus(
      history([
        ['invoke', 'nemesis', 'start-kill', null],
        ['info', 'nemesis', 'start-kill', { nodes: ['n1'] }],
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'propose', 2, 'a'],
        ['info', 1, 'propose', 2, 'a'],
      ]),
    );
    expect(neverHealed).toMatchObject({ valid: true, termination: 'not-observed' });
    expect(neverHealed.healedAtIndex).toBeUndefined();

    // No faults at all: every propose must complete.
    const noFaults = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'propose', 2, 'a'],
        ['fail', 1, 'propose', 2, 'a'],
      ]),
    );
    expect(noFaults).toMatchObject({ valid: false, termination: false, healedAtIndex: -1 });

    // Background loss all run long (no nemesis op for it): the network never healed, so a propose
    // whose request was lost after the last nemesis fault is not a termination failure.
    const lossy = checkConsensus(historyAfterHeal(), {
      persistentFaults: ['background loss'],
    });
    expect(lossy).toMatchObject({
      valid: true,
      termination: 'not-observed',
      persistentFaults: ['background loss'],
    });
    expect(lossy.healedAtIndex).toBeUndefined();
    expect(lossy.summary).toMatch(/termination not observed \(background loss on for the whole run\)/);
    // Agreement is still judged under it.
    const split = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'propose', 2, 'a'],
        ['ok', 1, 'propose', 2, 'a'],
      ]),
      { persistentFaults: ['background loss'] },
    );
    expect(split).toMatchObject({ valid: false, agreement: false });
  });

  it('the registered checker takes persistentFaults from its options', async () => {
    const checker = findChecker('consensus');
    const r = await checker?.check(historyAfterHeal(), { persistentFaults: ['background loss'] });
    expect(r).toMatchObject({ valid: true, termination: 'not-observed' });
    expect((await checker?.check(historyAfterHeal(), {}))?.valid).toBe(false);
  });

  it('nothing learned is unknown, never valid', () => {
    const r = checkConsensus(
      history([
        ['invoke', 'nemesis', 'start-partition', null],
        ['info', 'nemesis', 'start-partition', null],
        ['invoke', 0, 'propose', 1, 'a'],
        ['info', 0, 'propose', 1, 'a'],
        ['invoke', 1, 'read', null, 'a'],
        ['ok', 1, 'read', null, 'a'],
      ]),
    );
    expect(r.valid).toBe('unknown');
    expect(checkConsensus([]).valid).toBe('unknown');
  });

  it('refuses a history it cannot read, naming the op', () => {
    const wrongF = checkConsensus(history([['invoke', 0, 'write', 1, 'a']]));
    expect(wrongF.valid).toBe('unknown');
    expect(wrongF.inputError).toBe('op 0: f "write" is not a consensus operation (propose or read)');
    const okWithoutValue = checkConsensus(
      history([
        ['invoke', 0, 'propose', 1, 'a'],
        ['ok', 0, 'propose', null, 'a'],
      ]),
    );
    expect(okWithoutValue.inputError).toMatch(/^op 1: a propose completed ok without the value decided/);
  });
});

/**
 * The same three properties by their definitions, quadratically: every
 * pair of learning ops, every learning op against every invocation, and
 * the heal point recomputed from scratch for every nemesis op.
 */
function bruteForce(h: readonly Op[]): {
  agreement: boolean;
  validity: boolean;
  termination: boolean | 'not-observed';
} {
  const client = h.map((op, i) => ({ op, i })).filter((x) => x.op.process !== 'nemesis');
  const completionOf = (i: number): Op | undefined =>
    h.slice(i + 1).find((o) => o.process === h[i].process && o.type !== 'invoke');
  const learned = client.filter((x) => x.op.type === 'ok' && x.op.value !== null && x.op.value !== undefined);
  const k = (o: Op) => JSON.stringify(o.key ?? null);
  let agreement = true;
  for (const a of learned)
    for (const b of learned)
      if (k(a.op) === k(b.op) && JSON.stringify(a.op.value) !== JSON.stringify(b.op.value)) agreement = false;
  let validity = true;
  for (const l of learned) {
    const props = client.filter(
      (x) =>
        x.op.type === 'invoke' &&
        x.op.f === 'propose' &&
        k(x.op) === k(l.op) &&
        JSON.stringify(x.op.value) === JSON.stringify(l.op.value),
    );
    if (!props.some((p) => p.i < l.i)) validity = false;
    if (props.length > 0 && props.every((p) => completionOf(p.i)?.type === 'fail')) validity = false;
  }
  const nemesisInfos = h
    .map((op, i) => ({ op, i }))
    .filter((x) => x.op.process === 'nemesis' && x.op.type === 'info');
  const activeAfter = (upTo: number): number => {
    const active = new Set<string>();
    for (const x of nemesisInfos) {
      if (x.i > upTo) break;
      const [verb, ...kind] = (x.op.f ?? '').split('-');
      if (verb === 'start') active.add(kind.join('-'));
      if (verb === 'stop') active.delete(kind.join('-'));
    }
    return active.size;
  };
  let healed: number | undefined;
  if (nemesisInfos.length === 0) healed = -1;
  else {
    const last = nemesisInfos[nemesisInfos.length - 1].i;
    healed = activeAfter(last) === 0 ? last : undefined;
  }
  const after = client.filter(
    (x) => x.op.type === 'invoke' && x.op.f === 'propose' && healed !== undefined && x.i > healed,
  );
  const termination =
    after.length === 0 ? 'not-observed' : after.every((x) => completionOf(x.i)?.type === 'ok');
  return { agreement, validity, termination };
}

/** Well-formed random histories: processes take turns, values from a small domain so that everything happens. */
const arbHistory = fc
  .array(
    fc.oneof(
      fc.record({
        kind: fc.constant('client' as const),
        process: fc.integer({ min: 0, max: 3 }),
        f: fc.constantFrom('propose', 'read'),
        key: fc.constantFrom('a', 'b'),
        value: fc.integer({ min: 1, max: 3 }),
        outcome: fc.constantFrom<OpType>('ok', 'ok', 'fail', 'info'),
        learned: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      }),
      fc.record({
        kind: fc.constant('nemesis' as const),
        f: fc.constantFrom('start-partition', 'stop-partition', 'start-kill', 'stop-kill'),
      }),
    ),
    { maxLength: 30 },
  )
  .map((events) => {
    const rows: [OpType, Process, string, unknown, unknown?][] = [];
    const open = new Map<
      number,
      { f: string; key: string; value: unknown; outcome: OpType; learned: number | null }
    >();
    for (const e of events) {
      if (e.kind === 'nemesis') {
        rows.push(['invoke', 'nemesis', e.f, null]);
        rows.push(['info', 'nemesis', e.f, null]);
        continue;
      }
      const pending = open.get(e.process);
      if (pending) {
        const value =
          pending.outcome !== 'ok'
            ? pending.value
            : pending.f === 'propose'
              ? (pending.learned ?? pending.value)
              : pending.learned;
        rows.push([pending.outcome, e.process, pending.f, value, pending.key]);
        open.delete(e.process);
        continue;
      }
      const value = e.f === 'propose' ? e.value : null;
      rows.push(['invoke', e.process, e.f, value, e.key]);
      open.set(e.process, { f: e.f, key: e.key, value, outcome: e.outcome, learned: e.learned });
    }
    return history(rows);
  });

describe('consensus checker: against a brute force', () => {
  it('agrees on agreement, validity and termination for random histories', () => {
    fc.assert(
      fc.property(arbHistory, (h) => {
        const r = checkConsensus(h);
        const b = bruteForce(h);
        expect({ agreement: r.agreement, validity: r.validity, termination: r.termination }).toEqual(b);
        const learnedAny = h.some((o) => o.type === 'ok' && o.value !== null);
        const expected =
          !b.agreement || !b.validity || b.termination === false ? false : learnedAny ? true : 'unknown';
        expect(r.valid).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
