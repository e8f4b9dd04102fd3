import type { CheckOptions } from '../../checkers/types.js';
import type { Workload } from '../../workloads/types.js';
import type { RunConfig } from './config.js';

/**
 * The options a run's history is checked with: the workload's own, plus
 * what only the configuration knows. Background message loss (`--loss`) is
 * on from the first message to the last and no nemesis op records it, so a
 * checker of liveness after the heal (consensus termination) must be told
 * that the network never healed. Stored in test.json, so `faultline check
 * RUN_DIR` judges the history as the run did.
 */
export function runCheckerOptions(workload: Workload, config: RunConfig): CheckOptions {
  const options: CheckOptions = { ...workload.checker.options };
  if ((config.network.lossProbability ?? 0) > 0) options.persistentFaults = ['background loss'];
  return options;
}
