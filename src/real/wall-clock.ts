import type { Scheduler } from '../runner/environment.js';
import type { Simulation } from '../sim/simulation.js';

/**
 * Wall-clock time for the runner (real mode): `nowNs` is real ns since the
 * clock was made, callbacks are Node timers. A callback that throws stops
 * the clock and goes to `onError` (the run then ends as crashed, its
 * history so far on disk), instead of taking the process down.
 */
export class WallClock implements Scheduler {
  private readonly startNs = process.hrtime.bigint();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  get nowNs(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  schedule(delayNs: number, fn: () => void): void {
    if (!(delayNs >= 0)) throw new RangeError(`schedule: delay must be >= 0, got ${delayNs}`);
    this.scheduleAt(this.nowNs + delayNs, fn);
  }

  scheduleAt(timeNs: number, fn: () => void): void {
    if (this.stopped) return;
    const delayMs = Math.max(0, (timeNs - this.nowNs) / 1e6);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      try {
        fn();
      } catch (err) {
        this.stop();
        this.onError(err);
      }
    }, delayMs);
    this.timers.add(timer);
  }

  /** Cancel everything scheduled; later calls schedule nothing. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

/**
 * Drives a `Simulation` in wall-clock time: virtual time follows the real
 * clock, each event runs when its time comes. Together with the
 * simulation's network and nodes this is the third combination of the
 * seam — wall clock + simulated network + whatever nodes the simulation
 * hosts (real processes speaking Maelstrom, for instance, whose output is
 * brought in with `inject`). `run` resolves once `isDone()` holds after an
 * event, and rejects with whatever an event threw.
 */
export class SimulationWallClockDriver {
  private readonly startNs = process.hrtime.bigint();
  private timer: NodeJS.Timeout | undefined;
  private settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;

  constructor(
    private readonly sim: Simulation,
    /** Longest sleep between two looks at the queue, ms (bounds the lag of an `inject` without `wake`). */
    private readonly maxSleepMs = 50,
  ) {}

  /** Real ns since the driver was made. */
  get realNowNs(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  /** Run `fn` inside the simulation now (from a socket or child-process callback). */
  inject(fn: () => void): void {
    this.sim.scheduleAt(this.realNowNs, fn);
    this.wake();
  }

  run(isDone: () => boolean, timeLimitMs: number): Promise<void> {
    const deadlineNs = this.realNowNs + timeLimitMs * 1e6;
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.deadlineNs = deadlineNs;
      this.isDone = isDone;
      this.tick();
    });
  }

  /** Look at the queue now instead of at the next planned tick. */
  wake(): void {
    if (this.settle === undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
  }

  private deadlineNs = 0;
  private isDone: () => boolean = () => true;

  private tick(): void {
    this.timer = undefined;
    const settle = this.settle;
    if (settle === undefined) return;
    const now = this.realNowNs;
    try {
      this.sim.run(now);
    } catch (err) {
      this.settle = undefined;
      settle.reject(err);
      return;
    }
    if (this.isDone()) {
      this.settle = undefined;
      settle.resolve();
      return;
    }
    if (now > this.deadlineNs) {
      this.settle = undefined;
      settle.reject(
        new Error(
          `the simulation did not finish within ${(this.deadlineNs / 1e6).toFixed(0)} ms of wall-clock time`,
        ),
      );
      return;
    }
    const next = this.sim.nextEventNs;
    const sleepMs =
      next === undefined ? this.maxSleepMs : Math.min(this.maxSleepMs, Math.max(0, (next - now) / 1e6));
    this.timer = setTimeout(() => this.tick(), sleepMs);
  }
}
