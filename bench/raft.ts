/**
 * `npm run bench -- raft [quick] [seeds=N] [only=safety|bugs|speed]`: the
 * Raft reference system.
 *
 * 1. Safety: the correct system under `--workload register --nemesis
 *    partition,kill,pause,clock --time-limit 30`, seeds 1..200; every
 *    history must be valid (the registered `linearizable` checker).
 * 2. Bug knobs: for each knob its documented mix (systems/raft/bug-mixes.ts)
 *    over seeds 1..200: the first seed the checker reports a failure for,
 *    and how many of the 200 fail.
 * 3. Speed: a 5-node cluster with 10 clients and no faults: completed client
 *    operations per wall second and simulated seconds per wall second, at a
 *    saturating rate and at moderate rates (median of 3 runs after a warm-up).
 */
import { findChecker } from '../checkers/registry.js';
import type { RunConfig } from '../src/runner/config.js';
import { MemoryHistorySink } from '../src/runner/recorder.js';
import { simulate } from '../src/runner/simulate.js';
import { BUG_MIXES, mixConfig } from '../systems/raft/bug-mixes.js';
import { findWorkload } from '../workloads/registry.js';
import { fmt, median, printTable } from './_table.js';

type Verdict = true | false | 'unknown';

/** Checker budget per history; out of it the verdict is 'unknown' (counted, never taken as a failure). */
const CHECK_TIME_LIMIT_MS = 20_000;

function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

async function runChecked(config: Partial<RunConfig> & { seed: number }): Promise<Verdict> {
  const history = new MemoryHistorySink();
  simulate(config, { history });
  const workload = findWorkload(config.workload ?? 'register');
  if (!workload) throw new Error(`unknown workload ${config.workload}`);
  const checker = findChecker(workload.checker.name);
  if (!checker) throw new Error(`checker ${workload.checker.name} is not registered`);
  const r = await checker.check(history.ops, {
    ...workload.checker.options,
    timeLimitMs: CHECK_TIME_LIMIT_MS,
  });
  return r.valid;
}

async function safety(seeds: number): Promise<void> {
  const t0 = performance.now();
  let valid = 0;
  const invalid: number[] = [];
  const unknown: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const v = await runChecked({
      system: 'raft',
      workload: 'register',
      nemesis: ['partition', 'kill', 'pause', 'clock'],
      seed,
      timeLimitS: 30,
    });
    if (v === true) valid++;
    else if (v === false) invalid.push(seed);
    else unknown.push(seed);
    if (seed % 50 === 0) progress(`safety: ${seed} seeds, ${invalid.length} invalid`);
  }
  printTable(
    'raft (no bugs): register, partition,kill,pause,clock, 30 s per seed',
    ['seeds', 'valid', 'invalid', 'unknown', 'wall'],
    [
      [
        `1..${seeds}`,
        valid,
        invalid.length > 0 ? invalid.join(',') : 0,
        unknown.length > 0 ? unknown.join(',') : 0,
        fmt.s((performance.now() - t0) / 1000),
      ],
    ],
  );
  if (invalid.length > 0) process.exitCode = 1;
}

async function bugs(seeds: number): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const m of BUG_MIXES) {
    const t0 = performance.now();
    const failing: number[] = [];
    let unknown = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const v = await runChecked(mixConfig(m, { seed, timeLimitS: 30 }));
      if (v === false) failing.push(seed);
      else if (v === 'unknown') unknown++;
    }
    progress(`${m.bug}: first failing seed ${failing[0] ?? 'none'}, ${failing.length}/${seeds} failing`);
    rows.push([
      m.bug,
      `${m.workload} / ${m.nemesis.join(',')}${m.partitionModes ? ` (${m.partitionModes.join(',')})` : ''}`,
      m.nodes ?? 5,
      failing.length === 0 ? `none in 1..${seeds}` : failing[0],
      `${failing.length}/${seeds}`,
      unknown,
      fmt.s((performance.now() - t0) / 1000),
    ]);
  }
  printTable(
    'raft bug knobs: seeds to first failure and failing seeds (mixes in systems/raft/bug-mixes.ts, 30 s per seed)',
    [
      'bug',
      'workload / nemesis (partitions)',
      'nodes',
      'first failing seed',
      'failing seeds',
      'unknown',
      'wall',
    ],
    rows,
  );
}

function speedOnce(rateOpsPerS: number): { ops: number; wallS: number; simS: number } {
  const history = new MemoryHistorySink();
  const t0 = performance.now();
  const s = simulate(
    {
      system: 'raft',
      workload: 'register',
      nemesis: [],
      seed: 1,
      timeLimitS: 30,
      rateOpsPerS,
      concurrency: 10,
      nodes: 5,
      recoveryMs: 0,
    },
    { history },
  );
  const wallS = (performance.now() - t0) / 1000;
  return { ops: s.counts.ok + s.counts.fail + s.counts.info, wallS, simS: s.simulatedNs / 1e9 };
}

function speed(): void {
  const rows: (string | number)[][] = [];
  for (const rate of [5000, 150, 100]) {
    speedOnce(rate); // warm-up: JIT and heap
    const runs = [speedOnce(rate), speedOnce(rate), speedOnce(rate)];
    const wall = median(runs.map((r) => r.wallS));
    const { ops, simS } = runs[0];
    const opsPerS = ops / wall;
    const compression = simS / wall;
    rows.push([
      rate >= 5000 ? `${rate} (saturated)` : String(rate),
      fmt.int(ops),
      fmt.s(wall),
      fmt.int(opsPerS),
      `${compression.toFixed(0)}×`,
      // The saturated row shows the ceiling; the targets apply to a moderate offered load.
      rate >= 5000
        ? '-'
        : `${opsPerS >= 20_000 ? 'met' : 'MISSED'} / ${compression >= 200 ? 'met' : 'MISSED'}`,
    ]);
  }
  printTable(
    'raft speed: 5 nodes, 10 clients, register, no faults, 30 simulated s (targets ≥ 20,000 ops/s and ≥ 200×)',
    ['offered ops/s', 'completed ops', 'wall (median)', 'ops per wall s', 'sim s per wall s', 'targets'],
    rows,
  );
}

export default async function main(args: string[]): Promise<void> {
  const quick = args.includes('quick');
  const seedsArg = args.find((a) => a.startsWith('seeds='));
  const seeds = seedsArg ? Number(seedsArg.slice(6)) : quick ? 20 : 200;
  const only = args.find((a) => a.startsWith('only='))?.slice(5);
  if (!only || only === 'speed') speed();
  if (!only || only === 'bugs') await bugs(seeds);
  if (!only || only === 'safety') await safety(seeds);
}
