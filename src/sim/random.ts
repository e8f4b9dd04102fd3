import seedrandom from 'seedrandom';

/**
 * Seeded randomness. One root seed; every part of a run draws from its own
 * named stream (`generator`, `network`, `nemesis`, `n1`, …), derived from
 * the root seed and the name alone, so adding a draw in one part never
 * reshuffles another.
 */
export class Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(
    readonly name: string,
    seed: string,
  ) {
    // Alea: fast, good enough for simulation, and fully determined by the seed string.
    this.prng = seedrandom.alea(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int: n must be >= 1, got ${n}`);
    return Math.floor(this.prng() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Uniform real in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + this.prng() * (hi - lo);
  }

  chance(probability: number): boolean {
    return probability > 0 && this.prng() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[this.int(items.length)];
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.prng()) * mean;
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }
}

/** The root seed and the streams derived from it. */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();

  constructor(readonly seed: number | string) {}

  /** The stream called `name`; the same name always gives the same stream object. */
  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (!rng) {
      rng = new Rng(name, `faultline:${this.seed}:${name}`);
      this.streams.set(name, rng);
    }
    return rng;
  }

  /** A fresh stream that does not share state with `stream(name)` (e.g. per incarnation). */
  fork(name: string): Rng {
    return new Rng(name, `faultline:${this.seed}:${name}`);
  }
}
