import { describe, expect, it } from 'vitest';
import { BUG_MIXES, type BugMix } from '../../systems/raft/bug-mixes.js';
import type { BugName } from '../../systems/raft/node.js';
import { findWorkload } from '../../workloads/registry.js';
import { type RaftScenario, runScenario } from './harness.js';

/**
 * Each bug knob is caught by the checkers within a few seeds of its
 * documented mix (30 s runs, as in the bench), and the same seed
 * with the knob off is valid: the failure is the knob's doing.
 */

/** Seeds tried per knob at TIME_LIMIT_S (chosen where the knob shows quickly; see bench/raft.ts for 1..200). */
const SEEDS_TRIED: Partial<Record<BugName, number>> = {
  'stale-read': 6,
  'lease-no-drift': 14,
  'no-truncate': 3,
  'no-persist-vote': 8,
};
const TIME_LIMIT_S = 30;

function scenario(m: BugMix, seed: number, withBug: boolean): RaftScenario {
  return {
    workload: m.workload,
    nemesis: m.nemesis,
    seed,
    timeLimitS: TIME_LIMIT_S,
    bugs: withBug ? [m.bug] : [],
    rateOpsPerS: m.rateOpsPerS,
    concurrency: m.concurrency,
    clientTimeoutMs: m.clientTimeoutMs,
    nemesisIntervalMs: m.nemesisIntervalMs,
    nemesisDurationMs: m.nemesisDurationMs,
  };
}

describe('raft bug knobs are caught', () => {
  for (const m of BUG_MIXES) {
    const seeds = SEEDS_TRIED[m.bug];
    if (seeds === undefined) continue;
    it(`${m.bug}: ${m.workload} under ${m.nemesis.join(',')} fails within ${seeds} seeds`, async () => {
      let failing: number | undefined;
      let verdicts: Record<string, unknown> = {};
      for (let seed = 1; seed <= seeds && failing === undefined; seed++) {
        const out = await runScenario(scenario(m, seed, true));
        if (out.valid === false) {
          failing = seed;
          verdicts = out.verdicts;
        }
      }
      expect(failing, `no failure in seeds 1..${seeds}`).toBeDefined();
      // The project's registered checker (not only the test's own search) reports it.
      const checker = findWorkload(m.workload)?.checker.name ?? '';
      expect(verdicts[checker]).toBe(false);
      const control = await runScenario(scenario(m, failing as number, false));
      expect(control.valid).toBe(true);
    }, 60_000);
  }
});
