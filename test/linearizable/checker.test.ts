/** Budgets, the explanation of a failure, minimisation, artefacts and worker threads. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, checkLinearizableSync } from '../../checkers/linearizable/index.js';
import type { Op } from '../../src/history/op.js';
import { h, ok } from './helpers.js';

/** n concurrent writes of distinct values, then a read of a value none wrote: every subset is explored. */
function hardInvalid(n: number): Op[] {
  const events: Parameters<typeof h> = [];
  for (let p = 0; p < n; p++) events.push([p, 'invoke', 'write', p + 1]);
  for (let p = 0; p < n; p++) events.push([p, 'ok', 'write', p + 1]);
  events.push([n, 'invoke', 'read', null], [n, 'ok', 'read', 999]);
  // Keep the writes concurrent with the read too, so the read has every subset before it.
  const hist = h(...events);
  return hist;
}

/** Many concurrent writes, each read overlapping them: valid, but with a large search space. */
function hardValid(n: number): Op[] {
  const events: Parameters<typeof h> = [];
  for (let p = 0; p < n; p++) events.push([p, 'invoke', 'write', p + 1]);
  events.push([n, 'invoke', 'read', null]);
  events.push([n, 'ok', 'read', 1]);
  for (let p = 0; p < n; p++) events.push([p, 'ok', 'write', p + 1]);
  return h(...events);
}

describe('budgets', () => {
  it('out of time → unknown, never true', () => {
    const r = checkLinearizableSync(interleavedHard(22), 'register', { timeLimitMs: 30, minimise: false });
    expect(r.valid).toBe('unknown');
    expect(r.unknownReason).toBe('time');
    expect(r.summary).toMatch(/time limit/);
  });
  it('out of memory → unknown', () => {
    const r = checkLinearizableSync(interleavedHard(22), 'register', {
      memoryLimitBytes: 256 * 1024,
      minimise: false,
    });
    expect(r.valid).toBe('unknown');
    expect(r.unknownReason).toBe('memory');
  });
  it('the same history with room to finish gets a verdict', () => {
    expect(checkLinearizableSync(hardInvalid(8), 'register', { minimise: false }).valid).toBe(false);
    expect(checkLinearizableSync(hardValid(8), 'register', { minimise: false }).valid).toBe(true);
  });
});

/**
 * Writes by n processes, each followed by a read that sees a write by the
 * next process, all overlapping: the search has to try a great many orders
 * before it finds that the last read (of a value nobody wrote) is impossible.
 */
function interleavedHard(n: number): Op[] {
  const events: Parameters<typeof h> = [];
  for (let p = 0; p < n; p++) events.push([p, 'invoke', 'write', p + 1]);
  for (let p = 0; p < n; p++) events.push([p, 'ok', 'write', p + 1]);
  events.push([n, 'invoke', 'read', null], [n, 'ok', 'read', 999]);
  for (let p = 0; p < n; p++) events.push([n + 1 + p, 'invoke', 'write', 100 + p]);
  return h(...events);
}

describe('a failure explains itself', () => {
  const history = h(
    ...ok(0, 'write', 1),
    ...ok(0, 'write', 2),
    [1, 'invoke', 'write', 3],
    [2, 'invoke', 'read', null],
    [2, 'ok', 'read', 1],
    [1, 'ok', 'write', 3],
    ...ok(0, 'read', null, 3),
  );
  const r = checkLinearizableSync(history, 'register');
  it('names the op that cannot be linearized', () => {
    expect(r.valid).toBe(false);
    expect(r.failure?.op).toMatchObject({
      process: 2,
      f: 'read',
      output: 1,
      invokeIndex: 5,
      completeIndex: 6,
    });
    expect(r.summary).toMatch(/read → 1/);
  });
  it('gives the longest linearizable prefix and the states before it', () => {
    const prefix = r.failure!.longestPrefix.map((o) => o.description);
    expect(prefix.slice(0, 2)).toEqual(['write 1 → ok', 'write 2 → ok']);
    expect(new Set(r.failure!.statesBefore)).toEqual(new Set([2, 3]));
    expect(r.failure!.statesBeforeDescribed).toContain('2');
  });
  it('gives the concurrent window', () => {
    const window = r.failure!.window.map((o) => `${o.process}:${o.f}`);
    expect(window).toEqual(['1:write', '2:read']);
  });
  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
  it('writes linear.svg and linear.html when asked', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'faultline-linear-'));
    const r2 = checkLinearizableSync(history, 'register', { outDir });
    expect(r2.files).toEqual([join(outDir, 'linear.svg'), join(outDir, 'linear.html')]);
    const svg = readFileSync(join(outDir, 'linear.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toMatch(/read → 1/);
    expect(readFileSync(join(outDir, 'linear.html'), 'utf8')).toMatch(/<svg /);
  });
  it('writes nothing without outDir', () => {
    expect(r.files).toBeUndefined();
  });
});

describe('minimisation', () => {
  it('reduces a long failing history to a small witness that still fails', () => {
    const events: Parameters<typeof h> = [];
    // Plenty of irrelevant, linearizable traffic …
    for (let i = 0; i < 40; i++) {
      events.push(...ok(i % 4, 'write', i), ...ok((i + 1) % 4, 'read', null, i));
    }
    // … then a stale read: 7 was overwritten long ago.
    events.push(...ok(5, 'read', null, 7));
    for (let i = 0; i < 10; i++) events.push(...ok(i % 4, 'write', 100 + i));
    const history = h(...events);
    const r = checkLinearizableSync(history, 'register');
    expect(r.valid).toBe(false);
    const w = r.witness!;
    expect(w.reducedFrom).toBeGreaterThan(80);
    expect(w.operations).toBeLessThanOrEqual(3);
    expect(w.minimal).toBe(true);
    // The witness keeps the write the read could have seen: it shows why, not just that.
    expect(w.history.some((o) => o.f === 'write' && o.value === 7)).toBe(true);
    expect(w.failure.op).toMatchObject({ f: 'read', output: 7 });
    expect(checkLinearizableSync(w.history, 'register', { minimise: false }).valid).toBe(false);
  });
  it('can be turned off', () => {
    const r = checkLinearizableSync(h(...ok(0, 'read', null, 1)), 'register', { minimise: false });
    expect(r.valid).toBe(false);
    expect(r.witness).toBeUndefined();
  });
});

describe('input', () => {
  it('a completion with no invocation is reported, not judged', () => {
    const r = checkLinearizableSync(h([0, 'ok', 'read', 1]), 'register');
    expect(r.valid).toBe('unknown');
    expect(r.error).toMatch(/no invocation/);
  });
  it('an invocation with no completion at the end is like info', () => {
    const r = checkLinearizableSync(h([0, 'invoke', 'write', 1], ...ok(1, 'read', null, 1)), 'register');
    expect(r.valid).toBe(true);
  });
});

describe('worker threads', () => {
  it('check the parts of a large split history and agree with in-process', async () => {
    const events: Parameters<typeof h> = [];
    for (let i = 0; i < 200; i++) {
      const key = { key: `k${i % 8}` };
      events.push(...ok(i % 5, 'write', i, i, key), ...ok((i + 1) % 5, 'read', null, i, key));
    }
    const good = h(...events);
    const bad = h(...events, ...ok(9, 'read', null, 3, { key: 'k5' }));
    for (const [history, expected] of [
      [good, true],
      [bad, false],
    ] as const) {
      const threaded = await checkLinearizable(history, 'kv', {
        workers: 2,
        workerMinOps: 10,
        workerHeadStartMs: 0,
        workerMinRemainingSteps: 0,
      });
      expect(threaded.stats.workers).toBe(2);
      expect(threaded.valid).toBe(expected);
      const inProcess = await checkLinearizable(history, 'kv', { workers: 0 });
      expect(inProcess.stats.workers).toBe(0);
      expect(inProcess.valid).toBe(expected);
      if (expected === false) expect(threaded.failure?.key).toBe('k5');
    }
  });
});

it('no stray files', () => {
  expect(existsSync(join(process.cwd(), 'linear.svg'))).toBe(false);
});

describe('worker threads: the in-process head start', () => {
  /** A part whose search takes a while (15 concurrent writes, then a read nobody wrote): not linearizable. */
  const hardPart = (key: string, proc0: number): Parameters<typeof h> => {
    const k = { key };
    const out: Parameters<typeof h> = [];
    for (let i = 0; i < 60; i++) out.push(...ok(proc0, 'write', 1000 + i, 1000 + i, k));
    for (let p = 0; p < 15; p++) out.push([proc0 + p, 'invoke', 'write', p + 1, k]);
    for (let p = 0; p < 15; p++) out.push([proc0 + p, 'ok', 'write', p + 1, k]);
    out.push([proc0 + 30, 'invoke', 'read', null, k], [proc0 + 30, 'ok', 'read', 999, k]);
    return out;
  };
  const events: Parameters<typeof h> = [];
  for (let i = 0; i < 200; i++) {
    const key = { key: `k${i % 8}` };
    events.push(...ok(i % 5, 'write', i, i, key), ...ok((i + 1) % 5, 'read', null, i, key));
  }
  const opts = { workers: 2, workerMinOps: 10, workerHeadStartMs: 30, workerMinRemainingSteps: 0 } as const;

  it('parts that finish within it need no threads', async () => {
    const quick = await checkLinearizable(h(...events), 'kv', { workers: 2, workerMinOps: 10 });
    expect(quick.valid).toBe(true);
    expect(quick.stats.workers).toBe(0);
  });

  it('one part left goes on here: a thread could only start it over', async () => {
    const r = await checkLinearizable(h(...events, ...hardPart('hard', 100)), 'kv', opts);
    expect(r.valid).toBe(false);
    expect(r.failure?.key).toBe('hard');
    expect(r.stats.workers).toBe(0);
  });

  it('with more left, the search furthest along goes on here and a thread takes the rest', async () => {
    const r = await checkLinearizable(
      h(...events, ...hardPart('hard1', 100), ...hardPart('hard2', 200)),
      'kv',
      opts,
    );
    expect(r.valid).toBe(false);
    expect(['hard1', 'hard2']).toContain(r.failure?.key);
    expect(r.stats.workers).toBe(1);
  });

  it('unless what is left looks quicker than a thread start-up: then all of it stays here', async () => {
    const r = await checkLinearizable(
      h(...events, ...hardPart('hard1', 100), ...hardPart('hard2', 200)),
      'kv',
      {
        ...opts,
        workerMinRemainingSteps: 1e12,
      },
    );
    expect(r.valid).toBe(false);
    expect(r.stats.workers).toBe(0);
  });
});

describe('worker threads and model states', () => {
  it('a failure found on a worker is explained in the model’s own states', async () => {
    const events: Parameters<typeof h> = [];
    for (let i = 0; i < 60; i++) {
      const key = { key: `k${i % 4}` };
      events.push(...ok(i % 3, 'append', `<${i}>`, `<${i}>`, key));
    }
    events.push(...ok(7, 'get', null, 'nope', { key: 'k2' }));
    const history = h(...events);
    const threaded = await checkLinearizable(history, 'kv-append', {
      workers: 2,
      workerMinOps: 10,
      workerHeadStartMs: 0,
      workerMinRemainingSteps: 0,
    });
    const local = await checkLinearizable(history, 'kv-append', { workers: 0 });
    expect(threaded.stats.workers).toBe(2);
    expect(threaded.valid).toBe(false);
    expect(threaded.failure?.statesBefore).toEqual(local.failure?.statesBefore);
    expect(typeof threaded.failure?.statesBefore[0]).toBe('string');
  });
});
