import { describe, expect, it } from 'vitest';
import type { NemesisKind } from '../../src/nemesis/nemesis.js';
import { BUG_MIXES, mixConfig } from '../../systems/paxos/bug-mixes.js';
import { runConfig } from '../helpers/run-checked.js';

/**
 * The sweeps over seeds 1..200 (FAULTLINE_SLOW=1; a few minutes):
 * the correct system valid under every fault for register, list-append and
 * consensus; each knob found by its documented mix, with the anomaly named.
 * bench/paxos.ts prints the same as tables.
 */
const SEEDS = 200;
const TIME_LIMIT_S = 30;
const SLOW_MS = 15 * 60_000;
const EVERY_FAULT: NemesisKind[] = ['partition', 'kill', 'pause', 'loss', 'duplication', 'clock', 'disk'];

/** What the checker named: Elle's anomaly types, the consensus violations, or the linearizable verdict. */
function anomaly(result: Record<string, unknown> | undefined): string {
  const types = result?.['anomaly-types'];
  if (Array.isArray(types)) return types.join(',');
  if (Array.isArray(result?.violations))
    return (result.violations as { kind: string }[]).map((v) => v.kind).join(',');
  return String(result?.summary ?? '').split(':')[0];
}

describe.skipIf(!process.env.FAULTLINE_SLOW)('paxos sweeps over seeds 1..200', () => {
  for (const workload of ['register', 'list-append', 'consensus'] as const) {
    it(
      `${workload} under ${EVERY_FAULT.join(',')}: valid on every seed`,
      async () => {
        for (let seed = 1; seed <= SEEDS; seed++) {
          const out = await runConfig({
            system: 'paxos',
            workload,
            nemesis: EVERY_FAULT,
            seed,
            timeLimitS: TIME_LIMIT_S,
          });
          expect(out.valid, `seed ${seed}: ${JSON.stringify(out.verdicts)}`).toBe(true);
        }
      },
      SLOW_MS,
    );
  }

  const EXPECTED: Record<string, RegExp> = {
    'stale-read': /^not linearizable$/,
    'read-before-recovery': /^not linearizable$/,
    'ignore-accepted': /incompatible-order|G0|G-single|G2|G1/,
    'reuse-ballot': /agreement/,
    'no-persist-promise': /agreement/,
  };
  for (const m of BUG_MIXES) {
    it(
      `${m.bug} is found within seeds 1..${SEEDS} of its mix, the anomaly named`,
      async () => {
        let found: { seed: number; anomaly: string } | undefined;
        for (let seed = 1; seed <= SEEDS && !found; seed++) {
          const out = await runConfig(mixConfig(m, { seed, timeLimitS: TIME_LIMIT_S }));
          if (out.valid === false) found = { seed, anomaly: anomaly(out.result) };
        }
        expect(found, `no failure in 1..${SEEDS}`).toBeDefined();
        expect(found?.anomaly).toMatch(EXPECTED[m.bug]);
      },
      SLOW_MS,
    );
  }
});
