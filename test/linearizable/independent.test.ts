/**
 * Jepsen `independent` histories: every op's value a tuple [key value], each
 * key checked alone with the model (`independent: true`, `--independent`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, checkLinearizableSync } from '../../checkers/linearizable/index.js';
import type { Op } from '../../src/history/op.js';
import { runCli } from '../helpers/cli.js';
import { bruteForceLinearizable, type SpecName } from './brute-force.js';
import { h, ok } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-independent-'));

/** Write a history as Jepsen EDN (one op map a line) and answer its path. */
function ednFile(name: string, history: readonly Op[]): string {
  const edn = (x: unknown): string => {
    if (x === null || x === undefined) return 'nil';
    if (Array.isArray(x)) return `[${x.map(edn).join(' ')}]`;
    return JSON.stringify(x);
  };
  const lines = history.map(
    (op) => `{:process ${op.process}, :type :${op.type}, :f :${op.f}, :value ${edn(op.value)}}`,
  );
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** An invoke / ok pair whose values are given as they are (`ok` would make a read's invocation nil). */
function io(process: number, f: string, value: unknown, output = value): Parameters<typeof h> {
  return [
    [process, 'invoke', f, value],
    [process, 'ok', f, output],
  ];
}

/** Key 1 is written 1 and read 1, then key 2 written 2: fine per key, not as one register of tuples. */
const perKeyOnly = h(
  ...ok(0, 'write', [1, 1]),
  ...ok(1, 'write', [2, 2]),
  [0, 'invoke', 'read', [1, null]],
  [0, 'ok', 'read', [1, 1]],
  [1, 'invoke', 'cas', [2, [2, 3]]],
  [1, 'ok', 'cas', [2, [2, 3]]],
  [0, 'invoke', 'read', [2, null]],
  [0, 'ok', 'read', [2, 3]],
);

/** Key 2 reads a value its cas had already replaced; key 1 is fine. */
const staleOnKey2 = h(
  ...ok(0, 'write', [1, 1]),
  ...ok(1, 'write', [2, 0]),
  [1, 'invoke', 'cas', [2, [0, 5]]],
  [1, 'ok', 'cas', [2, [0, 5]]],
  [0, 'invoke', 'read', [1, null]],
  [0, 'ok', 'read', [1, 1]],
  [2, 'invoke', 'read', [2, null]],
  [2, 'ok', 'read', [2, 0]],
);

describe('independent: each key checked alone', () => {
  it('splits per key: valid with it, not without', () => {
    const r = checkLinearizableSync(perKeyOnly, 'cas-register', { independent: true });
    expect(r.valid).toBe(true);
    expect(r.partitions).toBe(2);
    expect(r.independent).toBe(true);
    expect(r.model).toBe('cas-register');
    expect(r.summary).toBe('linearizable: 5 operations in 2 independent parts');
    // Without it the tuples are whole register values: key 1's read sees [1 1] after [2 2] was written.
    expect(checkLinearizableSync(perKeyOnly, 'cas-register').valid).toBe(false);
    // And kv finds no key field at all.
    expect(checkLinearizableSync(perKeyOnly, 'kv').inputError).toMatch(/has no key/);
  });

  it('a key that is not linearizable is named, with the op as the history has it', async () => {
    const r = await checkLinearizable(staleOnKey2, 'cas-register', { independent: true });
    expect(r.valid).toBe(false);
    expect(r.failure?.key).toBe(2);
    expect(r.failure?.op).toMatchObject({ process: 2, f: 'read', key: 2, output: 0, invokeIndex: 8 });
    expect(r.failure?.explanation).toContain('read key 2 → 0 by process 2 (index 8..9) on key 2 cannot');
    expect(r.summary).toContain('on key 2');
    // The witness is the original events, tuples and all, and only key 2's.
    expect(r.witness?.history.map((op) => op.value)).toEqual([
      [2, 0],
      [2, 0],
      [2, [0, 5]],
      [2, [0, 5]],
      [2, null],
      [2, 0],
    ]);
    expect(r.witness?.failure.key).toBe(2);
  });

  it('checked as one object (split: false) gets the same verdicts', () => {
    expect(checkLinearizableSync(perKeyOnly, 'cas-register', { independent: true, split: false }).valid).toBe(
      true,
    );
    const bad = checkLinearizableSync(staleOnKey2, 'cas-register', { independent: true, split: false });
    expect(bad.valid).toBe(false);
    expect(bad.partitions).toBe(1);
  });

  it('fail and info completions with tuples behave as usual', () => {
    const completedBy = (type: 'fail' | 'info') =>
      h(
        [0, 'invoke', 'write', [1, 3]],
        [0, type, 'write', [1, 3]],
        [1, 'invoke', 'read', [1, null]],
        [1, 'ok', 'read', [1, 3]],
        [2, 'invoke', 'read', [2, null]],
        [2, 'fail', 'read', [2, null]],
      );
    // A failed write never happened; an info one may have.
    expect(checkLinearizableSync(completedBy('fail'), 'register', { independent: true }).valid).toBe(false);
    const info = checkLinearizableSync(completedBy('info'), 'register', { independent: true });
    expect(info.valid).toBe(true);
    expect(info.dropped).toEqual({ failed: 1, unknownReads: 0 });
  });

  it('works with any model: mutex, set, counter, fifo-queue', () => {
    const locks = h(
      ...ok(0, 'acquire', [1, null]),
      ...ok(1, 'acquire', [2, null]),
      ...ok(1, 'release', [2, null]),
    );
    expect(checkLinearizableSync(locks, 'mutex', { independent: true }).valid).toBe(true);
    const twice = h(...ok(0, 'acquire', [1, null]), ...ok(1, 'acquire', [1, null]));
    const r = checkLinearizableSync(twice, 'mutex', { independent: true });
    expect(r.valid).toBe(false);
    expect(r.failure?.key).toBe(1);
    const sets = h(
      ...ok(0, 'add', [1, 'a']),
      ...ok(1, 'add', [2, 'b']),
      ...io(0, 'read', [1, null], [1, ['a']]),
    );
    expect(checkLinearizableSync(sets, 'set', { independent: true }).valid).toBe(true);
    const counters = h(...ok(0, 'add', [1, 2]), ...ok(1, 'add', [2, 5]), ...io(0, 'read', [1, null], [1, 2]));
    expect(checkLinearizableSync(counters, 'counter', { independent: true }).valid).toBe(true);
    const queues = h(
      ...ok(0, 'enqueue', [1, 'x']),
      ...ok(0, 'enqueue', [2, 'y']),
      ...io(1, 'dequeue', [2, null], [2, 'y']),
      ...io(1, 'dequeue', [1, null], [1, 'x']),
    );
    expect(checkLinearizableSync(queues, 'fifo-queue', { independent: true }).valid).toBe(true);
  });

  it('a value that is not a [key value] tuple is an input error naming the op index', () => {
    const history = h(...ok(0, 'write', [1, 1]), [1, 'invoke', 'read', [1, null]], [1, 'ok', 'read', 1]);
    const r = checkLinearizableSync(history, 'register', { independent: true });
    expect(r.valid).toBe('unknown');
    expect(r.inputError).toBe(
      "op index 3: ok read by process 1 has value 1, not a tuple [key value] (independent: every client op's value must be one)",
    );
    const otherKey = h([0, 'invoke', 'write', [1, 1]], [0, 'ok', 'write', [2, 1]]);
    expect(checkLinearizableSync(otherKey, 'register', { independent: true }).inputError).toBe(
      'op index 1: ok write by process 0 has key 2, its invocation key 1',
    );
    const nilKey = h([0, 'invoke', 'write', [null, 1]]);
    expect(checkLinearizableSync(nilKey, 'register', { independent: true }).inputError).toBe(
      'op index 0: invoke write by process 0 has a nil key in [nil 1]',
    );
  });

  it('worker threads check the keys too, and name the failing one', async () => {
    // 30 keys of write / cas / read by two processes each; key 17's last read is stale when `bad`.
    const build = (bad: boolean) => {
      const events: Parameters<typeof h> = [];
      for (let k = 0; k < 30; k++) {
        events.push(...ok(0, 'write', [k, k]), ...ok(1, 'cas', [k, [k, k + 1]]));
        const seen = bad && k === 17 ? k : k + 1;
        events.push([1, 'invoke', 'read', [k, null]], [1, 'ok', 'read', [k, seen]]);
      }
      return h(...events);
    };
    const opts = {
      independent: true,
      workers: 2,
      workerMinOps: 10,
      workerHeadStartMs: 0,
      workerMinRemainingSteps: 0,
    } as const;
    const good = await checkLinearizable(build(false), 'cas-register', opts);
    expect(good.valid).toBe(true);
    expect(good.partitions).toBe(30);
    expect(good.stats.workers).toBe(2);
    const bad = await checkLinearizable(build(true), 'cas-register', opts);
    expect(bad.valid).toBe(false);
    expect(bad.failure?.key).toBe(17);
    const local = await checkLinearizable(build(true), 'cas-register', { independent: true, workers: 0 });
    expect(local.failure).toEqual(bad.failure);
  });
});

describe('faultline check --independent', () => {
  const check = (file: string, ...more: string[]) =>
    runCli(['check', file, '--checker', 'linearizable', '--model', 'cas-register', ...more]);

  it('exits 0 with it and 1 without it on a history that is linearizable per key only', async () => {
    const file = ednFile('per-key.edn', perKeyOnly);
    const withIt = await check(file, '--independent');
    expect(withIt.code).toBe(0);
    expect(withIt.stdout).toBe(`${file}\tvalid\tlinearizable: 5 operations in 2 independent parts\n`);
    const without = await check(file);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('INVALID');
  });

  it('exits 1 naming the key that is not linearizable', async () => {
    const file = ednFile('stale.edn', staleOnKey2);
    const r = await check(file, '--independent');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('read key 2 → 0 by process 2 (index 8..9) on key 2 cannot be linearized');
  });

  it('a value that is not a tuple: exit 254, the op index named', async () => {
    const file = ednFile('malformed.edn', h(...ok(0, 'write', [1, 1]), ...ok(1, 'write', 7)));
    const r = await check(file, '--independent');
    expect(r.code).toBe(254);
    expect(r.stderr).toContain(`${file}:3: op index 2: invoke write by process 1 has value 7, not a tuple`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('belongs to the linearizable checker only', async () => {
    const file = ednFile('other.edn', perKeyOnly);
    const r = await runCli(['check', file, '--checker', 'elle-list-append', '--independent']);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('--independent: only the linearizable checker takes it, not elle-list-append');
  });
});

// ---------------------------------------------------------------------------
// Property: with `independent`, the verdict is the AND of the keys' verdicts.

type Inner = 'register' | 'cas-register' | 'counter' | 'set' | 'fifo-queue' | 'mutex';

interface PlannedOp {
  key: number;
  f: string;
  value: unknown;
  outcome: 'ok' | 'fail' | 'info';
  out: unknown;
}

const small = fc.constantFrom<unknown>(null, 0, 1, 2);
const val = fc.integer({ min: 0, max: 2 });
const outcome = fc.constantFrom<'ok' | 'fail' | 'info'>('ok', 'ok', 'ok', 'ok', 'fail', 'info');
const key = fc.constantFrom(1, 1, 2);
const READS = new Set(['read', 'dequeue']);

function planned(model: Inner): fc.Arbitrary<PlannedOp> {
  const op = (f: string, value: fc.Arbitrary<unknown>, out: fc.Arbitrary<unknown> = fc.constant(null)) =>
    fc.record({ key, f: fc.constant(f), value, outcome, out });
  const nil = fc.constant(null);
  switch (model) {
    case 'register':
      return fc.oneof(op('read', nil, small), op('write', val));
    case 'cas-register':
      return fc.oneof(op('read', nil, small), op('write', val), op('cas', fc.tuple(small, val)));
    case 'counter':
      return fc.oneof(op('read', nil, small), op('add', val));
    case 'set':
      return fc.oneof(
        op('read', nil, fc.constantFrom<unknown>([], [0], [1], [0, 1], [1, 0], [1, 1])),
        op('add', val),
      );
    case 'fifo-queue':
      return fc.oneof(op('enqueue', val), op('dequeue', nil, small));
    case 'mutex':
      return fc.oneof(op('acquire', nil), op('release', nil));
  }
}

/** Interleave the planned ops over three client slots; values as [key value] tuples. */
function buildHistory(ops: PlannedOp[], schedule: number[]): Op[] {
  const history: Op[] = [];
  const proc = [0, 1, 2];
  let nextProc = 3;
  const pending: (PlannedOp | undefined)[] = [undefined, undefined, undefined];
  let nextOp = 0;
  const emit = (type: Op['type'], process: number | 'nemesis', f: string, value: unknown) =>
    history.push({ index: history.length, time: history.length, type, process, f, value });
  for (const a of schedule) {
    const slot = a % 3;
    const cur = pending[slot];
    if (cur === undefined) {
      if (nextOp >= ops.length) continue;
      const op = ops[nextOp++];
      pending[slot] = op;
      emit('invoke', proc[slot], op.f, [op.key, op.value]);
      if (a === 4) emit('info', 'nemesis', 'start', null);
    } else {
      const value = cur.outcome === 'ok' && READS.has(cur.f) ? cur.out : cur.value;
      emit(cur.outcome, proc[slot], cur.f, [cur.key, value]);
      pending[slot] = undefined;
      if (cur.outcome === 'info') proc[slot] = nextProc++;
    }
  }
  return history;
}

/** Key k's sub-history with its values unwrapped, as Jepsen's independent/subhistory makes it. */
function subHistory(history: readonly Op[], k: number): Op[] {
  return history
    .filter((op) => op.process !== 'nemesis' && (op.value as unknown[])[0] === k)
    .map((op) => ({ ...op, value: (op.value as unknown[])[1] }));
}

describe('property: the verdict with independent is the AND of the keys checked alone', () => {
  const models: Inner[] = ['register', 'cas-register', 'counter', 'set', 'fifo-queue', 'mutex'];
  const oracle: Partial<Record<Inner, SpecName>> = {
    register: 'register',
    'cas-register': 'cas-register',
    counter: 'counter',
    set: 'set',
    'fifo-queue': 'fifo-queue',
  };
  for (const model of models) {
    it(model, () => {
      let valid = 0;
      let invalid = 0;
      fc.assert(
        fc.property(
          fc.array(planned(model), { minLength: 1, maxLength: 8 }),
          fc.array(fc.nat(5), { minLength: 2, maxLength: 28 }),
          (ops, schedule) => {
            const history = buildHistory(ops, schedule);
            let expected = true;
            for (const k of [1, 2]) {
              const sub = subHistory(history, k);
              // A key with no operations is not in the history (alone it is unknown: nothing to check).
              if (!sub.some((o) => o.process !== 'nemesis')) continue;
              const alone = checkLinearizableSync(sub, model, { minimise: false }).valid;
              const spec = oracle[model];
              if (spec) expect(alone).toBe(bruteForceLinearizable(sub, spec));
              expected &&= alone === true;
            }
            const got = checkLinearizableSync(history, model, { independent: true, minimise: false });
            expect(got.valid).toBe(expected);
            const whole = checkLinearizableSync(history, model, {
              independent: true,
              minimise: false,
              split: false,
            });
            expect(whole.valid).toBe(expected);
            if (expected) valid++;
            else invalid++;
          },
        ),
        { numRuns: 300 },
      );
      expect(valid).toBeGreaterThan(20);
      expect(invalid).toBeGreaterThan(20);
    });
  }
});
