/**
 * `npm run bench -- search [max=N] [correct=N] [throughput=N] [rounds=N] [shrink-s=S] [only=knobs,shrink,correct,throughput]`:
 * the seeded failure search under the default swarm.
 *
 * 1. knobs: for every Raft bug knob, `faultline search --system raft --bug
 *    KNOB` with nothing else given (every other dimension drawn per seed):
 *    the first failing seed of 1..max (default 100). Targets: ≤ 50 for each
 *    knob, median over the knobs ≤ 10.
 * 2. shrink: each knob's first failure shrunk (default budget 60 s):
 *    client operations before / after, and the shrunk scenario re-run to
 *    show it still fails with the same anomaly class. Target: median ratio ≥ 10×.
 * 3. correct: the correct system (no knob) over seeds 1..correct (default
 *    500): every seed must be valid.
 * 4. throughput: what a user runs, `faultline search --system raft --seeds
 *    1..N --workers W --collect all --no-shrink --json` (N = throughput,
 *    default 300) as a whole process (bin/faultline.js over dist/, built
 *    first), W = 1 and 2, in `rounds` (default 3) alternating rounds: seeds
 *    per second over the process's whole wall time (start-up included), the
 *    search's own rate (its summary), and CPU seconds over wall seconds (how
 *    much of the machine it got; GNU time's user + sys, '-' without it). The
 *    ratio is the median of the rounds' pairwise ratios. Target: 2 workers ≥
 *    1.7× one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasAnomaly } from '../src/search/anomaly.js';
import { runScenario } from '../src/search/scenario.js';
import { search } from '../src/search/search.js';
import { shrinkScenario } from '../src/search/shrink.js';
import type { SearchFailure } from '../src/search/types.js';
import { raft } from '../systems/raft/index.js';
import { prepareDist } from './_elle-process.js';
import { fmt, median, printTable } from './_table.js';

function arg(args: string[], name: string, fallback: number): number {
  const a = args.find((x) => x.startsWith(`${name}=`));
  return a ? Number(a.slice(name.length + 1)) : fallback;
}

function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

const ISO = new Date().toISOString();

export default async function main(args: string[]): Promise<void> {
  const only = (args.find((a) => a.startsWith('only='))?.slice(5) ?? 'knobs,shrink,correct,throughput').split(
    ',',
  );
  const max = arg(args, 'max', 100);
  const correctSeeds = arg(args, 'correct', 500);
  const throughputSeeds = arg(args, 'throughput', 300);
  const rounds = arg(args, 'rounds', 3);
  const shrinkMs = arg(args, 'shrink-s', 60) * 1000;
  const workers = 2;
  process.stdout.write(
    'machine note: figures taken while other work shares the CPUs are noisy (seeds/s, shrink budgets); seed counts are not\n',
  );

  const firsts: { knob: string; failure?: SearchFailure; seedsRun: number; wallS: number }[] = [];
  if (only.includes('knobs') || only.includes('shrink')) {
    for (const knob of raft.bugs.map((b) => b.name)) {
      const s = await search({
        fixed: { system: 'raft', bugs: [knob] },
        seeds: { from: 1, to: max },
        workers,
        stop: { kind: 'first' },
        shrink: false,
        startedAtIso: ISO,
      });
      const f = s.failures[0];
      progress(`${knob}: ${f ? `seed ${f.seed} (${f.anomaly})` : `none in 1..${max}`}`);
      firsts.push({ knob, ...(f ? { failure: f } : {}), seedsRun: s.counts.seeds, wallS: s.wallSeconds });
    }
  }
  if (only.includes('knobs')) {
    const seedsTo = firsts.map((x) => x.failure?.seed ?? Number.POSITIVE_INFINITY);
    printTable(
      `Raft bug knobs: first failing seed under the default swarm (only --bug given), seeds 1..${max}`,
      ['knob', 'first failing seed', 'anomaly', 'drawn workload / nodes / faults', 'target ≤ 50'],
      firsts.map((x) => [
        x.knob,
        x.failure ? x.failure.seed : `none ≤ ${max}`,
        x.failure?.anomaly ?? '',
        x.failure
          ? `${x.failure.config.workload} / ${x.failure.config.nodes} / ${x.failure.config.nemesis.join(',')}`
          : '',
        (x.failure?.seed ?? Number.POSITIVE_INFINITY) <= 50 ? 'met' : 'MISSED',
      ]),
    );
    const m = median(seedsTo);
    process.stdout.write(
      `median over the knobs: ${Number.isFinite(m) ? m : `> ${max}`} (target ≤ 10: ${m <= 10 ? 'met' : 'MISSED'})\n`,
    );
  }

  if (only.includes('shrink')) {
    const rows: (string | number)[][] = [];
    const ratios: number[] = [];
    for (const x of firsts) {
      if (!x.failure) {
        rows.push([x.knob, '-', '-', '-', '-', 'no failure to shrink']);
        continue;
      }
      const t0 = performance.now();
      const r = await shrinkScenario({ config: x.failure.config }, x.failure.anomaly, {
        timeLimitMs: shrinkMs,
      });
      // The shrunk scenario, run again from scratch, must still fail with the same class.
      const again = await runScenario(r.shrunk);
      const same = again.valid === false && hasAnomaly(again.anomaly, x.failure.anomaly);
      const ratio = r.before.ops / Math.max(1, r.after.ops);
      ratios.push(same ? ratio : 0);
      progress(
        `${x.knob}: ${r.before.ops} → ${r.after.ops} ops in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      rows.push([
        x.knob,
        x.failure.anomaly,
        r.before.ops,
        r.after.ops,
        fmt.ratio(ratio),
        `${r.before.faults}→${r.after.faults} faults, ${r.before.clients}→${r.after.clients} clients, ${r.before.nodes}→${r.after.nodes} nodes, ${r.before.timeS.toFixed(1)}→${r.after.timeS.toFixed(1)} s; ${r.runs} runs${r.complete ? '' : ' (budget ran out)'}; shrunk fails with ${x.failure.anomaly}: ${same ? 'yes' : 'NO'}`,
      ]);
    }
    printTable(
      `Shrinking each knob's first failure (budget ${shrinkMs / 1000} s each)`,
      ['knob', 'anomaly', 'ops before', 'ops after', 'ratio', 'other sizes; check'],
      rows,
    );
    const m = ratios.length > 0 ? median(ratios) : 0;
    process.stdout.write(
      `median shrink ratio: ${fmt.ratio(m)} (target ≥ 10×: ${m >= 10 ? 'met' : 'MISSED'})\n`,
    );
  }

  if (only.includes('correct')) {
    const s = await search({
      fixed: { system: 'raft' },
      seeds: { from: 1, to: correctSeeds },
      workers,
      stop: { kind: 'all' },
      shrink: false,
      startedAtIso: ISO,
      onProgress: (p) => {
        if (p.done % 50 === 0) progress(`correct system: ${p.done}/${p.total} seeds`);
      },
    });
    printTable(
      `Correct Raft (no knob) under the default swarm, seeds 1..${correctSeeds}`,
      ['seeds', 'valid', 'INVALID', 'unknown', 'wall s', 'seeds/s', 'target: all valid'],
      [
        [
          s.counts.seeds,
          s.counts.valid,
          s.counts.invalid,
          s.counts.unknown,
          s.wallSeconds.toFixed(1),
          s.seedsPerSecond.toFixed(2),
          s.counts.valid === correctSeeds ? 'met' : 'MISSED',
        ],
      ],
    );
    for (const f of s.failures)
      process.stdout.write(`  INVALID seed ${f.seed}: ${f.anomaly}; replay: ${f.replay}\n`);
    for (const u of s.unknown) process.stdout.write(`  unknown seed ${u.seed}: ${u.reason}\n`);
  }

  if (only.includes('throughput')) {
    // Rounds of 1 then 2 workers (order alternating from round to round), so
    // that drift in what else the machine runs falls on both alike; the
    // ratio is the median of the rounds' pairwise ratios.
    const rates: (Throughput & { round: number })[] = [];
    const ratios: number[] = [];
    progress(prepareDist(true));
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [1, 2] : [2, 1];
      const byWorkers = new Map<number, number>();
      for (const w of order) {
        const r = await measureThroughput(w, throughputSeeds);
        rates.push({ round, ...r });
        byWorkers.set(w, r.perS);
        progress(`round ${round}, ${w} worker${w > 1 ? 's' : ''}: ${r.perS.toFixed(2)} seeds/s`);
      }
      ratios.push((byWorkers.get(2) ?? 0) / (byWorkers.get(1) ?? 1));
    }
    const ratio = median(ratios);
    printTable(
      `Search throughput, correct Raft, seeds 1..${throughputSeeds}, \`faultline search\` as a whole process, ${rounds} rounds`,
      [
        'round',
        'workers',
        'seeds/s (process)',
        'seeds/s (search)',
        'wall s',
        'cpu s',
        'cpu / wall',
        'round ratio',
      ],
      rates.map((r) => [
        r.round,
        r.workers,
        r.perS.toFixed(2),
        r.searchPerS.toFixed(2),
        r.wallS.toFixed(1),
        r.cpuS === undefined ? '-' : r.cpuS.toFixed(1),
        r.cpuS === undefined ? '-' : (r.cpuS / r.wallS).toFixed(2),
        r.workers === 2 ? fmt.ratio(ratios[r.round - 1]) : '',
      ]),
    );
    process.stdout.write(
      `2 workers / 1 worker: ${fmt.ratio(ratio)}, median of ${rounds} rounds (${ratios.map((x) => fmt.ratio(x)).join(', ')}) (target ≥ 1.7×: ${ratio >= 1.7 ? 'met' : 'MISSED'}); cpu / wall shows how much of the machine the search got\n`,
    );
  }
}

interface Throughput {
  workers: number;
  /** Seeds over the whole process's wall seconds; the search's own rate (its summary: thread start-up on, process start-up off). */
  perS: number;
  searchPerS: number;
  wallS: number;
  /** User + system CPU seconds of the process (GNU time), when measured. */
  cpuS?: number;
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const GNU_TIME = '/usr/bin/time';
let haveGnuTime: boolean | undefined;

/** `faultline search` of the correct system over seeds 1..seeds with w worker threads, as a whole process. */
async function measureThroughput(w: number, seeds: number): Promise<Throughput> {
  haveGnuTime ??= spawnSync(GNU_TIME, ['-f', '%U', 'true']).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-search-'));
  const timeFile = join(dir, 'time.txt');
  const argv = [
    process.execPath,
    join(REPO, 'bin', 'faultline.js'),
    'search',
    '--system',
    'raft',
    '--seeds',
    `1..${seeds}`,
    '--workers',
    String(w),
    '--collect',
    'all',
    '--no-shrink',
    '--json',
    '--store',
    join(dir, 'store'),
  ];
  const command = haveGnuTime ? [GNU_TIME, '-f', '%U %S', '-o', timeFile, ...argv] : argv;
  try {
    const t0 = performance.now();
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((done, fail) => {
      const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d;
      });
      child.on('error', fail);
      child.on('close', (c) => done({ code: c, stdout: out, stderr: err }));
    });
    const wallS = (performance.now() - t0) / 1000;
    // 0: every seed valid; 2: some unknown (a seed whose checker had nothing to go on), none failed.
    if (code !== 0 && code !== 2)
      throw new Error(
        `faultline search exited ${code} (the correct system must not fail): ${stderr.slice(0, 500)}`,
      );
    const summary = JSON.parse(stdout) as { seedsPerSecond: number };
    const cpu = haveGnuTime
      ? readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number)
      : undefined;
    return {
      workers: w,
      perS: seeds / wallS,
      searchPerS: summary.seedsPerSecond,
      wallS,
      cpuS: cpu ? cpu[0] + cpu[1] : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
