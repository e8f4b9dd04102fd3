/**
 * A node's wall clock: virtual time seen through skew (a jump) and drift (a
 * rate). clock(t) = anchorClockMs + (t - anchorVirtualMs) × rate, re-anchored
 * on every change so the clock never jumps except by an explicit skew.
 *
 * Beside it, the node's monotonic clock (CLOCK_MONOTONIC): the same
 * oscillator, so it drifts at the same rate, but skews (steps of the wall
 * clock) and resets never move it.
 */
export class NodeClock {
  private anchorVirtualMs = 0;
  private anchorClockMs = 0;
  private rate = 1;
  private monoAnchorVirtualMs = 0;
  private monoAnchorMs = 0;

  nowMs(virtualMs: number): number {
    return this.anchorClockMs + (virtualMs - this.anchorVirtualMs) * this.rate;
  }

  /** The monotonic clock: drifts with the wall clock, never jumps. */
  monotonicMs(virtualMs: number): number {
    return this.monoAnchorMs + (virtualMs - this.monoAnchorVirtualMs) * this.rate;
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
    this.reanchorMonotonic(virtualMs);
    this.rate = rate;
  }

  /** Back to true time (as an NTP step would do). */
  reset(virtualMs: number): void {
    this.reanchorMonotonic(virtualMs);
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

  private reanchorMonotonic(virtualMs: number): void {
    this.monoAnchorMs = this.monotonicMs(virtualMs);
    this.monoAnchorVirtualMs = virtualMs;
  }
}
