import { loadRunModules } from '../plugins/load.js';
import { type RunConfig, resolveConfig } from '../runner/config.js';
import { runScenario, type SeedBudget } from './scenario.js';
import { drawSwarmConfig, type SwarmFixed } from './swarm.js';

/** One seed of a search, as the search reports it. */
export interface SeedResult {
  seed: number;
  valid: true | false | 'unknown';
  /** The anomaly class (not valid only). */
  anomaly?: string;
  anomalies?: string[];
  /** Why unknown: which budget ran out. */
  unknownReason?: string;
  /** The checker's one-line summary. */
  checkSummary?: string;
  opCount: number;
  historySha256: string;
  wallMs: number;
  /** The seed's full configuration (drawn and fixed values); kept for seeds that are not valid. */
  config?: RunConfig;
}

/** Draw the seed's swarm configuration, run it and check it within the budget. */
export async function runSeed(seed: number, fixed: SwarmFixed, budget: SeedBudget): Promise<SeedResult> {
  const t0 = performance.now();
  await loadRunModules(fixed.modules);
  const { config } = resolveConfig(drawSwarmConfig(seed, fixed));
  const o = await runScenario({ config }, { budget });
  const r: SeedResult = {
    seed,
    valid: o.valid,
    opCount: o.opCount,
    historySha256: o.historySha256,
    wallMs: Math.round(performance.now() - t0),
  };
  if (o.anomaly) {
    r.anomaly = o.anomaly.anomaly;
    r.anomalies = o.anomaly.anomalies;
  }
  if (o.unknownReason !== undefined) r.unknownReason = o.unknownReason;
  if (o.checkSummary !== undefined && o.valid !== true) r.checkSummary = o.checkSummary.slice(0, 500);
  if (o.valid !== true) r.config = config;
  return r;
}
