import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadRunModules, type PluginModules } from '../plugins/load.js';
import { type RunConfig, resolveConfig, testName } from '../runner/config.js';
import type { Schedule } from '../runner/schedule.js';
import { FAULTLINE_VERSION } from '../version.js';
import { runScenario, type Scenario, type ScenarioOutcome, type SeedBudget } from './scenario.js';
import type { ScenarioSize } from './shrink.js';

/**
 * Saved scenarios (`regressions/NAME.json`): a failure found once, replayed
 * forever. A file holds faultline's version, the system, bugs and workload,
 * the full configuration (seed and every drawn value) and, once shrunk, the
 * explicit schedule; the expected verdict and anomaly class; and the SHA-256
 * of the history it gave. `replay` re-runs it and compares both.
 */
export interface Regression {
  kind: 'faultline-regression';
  faultlineVersion: string;
  name: string;
  system: string;
  bugs: string[];
  workload: string;
  config: RunConfig;
  schedule?: Schedule;
  expected: {
    valid: true | false | 'unknown';
    anomaly?: string;
    anomalies?: string[];
    historySha256: string;
    /** Client operations of the scenario. */
    ops: number;
  };
  /** Where it came from: the search seed, and the size before shrinking. */
  found?: { seed: number; shrunkFrom?: ScenarioSize };
  replay: string;
}

/** A saved file that is not a regression (or not one this version reads): a user error naming file and field. */
export class RegressionFileError extends Error {
  override name = 'RegressionFileError';
}

/** The outcome fields a regression's expectation is made of. */
export type ExpectedOutcome = Pick<ScenarioOutcome, 'valid' | 'historySha256'> & {
  anomaly?: string | { anomaly: string; anomalies: string[] };
  anomalies?: string[];
  opCount?: number;
  invocations?: number;
};

/** A regression for a scenario and the outcome it gave. */
export function scenarioRegression(
  scenario: Scenario,
  outcome: ExpectedOutcome,
  found?: { seed: number; shrunkFrom?: ScenarioSize },
): Regression {
  const c = scenario.config;
  const anomaly = typeof outcome.anomaly === 'string' ? outcome.anomaly : outcome.anomaly?.anomaly;
  const anomalies =
    typeof outcome.anomaly === 'object' ? outcome.anomaly.anomalies : (outcome.anomalies ?? undefined);
  const r: Regression = {
    kind: 'faultline-regression',
    faultlineVersion: FAULTLINE_VERSION,
    name: '',
    system: c.system,
    bugs: [...c.bugs],
    workload: c.workload,
    config: c,
    ...(scenario.schedule ? { schedule: scenario.schedule } : {}),
    expected: {
      valid: outcome.valid,
      ...(anomaly !== undefined ? { anomaly } : {}),
      ...(anomalies !== undefined ? { anomalies } : {}),
      historySha256: outcome.historySha256,
      ops: outcome.invocations ?? outcome.opCount ?? 0,
    },
    ...(found ? { found } : {}),
    replay: '',
  };
  r.name = regressionName(r);
  return r;
}

/** `raft+no-truncate-list-append-seed-12`: the test name and the seed. */
export function regressionName(r: Pick<Regression, 'config' | 'found'>): string {
  return `${testName(r.config)}-seed-${r.found?.seed ?? r.config.seed}`;
}

/** Write a regression file (its replay command names the file). */
export function saveRegression(file: string, r: Regression): void {
  mkdirSync(dirname(file), { recursive: true });
  const out: Regression = {
    ...r,
    name: r.name || basename(file, '.json'),
    replay: `npx faultline replay ${file}`,
  };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

/** Read and check a regression file; a RegressionFileError names the file and what is wrong. */
export function loadRegression(file: string): Regression {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RegressionFileError(
      `${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const bad = (what: string) => new RegressionFileError(`${file}: not a faultline regression: ${what}`);
  if (typeof data !== 'object' || data === null) throw bad('not a JSON object');
  const r = data as Partial<Regression>;
  if (r.kind !== 'faultline-regression') throw bad(`"kind" must be "faultline-regression"`);
  if (typeof r.config !== 'object' || r.config === null) throw bad('no "config"');
  const e = r.expected;
  if (typeof e !== 'object' || e === null) throw bad('no "expected"');
  if (e.valid !== true && e.valid !== false && e.valid !== 'unknown')
    throw bad('"expected.valid" must be true, false or "unknown"');
  if (typeof e.historySha256 !== 'string') throw bad('"expected.historySha256" must be a string');
  if (r.schedule !== undefined) {
    const s = r.schedule;
    if (!Array.isArray(s.main) || !Array.isArray(s.final) || !Array.isArray(s.faults))
      throw bad('"schedule" needs "main", "final" and "faults" lists');
  }
  try {
    resolveConfig(r.config);
  } catch (err) {
    throw bad(`"config": ${err instanceof Error ? err.message : String(err)}`);
  }
  return r as Regression;
}

/** The plug-in modules a saved scenario names (read before it is checked: resolving it needs them). */
function savedModules(file: string): PluginModules | undefined {
  try {
    const m = (JSON.parse(readFileSync(file, 'utf8')) as { config?: { modules?: unknown } }).config?.modules;
    return typeof m === 'object' && m !== null ? (m as PluginModules) : undefined;
  } catch {
    return undefined; // loadRegression names what is wrong with the file
  }
}

/** The regression files of a path: the file itself, or every *.json in a directory (sorted). */
export function regressionFiles(path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new RegressionFileError(`${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(path, f));
}

export interface ReplayResult {
  file: string;
  name: string;
  /** Everything as expected. */
  ok: boolean;
  verdictChanged: boolean;
  hashChanged: boolean;
  expected: Regression['expected'];
  actual: {
    valid: true | false | 'unknown';
    anomaly?: string;
    anomalies?: string[];
    historySha256: string;
    ops: number;
  };
  /** One line for people: what happened and what to do. */
  message: string;
  /** Set with `update`: the file was rewritten with the new expectation. */
  updated?: boolean;
}

function verdictText(valid: true | false | 'unknown', anomaly?: string): string {
  if (valid === true) return 'valid';
  if (valid === 'unknown') return 'unknown';
  return anomaly ? `INVALID (${anomaly})` : 'INVALID';
}

/**
 * Re-run a saved scenario and compare: the verdict and anomaly class (a
 * fixed bug back, or a bug fixed), and the history hash (determinism).
 * With `update` the file takes the new outcome as its expectation.
 */
export async function replayRegression(
  file: string,
  opts: { update?: boolean; budget?: SeedBudget } = {},
): Promise<ReplayResult> {
  await loadRunModules(savedModules(file));
  const r = loadRegression(file);
  const scenario: Scenario = { config: r.config, ...(r.schedule ? { schedule: r.schedule } : {}) };
  const o = await runScenario(scenario, { ...(opts.budget ? { budget: opts.budget } : {}) });
  const actual: ReplayResult['actual'] = {
    valid: o.valid,
    ...(o.anomaly ? { anomaly: o.anomaly.anomaly, anomalies: o.anomaly.anomalies } : {}),
    historySha256: o.historySha256,
    ops: o.invocations,
  };
  const e = r.expected;
  const anomalyKept = e.anomaly === undefined || (actual.anomalies ?? []).includes(e.anomaly);
  const verdictChanged = actual.valid !== e.valid || (e.valid === false && !anomalyKept);
  const hashChanged = actual.historySha256 !== e.historySha256;
  const name = r.name || basename(file, '.json');
  const was = verdictText(e.valid, e.anomaly);
  const now = verdictText(actual.valid, actual.anomaly);
  const parts: string[] = [];
  if (verdictChanged) {
    if (e.valid === false && actual.valid === true)
      parts.push(
        `verdict changed: expected ${was}, now ${now}: the bug this scenario caught looks fixed; if so, record it with \`faultline replay --update ${file}\``,
      );
    else if (e.valid === true && actual.valid === false)
      parts.push(`verdict changed: expected ${was}, now ${now}: a fixed bug is back`);
    else if (e.valid === false && actual.valid === false)
      parts.push(`anomaly changed: expected ${was}, now ${now}`);
    else parts.push(`verdict changed: expected ${was}, now ${now}`);
  }
  if (hashChanged)
    parts.push(
      `history hash changed (expected ${e.historySha256.slice(0, 12)}…, got ${actual.historySha256.slice(0, 12)}…): the same scenario no longer gives the same history, so determinism broke (or the simulator or the system changed on purpose: then \`faultline replay --update ${file}\`)`,
    );
  const ok = !verdictChanged && !hashChanged;
  const result: ReplayResult = {
    file,
    name,
    ok,
    verdictChanged,
    hashChanged,
    expected: e,
    actual,
    message: ok ? `${now} as expected, same history` : parts.join('; '),
  };
  if (opts.update && !ok) {
    const next: Regression = {
      ...r,
      faultlineVersion: FAULTLINE_VERSION,
      expected: {
        valid: actual.valid,
        ...(actual.anomaly !== undefined ? { anomaly: actual.anomaly, anomalies: actual.anomalies } : {}),
        historySha256: actual.historySha256,
        ops: actual.ops,
      },
    };
    writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
    result.updated = true;
    result.message = `updated: was ${was}, now ${now}${hashChanged ? ', new history hash' : ''}`;
  }
  return result;
}
