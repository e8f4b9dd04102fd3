import { describe, expect, it } from 'vitest';
import type { RealRunSummary } from '../../src/real/run-real.js';
import type { RunConfig } from '../../src/runner/config.js';
import { runTest } from '../../src/runner/run-test.js';
import { leftovers, REAL_DB, tempStore } from './helpers.js';

/** A real run through runTest, checked for leftovers; the register workload's linearizability verdict. */
async function realRun(partial: Partial<RunConfig>) {
  const run = await runTest(
    { workload: 'register', seed: 1, concurrency: 10, recoveryMs: 1000, ...partial },
    { storeDir: tempStore(), startedAtIso: new Date().toISOString() },
  );
  expect(await leftovers(run.dir, run.summary as RealRunSummary)).toEqual([]);
  return run;
}

describe.skipIf(!REAL_DB)('etcd, 3 members (real)', () => {
  it('register under kill, pause and partition: linearizable', async () => {
    const run = await realRun({
      system: 'etcd',
      nemesis: ['kill', 'pause', 'partition'],
      timeLimitS: 30,
      rateOpsPerS: 50,
      clientTimeoutMs: 2000,
      // Each kind about every 6 s for about 2 s: faults overlap now and then, the cluster is up in between.
      nemesisIntervalMs: 6000,
      nemesisDurationMs: 2000,
      recoveryMs: 3000,
    });
    const summary = run.summary as RealRunSummary;
    expect(run.valid).toBe(true);
    expect(summary.counts.ok).toBeGreaterThan(50);
    // Every kind of fault really happened: kills restarted nodes, and there were pauses and partitions.
    expect(summary.nodes.reduce((n, x) => n + x.restarts, 0)).toBeGreaterThan(0);
    expect(summary.counts.nemesis).toBeGreaterThan(6);
  }, 180_000);

  it('--read-mode serializable under partitions: stale reads found', async () => {
    const run = await realRun({
      system: 'etcd',
      nemesis: ['partition'],
      partitionModes: ['isolate-one', 'random-halves'],
      timeLimitS: 20,
      rateOpsPerS: 100,
      clientTimeoutMs: 1000,
      nemesisIntervalMs: 3000,
      nemesisDurationMs: 3000,
      adapterOptions: { 'read-mode': 'serializable' },
    });
    expect(run.valid).toBe(false);
    expect(String(run.result.summary)).toMatch(/^not linearizable: read /);
  }, 180_000);
});

describe.skipIf(!REAL_DB)('Redis, primary + 2 replicas (real)', () => {
  it('register reading from a replica: a non-linearizable history found', async () => {
    const run = await realRun({
      system: 'redis',
      nemesis: ['partition'],
      timeLimitS: 15,
      rateOpsPerS: 200,
      clientTimeoutMs: 1000,
      adapterOptions: { 'read-from': 'replica' },
    });
    expect(run.valid).toBe(false);
    expect(String(run.result.summary)).toMatch(/^not linearizable: read /);
  }, 180_000);

  it('reading from the primary with WAIT: linearizable', async () => {
    const run = await realRun({
      system: 'redis',
      nemesis: ['partition', 'pause'],
      timeLimitS: 10,
      rateOpsPerS: 100,
      clientTimeoutMs: 2000,
      adapterOptions: { wait: '2' },
    });
    expect(run.valid).toBe(true);
    expect(run.summary.counts.ok).toBeGreaterThan(100);
  }, 180_000);
});
