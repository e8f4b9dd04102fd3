/**
 * A check with a hard budget: the checker runs on a worker thread whose heap
 * is capped (`resourceLimits`) and which is stopped at its deadline, so no
 * history and no checker can take the process's memory or time, and the
 * main thread stays free to answer a signal. Out of budget the verdict is
 * `unknown`, naming the budget that ran out.
 */
import type { Worker } from 'node:worker_threads';
import type { CheckOptions, CheckResult } from '../../checkers/types.js';
import type { PluginModules } from '../plugins/load.js';
import { startThread } from '../threads.js';
import type { CheckReply } from './check-worker.js';

export interface CheckRequest {
  checker: string;
  /** The run's plug-in modules: a checker of the user's own is registered by loading them. */
  modules?: PluginModules;
  options: CheckOptions;
  historyPath: string;
}

export interface CheckBudget {
  /** Wall-clock budget; the checker is told it and stopped a grace period after it. */
  timeLimitMs: number;
  /** Heap budget of the worker, MiB (the linearizable search's tables are held to it too). */
  memoryLimitMiB: number;
  /** Time past the deadline before the worker is stopped (default: the larger of 5 s and a fifth of the time limit). */
  graceMs?: number;
}

export type WorkerCheckOutcome =
  | { kind: 'done'; result: CheckResult; outError?: CheckReply['outError'] }
  | { kind: 'interrupted' };

/** Time a checker gets past its own deadline to stop by itself before the worker is stopped. */
function graceMs(timeLimitMs: number): number {
  return Math.max(5_000, timeLimitMs * 0.2);
}

function startWorker(workerData: CheckRequest, memoryLimitMiB: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: memoryLimitMiB };
  return startThread({ here: import.meta.url, source: 'check-worker' }, { workerData, resourceLimits });
}

export function describeBudget(budget: CheckBudget): string {
  return `${formatSeconds(budget.timeLimitMs)} and ${budget.memoryLimitMiB} MiB`;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  // Tenths, or two significant digits below a tenth: a budget is never printed as 0.
  return `${Number.isInteger(s) ? s : s >= 0.1 ? s.toFixed(1) : Number(s.toPrecision(2))} s`;
}

function unknown(summary: string, budgetRanOut: 'time' | 'memory', budget: CheckBudget): CheckResult {
  return {
    valid: 'unknown',
    summary,
    unknownReason: budgetRanOut,
    budget: { timeLimitMs: budget.timeLimitMs, memoryLimitMiB: budget.memoryLimitMiB },
  };
}

/** Run `req` on a worker within `budget`; an abort (a signal) stops it at once. */
export function checkInWorker(
  req: CheckRequest,
  budget: CheckBudget,
  signal?: AbortSignal,
): Promise<WorkerCheckOutcome> {
  const options: CheckOptions = {
    ...req.options,
    timeLimitMs: Math.min(req.options.timeLimitMs ?? budget.timeLimitMs, budget.timeLimitMs),
    memoryLimitBytes: Math.min(
      req.options.memoryLimitBytes ?? Number.POSITIVE_INFINITY,
      budget.memoryLimitMiB * 1024 * 1024,
    ),
  };
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      resolve({ kind: 'interrupted' });
      return;
    }
    const worker = startWorker({ ...req, options }, budget.memoryLimitMiB);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          resolve({
            kind: 'done',
            result: unknown(
              `unknown: the check's time budget of ${formatSeconds(budget.timeLimitMs)} ran out (the checker was stopped)`,
              'time',
              budget,
            ),
          }),
        ),
      budget.timeLimitMs + (budget.graceMs ?? graceMs(budget.timeLimitMs)),
    );
    const onAbort = () => settle(() => resolve({ kind: 'interrupted' }));
    signal?.addEventListener('abort', onAbort);
    worker.once('message', (reply: CheckReply) =>
      settle(() => resolve({ kind: 'done', result: reply.result, outError: reply.outError })),
    );
    worker.once('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        settle(() =>
          resolve({
            kind: 'done',
            result: unknown(
              `unknown: the check's memory budget of ${budget.memoryLimitMiB} MiB ran out`,
              'memory',
              budget,
            ),
          }),
        );
      } else settle(() => reject(err));
    });
    worker.once('exit', (code) => {
      if (!settled)
        settle(() => reject(new Error(`the check's worker thread stopped (exit ${code}) without a result`)));
    });
  });
}
