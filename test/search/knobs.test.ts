import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/search/scenario.js';
import { search } from '../../src/search/search.js';

/**
 * The must-show of issues #13–#15, pinned for one cheap knob per system:
 * `faultline search --system S --bug B` with nothing else given finds the
 * knob at the seed measured (README figures, `npm run bench -- search |
 * paxos | twopc`), with the anomaly named there, and the same drawn
 * configuration with the knob off is valid. A change to the swarm or to a
 * system that moves these seeds must re-measure the READMEs' figures too.
 */
const PINNED = [
  { system: 'raft', bug: 'stale-read', seed: 8, anomaly: 'not-linearizable' },
  {
    system: 'paxos',
    bug: 'ignore-accepted',
    seed: 2,
    anomaly: 'consensus-invalid',
    summary: /agreement violated/,
  },
  { system: 'twopc', bug: 'presumed-commit-on-timeout', seed: 1, anomaly: 'G-single-item' },
] as const;

describe('search finds each system’s cheap knob at its measured seed', () => {
  for (const p of PINNED) {
    it(`${p.system} --bug ${p.bug}: seed ${p.seed}, ${p.anomaly}; knob off there: valid`, async () => {
      const s = await search({
        fixed: { system: p.system, bugs: [p.bug] },
        seeds: { from: 1, to: p.seed + 20 },
        workers: 0,
        stop: { kind: 'first' },
        shrink: false,
        startedAtIso: '2026-12-02T00:00:00.000Z',
      });
      const f = s.failures[0];
      expect(f?.seed).toBe(p.seed);
      expect(f?.anomaly).toBe(p.anomaly);
      if ('summary' in p) expect(f?.checkSummary).toMatch(p.summary);
      expect(s.counts).toMatchObject({ valid: p.seed - 1, invalid: 1, unknown: 0 });
      const off = await runScenario({ config: { ...f.config, bugs: [] } });
      expect(off.valid).toBe(true);
    }, 60_000);
  }
});
