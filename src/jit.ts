/**
 * V8's optimising compiler (TurboFan) in a short-lived process.
 *
 * Most `faultline check` runs are over in a few hundred milliseconds, and
 * there TurboFan does not pay: compiling the hot functions costs more CPU
 * than the optimised code saves, and its compiler zones add ~10 MiB of peak
 * RSS (the etcd logs: 0.30 → 0.22 s CPU and 62 → 52 MiB without it). A long
 * search needs it badly (a hot loop runs ~30× faster optimised). So the CLI
 * (bin/faultline.js) starts with TurboFan off and names a CPU time after
 * which it is wanted; long-running loops call `optimiseIfDue()` now and
 * then, and the first call past that time turns it on, for good. Reading a
 * big file turns it on at once (`optimiseNow`): that run will be long. So
 * does one linearizability search that has run 16,384 steps (search.ts):
 * the many short per-key searches of a split history never get there, and
 * one that does will run on (on two cores TurboFan compiles beside it). A
 * search over tuples of per-key states (a keyed history checked as one
 * object) turns it on as it starts.
 *
 * The young generation likewise: a short check keeps it at its first size
 * (V8 doubles it when a collection finds much alive, as loading the CLI
 * does): the etcd logs' peak RSS 50.6 → 48.5 MiB and the kv files' 57.7 →
 * 52.6, with as much time collecting garbage (more, smaller collections).
 * A long run gets V8's growth back with the optimiser: the generated 100k-op
 * history, held young, would collect 208 times (118 ms) instead of 22 (53 ms).
 *
 * The deadline lives on globalThis, so the launcher needs no import (and a
 * bundled and an unbundled copy of this module agree). A process that never
 * set it (a library user, the tests) never has its flags touched.
 */
import { setFlagsFromString } from 'node:v8';

const DEADLINE = Symbol.for('faultline.optimiseAfterCpuMicros');

type WithDeadline = { [DEADLINE]?: number };

/**
 * Turn TurboFan on if the process was started with it deferred and has used
 * its CPU time. Cheap enough for a loop: without a deadline one lookup, with
 * one a CPU-time read (a system call) every 64th call.
 */
export function optimiseIfDue(): void {
  const g = globalThis as WithDeadline;
  const at = g[DEADLINE];
  if (at === undefined || (++calls & 63) !== 0) return;
  if (process.cpuUsage().user >= at) optimiseNow();
}

let calls = 0;

/** Turn TurboFan on now if it was deferred (a big input: the run will be long). */
export function optimiseNow(): void {
  const g = globalThis as WithDeadline;
  if (g[DEADLINE] === undefined) return;
  delete g[DEADLINE];
  setFlagsFromString('--opt');
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH}`);
}

/** V8's own (node 20): the young generation doubles when a collection finds much of it alive. */
const DEFAULT_SEMI_SPACE_GROWTH = 2;

/** What the launcher does (bin/faultline.js does it itself, before its code cache is read): TurboFan off, and the young generation kept small, until `cpuMs` of CPU time. */
export function deferOptimiser(cpuMs: number): void {
  setFlagsFromString('--no-opt');
  setFlagsFromString('--semi-space-growth-factor=1');
  (globalThis as WithDeadline)[DEADLINE] = cpuMs * 1000;
}

/**
 * The deadline, for a worker thread to adopt (`adoptOptimiserDeadline`): V8's flags are the process's,
 * so a worker's long search must be able to turn TurboFan on too, and its globalThis is its own.
 */
export function optimiserDeadline(): number | undefined {
  return (globalThis as WithDeadline)[DEADLINE];
}

export function adoptOptimiserDeadline(cpuMicros: number | undefined): void {
  if (cpuMicros !== undefined) (globalThis as WithDeadline)[DEADLINE] = cpuMicros;
}
