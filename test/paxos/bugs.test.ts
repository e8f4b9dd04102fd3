import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/simulation.js';
import { BUG_MIXES, mixConfig } from '../../systems/paxos/bug-mixes.js';
import { type PaxosNode, paxos } from '../../systems/paxos/index.js';
import { findWorkload } from '../../workloads/registry.js';
import { runConfig } from '../helpers/run-checked.js';

/**
 * Each bug knob is caught by the registered checker within a few seeds of
 * its documented mix (30 s runs, as in the bench), and the same seed with
 * the knob off is valid: the failure is the knob's doing. bench/paxos.ts
 * sweeps seeds 1..200.
 */
const TIME_LIMIT_S = 30;
/** Seeds tried per knob: most mixes fail on their first seed; no-persist-promise needs its kills to land in a window of a few ms. */
const SEEDS_TRIED: Record<string, number> = { 'no-persist-promise': 16 };

describe('paxos bug knobs are caught', () => {
  for (const m of BUG_MIXES) {
    const tries = SEEDS_TRIED[m.bug] ?? 3;
    it(`${m.bug}: ${m.workload} under ${m.nemesis.join(',')} fails within ${tries} seeds`, async () => {
      let failing: number | undefined;
      let verdicts: Record<string, unknown> = {};
      for (let seed = 1; seed <= tries && failing === undefined; seed++) {
        const out = await runConfig(mixConfig(m, { seed, timeLimitS: TIME_LIMIT_S }));
        if (out.valid === false) {
          failing = seed;
          verdicts = out.verdicts;
        }
      }
      expect(failing, `no failure in seeds 1..${tries}`).toBeDefined();
      expect(verdicts[findWorkload(m.workload)?.checker.name ?? '']).toBe(false);
      const control = await runConfig(
        mixConfig(m, { seed: failing as number, timeLimitS: TIME_LIMIT_S, withBug: false }),
      );
      expect(control.valid).toBe(true);
    }, 60_000);
  }
});

/**
 * no-persist-promise, scripted: three nodes, n1 and n2 cut off from each
 * other, both proposing for one key through n3. n3 promises n1's ballot,
 * then n2's; it crashes before n1's accept reaches it and restarts. With
 * the promise on disk it refuses n1's accept; with the knob it has
 * forgotten the promise, accepts n1's value (n1 decides it) and then n2's,
 * whose phase 1 never saw n1's value (n2 decides that).
 */
function forgottenPromise(bugs: string[]): unknown[] {
  const sim = new Simulation({ seed: 1, system: paxos, nodeCount: 3, bugs: new Set(bugs) });
  const c1 = sim.addClient('c1', () => {});
  const c2 = sim.addClient('c2', () => {});
  sim.start();
  sim.run(sim.nowNs + 100e6);
  sim.network.cutOneWay(['n1'], ['n2']);
  sim.network.cutOneWay(['n2'], ['n1']);
  const n3 = () => (sim.nodeObject('n3') as PaxosNode).consensus.acceptorState('k');
  const runUntil = (done: () => boolean) => {
    for (let i = 0; i < 100_000 && !done(); i++) sim.run(sim.nowNs + 10_000);
  };
  c1.send('n1', { type: 'propose', key: 'k', value: 1, msg_id: 1 });
  runUntil(() => (n3()?.promised ?? 0) > 0);
  const first = n3()?.promised ?? 0;
  c2.send('n2', { type: 'propose', key: 'k', value: 2, msg_id: 1 });
  runUntil(() => (n3()?.promised ?? 0) > first || (n3()?.acceptedBallot ?? 0) > 0);
  expect(n3()?.acceptedBallot).toBe(0); // promised twice, accepted nothing yet
  sim.crash('n3');
  sim.restart('n3');
  sim.run(sim.nowNs + 1000e6);
  return ['n1', 'n2'].map((n) => (sim.nodeObject(n) as PaxosNode).consensus.decision('k')?.value);
}

describe('paxos: a forgotten promise (no-persist-promise), scripted', () => {
  it('the correct system decides one value', () => {
    const [a, b] = forgottenPromise([]);
    expect(a).toBeDefined();
    expect(a).toBe(b);
  });

  it('with the knob, the two proposers decide different values', () => {
    expect(forgottenPromise(['no-persist-promise'])).toEqual([1, 2]);
  });
});
