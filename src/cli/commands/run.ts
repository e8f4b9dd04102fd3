import { type Command, Option } from 'commander';
import type { CheckResult } from '../../../checkers/types.js';
import { listAdapters } from '../../../systems/adapters/registry.js';
import { listSystems } from '../../../systems/registry.js';
import { listWorkloads } from '../../../workloads/registry.js';
import {
  isMaelstromSystem,
  MAELSTROM_SYSTEM,
  resolveMaelstromConfig,
  TOPOLOGIES,
} from '../../maelstrom/config.js';
import {
  ednMap,
  jsonToEdn,
  type MaelstromStats,
  maelstromStatsEdn,
  printEdn,
} from '../../maelstrom/stats.js';
import {
  ALL_PARTITION_MODES,
  type FaultStats,
  NEMESIS_KINDS,
  PARTITION_MODES,
  parseNemesisKinds,
  parsePartitionModes,
} from '../../nemesis/nemesis.js';
import { loadModuleFlags, namesModule } from '../../plugins/flags.js';
import type { PluginModules } from '../../plugins/load.js';
import { isAdapterName, RUNTIMES, resolveRealConfig } from '../../real/config.js';
import {
  ConfigError,
  DEFAULT_CONFIG,
  DEFAULT_INIT_TIMEOUT_MS,
  type RunConfig,
  resolveConfig,
} from '../../runner/config.js';
import type { TestRun } from '../../runner/run-test.js';
import type { LatencyDistribution } from '../../sim/network.js';
import { EXIT, exitCodeForValid } from '../exit-codes.js';
import { fsUserError } from '../fs-errors.js';
import { reportExcerpt } from '../report.js';
import { type Colors, colorsFor, startProgress, verdictWord } from '../terminal.js';
import { parseNumberFlag, requireChoice, UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface RunFlags {
  system: string;
  workload: string;
  nemesis: string;
  seed?: string;
  timeLimit: string;
  rate: string;
  concurrency: string;
  nodes?: string;
  store: string;
  bug: string[];
  systemOption: string[];
  clientTimeout?: string;
  recovery?: string;
  nemesisInterval?: string;
  nemesisDuration?: string;
  partitionModes?: string;
  checkTimeLimit?: string;
  checkMemoryLimit?: string;
  latency?: string;
  latencyDist?: string;
  loss?: string;
  duplication?: string;
  reorder?: string;
  opsPerKey?: string;
  json?: boolean;
  quiet?: boolean;
  runtime?: string;
  bin?: string;
  binArg: string[];
  topology?: string;
  initTimeout?: string;
  /** Set when --workload was left at its default (an adapter then picks its own first workload). */
  workloadDefaulted?: boolean;
  /** Adapter options (`--isolation` …), by their camel-cased flag names. */
  [adapterOption: string]: unknown;
}

/** Every adapter option, once, as `--NAME <value>` (the adapters that take it are named in the help). */
function adapterOptionFlags(): { name: string; description: string; adapters: string[] }[] {
  const out = new Map<string, { name: string; description: string; adapters: string[] }>();
  for (const a of listAdapters())
    for (const o of a.options) {
      const known = out.get(o.name);
      if (known) known.adapters.push(a.name);
      else
        out.set(o.name, {
          name: o.name,
          description: `${o.description}${o.choices ? `: ${o.choices.join(', ')}` : ''} (default ${o.default})`,
          adapters: [a.name],
        });
    }
  return [...out.values()];
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const LATENCY_DISTRIBUTIONS: readonly LatencyDistribution[] = ['exponential', 'uniform', 'constant'];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(COMMAND_SUMMARIES.run.summary)
    .option('--system <name>', 'system under test (see `faultline systems`)', DEFAULT_CONFIG.system)
    .option('--workload <name>', 'workload (see `faultline workloads`)', DEFAULT_CONFIG.workload)
    .option(
      '--nemesis <kinds>',
      `comma-separated faults: ${NEMESIS_KINDS.join(', ')}, all or none`,
      DEFAULT_CONFIG.nemesis.join(','),
    )
    .option('--seed <n>', 'root seed (an integer); drawn at random and printed when left out')
    .option(
      '--time-limit <seconds>',
      'simulated seconds of operations under faults',
      String(DEFAULT_CONFIG.timeLimitS),
    )
    .option(
      '--rate <ops-per-second>',
      'operations per simulated second, over all clients',
      String(DEFAULT_CONFIG.rateOpsPerS),
    )
    .option('--concurrency <n>', 'number of clients (c1…cN)', String(DEFAULT_CONFIG.concurrency))
    .option('--nodes <n>', "number of nodes (default: the system's own)")
    .addOption(
      new Option('--bug <name>', 'turn on a bug knob of the system (repeatable; see `faultline systems`)')
        .argParser(collect)
        .default([] as string[], 'none'),
    )
    .addOption(
      new Option(
        '--system-option <name>',
        'turn on an optional feature of the system (repeatable; see `faultline systems`)',
      )
        .argParser(collect)
        .default([] as string[], 'none'),
    )
    .option('--store <dir>', 'where runs are saved', 'store')
    .option(
      '--client-timeout <ms>',
      'a request with no reply after this long is indeterminate',
      String(DEFAULT_CONFIG.clientTimeoutMs),
    )
    .option(
      '--recovery <ms>',
      'quiet time after healing, before the final reads',
      String(DEFAULT_CONFIG.recoveryMs),
    )
    .option(
      '--nemesis-interval <ms>',
      'mean time between two faults of one kind',
      String(DEFAULT_CONFIG.nemesisIntervalMs),
    )
    .option('--nemesis-duration <ms>', 'mean time a fault lasts', String(DEFAULT_CONFIG.nemesisDurationMs))
    .option(
      '--partition-modes <modes>',
      `comma-separated partition shapes to draw from: ${ALL_PARTITION_MODES.join(', ')} (default: ${PARTITION_MODES.join(',')})`,
    )
    .option('--latency <ms>', 'mean one-way message latency above the 0.5 ms minimum (default 2)')
    .option(
      '--latency-dist <dist>',
      `latency distribution: ${LATENCY_DISTRIBUTIONS.join(', ')} (default exponential)`,
    )
    .option('--loss <p>', 'background probability that a message is dropped, in [0, 1] (default 0)')
    .option('--duplication <p>', 'background probability that a message is delivered twice (default 0)')
    .option(
      '--reorder <p>',
      'background probability that a message is held back past later ones (up to 20 ms; default 0)',
    )
    .option(
      '--ops-per-key <n>',
      'register workload: operations on a key before it retires (default 200; shorter keys check faster)',
    )
    .option(
      '--check-time-limit <seconds>',
      "checker's wall-clock budget (default 30 s + 1 ms per op, at most 600 s); out of it the verdict is unknown",
    )
    .option(
      '--check-memory-limit <MiB>',
      "checker's memory budget (default 512 MiB + 4 KiB per op, at most 4096 or half the machine); out of it the verdict is unknown",
    )
    .option('--json', 'print the outcome as one JSON object (and nothing else on stdout)')
    .option('--quiet', 'print nothing; the exit code is the verdict')
    .option(
      '--runtime <name>',
      `real mode (an adapter as --system): where nodes run: ${RUNTIMES.join(', ')} (default local)`,
    )
    .option('--bin <path>', '--system maelstrom: the Maelstrom node binary, started once per node')
    .addOption(
      new Option('--bin-arg <arg>', '--system maelstrom: an argument for the binary (repeatable, in order)')
        .argParser(collect)
        .default([] as string[], 'none'),
    )
    .option(
      '--init-timeout <ms>',
      '--system maelstrom: how long every node may take to answer init (default 10000)',
    )
    .option(
      '--topology <name>',
      `broadcast workload: the neighbour graph, ${TOPOLOGIES.join(', ')} (default grid)`,
    );
  const run = program.commands.find((c) => c.name() === 'run')!;
  for (const o of adapterOptionFlags())
    run.option(`--${o.name} <value>`, `${o.adapters.join(', ')}: ${o.description}`);
  run
    .addHelpText(
      'after',
      `
Exit codes: 0 valid, 1 invalid, 2 unknown, 254 bad arguments or a store that cannot be written,
255 crashed; SIGINT/SIGTERM stop the run (results.json says interrupted) and end it by that signal.

Examples:
  $ faultline run
  $ faultline run --system lww-register --workload register --nemesis partition,clock --seed 3 --time-limit 20
  $ faultline run --system single-register --workload list-append --nemesis all --bug no-fsync
  $ faultline run --system postgres --workload list-append --isolation repeatable-read --time-limit 30 --concurrency 10 --rate 200 --nemesis none
  $ faultline run --system maelstrom --bin ./my-node --workload broadcast --topology grid --nodes 5 --nemesis partition,kill,pause`,
    )
    .action(async (flags: RunFlags, cmd: Command) => {
      flags.workloadDefaulted = cmd.getOptionValueSource('workload') === 'default';
      process.exitCode = await runCommand(flags);
    });
}

/**
 * A seed in [0, 2^31) from the platform's random source. Web Crypto's global
 * loads on first use: importing node:crypto here would load it (~20 ms) on
 * every start of the CLI, `faultline check` included.
 */
function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0] >>> 1;
}

/** Flags → a checked configuration; every mistake is a UserError naming the flag. */
export function configFromFlags(
  flags: RunFlags,
  modules?: PluginModules,
): Partial<RunConfig> & { seed: number } {
  const system = requireChoice('--system', flags.system, [
    ...listSystems().map((s) => s.name),
    ...listAdapters().map((a) => a.name),
    MAELSTROM_SYSTEM,
  ]);
  const real = isAdapterName(system);
  const workload = requireChoice(
    '--workload',
    flags.workload,
    listWorkloads().map((w) => w.name),
  );
  let nemesis: RunConfig['nemesis'];
  try {
    nemesis = parseNemesisKinds(flags.nemesis);
  } catch (err) {
    throw new UserError(`--nemesis: ${(err as Error).message}`);
  }
  const seed =
    flags.seed === undefined
      ? randomSeed()
      : parseNumberFlag('--seed', flags.seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const partial: Partial<RunConfig> & { seed: number } = {
    system,
    workload,
    nemesis,
    seed,
    timeLimitS: parseNumberFlag('--time-limit', flags.timeLimit, { min: 0.001, max: 1e6 }),
    rateOpsPerS: parseNumberFlag('--rate', flags.rate, { min: 0.001, max: 1e7 }),
    concurrency: parseNumberFlag('--concurrency', flags.concurrency, { integer: true, min: 1, max: 1000 }),
    bugs: flags.bug,
    systemOptions: flags.systemOption,
    ...(modules !== undefined ? { modules } : {}),
  };
  if (flags.nodes !== undefined)
    partial.nodes = parseNumberFlag('--nodes', flags.nodes, { integer: true, min: 1, max: 100 });
  if (flags.clientTimeout !== undefined) {
    partial.clientTimeoutMs = parseNumberFlag('--client-timeout', flags.clientTimeout, { min: 0.001 });
  }
  if (flags.recovery !== undefined)
    partial.recoveryMs = parseNumberFlag('--recovery', flags.recovery, { min: 0 });
  if (flags.nemesisInterval !== undefined) {
    partial.nemesisIntervalMs = parseNumberFlag('--nemesis-interval', flags.nemesisInterval, { min: 1 });
  }
  if (flags.nemesisDuration !== undefined) {
    partial.nemesisDurationMs = parseNumberFlag('--nemesis-duration', flags.nemesisDuration, { min: 1 });
  }
  if (flags.partitionModes !== undefined) {
    try {
      partial.partitionModes = parsePartitionModes(flags.partitionModes);
    } catch (err) {
      throw new UserError(`--partition-modes: ${(err as Error).message}`);
    }
  }
  const network: NonNullable<RunConfig['network']> = {};
  if (flags.loss !== undefined)
    network.lossProbability = parseNumberFlag('--loss', flags.loss, { min: 0, max: 1 });
  if (flags.duplication !== undefined)
    network.duplicateProbability = parseNumberFlag('--duplication', flags.duplication, { min: 0, max: 1 });
  if (flags.reorder !== undefined)
    network.reorderProbability = parseNumberFlag('--reorder', flags.reorder, { min: 0, max: 1 });
  if (Object.keys(network).length > 0) partial.network = network;
  if (flags.latency !== undefined || flags.latencyDist !== undefined) {
    partial.network = { ...network };
    if (flags.latency !== undefined)
      partial.network.latencyMeanMs = parseNumberFlag('--latency', flags.latency, { min: 0, max: 60_000 });
    if (flags.latencyDist !== undefined) {
      partial.network.latencyDistribution = requireChoice(
        '--latency-dist',
        flags.latencyDist,
        LATENCY_DISTRIBUTIONS,
      );
    }
    if ((partial.network.latencyMeanMs ?? 0) * 2 + 0.5 > 100)
      partial.network.latencyMaxMs = (partial.network.latencyMeanMs ?? 0) * 10 + 0.5;
  }
  if (flags.opsPerKey !== undefined)
    partial.workloadOptions = {
      opsPerKey: parseNumberFlag('--ops-per-key', flags.opsPerKey, { integer: true, min: 1, max: 1e9 }),
    };
  if (flags.topology !== undefined) {
    const topology = requireChoice('--topology', flags.topology, TOPOLOGIES);
    // Only a workload that tells the nodes their neighbours (broadcast's topology message) takes one.
    if (listWorkloads().find((w) => w.name === workload)?.setupMessages === undefined)
      throw new UserError(`--topology is for the broadcast workload; workload ${workload} sends no topology`);
    partial.workloadOptions = { ...partial.workloadOptions, topology };
  }
  if (isMaelstromSystem(system)) {
    if (flags.bin === undefined)
      throw new UserError(
        '--system maelstrom needs --bin PATH: the Maelstrom node binary, started once per node',
      );
    if (flags.runtime !== undefined)
      throw new UserError('--runtime is for real mode, not --system maelstrom');
    partial.maelstrom = {
      bin: flags.bin,
      args: flags.binArg,
      initTimeoutMs:
        flags.initTimeout === undefined
          ? DEFAULT_INIT_TIMEOUT_MS
          : parseNumberFlag('--init-timeout', flags.initTimeout, { min: 1, max: 3_600_000 }),
    };
    try {
      // The binary is resolved to an absolute path here: test.json and the replay line name it so.
      partial.maelstrom = resolveMaelstromConfig(partial).config.maelstrom;
    } catch (err) {
      if (err instanceof ConfigError) throw new UserError(err.message);
      throw err;
    }
    return partial;
  }
  if (flags.bin !== undefined || flags.binArg.length > 0 || flags.initTimeout !== undefined)
    throw new UserError(`--bin, --bin-arg and --init-timeout are for --system maelstrom, not ${system}`);
  const adapterFlags = adapterOptionFlags().filter((o) => flags[camel(o.name)] !== undefined);
  if (!real) {
    if (flags.runtime !== undefined)
      throw new UserError(
        `--runtime is for real mode (--system ${listAdapters()
          .map((a) => a.name)
          .join('|')})`,
      );
    if (adapterFlags.length > 0) {
      const o = adapterFlags[0];
      throw new UserError(
        `--${o.name} is an option of ${o.adapters.join(', ')}, not of the simulated system ${system}`,
      );
    }
  } else {
    if (flags.runtime !== undefined) partial.runtime = requireChoice('--runtime', flags.runtime, RUNTIMES);
    partial.adapterOptions = {};
    for (const o of adapterFlags) partial.adapterOptions[o.name] = String(flags[camel(o.name)]);
    if (flags.workloadDefaulted) delete partial.workload;
    try {
      resolveRealConfig(partial);
    } catch (err) {
      if (err instanceof ConfigError) throw new UserError(err.message);
      throw err;
    }
    return partial;
  }
  const sys = listSystems().find((s) => s.name === system)!;
  for (const b of flags.bug) {
    requireChoice(
      `--bug (system ${system})`,
      b,
      sys.bugs.map((k) => k.name),
    );
  }
  for (const o of flags.systemOption) {
    requireChoice(
      `--system-option (system ${system})`,
      o,
      (sys.options ?? []).map((k) => k.name),
    );
  }
  try {
    resolveConfig(partial);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  return partial;
}

/** The signal that interrupted the last run, for bin/faultline.js to end the process by (as shells expect). */
let interruptSignal: NodeJS.Signals | undefined;
export function takeInterruptSignal(): NodeJS.Signals | undefined {
  const s = interruptSignal;
  interruptSignal = undefined;
  return s;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** 128 + the signal's number: what a shell reports for a process ended by it. */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** A store error before the run starts, in words: `--store DIR: PATH: problem`. */
function storeUserError(err: unknown, store: string): UserError | undefined {
  if (err instanceof Error && err.name === 'StoreError')
    return new UserError(`--store ${store}: ${err.message}`);
  return fsUserError(err, '--store', store, 'cannot write the run there');
}

async function runCommand(flags: RunFlags): Promise<number> {
  const seedDrawn = flags.seed === undefined;
  const modules =
    namesModule(flags.system) || namesModule(flags.workload) ? await loadModuleFlags(flags) : undefined;
  // A system of the user's own with no --workload: the first workload it serves (the default, register, may be none).
  if (modules?.system !== undefined && flags.workloadDefaulted) {
    const own = listSystems().find((s) => s.name === flags.system);
    if (own && own.workloads.length > 0 && !own.workloads.includes(flags.workload))
      flags.workload = own.workloads[0];
  }
  const partial = configFromFlags(flags, modules);
  // The simulator and the store load only for `run` (the other commands start faster without them).
  const runner = await import('../../runner/run-test.js');
  const checkTimeLimitMs =
    flags.checkTimeLimit === undefined
      ? undefined
      : parseNumberFlag('--check-time-limit', flags.checkTimeLimit, { min: 0 }) * 1000;
  const checkMemoryLimitMiB =
    flags.checkMemoryLimit === undefined
      ? undefined
      : parseNumberFlag('--check-memory-limit', flags.checkMemoryLimit, { integer: true, min: 16 });
  const startedAt = new Date();
  const wallStartMs = performance.now();
  const talk = !flags.json && !flags.quiet;
  const colors = colorsFor(process.stdout);
  if (seedDrawn && talk) process.stdout.write(`seed ${partial.seed} (drawn at random)\n`);
  const phaseMs: { simulation?: number; check?: number } = {};
  const silent = !talk;
  let simProgress: ReturnType<typeof startProgress> | undefined;
  let checkProgress: ReturnType<typeof startProgress> | undefined;
  let checkTicker: ReturnType<typeof setInterval> | undefined;
  const stopProgress = () => {
    simProgress?.stop();
    checkProgress?.stop();
    if (checkTicker) clearInterval(checkTicker);
  };
  // SIGINT/SIGTERM stop a simulated run, which says so in results.json; a second one ends the process
  // at once. (Real mode stops its nodes on a signal itself.)
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    interrupt.abort(signal);
  };
  const simulated = !isAdapterName(partial.system ?? '');
  if (simulated) for (const s of STOP_SIGNALS) process.on(s, onSignal);
  let run: TestRun;
  try {
    run = await runner.runTest(partial, {
      storeDir: flags.store,
      startedAtIso: startedAt.toISOString(),
      checkTimeLimitMs,
      checkMemoryLimitMiB,
      signal: interrupt.signal,
      // The header first: a long run says what it is doing before it does it (once its store is known to work).
      onStarted: () => {
        if (!talk) return;
        process.stdout.write(`${header(runner.resolveRun(partial).config)}\n`);
      },
      onSimulationProgress: (virtualNs, expectedNs) => {
        simProgress ??= startProgress({
          label: 'simulating',
          unit: 'sim s',
          total: Math.round(expectedNs / 1e8) / 10,
          silent,
        });
        simProgress.update(Math.round(Math.min(virtualNs, expectedNs) / 1e8) / 10);
      },
      onPhaseDone: (phase) => {
        phaseMs[phase] = performance.now();
        if (phase === 'simulation') {
          simProgress?.stop();
          // The checkers report no progress of their own: show that the check is running, and for how long.
          const checkStartMs = performance.now();
          checkProgress = startProgress({
            label: `checking (${runner.resolveRun(partial).workload.checker.name})`,
            unit: 's elapsed',
            silent,
            showRate: false,
            plainIntervalMs: 10_000,
          });
          checkTicker = setInterval(() => {
            checkProgress?.update(Math.round((performance.now() - checkStartMs) / 100) / 10);
          }, 200);
          checkTicker.unref();
        } else {
          stopProgress();
        }
      },
    });
  } catch (err) {
    stopProgress();
    const name = err instanceof Error ? err.name : '';
    if (name === 'RealSetupError') throw new UserError((err as Error).message);
    if (err instanceof runner.NodeBinaryError)
      throw new UserError(`${err.message} (history so far: ${err.dir})`);
    if (name === 'RunInterruptedError') {
      const sig = (err as { signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' }).signal;
      process.stderr.write(
        `faultline: interrupted by ${sig}: every node was stopped; the history so far is in the store\n`,
      );
      return 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig];
    }
    if (!(err instanceof runner.RunCrashedError)) throw storeUserError(err, flags.store) ?? err;
    // The system (or the simulator) crashed: say so plainly, with where the history so far is and how to replay.
    process.stderr.write(
      `faultline: the run crashed: ${err.message}\n  history so far: ${err.dir}\n  replay: ${err.replay}\n`,
    );
    if (err.cause instanceof Error && err.cause.stack) process.stderr.write(`${err.cause.stack}\n`);
    return EXIT.crashed;
  } finally {
    stopProgress();
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
  }
  const wallS = (performance.now() - wallStartMs) / 1000;
  const timing = {
    simulationS: ((phaseMs.simulation ?? wallStartMs) - wallStartMs) / 1000,
    checkS: ((phaseMs.check ?? wallStartMs) - (phaseMs.simulation ?? wallStartMs)) / 1000,
  };
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({
        valid: run.valid,
        status: run.status,
        ...(run.interruptedBy !== undefined ? { interrupted: run.interruptedBy, phase: run.stoppedIn } : {}),
        ...(run.writeError !== undefined ? { error: run.writeError } : {}),
        checker: run.checker,
        seed: run.config.seed,
        dir: run.dir,
        historySha256: run.historySha256,
        opsWritten: run.opsWritten,
        summary: run.summary,
        wallSeconds: wallS,
        simulationSeconds: timing.simulationS,
        checkSeconds: timing.checkS,
        checkBudget: run.checkBudget,
        replay: run.replay,
        report: 'path' in run.report ? run.report.path : null,
        result: run.result,
      })}\n`,
    );
  } else if (!flags.quiet) {
    process.stdout.write(run.status === 'complete' ? describe(run, timing, colors) : describeStopped(run));
  }
  if (run.writeError !== undefined) process.stderr.write(`faultline: ${run.writeError}\n`);
  if (run.status === 'interrupted') {
    interruptSignal = run.interruptedBy as NodeJS.Signals;
    process.stderr.write(
      `faultline: interrupted by ${run.interruptedBy} during the ${run.stoppedIn}; ${run.dir}/results.json says so\n`,
    );
    return SIGNAL_EXIT[run.interruptedBy ?? ''] ?? EXIT.unknown;
  }
  if (run.writeError !== undefined) return EXIT.badArguments;
  return exitCodeForValid(run.valid);
}

/** An interrupted or incomplete run (below the header line): how far it got and where its history is. */
function describeStopped(run: TestRun): string {
  const s = run.summary;
  const why =
    run.status === 'interrupted'
      ? `interrupted by ${run.interruptedBy} during the ${run.stoppedIn}`
      : `stopped: ${run.writeError}`;
  const at =
    'mode' in s
      ? `${(s.wallNs / 1e9).toFixed(1)} s`
      : 'maelstrom' in s
        ? `${(s.simulatedNs / 1e9).toFixed(1)} s`
        : `${(s.simulatedNs / 1e9).toFixed(1)} simulated s`;
  const lines = [
    `  ${why} at ${at}, after ${s.opCount} ops (${run.opsWritten} in the history, whole lines)`,
    `  ${run.stoppedIn === 'check' ? 'history complete; re-check it' : 'check what was written'}: npx faultline check ${run.dir}`,
    `  store: ${run.dir}`,
    ...('path' in run.report ? [`  report: ${run.report.path}`] : []),
    `  replay: ${run.replay}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `6 faults took effect (partition 4, kill 2)`, and how many found nothing to act on. */
export function describeFaults(f: FaultStats): string {
  const per = Object.entries(f.took)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const skipped = f.skipped > 0 ? `; ${f.skipped} skipped (nothing left to act on)` : '';
  return `${f.total} fault${f.total === 1 ? '' : 's'} took effect${per ? ` (${per})` : ''}${skipped}`;
}

/** `raft (bugs: …) / list-append / nemesis partition / seed 2`: what the run is. */
function header(c: RunConfig): string {
  const options = Object.entries(c.adapterOptions ?? {}).map(([k, v]) => ` --${k} ${v}`);
  return `${c.system}${options.join('')}${c.bugs.length > 0 ? ` (bugs: ${c.bugs.join(', ')})` : ''} / ${c.workload} / nemesis ${c.nemesis.join(',') || 'none'} / seed ${c.seed}`;
}

function describe(run: TestRun, timing: { simulationS: number; checkS: number }, colors: Colors): string {
  const s = run.summary;
  const timeLine =
    'maelstrom' in s
      ? `  ${s.maelstrom.processesStarted} Maelstrom process${s.maelstrom.processesStarted === 1 ? '' : 'es'} started (restarts included), init answered in ${s.maelstrom.initMs.toFixed(0)} ms; ${(s.simulatedNs / 1e9).toFixed(1)} s of operations in real time; ${s.network.delivered} messages delivered, ${s.network.cut} cut, ${s.network.lost} lost`
      : 'mode' in s
        ? `  real mode, runtime ${s.runtime}: ${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'} set up in ${(s.setupMs / 1000).toFixed(1)} s; ${(s.wallNs / 1e9).toFixed(1)} s of operations (${(s.counts.invoke / Math.max(s.wallNs / 1e9, 1e-9)).toFixed(0)} ops/s); ${s.proxies.connections} proxied connections${s.cleanupProblems.length > 0 ? `; clean-up problems: ${s.cleanupProblems.join('; ')}` : ''}`
        : `  ${(s.simulatedNs / 1e9).toFixed(1)} simulated s in ${timing.simulationS.toFixed(2)} wall s (${(s.simulatedNs / 1e9 / Math.max(timing.simulationS, 1e-9)).toFixed(0)}× real time); ${s.network.delivered} messages delivered, ${s.network.cut} cut, ${s.network.lost} lost`;
  const lines = [
    `  ${s.opCount} ops: ${s.counts.invoke} invoked, ${s.counts.ok} ok, ${s.counts.fail} fail, ${s.counts.info} info; ${s.counts.nemesis} nemesis`,
    ...('faults' in s && s.faults ? [`  ${describeFaults(s.faults)}`] : []),
    timeLine,
    ...(!('mode' in s) && s.systemMetrics
      ? [
          `  system: ${Object.entries(s.systemMetrics)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        ]
      : []),
    `  checker ${run.checker} (${timing.checkS.toFixed(2)} s): ${verdictWord(run.valid, colors)}${typeof run.result.summary === 'string' ? ` — ${run.result.summary}` : ''}`,
    ...reportExcerpt(run.result, '    '),
    `  store: ${run.dir}`,
    'path' in run.report ? `  report: ${run.report.path}` : `  report: not written (${run.report.error})`,
  ];
  if (run.valid !== true) lines.push(`  replay: ${run.replay}`);
  if ('maelstrom' in s) lines.push(maelstromResults(s.maelstrom, run.result, run.valid));
  return `${lines.join('\n')}\n`;
}

/** Checker result fields too big to print in the results map (they are in results.json). */
const MAX_PRINTED_FIELD_CHARS = 300;

/** Maelstrom's results map, printed as Maelstrom prints it: its statistics and the workload checker's fields. */
function maelstromResults(m: MaelstromStats, result: CheckResult, valid: TestRun['valid']): string {
  const workload = Object.entries(result).filter(
    ([k, v]) => k !== 'summary' && JSON.stringify(v ?? null).length <= MAX_PRINTED_FIELD_CHARS,
  );
  const edn = ednMap([
    ...maelstromStatsEdn(m),
    ['workload', jsonToEdn(Object.fromEntries(workload))],
    ['valid?', valid === 'unknown' ? { kw: ':unknown' } : valid],
  ]);
  return printEdn(edn);
}
