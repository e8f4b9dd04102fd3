/**
 * The process around a run, not the simulation: these helpers touch the real
 * event loop and the machine, so they live outside the directories the
 * determinism scan guards. None of them changes what a simulation does.
 */
import { totalmem } from 'node:os';
import type { CheckBudget } from './check-in-worker.js';

/** Let the event loop turn once (signals, I/O), between slices of a simulation. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The check budget `faultline run` gives when none is asked for, sized for
 * the run: 30 s plus 1 ms per op (at most 10 minutes), and 512 MiB plus
 * 4 KiB per op of worker heap (at most 4 GiB or half the machine).
 */
export function defaultCheckBudget(opCount: number, machineBytes = totalmem()): CheckBudget {
  const timeLimitMs = Math.min(30_000 + opCount, 600_000);
  const capMiB = Math.min(4096, Math.floor(machineBytes / 2 / 1048576));
  const memoryLimitMiB = Math.max(64, Math.min(512 + Math.ceil((opCount * 4) / 1024), capMiB));
  return { timeLimitMs, memoryLimitMiB };
}
