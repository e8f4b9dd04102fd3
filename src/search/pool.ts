/**
 * A pool of search workers (threads): each runs one seed at a time. A
 * worker that runs out of memory, crashes, or holds a seed past its
 * watchdog is replaced, and that seed is `unknown` with the reason; the
 * search goes on.
 */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../threads.js';
import type { SeedResult } from './seed-run.js';
import type { SearchWorkerInput } from './worker.js';

/**
 * A search worker: in the CLI's bundle (dist/bundle, scripts/bundle.mjs) its
 * own `search-worker.js` beside the chunks (`worker.js` there is the
 * linearizability checker's); elsewhere worker.js / worker.ts beside this module.
 */
function startWorker(workerData: SearchWorkerInput, maxOldGenerationSizeMb: number): Worker {
  return startThread(
    { here: import.meta.url, source: 'worker', bundled: 'search-worker' },
    { workerData, resourceLimits: { maxOldGenerationSizeMb } },
  );
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

export interface PoolOptions {
  size: number;
  input: SearchWorkerInput;
  /** Heap limit of each worker, MiB: out of it the seed is unknown (memory). */
  heapMb: number;
  /** A seed still running after this long is unknown (time) and its worker replaced. */
  watchdogMs: number;
}

export class SeedPool {
  private readonly slots: Slot[] = [];
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = startWorker(this.opts.input, this.opts.heapMb);
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    // A worker that fails to start surfaces on the first seed sent to it.
    ready.catch(() => {});
    return { worker, ready, busy: false };
  }

  /** Run one seed on a free worker (the caller never has more seeds in flight than workers). */
  async run(seed: number): Promise<SeedResult> {
    const i = this.slots.findIndex((s) => !s.busy);
    if (i < 0) throw new Error('seed pool: no free worker');
    const slot = this.slots[i];
    slot.busy = true;
    const t0 = performance.now();
    try {
      await slot.ready;
    } catch (err) {
      throw new Error(`search worker did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new Promise<SeedResult>((resolve) => {
      const w = slot.worker;
      const done = (r: SeedResult, replace: boolean) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (replace && !this.closed) {
          void w.terminate();
          this.slots[this.slots.indexOf(slot)] = this.spawn();
        } else {
          slot.busy = false;
        }
        resolve(r);
      };
      const unknown = (reason: string): SeedResult => ({
        seed,
        valid: 'unknown',
        unknownReason: reason,
        opCount: 0,
        historySha256: '',
        wallMs: Math.round(performance.now() - t0),
      });
      const onMessage = (m: { result?: SeedResult; error?: string }) => {
        if (m.result) done(m.result, false);
        else if (m.error !== undefined) done(unknown(`internal error: ${m.error}`), false);
      };
      const onError = (err: Error & { code?: string }) => {
        const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        done(
          unknown(
            memory
              ? `out of the memory budget (${this.opts.heapMb} MiB heap)`
              : `worker crashed: ${err.message}`,
          ),
          true,
        );
      };
      const onExit = (code: number) => done(unknown(`worker exited with code ${code}`), true);
      const timer = setTimeout(
        () =>
          done(
            unknown(`out of the time budget (${Math.round(this.opts.watchdogMs / 1000)} s for one seed)`),
            true,
          ),
        this.opts.watchdogMs,
      );
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage({ seed });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
