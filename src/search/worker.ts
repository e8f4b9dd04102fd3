/**
 * Worker thread entry of a search: runs the seeds the pool sends, one at a
 * time, and posts each result. Started by pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SeedBudget } from './scenario.js';
import { runSeed } from './seed-run.js';
import type { SwarmFixed } from './swarm.js';

export interface SearchWorkerInput {
  fixed: SwarmFixed;
  budget: SeedBudget;
}

const input = workerData as SearchWorkerInput;
parentPort!.on('message', (msg: { seed: number }) => {
  runSeed(msg.seed, input.fixed, input.budget).then(
    (result) => parentPort!.postMessage({ result }),
    (err: unknown) =>
      parentPort!.postMessage({ seed: msg.seed, error: err instanceof Error ? err.message : String(err) }),
  );
});
parentPort!.postMessage({ ready: true });
