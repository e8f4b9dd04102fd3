import { describe, expect, it } from 'vitest';
import { findChecker } from '../../checkers/registry.js';
import { SimulationWallClockDriver, WallClock } from '../../src/real/wall-clock.js';
import { resolveConfig } from '../../src/runner/config.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { startTest } from '../../src/runner/runner.js';
import { simulationEnvironment } from '../../src/runner/simulate.js';
import { Simulation } from '../../src/sim/simulation.js';

describe('wall clock', () => {
  it('runs callbacks in time order and reports what they throw', async () => {
    const errors: unknown[] = [];
    const clock = new WallClock((e) => errors.push(e));
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      clock.schedule(30e6, () => seen.push('c'));
      clock.schedule(10e6, () => seen.push('a'));
      clock.scheduleAt(20e6, () => seen.push('b'));
      clock.schedule(40e6, () => {
        throw new Error('boom');
      });
      clock.schedule(60e6, () => seen.push('never'));
      setTimeout(resolve, 120);
    });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    expect(clock.isStopped).toBe(true);
    expect(clock.nowNs).toBeGreaterThan(100e6);
  });
});

describe('the seam: wall clock + simulated network + simulated nodes', () => {
  it('the one runner drives raft on the simulated network in real time, and the history checks', async () => {
    const { config, system, workload } = resolveConfig({
      system: 'raft',
      workload: 'register',
      seed: 7,
      nemesis: ['partition', 'kill'],
      timeLimitS: 1.5,
      rateOpsPerS: 40,
      recoveryMs: 300,
      nemesisIntervalMs: 400,
      nemesisDurationMs: 300,
    });
    const sim = new Simulation({ seed: config.seed, system, nodeCount: config.nodes });
    const driver = new SimulationWallClockDriver(sim);
    const sink = new MemoryHistorySink();
    const wallStart = process.hrtime.bigint();
    const test = startTest(simulationEnvironment(sim, workload), config, workload, sink, () => {});
    await driver.run(() => test.isFinished(), 20_000);
    const wallNs = Number(process.hrtime.bigint() - wallStart);
    // Virtual time followed the wall clock: the last op is stamped within the real duration, after the time limit.
    const lastNs = sink.ops[sink.ops.length - 1].time;
    expect(lastNs).toBeGreaterThan(1.5e9);
    expect(lastNs).toBeLessThanOrEqual(wallNs);
    expect(sink.ops.some((o) => o.process === 'nemesis' && o.f === 'start-kill')).toBe(true);
    const result = await findChecker('linearizable')!.check(sink.ops, { model: 'kv' });
    expect(result.valid).toBe(true);
  }, 30_000);
});
