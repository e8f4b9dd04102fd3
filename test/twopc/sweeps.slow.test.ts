import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/runner/config.js';
import { partitionMixConfig } from '../../systems/threepc/partition-mix.js';
import { BUG_MIXES, MIX_WORKLOADS, mixConfig } from '../../systems/twopc/bug-mixes.js';
import { anomalyNames, showsIsolationAnomaly } from './anomalies.js';
import { runChecked } from './harness.js';

/**
 * The sweeps over seeds 1..200 (FAULTLINE_SLOW=1; a few minutes):
 * 2PC valid under kill,partition,pause and 3PC under kill,pause, for
 * list-append and bank; 3PC invalid under the default partition nemesis;
 * each 2PC knob found, with the anomaly named.
 */

const SEEDS = 200;
const TIME_LIMIT_S = 20;
const SLOW_MS = 15 * 60_000;

async function firstFailure(config: (seed: number) => Partial<RunConfig> & { seed: number }, seeds = SEEDS) {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await runChecked(config(seed));
    if (r.valid === false) return { seed, names: anomalyNames(r.result), result: r.result };
    expect(r.valid, `seed ${seed}`).toBe(true);
  }
  return undefined;
}

describe.skipIf(!process.env.FAULTLINE_SLOW)('2PC and 3PC sweeps over seeds 1..200', () => {
  for (const [system, nemesis] of [
    ['twopc', ['kill', 'partition', 'pause']],
    ['threepc', ['kill', 'pause']],
  ] as const) {
    for (const workload of MIX_WORKLOADS) {
      it(
        `${system} ${workload} under ${nemesis.join(',')}: valid on every seed`,
        async () => {
          const f = await firstFailure((seed) => ({
            system,
            workload,
            nemesis: [...nemesis],
            seed,
            timeLimitS: TIME_LIMIT_S,
          }));
          expect(f, f && `seed ${f.seed}: ${f.names.join(', ')}`).toBeUndefined();
        },
        SLOW_MS,
      );
    }
  }

  for (const system of ['twopc', 'threepc'] as const) {
    it(
      `${system} with coordinator-on-participant: valid on seeds 1..50 (list-append and bank)`,
      async () => {
        for (const workload of MIX_WORKLOADS) {
          const f = await firstFailure(
            (seed) => ({
              system,
              workload,
              systemOptions: ['coordinator-on-participant'],
              nemesis: system === 'twopc' ? ['kill', 'partition', 'pause'] : ['kill', 'pause'],
              seed,
              timeLimitS: TIME_LIMIT_S,
            }),
            50,
          );
          expect(f, f && `${workload} seed ${f.seed}: ${f.names.join(', ')}`).toBeUndefined();
        }
      },
      SLOW_MS,
    );
  }

  for (const workload of MIX_WORKLOADS) {
    it(
      `threepc ${workload} under partition (default nemesis): atomicity lost within ${SEEDS} seeds`,
      async () => {
        let found: number | undefined;
        for (let seed = 1; seed <= SEEDS && found === undefined; seed++) {
          const r = await runChecked({
            system: 'threepc',
            workload,
            nemesis: ['partition'],
            seed,
            timeLimitS: TIME_LIMIT_S,
          });
          if (r.valid === false) {
            found = seed;
            expect(showsIsolationAnomaly(r.result)).toBe(true);
          }
        }
        expect(found).toBeDefined();
      },
      SLOW_MS,
    );
    it(
      `threepc ${workload}: the partition mix's timing under kill,pause instead stays valid (it is the partitions)`,
      async () => {
        for (let seed = 1; seed <= 50; seed++) {
          const r = await runChecked({
            ...partitionMixConfig(workload, { seed, timeLimitS: TIME_LIMIT_S }),
            nemesis: ['kill', 'pause'],
          });
          expect(r.valid, `seed ${seed}`).toBe(true);
        }
      },
      SLOW_MS,
    );
  }

  for (const m of BUG_MIXES) {
    for (const workload of MIX_WORKLOADS) {
      it(
        `${m.bug} (${workload}): found within ${SEEDS} seeds, anomaly named`,
        async () => {
          let found: number | undefined;
          for (let seed = 1; seed <= SEEDS && found === undefined; seed++) {
            const r = await runChecked(mixConfig(m, workload, { seed, timeLimitS: TIME_LIMIT_S }));
            if (r.valid === false) {
              found = seed;
              expect(showsIsolationAnomaly(r.result), anomalyNames(r.result).join(', ')).toBe(true);
            }
          }
          expect(found).toBeDefined();
        },
        SLOW_MS,
      );
    }
  }
});
