/** Each built-in model, through the checker, on small hand-made histories. */
import { describe, expect, it } from 'vitest';
import { checkLinearizableSync, type Model } from '../../checkers/linearizable/index.js';
import { h, ok } from './helpers.js';

const check = (history: ReturnType<typeof h>, model: string | Model) =>
  checkLinearizableSync(history, model, { minimise: false }).valid;

describe('register', () => {
  it('reads the last write', () => {
    expect(check(h(...ok(0, 'read', null), ...ok(0, 'write', 1), ...ok(1, 'read', 1)), 'register')).toBe(
      true,
    );
    expect(check(h(...ok(0, 'write', 1), ...ok(0, 'write', 2), ...ok(1, 'read', 1)), 'register')).toBe(false);
  });
  it('starts nil', () => {
    expect(check(h(...ok(0, 'read', 0)), 'register')).toBe(false);
  });
  it('a concurrent write may or may not be seen', () => {
    const base = (read: unknown) =>
      h(
        [0, 'invoke', 'write', 1],
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', read],
        [0, 'ok', 'write', 1],
      );
    expect(check(base(1), 'register')).toBe(true);
    expect(check(base(null), 'register')).toBe(true);
    expect(check(base(2), 'register')).toBe(false);
  });
});

describe('cas-register', () => {
  it('cas [from to] succeeds only from `from`', () => {
    expect(check(h(...ok(0, 'write', 1), ...ok(0, 'cas', [1, 2]), ...ok(1, 'read', 2)), 'cas-register')).toBe(
      true,
    );
    expect(check(h(...ok(0, 'write', 1), ...ok(0, 'cas', [3, 2])), 'cas-register')).toBe(false);
  });
  it('a failed cas never took effect', () => {
    const hist = h(
      ...ok(0, 'write', 1),
      [0, 'invoke', 'cas', [1, 2]],
      [0, 'fail', 'cas', [1, 2]],
      ...ok(1, 'read', 2),
    );
    expect(check(hist, 'cas-register')).toBe(false);
  });
  it('an info cas may take effect later, or never', () => {
    const hist = (read: unknown) =>
      h(
        ...ok(0, 'write', 1),
        [0, 'invoke', 'cas', [1, 2]],
        [0, 'info', 'cas', [1, 2]],
        ...ok(1, 'read', read),
        ...ok(1, 'read', 2),
      );
    expect(check(hist(1), 'cas-register')).toBe(true);
    // Once it has been seen to take effect, it cannot be undone.
    const undone = h(
      ...ok(0, 'write', 1),
      [0, 'invoke', 'cas', [1, 2]],
      [0, 'info', 'cas', [1, 2]],
      ...ok(1, 'read', 2),
      ...ok(1, 'read', 1),
    );
    expect(check(undone, 'cas-register')).toBe(false);
  });
  it('a timed-out read (fail) says nothing', () => {
    const hist = h(
      ...ok(0, 'write', 1),
      [1, 'invoke', 'read', null],
      [1, 'fail', 'read', 'timed-out'],
      ...ok(1, 'read', 1),
    );
    expect(check(hist, 'cas-register')).toBe(true);
  });
  it('ignores the nemesis', () => {
    const hist = h(
      ['nemesis', 'info', 'start', null],
      ...ok(0, 'write', 1),
      ['nemesis', 'info', 'stop', null],
      ...ok(1, 'read', 1),
    );
    expect(check(hist, 'cas-register')).toBe(true);
  });
});

describe('kv', () => {
  it('keys are independent registers, nil at first', () => {
    const k = (key: string) => ({ key });
    const hist = h(
      ...ok(0, 'write', 1, 1, k('x')),
      ...ok(1, 'read', null, null, k('y')),
      ...ok(1, 'cas', [1, 5], [1, 5], k('x')),
      ...ok(0, 'read', null, 5, k('x')),
    );
    expect(check(hist, 'kv')).toBe(true);
    const bad = h(...ok(0, 'write', 1, 1, k('x')), ...ok(1, 'read', null, 1, k('y')));
    expect(check(bad, 'kv')).toBe(false);
    const r = checkLinearizableSync(bad, 'kv', {});
    expect(r.partitions).toBe(2);
    expect(r.failure?.key).toBe('y');
    expect(checkLinearizableSync(bad, 'kv', { split: false }).partitions).toBe(1);
    expect(checkLinearizableSync(bad, 'kv', { split: false }).valid).toBe(false);
  });
});

describe('kv-append', () => {
  it('put replaces, append concatenates, get sees the whole string', () => {
    const k = { key: '0' };
    const hist = h(
      ...ok(0, 'get', null, '', k),
      ...ok(0, 'append', 'x 0 0 y', 'x 0 0 y', k),
      ...ok(1, 'append', 'x 1 0 y', 'x 1 0 y', k),
      ...ok(1, 'get', null, 'x 0 0 yx 1 0 y', k),
      ...ok(0, 'put', 'z', 'z', k),
      ...ok(1, 'get', null, 'z', k),
    );
    expect(check(hist, 'kv-append')).toBe(true);
    const bad = h(
      ...ok(0, 'append', 'a', 'a', k),
      ...ok(0, 'append', 'b', 'b', k),
      ...ok(1, 'get', null, 'ba', k),
    );
    expect(check(bad, 'kv-append')).toBe(false);
  });
});

describe('set', () => {
  it('a read returns every element added', () => {
    expect(check(h(...ok(0, 'add', 1), ...ok(1, 'add', 2), ...ok(0, 'read', null, [2, 1])), 'set')).toBe(
      true,
    );
    expect(check(h(...ok(0, 'add', 1), ...ok(1, 'add', 2), ...ok(0, 'read', null, [1])), 'set')).toBe(false);
    expect(check(h(...ok(0, 'add', 1), ...ok(0, 'read', null, [1, 3])), 'set')).toBe(false);
  });
  it('a read that repeats an element is impossible, whatever was added', () => {
    const adds = [...ok(0, 'add', 1), ...ok(1, 'add', 2)];
    expect(check(h(...adds, ...ok(0, 'read', null, [1, 1])), 'set')).toBe(false);
    expect(check(h(...adds, ...ok(0, 'read', null, [1, 2, 1])), 'set')).toBe(false);
    expect(check(h(...adds, ...ok(0, 'read', null, [2, 1])), 'set')).toBe(true);
    // Nor does a repeat stand in for an element concurrently added (same length as {1 2}).
    const concurrent = h(
      ...ok(0, 'add', 1),
      [1, 'invoke', 'add', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', [1, 1]],
      [1, 'ok', 'add', 2],
    );
    expect(check(concurrent, 'set')).toBe(false);
    expect(check(h(...ok(0, 'read', null, [])), 'set')).toBe(true);
  });
});

describe('counter', () => {
  it('reads the sum of the adds', () => {
    expect(check(h(...ok(0, 'add', 2), ...ok(1, 'add', 3), ...ok(0, 'read', null, 5)), 'counter')).toBe(true);
    expect(check(h(...ok(0, 'add', 2), ...ok(1, 'add', 3), ...ok(0, 'read', null, 4)), 'counter')).toBe(
      false,
    );
  });
});

describe('fifo-queue', () => {
  it('dequeues in enqueue order, nil when empty', () => {
    expect(
      check(
        h(
          ...ok(0, 'enqueue', 1),
          ...ok(0, 'enqueue', 2),
          ...ok(1, 'dequeue', null, 1),
          ...ok(1, 'dequeue', null, 2),
          ...ok(1, 'dequeue', null, null),
        ),
        'fifo-queue',
      ),
    ).toBe(true);
    expect(
      check(h(...ok(0, 'enqueue', 1), ...ok(0, 'enqueue', 2), ...ok(1, 'dequeue', null, 2)), 'fifo-queue'),
    ).toBe(false);
    expect(check(h(...ok(1, 'dequeue', null, 1)), 'fifo-queue')).toBe(false);
  });
});

describe('mutex', () => {
  it('one holder at a time', () => {
    expect(
      check(h(...ok(0, 'acquire', null), ...ok(0, 'release', null), ...ok(1, 'acquire', null)), 'mutex'),
    ).toBe(true);
    expect(check(h(...ok(0, 'acquire', null), ...ok(1, 'acquire', null)), 'mutex')).toBe(false);
    expect(check(h(...ok(0, 'release', null)), 'mutex')).toBe(false);
  });
});

describe('a user-defined model', () => {
  // The README's example: a register that only grows (max-register).
  const maxRegister: Model<number> = {
    name: 'max-register',
    init: () => 0,
    step: (state, input, output) => {
      if (input.f === 'write') return [Math.max(state, input.value as number)];
      return output === undefined || output === state;
    },
  };
  it('plugs in with a few lines', () => {
    expect(check(h(...ok(0, 'write', 5), ...ok(0, 'write', 3), ...ok(1, 'read', null, 5)), maxRegister)).toBe(
      true,
    );
    expect(check(h(...ok(0, 'write', 5), ...ok(0, 'write', 3), ...ok(1, 'read', null, 3)), maxRegister)).toBe(
      false,
    );
  });
  it('nondeterministic steps: every successor is explored', () => {
    // A "lossy write" may or may not store its value.
    const lossy: Model<number | null> = {
      name: 'lossy',
      init: () => null,
      step: (state, input, output) =>
        input.f === 'write' ? [state, input.value as number] : output === undefined || output === state,
    };
    expect(check(h(...ok(0, 'write', 1), ...ok(0, 'write', 2), ...ok(1, 'read', null, 1)), lossy)).toBe(true);
    expect(check(h(...ok(0, 'write', 1), ...ok(0, 'write', 2), ...ok(1, 'read', null, 3)), lossy)).toBe(
      false,
    );
  });
  it('an operation the model does not know is an input error, not a verdict', () => {
    const r = checkLinearizableSync(h(...ok(0, 'frobnicate', 1)), 'register');
    expect(r.valid).toBe('unknown');
    expect(r.error).toMatch(/frobnicate/);
  });
});

describe('keyed models', () => {
  it('a map of registers built with keyed() splits per key and checks as one object too', async () => {
    const { keyed, register } = await import('../../checkers/linearizable/index.js');
    const registers = keyed('registers', 'read / write per key', register);
    const k = (key: string) => ({ key });
    const good = h(
      ...ok(0, 'write', 1, 1, k('a')),
      ...ok(1, 'write', 2, 2, k('b')),
      ...ok(0, 'read', null, 1, k('a')),
    );
    const bad = h(
      ...ok(0, 'write', 1, 1, k('a')),
      ...ok(1, 'write', 2, 2, k('b')),
      ...ok(0, 'read', null, 2, k('a')),
    );
    for (const split of [true, false]) {
      expect(checkLinearizableSync(good, registers, { split }).valid).toBe(true);
      const r = checkLinearizableSync(bad, registers, { split });
      expect(r.valid).toBe(false);
      expect(r.partitions).toBe(split ? 2 : 1);
      expect(r.failure?.op).toMatchObject({ f: 'read', output: 2 });
    }
    // Checked as one object, the states before the failure are whole maps.
    const whole = checkLinearizableSync(bad, registers, { split: false });
    expect(whole.failure?.statesBefore).toContainEqual({ a: 1, b: 2 });
  });
  it('kv-append reports plain strings as states', () => {
    const k = { key: 'x' };
    const bad = h(...ok(0, 'append', 'a', 'a', k), ...ok(1, 'get', null, 'b', k));
    const r = checkLinearizableSync(bad, 'kv-append', {});
    expect(r.failure?.statesBefore).toEqual(['a']);
    expect(r.failure?.statesBeforeDescribed).toEqual(['"a"']);
    const whole = checkLinearizableSync(bad, 'kv-append', { split: false });
    expect(whole.failure?.statesBefore).toEqual([{ x: 'a' }]);
  });
});
