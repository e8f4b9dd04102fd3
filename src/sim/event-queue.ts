/**
 * The simulator's only source of order: a binary min-heap of events keyed by
 * (virtual time in ns, insertion sequence). Keys live in typed arrays beside
 * the payload array, so sifting compares numbers, never objects.
 */
export class EventQueue<T> {
  private timesNs: Float64Array;
  private seqs: Float64Array;
  private items: (T | undefined)[];
  private count = 0;
  private nextSeq = 0;

  constructor(
    initialCapacity = 1024,
    /** Bound on pending events: beyond it something is flooding the simulation. */
    private readonly maxSize = 1 << 25,
  ) {
    const cap = Math.max(16, initialCapacity);
    this.timesNs = new Float64Array(cap);
    this.seqs = new Float64Array(cap);
    this.items = new Array<T | undefined>(cap);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTimeNs(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.timesNs[0];
  }

  push(timeNs: number, item: T): void {
    if (!(timeNs >= 0) || !Number.isFinite(timeNs))
      throw new RangeError(`EventQueue.push: bad time ${timeNs}`);
    if (this.count === this.timesNs.length) this.grow();
    const seq = this.nextSeq++;
    // Sift up: move parents down until the slot for (timeNs, seq) is found.
    let i = this.count++;
    const times = this.timesNs;
    const seqs = this.seqs;
    const items = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < timeNs || (pt === timeNs && seqs[p] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      items[i] = items[p];
      i = p;
    }
    times[i] = timeNs;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Remove and return the earliest event; `lastPoppedTimeNs` holds its time. */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const times = this.timesNs;
    const seqs = this.seqs;
    const items = this.items;
    const top = items[0];
    this.lastPoppedTimeNs = times[0];
    const n = --this.count;
    if (n > 0) {
      const t = times[n];
      const s = seqs[n];
      const it = items[n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        const r = l + 1;
        if (r < n && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l]))) c = r;
        if (t < times[c] || (t === times[c] && s < seqs[c])) break;
        times[i] = times[c];
        seqs[i] = seqs[c];
        items[i] = items[c];
        i = c;
      }
      times[i] = t;
      seqs[i] = s;
      items[i] = it;
    }
    items[n] = undefined;
    return top;
  }

  lastPoppedTimeNs = 0;

  clear(): void {
    this.items.fill(undefined, 0, this.count);
    this.count = 0;
  }

  private grow(): void {
    if (this.count >= this.maxSize) {
      throw new RangeError(
        `event queue holds ${this.count} pending events (limit ${this.maxSize}): a message or timer storm?`,
      );
    }
    const cap = Math.min(this.timesNs.length * 2, this.maxSize);
    const times = new Float64Array(cap);
    times.set(this.timesNs);
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.timesNs = times;
    this.seqs = seqs;
    this.items.length = cap;
  }
}
