import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RealRunSummary } from '../../src/real/run-real.js';
import { runTest } from '../../src/runner/run-test.js';
import { redisLite } from '../../systems/adapters/examples/redis-lite.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { leftovers, REAL_DB, tempStore } from './helpers.js';

const EXAMPLE = join(REPO_ROOT, 'systems/adapters/examples/redis-lite.ts');

describe('the "write an adapter in 50 lines" example', () => {
  it('is in the adapters README word for word', () => {
    const readme = readFileSync(join(REPO_ROOT, 'systems/adapters/README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Write an adapter in 50 lines'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(readFileSync(EXAMPLE, 'utf8'));
  });

  it.skipIf(!REAL_DB)(
    'runs against a real redis-server: linearizable under partitions and pauses',
    async () => {
      const run = await runTest(
        { workload: 'register', seed: 1, nemesis: ['partition', 'pause'], timeLimitS: 10, rateOpsPerS: 100 },
        { adapter: redisLite, storeDir: tempStore(), startedAtIso: new Date().toISOString() },
      );
      expect(run.valid).toBe(true);
      expect(run.summary.counts.ok).toBeGreaterThan(100);
      expect(await leftovers(run.dir, run.summary as RealRunSummary)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!REAL_DB)(
    'and under kill it finds the lost writes of a Redis without an append-only file',
    async () => {
      const run = await runTest(
        {
          workload: 'register',
          seed: 2,
          nemesis: ['kill'],
          timeLimitS: 10,
          rateOpsPerS: 100,
          nemesisIntervalMs: 2000,
        },
        { adapter: redisLite, storeDir: tempStore(), startedAtIso: new Date().toISOString() },
      );
      expect(run.valid).toBe(false);
      expect((run.summary as RealRunSummary).nodes[0].restarts).toBeGreaterThan(0);
    },
    120_000,
  );
});
