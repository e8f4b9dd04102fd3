import { describe, expect, it } from 'vitest';
import { partitionMixConfig } from '../../systems/threepc/partition-mix.js';
import { BUG_MIXES, MIX_WORKLOADS, mixConfig } from '../../systems/twopc/bug-mixes.js';
import { anomalyNames, showsIsolationAnomaly } from './anomalies.js';
import { runChecked } from './harness.js';

/**
 * A handful of seeds in the default suite (the 1..200 sweeps are in
 * sweeps.slow.test.ts and bench/twopc.ts): each 2PC knob is caught within a
 * few seeds of its mix, with the anomaly named, and the same seed with the
 * knob off is valid; the correct systems are valid under their faults; 3PC
 * loses atomicity under partitions.
 */

const SEEDS_TRIED = 5;
const TIME_LIMIT_S = 20;

describe('twopc bug knobs are caught', () => {
  for (const m of BUG_MIXES) {
    for (const workload of MIX_WORKLOADS) {
      it(`${m.bug}: ${workload} under ${m.nemesis.join(',')} fails within ${SEEDS_TRIED} seeds`, async () => {
        let failing: number | undefined;
        let names: string[] = [];
        for (let seed = 1; seed <= SEEDS_TRIED && failing === undefined; seed++) {
          const r = await runChecked(mixConfig(m, workload, { seed, timeLimitS: TIME_LIMIT_S }));
          if (r.valid === false) {
            failing = seed;
            names = anomalyNames(r.result);
            expect(showsIsolationAnomaly(r.result), `anomalies: ${names.join(', ')}`).toBe(true);
          }
        }
        expect(failing, `no failure in seeds 1..${SEEDS_TRIED}`).toBeDefined();
        const control = await runChecked(
          mixConfig(m, workload, { seed: failing as number, timeLimitS: TIME_LIMIT_S, withBug: false }),
        );
        expect(control.valid).toBe(true);
      });
    }
  }
});

describe('the correct systems under faults (a few seeds)', () => {
  for (const [system, nemesis] of [
    ['twopc', ['kill', 'partition', 'pause']],
    ['threepc', ['kill', 'pause']],
  ] as const) {
    for (const workload of MIX_WORKLOADS) {
      it(`${system} ${workload} under ${nemesis.join(',')} is valid on seeds 1..3`, async () => {
        for (let seed = 1; seed <= 3; seed++) {
          const r = await runChecked({
            system,
            workload,
            nemesis: [...nemesis],
            seed,
            timeLimitS: TIME_LIMIT_S,
          });
          expect(r.valid, `seed ${seed}: ${String(r.result.summary)}`).toBe(true);
        }
      });
    }
  }

  for (const system of ['twopc', 'threepc'] as const) {
    it(`${system} rw-register under kill,pause is valid on seeds 1..2 (Elle, strict serializable)`, async () => {
      for (let seed = 1; seed <= 2; seed++) {
        const r = await runChecked({
          system,
          workload: 'rw-register',
          nemesis: ['kill', 'pause'],
          seed,
          timeLimitS: 20,
        });
        expect(r.valid, `seed ${seed}: ${String(r.result.summary)}`).toBe(true);
      }
    });
  }

  it('twopc reports in-doubt time and unavailable keys in the run summary (a killed coordinator blocks shards for seconds)', async () => {
    let m: Record<string, number> | undefined;
    for (let seed = 1; seed <= 8 && m === undefined; seed++) {
      const r = await runChecked({
        system: 'twopc',
        workload: 'bank',
        nemesis: ['kill'],
        seed,
        timeLimitS: 20,
      });
      expect(r.valid).toBe(true);
      const metrics = r.summary.systemMetrics ?? {};
      if ((metrics.resolvedAfterCoordinatorRestart ?? 0) > 0) m = metrics;
    }
    expect(m, 'no seed in 1..8 killed the coordinator with transactions in doubt').toBeDefined();
    // A kill lasts at least 1.5 s (half the mean 3 s); the shards waited for the coordinator all along.
    expect(m?.inDoubtAfterCoordinatorCrashMsMax).toBeGreaterThan(1500);
    expect(m?.unavailableKeysMax).toBeGreaterThan(0);
    expect(m?.unavailableKeyMs).toBeGreaterThan(1000);
  });

  it('threepc loses atomicity under partitions: the bank total changes within 5 seeds of the partition mix', async () => {
    let failing: number | undefined;
    for (let seed = 1; seed <= 5 && failing === undefined; seed++) {
      const r = await runChecked(partitionMixConfig('bank', { seed, timeLimitS: TIME_LIMIT_S }));
      if (r.valid === false) {
        failing = seed;
        expect(anomalyNames(r.result)).toContain('wrong-total');
      }
    }
    expect(failing).toBeDefined();
  });
});
