/**
 * Worker thread entry of a `faultline check` of several files
 * (check-threads.ts): claims files until none is left, checks each with the
 * built-in checker the flags name, and posts each file's lines and outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptOptimiserDeadline } from '../../jit.js';
import { BufferedOutput } from '../output.js';
import { type CheckContext, checkerOnThread, checkOne } from './check.js';
import type { FilesWorkerInput, FilesWorkerMessage } from './check-threads.js';

const input = workerData as FilesWorkerInput;
adoptOptimiserDeadline(input.optimiseAfterCpuMicros);
const ctx: CheckContext = { ...input.ctx, ...checkerOnThread(input.ctx.flags) };
const counter = new Int32Array(input.next);
const post = (msg: FilesWorkerMessage) => parentPort?.postMessage(msg);

for (;;) {
  const at = Atomics.add(counter, 0, 1);
  if (at >= input.order.length) break;
  const index = input.order[at];
  const out = new BufferedOutput();
  try {
    const outcome = await checkOne(input.entries[index], ctx, out, true);
    post({ index, chunks: out.chunks, outcome });
  } catch (err) {
    post({ index, internalError: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}
