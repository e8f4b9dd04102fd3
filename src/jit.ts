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
 * big file turns it on at once (`optimiseNow`): that run will be long.
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
}

/** What the launcher does (kept here to document it): TurboFan off until `cpuMs` of CPU time. */
export function deferOptimiser(cpuMs: number): void {
  setFlagsFromString('--no-opt');
  (globalThis as WithDeadline)[DEADLINE] = cpuMs * 1000;
}
