/**
 * `npm run bench -- paxos [quick] [seeds=N] [workers=K] [only=safety|bugs|search|speed]`:
 * the Multi-Paxos reference system.
 *
 * 1. Safety: the correct system under every fault (`--nemesis
 *    partition,kill,pause,loss,duplication,clock,disk --time-limit 30`),
 *    seeds 1..200, for register, list-append and consensus; every history
 *    must be valid (the workload's registered checker).
 * 2. Bug knobs: for each knob its documented mix (systems/paxos/bug-mixes.ts)
 *    over seeds 1..200: the first failing seed, what the checker named
 *    there, how many of the 200 fail, and the first failing seed with the
 *    knob off (must be valid).
 * 3. Search: for each knob, `faultline search --system paxos --bug KNOB`
 *    with nothing else given (bench/_search-knobs.ts): the first failing
 *    seed of 1..200, the anomaly there, and the same drawn configuration
 *    with the knob off (must be valid).
 * 4. Speed: 5 nodes, 10 clients, register, no faults: completed client
 *    operations per wall second and simulated seconds per wall second, at a
 *    saturating rate and at moderate ones (median of 5 runs after 3
 *    warm-up runs), with Raft measured in the same run beside it.
 */
import { findChecker } from '../checkers/registry.js';
import type { CheckResult } from '../checkers/types.js';
import type { NemesisKind } from '../src/nemesis/nemesis.js';
import type { RunConfig } from '../src/runner/config.js';
import { MemoryHistorySink } from '../src/runner/recorder.js';
import { simulate } from '../src/runner/simulate.js';
import { BUG_MIXES, mixConfig } from '../systems/paxos/bug-mixes.js';
import { paxos } from '../systems/paxos/index.js';
import { findWorkload } from '../workloads/registry.js';
import { searchKnobs } from './_search-knobs.js';
import { fmt, median, printTable } from './_table.js';

/** Checker budget per history; out of it the verdict is 'unknown' (counted, never taken as a failure). */
const CHECK_TIME_LIMIT_MS = 20_000;
const TIME_LIMIT_S = 30;
const WARM_UP_RUNS = 3;
const MEASURED_RUNS = 5;
const EVERY_FAULT: NemesisKind[] = ['partition', 'kill', 'pause', 'loss', 'duplication', 'clock', 'disk'];

function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

async function runChecked(config: Partial<RunConfig> & { seed: number }): Promise<CheckResult> {
  const history = new MemoryHistorySink();
  simulate(config, { history });
  const workload = findWorkload(config.workload ?? 'register');
  if (!workload) throw new Error(`unknown workload ${config.workload}`);
  const checker = findChecker(workload.checker.name);
  if (!checker) throw new Error(`checker ${workload.checker.name} is not registered`);
  return checker.check(history.ops, { ...workload.checker.options, timeLimitMs: CHECK_TIME_LIMIT_MS });
}

/** The anomaly a failing result names, in a few words. */
function anomalyOf(r: CheckResult): string {
  const types = r['anomaly-types'];
  if (Array.isArray(types) && types.length > 0) return `Elle: ${types.join(', ')}`;
  if (Array.isArray(r.violations)) {
    const kinds = [...new Set((r.violations as { kind: string }[]).map((v) => v.kind))];
    if (r.termination === false) kinds.push('termination');
    return `consensus: ${kinds.join(', ')}`;
  }
  return (r.summary ?? 'invalid').split(':')[0];
}

async function safety(seeds: number): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const workload of ['register', 'list-append', 'consensus'] as const) {
    const t0 = performance.now();
    let valid = 0;
    const invalid: number[] = [];
    const unknown: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await runChecked({
        system: 'paxos',
        workload,
        nemesis: EVERY_FAULT,
        seed,
        timeLimitS: TIME_LIMIT_S,
      });
      if (r.valid === true) valid++;
      else if (r.valid === false) invalid.push(seed);
      else unknown.push(seed);
    }
    progress(`safety ${workload}: ${valid}/${seeds} valid`);
    rows.push([
      workload,
      `1..${seeds}`,
      valid,
      invalid.length > 0 ? invalid.join(',') : 0,
      unknown.length > 0 ? unknown.join(',') : 0,
      fmt.s((performance.now() - t0) / 1000),
    ]);
    if (invalid.length > 0) process.exitCode = 1;
  }
  printTable(
    `paxos (no bugs): every fault (${EVERY_FAULT.join(',')}), ${TIME_LIMIT_S} s per seed`,
    ['workload', 'seeds', 'valid', 'invalid', 'unknown', 'wall'],
    rows,
  );
}

async function bugs(seeds: number): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const m of BUG_MIXES) {
    const t0 = performance.now();
    const failing: number[] = [];
    let unknown = 0;
    let anomaly = '-';
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await runChecked(mixConfig(m, { seed, timeLimitS: TIME_LIMIT_S }));
      if (r.valid === false) {
        if (failing.length === 0) anomaly = anomalyOf(r);
        failing.push(seed);
      } else if (r.valid === 'unknown') unknown++;
    }
    let control = '-';
    if (failing.length > 0) {
      const c = await runChecked(
        mixConfig(m, { seed: failing[0], timeLimitS: TIME_LIMIT_S, withBug: false }),
      );
      control = c.valid === true ? 'valid' : String(c.valid);
      if (c.valid === false) process.exitCode = 1;
    }
    progress(`${m.bug}: first failing seed ${failing[0] ?? 'none'}, ${failing.length}/${seeds} failing`);
    rows.push([
      m.bug,
      `${m.workload} / ${m.nemesis.join(',')}${m.partitionModes ? ` (${m.partitionModes.join(',')})` : ''}`,
      m.nodes ?? 5,
      failing.length === 0 ? `none in 1..${seeds}` : failing[0],
      anomaly,
      `${failing.length}/${seeds}`,
      unknown,
      control,
      fmt.s((performance.now() - t0) / 1000),
    ]);
  }
  printTable(
    `paxos bug knobs: seeds to first failure (mixes in systems/paxos/bug-mixes.ts, ${TIME_LIMIT_S} s per seed)`,
    [
      'bug',
      'workload / nemesis (partitions)',
      'nodes',
      'first failing seed',
      'anomaly there',
      'failing seeds',
      'unknown',
      'knob off, same seed',
      'wall',
    ],
    rows,
  );
}

function speedOnce(system: string, rateOpsPerS: number): { ops: number; wallS: number; simS: number } {
  const history = new MemoryHistorySink();
  const t0 = performance.now();
  const s = simulate(
    {
      system,
      workload: 'register',
      nemesis: [],
      seed: 1,
      timeLimitS: TIME_LIMIT_S,
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

function measure(
  system: string,
  rate: number,
): { ops: number; wall: number; opsPerS: number; compression: number } {
  // Warm-up: a 30 s run is short enough (0.1-0.5 s) that one run leaves the JIT half done.
  for (let i = 0; i < WARM_UP_RUNS; i++) speedOnce(system, rate);
  const runs = Array.from({ length: MEASURED_RUNS }, () => speedOnce(system, rate));
  const wall = median(runs.map((r) => r.wallS));
  return { ops: runs[0].ops, wall, opsPerS: runs[0].ops / wall, compression: runs[0].simS / wall };
}

function speed(): void {
  const rows: (string | number)[][] = [];
  for (const rate of [5000, 150, 100]) {
    const p = measure('paxos', rate);
    const r = measure('raft', rate);
    rows.push([
      rate >= 5000 ? `${rate} (saturated)` : String(rate),
      fmt.int(p.ops),
      fmt.s(p.wall),
      fmt.int(p.opsPerS),
      `${p.compression.toFixed(0)}×`,
      // The saturated row shows the ceiling; the targets apply to a moderate offered load.
      rate >= 5000
        ? '-'
        : `${p.opsPerS >= 20_000 ? 'met' : 'MISSED'} / ${p.compression >= 200 ? 'met' : 'MISSED'}`,
      `${fmt.int(r.opsPerS)} / ${r.compression.toFixed(0)}×`,
      fmt.ratio(p.opsPerS / r.opsPerS),
    ]);
  }
  printTable(
    `paxos speed: 5 nodes, 10 clients, register, no faults, ${TIME_LIMIT_S} simulated s (targets ≥ 20,000 ops/s and ≥ 200×); raft in the same run`,
    [
      'offered ops/s',
      'completed ops',
      'wall (median)',
      'ops per wall s',
      'sim s per wall s',
      'targets',
      'raft ops/s / sim×',
      'paxos/raft',
    ],
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
  // One worker thread by default (`workers=K` for more): seed counts do not depend on it, wall times do.
  const workers = Number(args.find((a) => a.startsWith('workers='))?.slice(8) ?? 1);
  if (!only || only === 'search')
    await searchKnobs(
      'paxos',
      paxos.bugs.map((b) => b.name),
      seeds,
      workers,
    );
  if (!only || only === 'safety') await safety(seeds);
}
