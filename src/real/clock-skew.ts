import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Clock faults on a real node through libfaketime (Debian's `faketime`):
 * the node is started with the library preloaded, reading its offset from
 * a file we rewrite. Works for programs that ask libc for the time
 * (PostgreSQL, Redis); Go programs (etcd) read the clock without libc and
 * cannot be skewed this way. Drift is applied by moving the offset a
 * little every `tickMs`.
 */

/** Where libfaketime's multi-threaded build is installed, or undefined. */
export function findFaketimeLibrary(): string | undefined {
  let arches: string[];
  try {
    arches = readdirSync('/usr/lib');
  } catch {
    return undefined;
  }
  for (const a of ['x86_64-linux-gnu', ...arches]) {
    const p = join('/usr/lib', a, 'faketime', 'libfaketimeMT.so.1');
    if (existsSync(p)) return p;
  }
  return undefined;
}

export class FaketimeClock {
  private skewMs = 0;
  private rate = 1;
  private anchorMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    readonly library: string,
    /** Real ms now (the harness's wall clock). */
    private readonly nowMs: () => number,
    private readonly tickMs = 250,
  ) {
    this.write();
  }

  /** Environment that makes a process read its time through this clock. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.library,
      FAKETIME_TIMESTAMP_FILE: this.file,
      // Re-read the file once a second; monotonic clocks keep running true (only the wall clock is skewed).
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
  }

  /** The node's clock minus true time, ms. */
  offsetMs(): number {
    return this.skewMs + (this.nowMs() - this.anchorMs) * (this.rate - 1);
  }

  skew(deltaMs: number): void {
    this.reanchor();
    this.skewMs += deltaMs;
    this.write();
  }

  drift(rate: number): void {
    if (!(rate > 0)) throw new RangeError(`clock rate must be positive, got ${rate}`);
    this.reanchor();
    this.rate = rate;
    if (rate !== 1 && this.timer === undefined) {
      this.timer = setInterval(() => this.write(), this.tickMs);
    }
    this.write();
  }

  reset(): void {
    this.skewMs = 0;
    this.rate = 1;
    this.anchorMs = this.nowMs();
    this.stopTicking();
    this.write();
  }

  close(): void {
    this.stopTicking();
  }

  private stopTicking(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private reanchor(): void {
    this.skewMs = this.offsetMs();
    this.anchorMs = this.nowMs();
  }

  private write(): void {
    const s = this.offsetMs() / 1000;
    writeFileSync(this.file, `${s >= 0 ? '+' : ''}${s.toFixed(3)}\n`);
  }
}
