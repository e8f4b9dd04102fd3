import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import type { RunConfig } from '../../runner/config.js';
import type { Schedule } from '../../runner/schedule.js';
import { EXIT } from '../exit-codes.js';
import { parseNumberFlag, UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface ShrinkFlags {
  out?: string;
  timeLimit?: string;
  json?: boolean;
}

export function registerShrink(program: Command): void {
  program
    .command('shrink')
    .description(COMMAND_SUMMARIES.shrink.summary)
    .argument(
      '<file>',
      'a regression file (from search --save or replay), or a run directory / its test.json',
    )
    .option('--out <file>', 'where the shrunk scenario goes (default: beside the input, NAME.shrunk.json)')
    .option('--time-limit <seconds>', 'wall-clock budget for shrinking (default 60)')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
The scenario is run again, written out as an explicit schedule (its operations and fault
events), and cut down by delta debugging while it still fails with the same anomaly class.
The result is a regression file: \`faultline replay FILE\` re-runs it.

Exit codes: 1 shrunk (the scenario still fails), 0 the scenario does not fail (nothing to
shrink), 254 bad input.

Examples:
  $ faultline shrink store/latest
  $ faultline shrink regressions/lww-register-register-seed-1.json --out small.json`,
    )
    .action(async (file: string, flags: ShrinkFlags) => {
      process.exitCode = await shrinkCommand(file, flags);
    });
}

/** A regression file, or a run's test.json (or its directory): the scenario in it. */
function readScenario(path: string): { config: RunConfig; schedule?: Schedule; defaultOut: string } {
  let file = path;
  try {
    // A run directory through a link (store/latest) is named by where it really is: the link moves on.
    if (statSync(path).isDirectory())
      file = join(relative(process.cwd(), realpathSync(path)) || '.', 'test.json');
  } catch {
    throw new UserError(`${path}: no such file or directory`);
  }
  if (!existsSync(file)) throw new UserError(`${path}: no test.json in this directory`);
  let data: { kind?: string; config?: RunConfig; schedule?: Schedule };
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof data?.config !== 'object' || data.config === null)
    throw new UserError(`${file}: neither a regression file nor a run's test.json (no "config")`);
  const defaultOut =
    basename(file) === 'test.json'
      ? join(dirname(file), 'shrunk.json')
      : file.replace(/(\.json)?$/, '.shrunk.json');
  return { config: data.config, ...(data.schedule ? { schedule: data.schedule } : {}), defaultOut };
}

async function shrinkCommand(path: string, flags: ShrinkFlags): Promise<number> {
  const { config, schedule, defaultOut } = readScenario(path);
  const timeLimitMs =
    flags.timeLimit !== undefined
      ? parseNumberFlag('--time-limit', flags.timeLimit, { min: 0 }) * 1000
      : undefined;
  const { resolveConfig, ConfigError } = await import('../../runner/config.js');
  await (await import('../../plugins/load.js')).loadRunModules(config.modules);
  try {
    resolveConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(`${path}: "config": ${err.message}`);
    throw err;
  }
  const { runScenario } = await import('../../search/scenario.js');
  const { shrinkScenario } = await import('../../search/shrink.js');
  const { saveRegression, scenarioRegression } = await import('../../search/regression.js');
  const scenario = { config, ...(schedule ? { schedule } : {}) };
  const first = await runScenario(scenario);
  if (first.valid !== false || !first.anomaly) {
    const v = first.valid === true ? 'valid' : `unknown (${first.unknownReason ?? ''})`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ shrunk: false, valid: first.valid })}\n`);
    else process.stdout.write(`${path}: the scenario is ${v}: nothing to shrink\n`);
    return first.valid === true ? EXIT.valid : EXIT.unknown;
  }
  const anomaly = first.anomaly.anomaly;
  if (!flags.json) process.stderr.write(`shrinking ${path}: ${first.invocations} ops, ${anomaly} …\n`);
  const r = await shrinkScenario(scenario, anomaly, timeLimitMs !== undefined ? { timeLimitMs } : {});
  const out = flags.out ?? defaultOut;
  const regression = scenarioRegression(r.shrunk, r.outcome, { seed: config.seed, shrunkFrom: r.before });
  saveRegression(out, regression);
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ shrunk: true, file: out, anomaly, before: r.before, after: r.after, runs: r.runs, wallSeconds: r.wallMs / 1000, complete: r.complete, ...(r.note ? { note: r.note } : {}) })}\n`,
    );
  } else {
    const b = r.before;
    const a = r.after;
    process.stdout.write(
      [
        `${path}: ${anomaly}`,
        `  before: ${b.ops} ops, ${b.clients} clients, ${b.faults} faults, ${b.nodes} nodes, ${b.timeS.toFixed(1)} s`,
        `  after:  ${a.ops} ops, ${a.clients} clients, ${a.faults} faults, ${a.nodes} nodes, ${a.timeS.toFixed(1)} s (${(b.ops / Math.max(1, a.ops)).toFixed(1)}× fewer ops; ${r.runs} runs in ${(r.wallMs / 1000).toFixed(1)} s${r.complete ? '' : ', budget ran out'})`,
        ...(r.note ? [`  note: ${r.note}`] : []),
        `  saved: ${out}`,
        `  replay: npx faultline replay ${out}`,
        '',
      ].join('\n'),
    );
  }
  return EXIT.invalid;
}
