import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { listSystems } from '../../../systems/registry.js';
import { listWorkloads } from '../../../workloads/registry.js';
import {
  ALL_PARTITION_MODES,
  NEMESIS_KINDS,
  parseNemesisKinds,
  parsePartitionModes,
} from '../../nemesis/nemesis.js';
import { loadModuleFlags, namesModule } from '../../plugins/flags.js';
import type { PluginModules } from '../../plugins/load.js';
import { ConfigError, DEFAULT_CONFIG, type RunConfig, resolveConfig } from '../../runner/config.js';
import { drawSwarmConfig } from '../../search/swarm.js';
import type { SearchFailure, SearchSummary, Shard, StopRule } from '../../search/types.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor, startProgress, verdictWord } from '../terminal.js';
import { parseNumberFlag, requireChoice, UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface SearchFlags {
  system: string;
  bug: string[];
  systemOption: string[];
  workload?: string;
  nemesis?: string;
  partitionModes?: string;
  nodes?: string;
  rate?: string;
  concurrency?: string;
  clientTimeout?: string;
  recovery?: string;
  nemesisInterval?: string;
  nemesisDuration?: string;
  loss?: string;
  duplication?: string;
  reorder?: string;
  opsPerKey?: string;
  timeLimit?: string;
  seeds?: string;
  seedCount?: string;
  workers?: string;
  stopOnFirst?: boolean;
  collect?: string;
  timeBudget?: string;
  shard?: string;
  save?: string | boolean;
  shrink: boolean;
  shrinkTime?: string;
  checkTimeLimit?: string;
  memoryLimit?: string;
  maxEvents?: string;
  store: string;
  json?: boolean;
  merge?: string[];
}

const DEFAULT_SEED_COUNT = 100;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description(COMMAND_SUMMARIES.search.summary)
    .option('--system <name>', 'system under test (see `faultline systems`)', DEFAULT_CONFIG.system)
    .addOption(
      new Option('--bug <name>', 'turn on a bug knob of the system (repeatable)')
        .argParser(collect)
        .default([] as string[], 'none'),
    )
    .addOption(
      new Option('--system-option <name>', 'turn on an optional feature of the system (repeatable)')
        .argParser(collect)
        .default([] as string[], 'none'),
    )
    .option('--seeds <a..b>', 'seed range, e.g. 1..500 (default 1..100)')
    .option('--seed-count <n>', 'seeds 1..N')
    .option('--workers <k>', 'worker threads (default: one per core; 0 runs in this thread)')
    .option('--stop-on-first', 'stop at the first failure (the default)')
    .option('--collect <n>', "keep going until N failures (or 'all': every seed)")
    .option('--time-budget <seconds>', 'start no new seed after this many wall-clock seconds')
    .option('--shard <k/n>', 'run only the k-th of n interleaved slices of the seeds (combine with --merge)')
    .option('--save [dir]', 'save each (shrunk) failure as a regression file (default dir: regressions)')
    .option('--no-shrink', 'do not shrink failures')
    .option('--shrink-time <seconds>', 'wall-clock budget to shrink each failure (default 60)')
    .option(
      '--check-time-limit <seconds>',
      "each seed's checker budget (default 10); out of it the seed is unknown",
    )
    .option(
      '--memory-limit <MiB>',
      "each seed's checker memory budget (default: a share of the machine's memory)",
    )
    .option(
      '--max-events <n>',
      "each seed's simulator budget in events (default 1,000,000): a run that goes on and on is unknown",
    )
    .option('--store <dir>', 'where failures, shrunk scenarios and summary.json are written', 'store')
    .option('--json', 'print the summary as one JSON object (no progress)')
    .option('--merge <files...>', 'combine the --json summaries of shards into one result (runs nothing)')
    .option('--workload <name>', 'fix the workload (default: drawn per seed)')
    .option(
      '--nemesis <kinds>',
      `fix the fault kinds: ${NEMESIS_KINDS.join(', ')}, all or none (default: drawn)`,
    )
    .option(
      '--partition-modes <modes>',
      `fix the partition shapes: ${ALL_PARTITION_MODES.join(', ')} (default: drawn)`,
    )
    .option('--nodes <n>', 'fix the cluster size (default: drawn)')
    .option('--rate <ops-per-second>', 'fix the rate (default: drawn)')
    .option('--concurrency <n>', 'fix the number of clients (default: drawn)')
    .option('--client-timeout <ms>', 'fix the client timeout (default: drawn)')
    .option('--nemesis-interval <ms>', 'fix the mean time between faults (default: drawn)')
    .option('--nemesis-duration <ms>', 'fix the mean time a fault lasts (default: drawn)')
    .option('--loss <p>', 'fix the background loss probability (default: drawn)')
    .option('--duplication <p>', 'fix the background duplication probability (default: drawn)')
    .option('--reorder <p>', 'fix the background reordering probability (default: drawn)')
    .option('--ops-per-key <n>', "fix the register workload's operations per key (default: drawn)")
    .option('--recovery <ms>', 'quiet time after healing, before the final reads')
    .option('--time-limit <seconds>', 'simulated seconds of operations per seed (default 20)')
    .addHelpText(
      'after',
      `
Every seed runs under its own configuration, drawn from the seed (swarm testing): the
workload, cluster size, fault kinds, partition shapes, fault pace, rate, clients, client
timeout and background network faults. A flag you give fixes that dimension. Each failure
is printed with its seed, anomaly and the \`faultline run\` command that replays it byte
for byte, then shrunk (fewer operations, clients, faults and nodes, shorter time) to a
scenario \`faultline replay FILE\` re-runs.

Exit codes: 1 a failure was found, 0 none, 2 some seeds unknown (a budget ran out, or
nothing could be judged) and none failed, 254 bad arguments.

Examples:
  $ faultline search --save
  $ faultline search --system raft --bug no-truncate --seeds 1..200
  $ faultline search --system raft --seed-count 500 --collect all --no-shrink --json > result.json
  $ faultline search --system raft --bug stale-read --shard 2/4 --json > shard-2.json
  $ faultline search --merge shard-1.json shard-2.json shard-3.json shard-4.json`,
    )
    .action(async (flags: SearchFlags) => {
      process.exitCode = await searchCommand(flags);
    });
}

/** `A..B` (or a single seed) into a range. */
function parseSeeds(spec: string): { from: number; to: number } {
  const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(spec);
  if (!m) throw new UserError(`--seeds: expected A..B (e.g. 1..500), got '${spec}'`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from)
    throw new UserError(`--seeds: expected A..B with A <= B, got '${spec}'`);
  return { from, to };
}

function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new UserError(`--shard: expected k/n (e.g. 2/4), got '${spec}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count)
    throw new UserError(`--shard: k must be in 1..n, got '${spec}'`);
  return { index, count };
}

/** The flags the user gave, as the fixed part of every seed's configuration. */
export function fixedFromFlags(
  flags: SearchFlags,
  modules?: PluginModules,
): Partial<RunConfig> & { system: string } {
  const system = requireChoice(
    '--system',
    flags.system,
    listSystems().map((s) => s.name),
  );
  const sys = listSystems().find((s) => s.name === system)!;
  for (const b of flags.bug)
    requireChoice(
      `--bug (system ${system})`,
      b,
      sys.bugs.map((k) => k.name),
    );
  for (const o of flags.systemOption)
    requireChoice(
      `--system-option (system ${system})`,
      o,
      (sys.options ?? []).map((k) => k.name),
    );
  const fixed: Partial<RunConfig> & { system: string } = {
    system,
    bugs: [...flags.bug],
    systemOptions: [...flags.systemOption],
    ...(modules !== undefined ? { modules } : {}),
  };
  if (flags.workload !== undefined) {
    fixed.workload = requireChoice(
      '--workload',
      flags.workload,
      listWorkloads().map((w) => w.name),
    );
    if (!sys.workloads.includes(fixed.workload))
      throw new UserError(
        `--workload: system ${system} does not serve ${fixed.workload}; it serves: ${sys.workloads.join(', ')}`,
      );
  }
  if (flags.nemesis !== undefined) {
    try {
      fixed.nemesis = parseNemesisKinds(flags.nemesis);
    } catch (err) {
      throw new UserError(`--nemesis: ${(err as Error).message}`);
    }
  }
  if (flags.partitionModes !== undefined) {
    try {
      fixed.partitionModes = parsePartitionModes(flags.partitionModes);
    } catch (err) {
      throw new UserError(`--partition-modes: ${(err as Error).message}`);
    }
  }
  const num = (flag: string, v: string | undefined, o: Parameters<typeof parseNumberFlag>[2]) =>
    v === undefined ? undefined : parseNumberFlag(flag, v, o);
  const set = <K extends keyof RunConfig>(k: K, v: RunConfig[K] | undefined) => {
    if (v !== undefined) fixed[k] = v;
  };
  set('nodes', num('--nodes', flags.nodes, { integer: true, min: 1, max: 100 }));
  set('rateOpsPerS', num('--rate', flags.rate, { min: 0.001, max: 1e7 }));
  set('concurrency', num('--concurrency', flags.concurrency, { integer: true, min: 1, max: 1000 }));
  set('clientTimeoutMs', num('--client-timeout', flags.clientTimeout, { min: 0.001 }));
  set('recoveryMs', num('--recovery', flags.recovery, { min: 0 }));
  set('nemesisIntervalMs', num('--nemesis-interval', flags.nemesisInterval, { min: 1 }));
  set('nemesisDurationMs', num('--nemesis-duration', flags.nemesisDuration, { min: 1 }));
  set('timeLimitS', num('--time-limit', flags.timeLimit, { min: 0.001, max: 1e6 }));
  const opsPerKey = num('--ops-per-key', flags.opsPerKey, { integer: true, min: 1, max: 1e9 });
  if (opsPerKey !== undefined) fixed.workloadOptions = { opsPerKey };
  const network: Partial<RunConfig['network']> = {};
  const loss = num('--loss', flags.loss, { min: 0, max: 1 });
  const dup = num('--duplication', flags.duplication, { min: 0, max: 1 });
  const reorder = num('--reorder', flags.reorder, { min: 0, max: 1 });
  if (loss !== undefined) network.lossProbability = loss;
  if (dup !== undefined) network.duplicateProbability = dup;
  if (reorder !== undefined) network.reorderProbability = reorder;
  if (Object.keys(network).length > 0) fixed.network = network;
  // What is fixed must make sense with whatever is drawn around it (a ring on the fixed cluster size, …).
  try {
    const probe = drawSwarmConfig(1, fixed);
    // Fixed partition shapes are checked as if partitions were drawn.
    if (fixed.partitionModes && fixed.nemesis === undefined) probe.nemesis = ['partition'];
    resolveConfig(probe);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  return fixed;
}

async function searchCommand(flags: SearchFlags): Promise<number> {
  if (flags.merge !== undefined) return mergeCommand(flags.merge, flags.json === true);
  const modules =
    namesModule(flags.system) || namesModule(flags.workload) ? await loadModuleFlags(flags) : undefined;
  const fixed = fixedFromFlags(flags, modules);
  if (flags.seeds !== undefined && flags.seedCount !== undefined)
    throw new UserError('--seeds and --seed-count: give one of them');
  const seeds =
    flags.seeds !== undefined
      ? parseSeeds(flags.seeds)
      : {
          from: 1,
          to:
            flags.seedCount !== undefined
              ? parseNumberFlag('--seed-count', flags.seedCount, { integer: true, min: 1, max: 1e9 })
              : DEFAULT_SEED_COUNT,
        };
  if (flags.stopOnFirst && flags.collect !== undefined)
    throw new UserError('--stop-on-first and --collect: give one of them');
  let stop: StopRule = { kind: 'first' };
  if (flags.collect === 'all') stop = { kind: 'all' };
  else if (flags.collect !== undefined)
    stop = { kind: 'collect', count: parseNumberFlag('--collect', flags.collect, { integer: true, min: 1 }) };
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
  const search = await import('../../search/search.js');
  const workers =
    flags.workers !== undefined
      ? parseNumberFlag('--workers', flags.workers, { integer: true, min: 0, max: 256 })
      : search.defaultWorkerCount();
  const budget: { checkTimeLimitMs?: number; checkMemoryBytes?: number; maxEvents?: number } = {};
  if (flags.maxEvents !== undefined)
    budget.maxEvents = parseNumberFlag('--max-events', flags.maxEvents, { integer: true, min: 1 });
  if (flags.checkTimeLimit !== undefined)
    budget.checkTimeLimitMs =
      parseNumberFlag('--check-time-limit', flags.checkTimeLimit, { min: 0.001 }) * 1000;
  if (flags.memoryLimit !== undefined)
    budget.checkMemoryBytes = parseNumberFlag('--memory-limit', flags.memoryLimit, { min: 1 }) * 2 ** 20;
  const timeBudgetS =
    flags.timeBudget !== undefined
      ? parseNumberFlag('--time-budget', flags.timeBudget, { min: 0 })
      : undefined;
  const shrinkMs =
    flags.shrinkTime !== undefined
      ? parseNumberFlag('--shrink-time', flags.shrinkTime, { min: 0 }) * 1000
      : undefined;
  const saveDir =
    flags.save === undefined || flags.save === false
      ? undefined
      : flags.save === true
        ? 'regressions'
        : flags.save;

  const json = flags.json === true;
  const out = process.stdout;
  const seedTotal = search.shardSeeds(seeds, shard).length;
  if (!json) {
    const bugs = fixed.bugs && fixed.bugs.length > 0 ? ` (bugs: ${fixed.bugs.join(', ')})` : '';
    out.write(
      `search ${fixed.system}${bugs}: seeds ${seeds.from}..${seeds.to}${shard ? ` shard ${shard.index}/${shard.count} (${seedTotal} seeds)` : ''}, ${workers} worker${workers === 1 ? '' : 's'}, ${stop.kind === 'first' ? 'stop at the first failure' : stop.kind === 'all' ? 'every seed' : `until ${stop.count} failures`}\n`,
    );
  }
  const progress = startProgress({
    label: `search ${fixed.system}`,
    total: seedTotal,
    unit: 'seeds',
    silent: json,
  });
  let summary: SearchSummary;
  try {
    summary = await search.search({
      fixed,
      seeds,
      ...(shard ? { shard } : {}),
      workers,
      stop,
      ...(timeBudgetS !== undefined ? { timeBudgetS } : {}),
      budget,
      shrink: flags.shrink === false ? false : shrinkMs !== undefined ? { timeLimitMs: shrinkMs } : true,
      storeDir: flags.store,
      ...(saveDir !== undefined ? { saveDir } : {}),
      startedAtIso: new Date().toISOString(),
      onProgress: (p) => progress.update(p.done, { failures: p.failures, unknown: p.unknown }),
      onShrink: (seed, s) => {
        if (!json && s.runs === 0) process.stderr.write(`shrinking seed ${seed} …\n`);
      },
    });
  } finally {
    progress.stop();
  }
  if (json) out.write(`${JSON.stringify(summary)}\n`);
  else out.write(describeSummary(summary));
  return exitCode(summary);
}

export function exitCode(s: SearchSummary): number {
  if (s.failures.length > 0 || s.counts.invalid > 0) return EXIT.invalid;
  if (s.counts.unknown > 0) return EXIT.unknown;
  return EXIT.valid;
}

/** The drawn configuration in words: what differs from the run defaults. */
export function describeConfig(c: RunConfig): string {
  const parts = [
    c.workload,
    `${c.nodes} nodes`,
    `nemesis ${c.nemesis.join(',') || 'none'}`,
    ...(c.nemesis.includes('partition') ? [`partitions ${c.partitionModes.join(',')}`] : []),
    ...(c.nemesis.length > 0
      ? [`faults every ~${c.nemesisIntervalMs} ms for ~${c.nemesisDurationMs} ms`]
      : []),
    `${c.rateOpsPerS} ops/s`,
    `${c.concurrency} clients`,
    `client timeout ${c.clientTimeoutMs} ms`,
    `${c.timeLimitS} s`,
  ];
  const n = c.network;
  if (n.lossProbability) parts.push(`loss ${n.lossProbability}`);
  if (n.duplicateProbability) parts.push(`duplication ${n.duplicateProbability}`);
  if (n.reorderProbability) parts.push(`reorder ${n.reorderProbability}`);
  return parts.join(', ');
}

export function describeSummary(s: SearchSummary): string {
  const c = colorsFor(process.stdout);
  const k = s.counts;
  const lines: string[] = [];
  lines.push('');
  lines.push(`  seeds run   valid   INVALID   unknown   not run   wall s   seeds/s`);
  lines.push(
    `  ${String(k.seeds).padEnd(11)} ${String(k.valid).padEnd(7)} ${String(k.invalid).padEnd(9)} ${String(k.unknown).padEnd(9)} ${String(k.notRun).padEnd(9)} ${s.wallSeconds.toFixed(1).padEnd(8)} ${s.seedsPerSecond.toFixed(2)}`,
  );
  if (s.stoppedBecause) lines.push(`  stopped early: ${s.stoppedBecause}`);
  if (s.merged) lines.push(`  merged from ${s.merged.length} files: ${s.merged.join(', ')}`);
  for (const f of s.failures) lines.push('', ...describeFailure(f, c));
  if (s.unknown.length > 0) {
    lines.push('', `  unknown (a budget ran out, or nothing could be judged; the search went on):`);
    for (const u of s.unknown.slice(0, 20))
      lines.push(`    seed ${u.seed}: ${u.reason}${u.replay ? `\n      replay: ${u.replay}` : ''}`);
    if (s.unknown.length > 20) lines.push(`    … ${s.unknown.length - 20} more in summary.json`);
  }
  if (s.failures.length === 0)
    lines.push(
      '',
      `  ${k.unknown > 0 ? 'no failure found, but some seeds are unknown' : 'no failure found'}`,
    );
  if (s.dir) lines.push('', `  summary: ${s.dir}/summary.json`);
  return `${lines.join('\n')}\n`;
}

function describeFailure(f: SearchFailure, c: ReturnType<typeof colorsFor>): string[] {
  const lines = [
    `  ${verdictWord(false, c)} seed ${f.seed}: ${f.anomaly}${f.anomalies.length > 1 ? ` (also ${f.anomalies.filter((a) => a !== f.anomaly).join(', ')})` : ''}`,
    `    drawn: ${describeConfig(f.config)}`,
    `    replay: ${f.replay}`,
  ];
  if (f.runDir) lines.push(`    run: ${f.runDir}`);
  const s = f.shrunk;
  if (s) {
    lines.push(
      `    shrunk: ${s.opsBefore} → ${s.opsAfter} ops, ${s.faultsBefore} → ${s.faultsAfter} faults, ${s.clientsBefore} → ${s.clientsAfter} clients, ${s.nodesBefore} → ${s.nodesAfter} nodes, ${s.timeBeforeS.toFixed(1)} → ${s.timeAfterS.toFixed(1)} s (${s.runs} runs, ${s.wallSeconds.toFixed(1)} s); still ${s.anomaly}`,
    );
    if (s.replay) lines.push(`    replay shrunk: ${s.replay}`);
  }
  if (f.saved) lines.push(`    saved: ${f.saved}`);
  return lines;
}

async function mergeCommand(files: string[], json: boolean): Promise<number> {
  const { mergeSummaries } = await import('../../search/merge.js');
  const parts = files.map((file) => {
    try {
      return { file, summary: JSON.parse(readFileSync(file, 'utf8')) as SearchSummary };
    } catch (err) {
      throw new UserError(
        `--merge: ${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  });
  let merged: SearchSummary;
  try {
    merged = mergeSummaries(parts);
  } catch (err) {
    throw new UserError(`--merge: ${(err as Error).message}`);
  }
  if (json) process.stdout.write(`${JSON.stringify(merged)}\n`);
  else process.stdout.write(describeSummary(merged));
  return exitCode(merged);
}
