/**
 * `faultline check` of several files on several threads: this thread and
 * `threads - 1` workers (check-files-worker.ts) take the files biggest
 * first, each claiming the next by an atomic counter (no thread waits for
 * another to hand it work), and every file's lines are printed in the order
 * the files were given, as soon as the files before it are done. A file a
 * worker claimed and did not report (the worker could not start, crashed,
 * or met an internal error) is checked again here, so it is never lost and
 * an internal error surfaces as it would without threads.
 */
import type { Worker } from 'node:worker_threads';
import { optimiserDeadline } from '../../jit.js';
import { startThread } from '../../threads.js';
import type { InputEntry } from '../inputs.js';
import { BufferedOutput, replay } from '../output.js';
import { type CheckContext, checkOne, type EntryOutcome, sizeOf } from './check.js';

export interface FilesWorkerInput {
  entries: InputEntry[];
  /** Indices into entries, in the order they are claimed. */
  order: number[];
  /** Int32 counter shared by all threads: the next position of `order` to claim. */
  next: SharedArrayBuffer;
  ctx: Omit<CheckContext, 'checker' | 'flagOpts'>;
  /** The CPU time after which V8's optimiser is wanted (src/jit.ts), or undefined. */
  optimiseAfterCpuMicros?: number;
}

export type FilesWorkerMessage =
  | { index: number; chunks: ['out' | 'err', string][]; outcome: EntryOutcome }
  /** Something went wrong inside: the main thread checks the file again itself. */
  | { index: number; internalError: string };

export async function checkOnThreads(
  entries: readonly InputEntry[],
  ctx: CheckContext,
  threads: number,
): Promise<EntryOutcome[]> {
  const sizes = entries.map((e) => (e.problem === undefined ? sizeOf(e.path) : 0));
  const order = entries.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const done: ({ chunks: ['out' | 'err', string][]; outcome: EntryOutcome } | undefined)[] = new Array(
    entries.length,
  );
  let printed = 0;
  /** This thread has no file left to claim: a worker's file is printed as it comes. */
  let ownDone = false;
  const flush = () => {
    while (printed < entries.length && done[printed] !== undefined) replay(done[printed++]!.chunks);
  };
  const input: FilesWorkerInput = {
    entries: [...entries],
    order,
    next,
    ctx: { format: ctx.format, flags: ctx.flags, inputCount: ctx.inputCount, color: ctx.color },
    optimiseAfterCpuMicros: optimiserDeadline(),
  };
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  for (let t = 1; t < threads; t++) {
    let worker: Worker;
    try {
      worker = startThread({ here: import.meta.url, source: 'check-files-worker' }, { workerData: input });
    } catch {
      break; // no thread: this one checks everything
    }
    workers.push(worker);
    worker.on('message', (msg: FilesWorkerMessage) => {
      if (!('chunks' in msg)) return;
      done[msg.index] = { chunks: msg.chunks, outcome: msg.outcome };
      // While this thread checks a file (its "checking…" line may be up), lines wait for it.
      if (ownDone) flush();
    });
    exited.push(
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('error', () => resolve());
      }),
    );
  }
  try {
    for (;;) {
      const at = Atomics.add(counter, 0, 1);
      if (at >= order.length) break;
      const index = order[at];
      const out = new BufferedOutput();
      done[index] = { outcome: await checkOne(entries[index], ctx, out, false), chunks: out.chunks };
      flush();
    }
    ownDone = true;
    flush();
    await Promise.all(exited);
  } finally {
    for (const w of workers) void w.terminate();
  }
  // What a worker claimed and never reported: checked here.
  for (let i = 0; i < entries.length; i++) {
    if (done[i] !== undefined) continue;
    const out = new BufferedOutput();
    done[i] = { outcome: await checkOne(entries[i], ctx, out, false), chunks: out.chunks };
    flush();
  }
  flush();
  return done.map((d) => d!.outcome);
}
