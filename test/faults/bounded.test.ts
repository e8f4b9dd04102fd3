import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';

/**
 * Accepted flags never kill the process: what once ran out of memory or
 * never ended now finishes, with a check held to its budget. (A run's wall
 * time is not asserted beyond the test's timeout: speed is for benchmarks.)
 */

const slow = process.env.FAULTLINE_SLOW === '1';

function run(args: string[], timeoutMs: number): Record<string, unknown> {
  const store = mkdtempSync(join(tmpdir(), 'faultline-bounded-'));
  const r = runBin([...args, '--store', store, '--json'], { timeoutMs });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect([0, 1, 2], r.stderr).toContain(r.code);
  return JSON.parse(r.stdout);
}

describe('bounded time and memory under any accepted flags', () => {
  it('raft --bug no-truncate, register, nemesis all, seed 151 (ran for over 5 minutes at 4.4 GB)', () => {
    const out = run(
      [
        'run',
        '--system',
        'raft',
        '--bug',
        'no-truncate',
        '--workload',
        'register',
        '--nemesis',
        'all',
        '--seed',
        '151',
        '--time-limit',
        '20',
      ],
      120_000,
    );
    expect(out.status).toBe('complete');
    expect(out.checkBudget).toMatchObject({
      timeLimitMs: expect.any(Number),
      memoryLimitMiB: expect.any(Number),
    });
  });

  it.runIf(slow)(
    'raft list-append, nemesis all, --rate 10000000 --concurrency 1000 --nodes 9 --time-limit 20 (died of V8 out of memory)',
    () => {
      const out = run(
        [
          'run',
          '--system',
          'raft',
          '--workload',
          'list-append',
          '--nemesis',
          'all',
          '--rate',
          '10000000',
          '--concurrency',
          '1000',
          '--nodes',
          '9',
          '--time-limit',
          '20',
          '--seed',
          '1',
        ],
        1_800_000,
      );
      expect(out.status).toBe('complete');
    },
    1_800_000,
  );
});
