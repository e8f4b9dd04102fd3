import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { RealRunSummary } from '../../src/real/run-real.js';
import { runTest } from '../../src/runner/run-test.js';
import { leftovers, tempStore } from './helpers.js';

/**
 * `--runtime docker`: the same PostgreSQL serializable run with the node
 * in a container (an image made from this machine's binaries, host
 * networking on 127.0.0.1). Needs a Docker engine: `.ci/run` starts a
 * private dockerd and sets FAULTLINE_REAL_DOCKER=1 and DOCKER_HOST.
 */
const DOCKER = process.env.FAULTLINE_REAL_DOCKER === '1';

describe.skipIf(!DOCKER)('PostgreSQL in Docker (real)', () => {
  it('serializable list-append, 30 s: valid, and no container, process, port or directory left', async () => {
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
        runtime: 'docker',
        adapterOptions: { isolation: 'serializable' },
      },
      { storeDir: tempStore(), startedAtIso: new Date().toISOString() },
    );
    const summary = run.summary as RealRunSummary;
    expect(summary.runtime).toBe('docker');
    expect(run.valid).toBe(true);
    expect(summary.counts.ok).toBeGreaterThan(500);
    expect(await leftovers(run.dir, summary)).toEqual([]);
    const containers = await new Docker().listContainers({
      all: true,
      filters: { label: ['faultline.run'] },
    });
    expect(containers.map((c) => c.Names)).toEqual([]);
  }, 240_000);
});
