import { describe, expect, it } from 'vitest';
import { BUG_MIXES, mixConfig } from '../../systems/raft/bug-mixes.js';
import { findWorkload } from '../../workloads/registry.js';
import { runConfig } from './harness.js';

/**
 * Each bug knob is caught by the checkers within a few seeds of its
 * documented mix (30 s runs, as in the bench), and the same seed
 * with the knob off is valid: the failure is the knob's doing.
 */

/** Seeds tried per knob (each mix fails on most seeds; bench/raft.ts sweeps 1..200). */
const SEEDS_TRIED = 6;
const TIME_LIMIT_S = 30;

describe('raft bug knobs are caught', () => {
  for (const m of BUG_MIXES) {
    it(`${m.bug}: ${m.workload} under ${m.nemesis.join(',')} fails within ${SEEDS_TRIED} seeds`, async () => {
      let failing: number | undefined;
      let verdicts: Record<string, unknown> = {};
      for (let seed = 1; seed <= SEEDS_TRIED && failing === undefined; seed++) {
        const out = await runConfig(mixConfig(m, { seed, timeLimitS: TIME_LIMIT_S }));
        if (out.valid === false) {
          failing = seed;
          verdicts = out.verdicts;
        }
      }
      expect(failing, `no failure in seeds 1..${SEEDS_TRIED}`).toBeDefined();
      // The project's registered checker (not only the test's own search) reports it.
      const checker = findWorkload(m.workload)?.checker.name ?? '';
      expect(verdicts[checker]).toBe(false);
      const control = await runConfig(
        mixConfig(m, { seed: failing as number, timeLimitS: TIME_LIMIT_S, withBug: false }),
      );
      expect(control.valid).toBe(true);
    }, 60_000);
  }
});
