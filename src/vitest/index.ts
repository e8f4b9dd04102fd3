/**
 * faultline in vitest: `import { replayRegressions, searchSeeds, simulate } from 'faultline/vitest'`.
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { replayRegressions, searchSeeds } from 'faultline/vitest';
 *
 * replayRegressions('regressions');            // one test per saved scenario
 *
 * describe('raft', () => {
 *   it('survives 200 seeds of faults', async () => {
 *     await searchSeeds({ system: 'raft', seeds: 200 });   // fails with the seed, anomaly, shrunk scenario, replay
 *   });
 * });
 * ```
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'vitest';
import { resolveTarget, type Target } from '../plugins/target.js';
import type { RunConfig } from '../runner/config.js';
import type { Schedule, ScheduledOp } from '../runner/schedule.js';
import { type ReplayResult, regressionFiles, replayRegression } from '../search/regression.js';
import { search } from '../search/search.js';
import type { SwarmFixed } from '../search/swarm.js';
import type { SearchFailure, SearchSummary, StopRule } from '../search/types.js';

export type { ReplayResult } from '../search/regression.js';
export type { SearchFailure, SearchSummary } from '../search/types.js';

export interface ReplayRegressionsOptions {
  /** Name of the describe block (default `faultline regressions in DIR`). */
  name?: string;
  /** Per-file test timeout, ms (default 60 s). */
  timeoutMs?: number;
  /** Rewrite files whose outcome changed instead of failing (as `faultline replay --update`). */
  update?: boolean;
}

/**
 * One test case per saved scenario in `path` (a regression file or a
 * directory of them): each re-runs its scenario and fails, naming what
 * changed, when its verdict, anomaly or history hash differs from the file.
 */
export function replayRegressions(path: string, opts: ReplayRegressionsOptions = {}): void {
  const files = regressionFiles(path);
  describe(opts.name ?? `faultline regressions in ${path}`, () => {
    for (const file of files) {
      it(
        basename(file, '.json'),
        async () => {
          const r: ReplayResult = await replayRegression(file, { update: opts.update === true });
          if (!r.ok && !r.updated) throw new Error(`${file}: ${r.message}`);
        },
        opts.timeoutMs ?? 60_000,
      );
    }
  });
}

export interface SearchSeedsOptions {
  system: string;
  bugs?: string[];
  systemOptions?: string[];
  /** Fix dimensions of the swarm (workload, nemesis, nodes, …); the rest is drawn per seed. */
  fixed?: Partial<Omit<RunConfig, 'seed' | 'system' | 'bugs' | 'systemOptions'>>;
  /** Seeds 1..N, or a range (default 1..100). */
  seeds?: number | { from: number; to: number };
  /** Worker threads (default 0: the test's own thread). */
  workers?: number;
  /** Shrink the failure before reporting it (default true). */
  shrink?: boolean;
  /** Wall-clock budget to shrink, ms (default 60 s). */
  shrinkTimeMs?: number;
  /** Store root for the failing run and the shrunk scenario (default `store`); null writes nothing. */
  storeDir?: string | null;
  /** Also save the (shrunk) failure as a regression file here. */
  saveDir?: string;
  /** Fail the test when some seeds are unknown (a budget ran out, or nothing could be judged) and none failed. Default false. */
  failOnUnknown?: boolean;
  stop?: StopRule;
}

/** Thrown by `searchSeeds` when a seed fails: the message reads like fast-check's counterexample. */
export class FaultlineSearchError extends Error {
  override name = 'FaultlineSearchError';
  constructor(
    message: string,
    readonly failure: SearchFailure,
    readonly summary: SearchSummary,
  ) {
    super(message);
  }
}

/**
 * Run a seeded failure search; resolves with the summary when no seed
 * fails, and rejects with a FaultlineSearchError naming the seed, the
 * anomaly, the shrunk scenario and the commands that replay it otherwise.
 */
export function searchSeeds(opts: SearchSeedsOptions): Promise<SearchSummary> {
  return searchFixed(
    {
      ...(opts.fixed ?? {}),
      system: opts.system,
      bugs: opts.bugs ?? [],
      systemOptions: opts.systemOptions ?? [],
    },
    opts,
  );
}

/** The search behind `searchSeeds` and `simulate`: throws the counterexample of the first failure. */
async function searchFixed(
  fixed: SwarmFixed,
  opts: Omit<SearchSeedsOptions, 'system' | 'bugs' | 'systemOptions' | 'fixed'>,
): Promise<SearchSummary> {
  const seeds =
    opts.seeds === undefined
      ? { from: 1, to: 100 }
      : typeof opts.seeds === 'number'
        ? { from: 1, to: opts.seeds }
        : opts.seeds;
  const storeDir = opts.storeDir === null ? undefined : (opts.storeDir ?? 'store');
  const summary = await search({
    fixed,
    seeds,
    workers: opts.workers ?? 0,
    stop: opts.stop ?? { kind: 'first' },
    shrink: opts.shrink === false ? false : { timeLimitMs: opts.shrinkTimeMs ?? 60_000 },
    ...(storeDir !== undefined ? { storeDir } : {}),
    ...(opts.saveDir !== undefined ? { saveDir: opts.saveDir } : {}),
    startedAtIso: new Date().toISOString(),
  });
  const f = summary.failures[0];
  if (f) throw new FaultlineSearchError(counterexample(f, summary), f, summary);
  if (opts.failOnUnknown && summary.counts.unknown > 0) {
    const u = summary.unknown.map((x) => `  seed ${x.seed}: ${x.reason}`).join('\n');
    throw new Error(
      `faultline search: ${summary.counts.unknown} seeds unknown (a budget ran out, or nothing could be judged):\n${u}`,
    );
  }
  return summary;
}

export type SimulateOptions = Target &
  Omit<SearchSeedsOptions, 'system' | 'bugs' | 'systemOptions' | 'fixed'> & {
    /** Bug knobs of the system turned on. */
    bugs?: string[];
  };

/**
 * Simulate your own system over a range of seeds (default 1..100), the rest of
 * each run drawn as `faultline search` draws it: resolves with the summary when
 * every seed passes, and rejects with a FaultlineSearchError naming the seed,
 * the anomaly, the shrunk scenario and the commands that replay it otherwise.
 * `system` is a module path (`./src/my-system.ts`: the replay commands then
 * work from the shell, and worker threads can load it), a bundled name, or a
 * definition object (this thread only).
 *
 * ```ts
 * it('my-counter is linearizable', () => simulate({ system: './src/counter.ts', seeds: 50 }));
 * ```
 */
export async function simulate(opts: SimulateOptions): Promise<SearchSummary> {
  const { seeds, workers, shrink, shrinkTimeMs, storeDir, saveDir, failOnUnknown, stop, ...target } = opts;
  const fixed = await resolveTarget(target);
  return searchFixed(
    { ...fixed, system: fixed.system as string },
    {
      ...(seeds !== undefined ? { seeds } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(shrink !== undefined ? { shrink } : {}),
      ...(shrinkTimeMs !== undefined ? { shrinkTimeMs } : {}),
      ...(storeDir !== undefined ? { storeDir } : {}),
      ...(saveDir !== undefined ? { saveDir } : {}),
      ...(failOnUnknown !== undefined ? { failOnUnknown } : {}),
      ...(stop !== undefined ? { stop } : {}),
    },
  );
}

/** The shrunk schedule, an operation or fault per line, when it is small enough to read in a test report. */
function scheduleLines(file: string): string[] {
  let schedule: Schedule | undefined;
  try {
    schedule = (JSON.parse(readFileSync(file, 'utf8')) as { schedule?: Schedule }).schedule;
  } catch {
    return [];
  }
  if (!schedule || schedule.main.length + schedule.final.length > 30 || schedule.faults.length > 15)
    return [];
  const s = (ns: number) => `${(ns / 1e9).toFixed(3)} s`;
  const op = (o: ScheduledOp, final: boolean) =>
    `    ${s(o.atNs)}  c${o.worker + 1}  ${o.f}${o.key !== undefined ? ` key ${JSON.stringify(o.key)}` : ''} ${JSON.stringify(o.value)}${final ? '  (final read)' : ''}`;
  return [
    ...schedule.main.map((o) => op(o, false)),
    ...schedule.final.map((o) => op(o, true)),
    ...schedule.faults.map(
      (f) => `    ${s(f.startNs)} – ${s(f.stopNs)}  ${f.kind} ${JSON.stringify(f.value)}`,
    ),
  ];
}

function counterexample(f: SearchFailure, s: SearchSummary): string {
  const c = f.config;
  const lines = [
    `faultline search failed after ${s.counts.seeds} seed${s.counts.seeds === 1 ? '' : 's'}`,
    `  seed: ${f.seed}`,
    `  anomaly: ${f.anomaly}${f.anomalies.length > 1 ? ` (also ${f.anomalies.filter((a) => a !== f.anomaly).join(', ')})` : ''}`,
    `  system: ${c.system}${c.bugs.length > 0 ? ` (bugs: ${c.bugs.join(', ')})` : ''}, workload ${c.workload}`,
    `  replay: ${f.replay}`,
  ];
  if (f.checkSummary) lines.push(`  checker: ${f.checkSummary.slice(0, 300)}`);
  const sh = f.shrunk;
  if (sh) {
    lines.push(
      `  shrunk: ${sh.opsBefore} → ${sh.opsAfter} ops, ${sh.faultsBefore} → ${sh.faultsAfter} faults, ${sh.clientsBefore} → ${sh.clientsAfter} clients, ${sh.nodesBefore} → ${sh.nodesAfter} nodes, ${sh.timeBeforeS.toFixed(1)} → ${sh.timeAfterS.toFixed(1)} s`,
    );
    if (sh.file) {
      lines.push(`  shrunk scenario: ${sh.file}`);
      lines.push(...scheduleLines(sh.file));
    }
    if (sh.replay) lines.push(`  replay shrunk: ${sh.replay}`);
  }
  if (f.saved) lines.push(`  saved: ${f.saved}`);
  return lines.join('\n');
}
