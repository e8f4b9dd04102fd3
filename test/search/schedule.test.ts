import { describe, expect, it } from 'vitest';
import { formatOpJsonl } from '../../src/history/jsonl.js';
import { NEMESIS_KINDS } from '../../src/nemesis/nemesis.js';
import type { RunConfig } from '../../src/runner/config.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import type { Schedule } from '../../src/runner/schedule.js';
import { simulate } from '../../src/runner/simulate.js';
import { listSystems } from '../../systems/registry.js';

/**
 * An explicit schedule is the run written out: replaying a run's own
 * schedule (same configuration and seed) gives the same history, byte for
 * byte, for every bundled system and workload under every fault.
 */
function bytes(config: Partial<RunConfig> & { seed: number }, schedule?: Schedule) {
  const sink = new MemoryHistorySink();
  const summary = simulate(config, { history: sink }, schedule ? { schedule } : { recordSchedule: true });
  return { text: sink.ops.map((o) => `${formatOpJsonl(o)}\n`).join(''), summary };
}

describe('explicit schedules', () => {
  for (const system of listSystems()) {
    it(`${system.name}: a run's own schedule replays to the same history bytes`, () => {
      for (const workload of system.workloads) {
        for (const seed of [1, 2]) {
          const config: Partial<RunConfig> & { seed: number } = {
            system: system.name,
            workload,
            seed,
            nemesis: [...NEMESIS_KINDS],
            timeLimitS: 4,
            nemesisIntervalMs: 500,
            nemesisDurationMs: 700,
            network: { lossProbability: 0.02, reorderProbability: 0.05 },
          };
          const drawn = bytes(config);
          const schedule = drawn.summary.schedule!;
          expect(schedule.main.length).toBeGreaterThan(20);
          expect(schedule.faults.length).toBeGreaterThan(3);
          // Through JSON, as a saved file carries it.
          const replayed = bytes(config, JSON.parse(JSON.stringify(schedule)) as Schedule);
          expect(replayed.text === drawn.text, `${system.name} ${workload} seed ${seed}`).toBe(true);
        }
      }
    });
  }
});
