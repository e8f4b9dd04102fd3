import { describe, expect, it } from 'vitest';
import type { RealRunSummary } from '../../src/real/run-real.js';
import { runTest } from '../../src/runner/run-test.js';
import { leftovers, REAL_DB, tempStore } from './helpers.js';

/**
 * PostgreSQL as Jepsen found it: serializable holds; repeatable read is
 * snapshot isolation, whose write skew Elle reports as G2-item; read
 * committed shows anomalies. 30-second list-append runs at 10 clients, a
 * local PostgreSQL started (and stopped) by the run itself.
 */
async function listAppend(isolation: string) {
  const storeDir = tempStore();
  const run = await runTest(
    {
      system: 'postgres',
      workload: 'list-append',
      nemesis: [],
      seed: 1,
      timeLimitS: 30,
      rateOpsPerS: 200,
      concurrency: 10,
      clientTimeoutMs: 5000,
      recoveryMs: 500,
      adapterOptions: { isolation },
    },
    { storeDir, startedAtIso: new Date().toISOString() },
  );
  expect(await leftovers(run.dir, run.summary as RealRunSummary)).toEqual([]);
  expect(run.summary.counts.ok).toBeGreaterThan(500);
  return run;
}

const anomalyTypes = (result: Record<string, unknown>) => (result['anomaly-types'] ?? []) as string[];

describe.skipIf(!REAL_DB)('PostgreSQL list-append (real)', () => {
  it('serializable: valid', async () => {
    const run = await listAppend('serializable');
    expect(run.valid).toBe(true);
  }, 120_000);

  it('repeatable-read: G2-item found', async () => {
    const run = await listAppend('repeatable-read');
    expect(run.valid).toBe(false);
    expect(anomalyTypes(run.result)).toContain('G2-item');
  }, 120_000);

  it('read-committed: an anomaly found', async () => {
    const run = await listAppend('read-committed');
    expect(run.valid).toBe(false);
    expect(anomalyTypes(run.result).length).toBeGreaterThan(0);
  }, 120_000);
});

describe.skipIf(!REAL_DB)('PostgreSQL bank and rw-register (real)', () => {
  const run = (workload: string, isolation: string) =>
    runTest(
      {
        system: 'postgres',
        workload,
        nemesis: [],
        seed: 2,
        timeLimitS: 10,
        rateOpsPerS: 200,
        concurrency: 10,
        clientTimeoutMs: 5000,
        recoveryMs: 500,
        adapterOptions: { isolation },
      },
      { storeDir: tempStore(), startedAtIso: new Date().toISOString() },
    );

  it('bank at serializable: every read totals the same, no negative balance', async () => {
    const r = await run('bank', 'serializable');
    expect(r.checker).toBe('bank');
    expect(r.valid).toBe(true);
  }, 120_000);

  it('bank at read-committed: the check-then-transfer race overdraws accounts', async () => {
    const r = await run('bank', 'read-committed');
    expect(r.valid).toBe(false);
  }, 120_000);

  it('rw-register at serializable: valid', async () => {
    const r = await run('rw-register', 'serializable');
    expect(r.checker).toBe('elle-rw-register');
    expect(r.valid).toBe(true);
  }, 120_000);
});
