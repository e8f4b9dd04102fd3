/**
 * Checking the parts of a split history on worker threads. Only built-in
 * models can cross to a worker (it finds the model by name). Any trouble
 * starting workers answers undefined, and the caller checks in-process.
 * Loaded only when threads are started (worker_threads stays out of a check
 * that needs none).
 */
import type { Worker } from 'node:worker_threads';
import { toTypedJson } from '../../src/history/typed-json.js';
import { isCloneSafe } from '../../src/history/values.js';
import { startThread } from '../../src/threads.js';
import type { Part, PreparedOp } from './prepare.js';
import type { SearchBudget, SearchOutcome } from './search.js';
import type { WorkerInput } from './worker.js';

/** A worker on worker.ts (compiled, or through tsx from the sources). */
function startWorker(workerData: WorkerInput): Worker {
  return startThread({ here: import.meta.url, source: 'worker' }, { workerData });
}

export async function runOnWorkers(
  parts: readonly Part[],
  modelName: string,
  perKey: boolean,
  budget: Omit<SearchBudget, 'cancel'>,
  workerCount: number,
  /** Int32 flag shared with the workers (and whoever else searches): set when a part failed. */
  cancel: SharedArrayBuffer = new SharedArrayBuffer(4),
  initialValue?: string,
): Promise<SearchOutcome<unknown>[] | undefined> {
  const n = Math.min(workerCount, parts.length);
  // Class instances (keywords, sets, …) lose their prototype in structured cloning: send values as typed JSON then.
  const typedValues = parts.some((p) => p.ops.some((o) => !opIsCloneSafe(o)));
  // Greedy balance by op count, largest parts first.
  const batches: { load: number; parts: { index: number; ops: Part['ops'] }[] }[] = [];
  for (let i = 0; i < n; i++) batches.push({ load: 0, parts: [] });
  const order = parts.map((_, i) => i).sort((a, b) => parts[b].ops.length - parts[a].ops.length);
  for (const index of order) {
    let best = batches[0];
    for (const b of batches) if (b.load < best.load) best = b;
    best.parts.push({ index, ops: typedValues ? parts[index].ops.map(encodeOp) : parts[index].ops });
    best.load += parts[index].ops.length;
  }
  const outcomes: SearchOutcome<unknown>[] = new Array(parts.length);
  const started: Worker[] = [];
  try {
    await Promise.all(
      batches.map(
        (batch) =>
          new Promise<void>((resolve, reject) => {
            const data: WorkerInput = {
              modelName,
              perKey,
              initialValue,
              typedValues,
              parts: batch.parts,
              deadlineMs: budget.deadlineMs,
              memoryLimitBytes:
                budget.memoryLimitBytes === undefined ? undefined : budget.memoryLimitBytes / n,
              cancel,
            };
            const w = startWorker(data);
            started.push(w);
            w.once('message', (msg: { index: number; outcome: SearchOutcome<unknown> }[]) => {
              for (const { index, outcome } of msg) outcomes[index] = outcome;
              resolve();
            });
            w.once('error', reject);
            w.once('exit', (code) => {
              if (code !== 0) reject(new Error(`worker exited with code ${code}`));
              else resolve();
            });
          }),
      ),
    );
  } catch {
    Atomics.store(new Int32Array(cancel), 0, 1);
    for (const w of started) void w.terminate();
    return undefined;
  }
  for (let i = 0; i < outcomes.length; i++) if (outcomes[i] === undefined) return undefined;
  return outcomes;
}

function opIsCloneSafe(o: PreparedOp): boolean {
  return isCloneSafe(o.input.value) && isCloneSafe(o.input.key) && isCloneSafe(o.output);
}

/** An op with its values as typed JSON text (worker.ts decodes them). */
function encodeOp(o: PreparedOp): PreparedOp {
  const input = { ...o.input, value: toTypedJson(o.input.value) };
  if (o.input.key !== undefined) input.key = toTypedJson(o.input.key);
  return { ...o, input, output: o.output === undefined ? undefined : toTypedJson(o.output) };
}
