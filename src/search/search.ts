import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { replayCommand } from '../runner/config.js';
import { RunCrashedError, runTest } from '../runner/run-test.js';
import { timestampDirName, writeJson } from '../store/store.js';
import { FAULTLINE_VERSION } from '../version.js';
import { SeedPool } from './pool.js';
import { regressionName, saveRegression, scenarioRegression } from './regression.js';
import { defaultSeedBudget, type SeedBudget } from './scenario.js';
import { runSeed, type SeedResult } from './seed-run.js';
import { type ShrinkOptions, type ShrinkResult, shrinkScenario } from './shrink.js';
import type { SwarmFixed } from './swarm.js';
import type { SearchFailure, SearchSummary, Shard, ShrunkSummary, StopRule } from './types.js';

/**
 * `faultline search` as a function: run seeds (each under its own swarm
 * configuration) on worker threads until the stop rule is met, then write
 * each failure's run directory, shrink it, and save it on request.
 *
 * Which failures are reported does not depend on which worker was faster:
 * once a failure is found no seed past it is started, the seeds before it
 * all finish, and the lowest failing seeds are the ones kept.
 */
export interface SearchOptions {
  fixed: SwarmFixed;
  seeds: { from: number; to: number };
  shard?: Shard;
  /** Worker threads; 0 runs the seeds in this thread. Default: one per core. */
  workers?: number;
  stop?: StopRule;
  /** Start no new seed after this many wall-clock seconds. */
  timeBudgetS?: number;
  /** Per-seed budget (default `defaultSeedBudget`). */
  budget?: Partial<SeedBudget>;
  /** Shrink each failure (default) or not. */
  shrink?: boolean | ShrinkOptions;
  /** Store root: each failure's run, the shrunk scenario and summary.json under `search-<time>/`. Absent: write nothing. */
  storeDir?: string;
  /** Save each (shrunk) failure here as a regression file (`--save`). */
  saveDir?: string;
  /** Real wall-clock start (names the store directory; never seen by a simulation). */
  startedAtIso: string;
  onProgress?: (p: SearchProgress) => void;
  /** Told when shrinking starts and after each kept step. */
  onShrink?: (seed: number, step: { runs: number; ops: number }) => void;
}

export interface SearchProgress {
  done: number;
  total: number;
  failures: number;
  unknown: number;
}

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

/** The seeds of a range that fall to one shard: every n-th, starting at the k-th. */
export function shardSeeds(seeds: { from: number; to: number }, shard?: Shard): number[] {
  const out: number[] = [];
  for (let s = seeds.from; s <= seeds.to; s++) {
    if (!shard || (s - seeds.from) % shard.count === shard.index - 1) out.push(s);
  }
  return out;
}

export async function search(opts: SearchOptions): Promise<SearchSummary> {
  const t0 = performance.now();
  const stop = opts.stop ?? { kind: 'first' };
  const workers = opts.workers ?? defaultWorkerCount();
  const budget: SeedBudget = { ...defaultSeedBudget(Math.max(1, workers)), ...(opts.budget ?? {}) };
  const seeds = shardSeeds(opts.seeds, opts.shard);
  const results = new Map<number, SeedResult>();
  const failing: number[] = [];
  let limitSeed = Number.POSITIVE_INFINITY;
  let stoppedBecause: string | undefined;
  const deadlineMs = opts.timeBudgetS !== undefined ? t0 + opts.timeBudgetS * 1000 : Number.POSITIVE_INFINITY;
  const want = stop.kind === 'first' ? 1 : stop.kind === 'collect' ? stop.count : Number.POSITIVE_INFINITY;

  const record = (r: SeedResult) => {
    results.set(r.seed, r);
    if (r.valid === false) {
      failing.push(r.seed);
      failing.sort((a, b) => a - b);
      // Enough failures: nothing past the n-th lowest needs to run.
      if (failing.length >= want) limitSeed = Math.min(limitSeed, failing[want - 1]);
    }
    let unknown = 0;
    for (const x of results.values()) if (x.valid === 'unknown') unknown++;
    opts.onProgress?.({ done: results.size, total: seeds.length, failures: failing.length, unknown });
  };

  const pool =
    workers > 0
      ? new SeedPool({
          size: Math.min(workers, Math.max(1, seeds.length)),
          input: { fixed: opts.fixed, budget },
          heapMb: Math.ceil((budget.checkMemoryBytes * 2) / 2 ** 20) + 512,
          watchdogMs: 2 * budget.checkTimeLimitMs + 60_000,
        })
      : undefined;
  try {
    let next = 0;
    const nextSeed = (): number | undefined => {
      if (next >= seeds.length) return undefined;
      if (seeds[next] > limitSeed) {
        stoppedBecause ??= stop.kind === 'first' ? 'a failure was found' : `${want} failures were found`;
        return undefined;
      }
      if (performance.now() >= deadlineMs) {
        stoppedBecause ??= `the time budget (${opts.timeBudgetS} s) ran out`;
        return undefined;
      }
      return seeds[next++];
    };
    if (pool) {
      const lane = async () => {
        for (let s = nextSeed(); s !== undefined; s = nextSeed()) record(await pool.run(s));
      };
      await Promise.all(Array.from({ length: pool.size }, lane));
    } else {
      for (let s = nextSeed(); s !== undefined; s = nextSeed()) {
        record(await runSeed(s, opts.fixed, budget));
        // Let progress and signals through between seeds.
        await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    await pool?.close();
  }

  const searchDir =
    opts.storeDir !== undefined
      ? join(opts.storeDir, `search-${timestampDirName(opts.startedAtIso)}`)
      : undefined;
  const kept = failing.slice(0, want === Number.POSITIVE_INFINITY ? failing.length : want);
  const failures: SearchFailure[] = [];
  for (const seed of kept) {
    const r = results.get(seed)!;
    const config = r.config!;
    const f: SearchFailure = {
      seed,
      anomaly: r.anomaly ?? 'unknown',
      anomalies: r.anomalies ?? [],
      config,
      historySha256: r.historySha256,
      opCount: r.opCount,
      replay: replayCommand(config, opts.storeDir),
    };
    if (r.checkSummary !== undefined) f.checkSummary = r.checkSummary;
    if (searchDir) {
      const run = await runIntoStore(config, {
        storeDir: opts.storeDir,
        dir: join(searchDir, `seed-${seed}`),
        startedAtIso: opts.startedAtIso,
        checkTimeLimitMs: budget.checkTimeLimitMs,
      });
      f.runDir = run.dir;
      if (run.historySha256 !== undefined && run.historySha256 !== r.historySha256)
        throw new Error(
          `determinism broke: seed ${seed} gave history ${r.historySha256} in the search and ${run.historySha256} when re-run`,
        );
    }
    const shrinkOpts = typeof opts.shrink === 'object' ? opts.shrink : {};
    let shrunk: ShrinkResult | undefined;
    if (opts.shrink !== false) {
      opts.onShrink?.(seed, { runs: 0, ops: r.opCount });
      shrunk = await shrinkScenario({ config }, f.anomaly, {
        ...shrinkOpts,
        budget: shrinkOpts.budget ?? budget,
        onStep: (s) => opts.onShrink?.(seed, { runs: s.runs, ops: s.size.ops }),
      });
      f.shrunk = shrunkSummary(shrunk);
    }
    const regression = scenarioRegression(
      shrunk ? shrunk.shrunk : { config },
      shrunk
        ? shrunk.outcome
        : {
            valid: false,
            anomaly: f.anomaly,
            anomalies: f.anomalies,
            historySha256: f.historySha256,
            opCount: f.opCount,
          },
      { seed, shrunkFrom: shrunk ? shrunk.before : undefined },
    );
    if (searchDir && f.shrunk) {
      const file = join(searchDir, `seed-${seed}.json`);
      saveRegression(file, regression);
      f.shrunk.file = file;
      f.shrunk.replay = `npx faultline replay ${file}`;
      const run = await runIntoStore(regression.config, {
        storeDir: opts.storeDir,
        dir: join(searchDir, `seed-${seed}-shrunk`),
        startedAtIso: opts.startedAtIso,
        checkTimeLimitMs: budget.checkTimeLimitMs,
        ...(regression.schedule ? { schedule: regression.schedule } : {}),
        replay: f.shrunk.replay,
      });
      f.shrunk.runDir = run.dir;
    }
    if (opts.saveDir !== undefined) {
      const file = join(opts.saveDir, `${regressionName(regression)}.json`);
      saveRegression(file, regression);
      f.saved = file;
      if (f.shrunk) f.shrunk.replay = `npx faultline replay ${file}`;
    }
    failures.push(f);
  }

  const ordered = [...results.values()].sort((a, b) => a.seed - b.seed);
  const wallSeconds = (performance.now() - t0) / 1000;
  const summary: SearchSummary = {
    kind: 'faultline-search',
    faultlineVersion: FAULTLINE_VERSION,
    startedAt: opts.startedAtIso,
    ...(searchDir ? { dir: searchDir } : {}),
    request: {
      fixed: opts.fixed,
      seeds: opts.seeds,
      shard: opts.shard ?? null,
      stop,
      workers,
    },
    counts: {
      seeds: ordered.length,
      valid: ordered.filter((r) => r.valid === true).length,
      invalid: ordered.filter((r) => r.valid === false).length,
      unknown: ordered.filter((r) => r.valid === 'unknown').length,
      notRun: seeds.length - ordered.length,
    },
    wallSeconds,
    seedsPerSecond: ordered.length / Math.max(wallSeconds, 1e-9),
    seeds: ordered.map((r) => ({
      seed: r.seed,
      valid: r.valid,
      opCount: r.opCount,
      wallMs: r.wallMs,
      ...(r.anomaly !== undefined ? { anomaly: r.anomaly } : {}),
    })),
    failures,
    unknown: ordered
      .filter((r) => r.valid === 'unknown')
      .map((r) => ({
        seed: r.seed,
        reason: r.unknownReason ?? 'unknown',
        replay: r.config ? replayCommand(r.config, opts.storeDir) : '',
      })),
    ...(stoppedBecause ? { stoppedBecause } : {}),
  };
  if (searchDir) {
    mkdirSync(searchDir, { recursive: true });
    writeJson(join(searchDir, 'summary.json'), summary);
  }
  return summary;
}

/**
 * `runTest` into the search's directory. A seed whose system crashed (a
 * failure of its own, `crashed`) leaves its run directory with the history
 * so far; there is no finished history to hash.
 */
async function runIntoStore(
  config: Parameters<typeof runTest>[0],
  opts: Parameters<typeof runTest>[1],
): Promise<{ dir: string; historySha256?: string }> {
  try {
    const run = await runTest(config, opts);
    return { dir: run.dir, historySha256: run.historySha256 };
  } catch (err) {
    if (err instanceof RunCrashedError) return { dir: err.dir };
    throw err;
  }
}

function shrunkSummary(s: ShrinkResult): ShrunkSummary {
  return {
    anomaly: s.anomaly,
    opsBefore: s.before.ops,
    opsAfter: s.after.ops,
    faultsBefore: s.before.faults,
    faultsAfter: s.after.faults,
    clientsBefore: s.before.clients,
    clientsAfter: s.after.clients,
    nodesBefore: s.before.nodes,
    nodesAfter: s.after.nodes,
    timeBeforeS: s.before.timeS,
    timeAfterS: s.after.timeS,
    historySha256: s.outcome.historySha256,
    runs: s.runs,
    wallSeconds: s.wallMs / 1000,
  };
}
