import { findChecker } from '../../checkers/registry.js';
import type { Op } from '../../src/history/op.js';
import type { RunConfig } from '../../src/runner/config.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { type SimulationSummary, simulate } from '../../src/runner/simulate.js';
import { findWorkload } from '../../workloads/registry.js';
import { checkKvLinearizable } from '../raft/lin-kv.js';

/**
 * Runs a configuration through the project's simulator and runner (the same
 * path as `faultline run`), keeping the history in memory, and judges it
 * with the workload's registered checker (for the register workload the
 * small search in test/raft/lin-kv.ts stands in if `linearizable` is not
 * registered). Shared by the Raft and Paxos suites.
 */

export interface ScenarioOutcome {
  valid: true | false | 'unknown';
  /** Which checkers judged, with their verdicts. */
  verdicts: Record<string, true | false | 'unknown'>;
  /** The registered checker's whole result (anomalies, report lines …). */
  result?: Record<string, unknown>;
  ops: Op[];
  summary: SimulationSummary;
  logs: string[];
}

function combine(a: true | false | 'unknown', b: true | false | 'unknown'): true | false | 'unknown' {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

/** Simulate a run configuration and judge its history with the workload's registered checker. */
export async function runConfig(
  config: Partial<RunConfig> & { seed: number },
  opts: { keepLogs?: boolean } = {},
): Promise<ScenarioOutcome> {
  const history = new MemoryHistorySink();
  const logs: string[] = [];
  const summary = simulate(config, {
    history,
    ...(opts.keepLogs
      ? { nodeLog: (node, timeNs, line) => logs.push(`${(timeNs / 1e6).toFixed(3)} ${node} ${line}`) }
      : {}),
  });
  const workloadName = config.workload ?? 'register';
  const workload = findWorkload(workloadName);
  if (!workload) throw new Error(`unknown workload ${workloadName}`);
  const verdicts: Record<string, true | false | 'unknown'> = {};
  let valid: true | false | 'unknown' = true;
  let result: Record<string, unknown> | undefined;
  const checker = findChecker(workload.checker.name);
  if (checker) {
    const r = await checker.check(history.ops, { ...workload.checker.options, timeLimitMs: 20_000 });
    verdicts[checker.name] = r.valid;
    valid = combine(valid, r.valid);
    result = r;
  }
  if (!checker && workloadName === 'register') {
    const r = checkKvLinearizable(history.ops);
    verdicts['lin-kv (test)'] = r.valid;
    valid = combine(valid, r.valid);
  } else if (!checker) {
    verdicts[`${workload.checker.name} (not registered)`] = 'unknown';
    valid = 'unknown';
  }
  return { valid, verdicts, ...(result ? { result } : {}), ops: history.ops, summary, logs };
}
