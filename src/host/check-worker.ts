/**
 * Worker entry for `checkInWorker`: read the history file, run the named
 * checker, post the result. A failure writing the explanations (a full or
 * read-only disk) is retried without them, so the verdict is not lost.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { findChecker } from '../../checkers/registry.js';
import type { CheckResult } from '../../checkers/types.js';
import { readHistoryFileSync } from '../history/read.js';
import type { CheckRequest } from './check-in-worker.js';

export type CheckReply = { result: CheckResult; outError?: { code: string; path?: string; message: string } };

async function work(req: CheckRequest): Promise<CheckReply> {
  if (req.modules !== undefined) await (await import('../plugins/load.js')).loadRunModules(req.modules);
  const checker = findChecker(req.checker);
  if (!checker) throw new Error(`checker ${req.checker} is not registered`);
  const ops = readHistoryFileSync(req.historyPath, { format: 'jsonl' }).ops;
  try {
    return { result: await checker.check(ops, req.options) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (req.options.outDir === undefined || typeof e.code !== 'string') throw err;
    const { outDir: _, ...rest } = req.options;
    const result = await checker.check(ops, rest);
    return { result, outError: { code: e.code, path: e.path, message: e.message } };
  }
}

work(workerData as CheckRequest).then(
  (reply) => parentPort?.postMessage(reply),
  (err) => {
    throw err;
  },
);
