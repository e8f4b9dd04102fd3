import { findChecker } from '../../checkers/registry.js';
import type { CheckResult } from '../../checkers/types.js';
import type { Op } from '../../src/history/op.js';
import type { RunConfig } from '../../src/runner/config.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { type SimulationSummary, simulate } from '../../src/runner/simulate.js';
import { findWorkload } from '../../workloads/registry.js';

/**
 * Runs a configuration through the project's simulator and runner (the path
 * of `faultline run`), history in memory, and judges it with the workload's
 * registered checker.
 */
export interface CheckedRun {
  valid: true | false | 'unknown';
  result: CheckResult;
  ops: Op[];
  summary: SimulationSummary;
  logs: string[];
}

export async function runChecked(
  config: Partial<RunConfig> & { seed: number },
  opts: { keepLogs?: boolean; checkTimeLimitMs?: number } = {},
): Promise<CheckedRun> {
  const history = new MemoryHistorySink();
  const logs: string[] = [];
  const summary = simulate(config, {
    history,
    ...(opts.keepLogs
      ? { nodeLog: (node, timeNs, line) => logs.push(`${(timeNs / 1e6).toFixed(3)} ${node} ${line}`) }
      : {}),
  });
  const workload = findWorkload(config.workload ?? 'register');
  if (!workload) throw new Error(`unknown workload ${config.workload}`);
  const checker = findChecker(workload.checker.name);
  if (!checker) throw new Error(`checker ${workload.checker.name} is not registered`);
  const result = await checker.check(history.ops, {
    ...workload.checker.options,
    timeLimitMs: opts.checkTimeLimitMs ?? 20_000,
  });
  return { valid: result.valid, result, ops: history.ops, summary, logs };
}
