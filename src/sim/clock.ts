/**
 * A node's wall clock: virtual time seen through skew (a jump) and drift (a
 * rate). clock(t) = anchorClockMs + (t - anchorVirtualMs) × rate, re-anchored
 * on every change so the clock never jumps except by an explicit skew.
 */
export class NodeClock {
  private anchorVirtualMs = 0;
  private anchorClockMs = 0;
  private rate = 1;

  nowMs(virtualMs: number): number {
    return this.anchorClockMs + (virtualMs - this.anchorVirtualMs) * this.rate;
  }

  /** Offset of this clock from true virtual time, in ms. */
  offsetMs(virtualMs: number): number {
    return this.nowMs(virtualMs) - virtualMs;
  }

  /** Jump the clock by `deltaMs` (negative: backwards). */
  skew(virtualMs: number, deltaMs: number): void {
    this.reanchor(virtualMs);
    this.anchorClockMs += deltaMs;
  }

  /** From now on the clock runs at `rate` × real speed (1 = exact; 1.001 = 1000 ppm fast). */
  drift(virtualMs: number, rate: number): void {
    if (!(rate > 0)) throw new RangeError(`clock rate must be positive, got ${rate}`);
    this.reanchor(virtualMs);
    this.rate = rate;
  }

  /** Back to true time (as an NTP step would do). */
  reset(virtualMs: number): void {
    this.anchorVirtualMs = virtualMs;
    this.anchorClockMs = virtualMs;
    this.rate = 1;
  }

  get driftRate(): number {
    return this.rate;
  }

  private reanchor(virtualMs: number): void {
    this.anchorClockMs = this.nowMs(virtualMs);
    this.anchorVirtualMs = virtualMs;
  }
}
