/**
 * `npm run bench -- twopc [quick] [seeds=N] [workers=K] [only=safety|bugs|search|speed|doubt]`:
 * the 2PC and 3PC reference systems side by side.
 *
 * 1. Safety (seeds 1..N, 20 s each): 2PC under kill,partition,pause and
 *    3PC under kill,pause must be valid for list-append and bank; 3PC under
 *    partition is expected to fail (atomicity): its first failing seed.
 * 2. Bug knobs: each 2PC knob's mix (systems/twopc/bug-mixes.ts) over seeds
 *    1..N for list-append and bank: the first failing seed, how many fail,
 *    and the anomaly the checker names at the first failure.
 * 3. Search: for each 2PC knob, `faultline search --system twopc --bug
 *    KNOB` with nothing else given (bench/_search-knobs.ts): the first
 *    failing seed of 1..N, the anomaly there, and the same drawn
 *    configuration with the knob off (must be valid).
 * 4. Speed: committed transactions per wall second and abort rate, no faults
 *    and under kill, 2PC beside 3PC (median of 3 after a warm-up).
 * 5. In doubt: the coordinator crashed on a schedule under a steady load
 *    (seeds 1..20): how long prepared transactions waited for their outcome,
 *    blocked transactions and unavailable keys, 2PC beside 3PC.
 */
import { findChecker } from '../checkers/registry.js';
import type { CheckResult } from '../checkers/types.js';
import type { RunConfig } from '../src/runner/config.js';
import { MemoryHistorySink } from '../src/runner/recorder.js';
import { type SimulationSummary, simulate } from '../src/runner/simulate.js';
import { search } from '../src/search/search.js';
import { NS_PER_MS, Simulation } from '../src/sim/simulation.js';
import type { SystemDefinition } from '../src/sim/types.js';
import { threepc } from '../systems/threepc/index.js';
import { BUG_MIXES, MIX_WORKLOADS, mixConfig, mixFlags } from '../systems/twopc/bug-mixes.js';
import { twopc } from '../systems/twopc/index.js';
import { findWorkload } from '../workloads/registry.js';
import { searchKnobs } from './_search-knobs.js';
import { fmt, median, printTable } from './_table.js';

const CHECK_TIME_LIMIT_MS = 20_000;
const TIME_LIMIT_S = 20;

function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

interface Checked {
  result: CheckResult;
  summary: SimulationSummary;
}

async function runChecked(config: Partial<RunConfig> & { seed: number }): Promise<Checked> {
  const history = new MemoryHistorySink();
  const summary = simulate(config, { history });
  const workload = findWorkload(config.workload ?? '');
  const checker = workload && findChecker(workload.checker.name);
  if (!workload || !checker) throw new Error(`no registered checker for workload ${config.workload}`);
  const result = await checker.check(history.ops, {
    ...workload.checker.options,
    timeLimitMs: CHECK_TIME_LIMIT_MS,
  });
  return { result, summary };
}

/** The anomaly names a checker reports (Elle's anomaly types, the bank checker's error types). */
export function anomalyNames(r: CheckResult): string[] {
  const elle = r['anomaly-types'];
  if (Array.isArray(elle)) return elle as string[];
  const bank = r.errorTypes;
  if (Array.isArray(bank))
    return (bank as string[]).map((t) => (t === 'wrong-total' ? 'changed bank total' : t));
  return [];
}

interface Sweep {
  valid: number;
  failing: number[];
  unknown: number;
  firstAnomalies: string[];
  wallS: number;
}

async function sweep(
  seeds: number,
  config: (seed: number) => Partial<RunConfig> & { seed: number },
): Promise<Sweep> {
  const t0 = performance.now();
  const out: Sweep = { valid: 0, failing: [], unknown: 0, firstAnomalies: [], wallS: 0 };
  for (let seed = 1; seed <= seeds; seed++) {
    const { result } = await runChecked(config(seed));
    if (result.valid === true) out.valid++;
    else if (result.valid === 'unknown') out.unknown++;
    else {
      if (out.failing.length === 0) out.firstAnomalies = anomalyNames(result);
      out.failing.push(seed);
    }
  }
  out.wallS = (performance.now() - t0) / 1000;
  return out;
}

async function safety(seeds: number): Promise<void> {
  const cases: { system: string; nemesis: RunConfig['nemesis']; expect: 'valid' | 'invalid' }[] = [
    { system: 'twopc', nemesis: ['kill', 'partition', 'pause'], expect: 'valid' },
    { system: 'threepc', nemesis: ['kill', 'pause'], expect: 'valid' },
    { system: 'threepc', nemesis: ['partition'], expect: 'invalid' },
  ];
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    for (const workload of MIX_WORKLOADS) {
      const s = await sweep(seeds, (seed) => ({
        system: c.system,
        workload,
        nemesis: c.nemesis,
        seed,
        timeLimitS: TIME_LIMIT_S,
      }));
      progress(
        `${c.system} ${workload} ${c.nemesis.join(',')}: ${s.valid} valid, ${s.failing.length} invalid`,
      );
      const met = c.expect === 'valid' ? s.failing.length === 0 && s.unknown === 0 : s.failing.length > 0;
      if (!met) process.exitCode = 1;
      rows.push([
        c.system,
        workload,
        c.nemesis.join(','),
        `1..${seeds}`,
        s.valid,
        s.failing.length,
        s.unknown,
        s.failing[0] ?? '-',
        s.firstAnomalies.join(', ') || '-',
        `${c.expect}: ${met ? 'met' : 'MISSED'}`,
        fmt.s(s.wallS),
      ]);
    }
  }
  printTable(
    `safety: ${TIME_LIMIT_S} s per seed (3PC under partition is expected to lose atomicity)`,
    [
      'system',
      'workload',
      'nemesis',
      'seeds',
      'valid',
      'invalid',
      'unknown',
      'first invalid',
      'anomaly',
      'expected',
      'wall',
    ],
    rows,
  );
}

async function bugs(seeds: number): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const m of BUG_MIXES) {
    for (const workload of MIX_WORKLOADS) {
      const s = await sweep(seeds, (seed) => mixConfig(m, workload, { seed, timeLimitS: TIME_LIMIT_S }));
      progress(
        `${m.bug} ${workload}: first failing seed ${s.failing[0] ?? 'none'}, ${s.failing.length}/${seeds}`,
      );
      if (s.failing.length === 0) process.exitCode = 1;
      rows.push([
        m.bug,
        workload,
        mixFlags(m, workload).replace(/^--system twopc --bug \S+ --workload \S+ /, ''),
        s.failing[0] ?? `none in 1..${seeds}`,
        `${s.failing.length}/${seeds}`,
        s.unknown,
        s.firstAnomalies.join(', ') || '-',
        fmt.s(s.wallS),
      ]);
    }
  }
  printTable(
    `twopc bug knobs: seeds to first failure (mixes in systems/twopc/bug-mixes.ts, ${TIME_LIMIT_S} s per seed)`,
    [
      'bug',
      'workload',
      'mix',
      'first failing seed',
      'failing seeds',
      'unknown',
      'anomaly at first failure',
      'wall',
    ],
    rows,
  );
}

function throughputOnce(system: string, nemesis: RunConfig['nemesis'], load: Load) {
  const history = new MemoryHistorySink();
  const t0 = performance.now();
  const s = simulate(
    {
      system,
      workload: 'list-append',
      nemesis,
      seed: 1,
      timeLimitS: 30,
      rateOpsPerS: load.rateOpsPerS,
      concurrency: load.concurrency,
      recoveryMs: 0,
    },
    { history },
  );
  const wallS = (performance.now() - t0) / 1000;
  const committed = s.systemMetrics?.txnsCommitted ?? 0;
  const aborted = s.systemMetrics?.txnsAborted ?? 0;
  return { wallS, committed, aborted, simS: s.simulatedNs / 1e9 };
}

interface Load {
  rateOpsPerS: number;
  concurrency: number;
}

const LOADS: readonly Load[] = [
  { rateOpsPerS: 200, concurrency: 10 },
  { rateOpsPerS: 5000, concurrency: 20 },
];

function speed(): void {
  const rows: (string | number)[][] = [];
  for (const load of LOADS)
    for (const nemesis of [[], ['kill']] as RunConfig['nemesis'][]) {
      for (const system of ['twopc', 'threepc']) {
        throughputOnce(system, nemesis, load); // warm-up
        const runs = [0, 1, 2].map(() => throughputOnce(system, nemesis, load));
        const wall = median(runs.map((r) => r.wallS));
        const { committed, aborted, simS } = runs[0];
        rows.push([
          system,
          `${load.rateOpsPerS} / ${load.concurrency}`,
          nemesis.join(',') || 'none',
          fmt.int(committed),
          fmt.int(committed / simS),
          fmt.int(committed / wall),
          `${((100 * aborted) / Math.max(1, committed + aborted)).toFixed(1)}%`,
          fmt.s(wall),
        ]);
      }
    }
  printTable(
    'throughput: list-append (5 active keys, up to 4 micro-ops), 4 nodes (1 coordinator + 3 shards), 30 simulated s, median of 3; abort rate = aborted / decided',
    [
      'system',
      'offered txn/s / clients',
      'nemesis',
      'committed',
      'committed per sim s',
      'committed per wall s',
      'abort rate',
      'wall',
    ],
    rows,
  );
}

/**
 * The coordinator crashes on a schedule (down 3 s at 2 s, 8 s, 14 s, …)
 * while 10 scripted clients keep sending list-append transactions over 20
 * keys to the shards' frontends; the same load and schedule for both
 * systems. Their metrics say how long prepared transactions stayed in doubt
 * and how many keys stayed locked meanwhile.
 */
function coordinatorCrashes(system: SystemDefinition, seed: number): Record<string, number> {
  const sim = new Simulation({ seed, system, nodeCount: 4 });
  const rng = sim.random.stream('bench-clients');
  const frontends = ['n2', 'n3', 'n4'];
  for (let c = 1; c <= 10; c++) {
    let msgId = 0;
    let pending = 0;
    const client = sim.addClient(`c${c}`, (msg) => {
      if (msg.body.in_reply_to === pending) next();
    });
    const next = () => {
      const id = ++msgId;
      pending = id;
      const txn = [0, 1, 2].map(() => ['append', rng.int(20), id * 100 + c]);
      client.send(rng.pick(frontends), { type: 'txn', txn, msg_id: id });
      sim.schedule(1000 * NS_PER_MS, () => {
        if (pending === id) next();
      });
    };
    sim.schedule(rng.int(50) * NS_PER_MS, next);
  }
  for (let t = 2000; t < 30_000; t += 6000) {
    sim.scheduleAt(t * NS_PER_MS, () => sim.crash('n1'));
    sim.scheduleAt((t + 3000) * NS_PER_MS, () => sim.restart('n1'));
  }
  sim.run(32_000 * NS_PER_MS);
  return sim.systemMetrics();
}

function doubt(seeds: number): void {
  const rows: (string | number)[][] = [];
  for (const system of [twopc, threepc]) {
    const all = Array.from({ length: seeds }, (_, i) => coordinatorCrashes(system, i + 1));
    const sum = (k: string) => all.reduce((n, m) => n + (m[k] ?? 0), 0);
    const blocked = sum('blockedTxns');
    rows.push([
      system.name,
      `1..${seeds}`,
      blocked,
      blocked > 0 ? fmt.int(sum('blockedMsTotal') / blocked) : '-',
      fmt.int(median(all.map((m) => m.inDoubtMsMax ?? 0))),
      fmt.int(Math.max(...all.map((m) => m.inDoubtMsMax ?? 0))),
      (sum('unavailableKeyMs') / 1000 / seeds).toFixed(1),
      Math.max(...all.map((m) => m.unavailableKeysMax ?? 0)),
      fmt.int(sum('txnsCommitted') / seeds),
    ]);
  }
  printTable(
    'in doubt after coordinator crashes: n1 down 3 s every 6 s (5 crashes in 30 s), 10 clients, list-append over 20 keys; per seed',
    [
      'system',
      'seeds',
      'blocked txns (in doubt ≥ 400 ms)',
      'mean ms a blocked txn waited',
      'longest in doubt, median ms',
      'longest in doubt, max ms',
      'unavailable key·s per seed',
      'unavailable keys at once, max',
      'committed per seed',
    ],
    rows,
  );
}

/** 3PC under `faultline search --nemesis partition`: its expected loss of atomicity, found by the swarm. */
async function searchThreepcPartition(seeds: number, workers: number): Promise<void> {
  const s = await search({
    fixed: { system: 'threepc', nemesis: ['partition'] },
    seeds: { from: 1, to: seeds },
    workers,
    stop: { kind: 'first' },
    shrink: false,
    startedAtIso: new Date().toISOString(),
  });
  const f = s.failures[0];
  if (!f) process.exitCode = 1;
  printTable(
    `threepc under partitions by search (only --nemesis partition given), seeds 1..${seeds}: atomicity is expected to break`,
    ['first failing seed', 'anomaly', 'drawn there', 'wall s'],
    [
      [
        f ? f.seed : `none in 1..${seeds}`,
        f ? `${f.anomaly}${f.checkSummary ? ` (${f.checkSummary})` : ''}` : '-',
        f
          ? `${f.config.workload}, ${f.config.nodes} nodes, partitions ${f.config.partitionModes.join(',')}`
          : '-',
        s.wallSeconds.toFixed(1),
      ],
    ],
  );
}

export default async function main(args: string[]): Promise<void> {
  const quick = args.includes('quick');
  const seedsArg = args.find((a) => a.startsWith('seeds='));
  const seeds = seedsArg ? Number(seedsArg.slice(6)) : quick ? 20 : 200;
  const only = args.find((a) => a.startsWith('only='))?.slice(5);
  if (!only || only === 'speed') speed();
  if (!only || only === 'doubt') doubt(Math.min(seeds, 20));
  if (!only || only === 'bugs') await bugs(seeds);
  // One worker thread by default (`workers=K` for more): seed counts do not depend on it, wall times do.
  const workers = Number(args.find((a) => a.startsWith('workers='))?.slice(8) ?? 1);
  if (!only || only === 'search') {
    await searchKnobs(
      'twopc',
      twopc.bugs.map((b) => b.name),
      seeds,
      workers,
    );
    await searchThreepcPartition(seeds, workers);
  }
  if (!only || only === 'safety') await safety(seeds);
}
