import { describe, expect, it } from 'vitest';
import { formatOpJsonl } from '../../src/history/jsonl.js';
import { NEMESIS_KINDS } from '../../src/nemesis/nemesis.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { simulate } from '../../src/runner/simulate.js';
import { listSystems } from '../../systems/registry.js';
import { findWorkload } from '../../workloads/registry.js';

/**
 * The determinism contract, end to end: every bundled system (whatever
 * systems/registry.ts lists, so new systems are covered automatically), run
 * twice with the same seed under every fault, gives the same history bytes.
 */
function historyBytes(system: string, workload: string, seed: number): string {
  const sink = new MemoryHistorySink();
  simulate(
    {
      system,
      workload,
      seed,
      nemesis: [...NEMESIS_KINDS],
      timeLimitS: 4,
      rateOpsPerS: 40,
      nemesisIntervalMs: 800,
      nemesisDurationMs: 800,
      recoveryMs: 1000,
    },
    { history: sink },
  );
  return sink.ops.map((op) => `${formatOpJsonl(op)}\n`).join('');
}

describe('determinism of every bundled system', () => {
  for (const system of listSystems()) {
    const workloads = system.workloads.filter((w) => findWorkload(w) !== undefined);
    it(`${system.name}: same seed, same history bytes (${workloads.join(', ')})`, () => {
      const cases: [string, number][] = [
        [workloads[0], 1],
        [workloads[0], 2],
        [workloads[0], 3],
        ...workloads.slice(1).map((w) => [w, 4] as [string, number]),
      ];
      for (const [workload, seed] of cases) {
        const a = historyBytes(system.name, workload, seed);
        const b = historyBytes(system.name, workload, seed);
        expect(a.length).toBeGreaterThan(0);
        expect(a === b, `${system.name} ${workload} seed ${seed}: histories differ`).toBe(true);
      }
      expect(historyBytes(system.name, workloads[0], 1)).not.toBe(historyBytes(system.name, workloads[0], 2));
    });
  }
});
