import type { Rng } from './random.js';

export type LatencyDistribution = 'exponential' | 'uniform' | 'constant';

export interface NetworkOptions {
  /** Shape of the per-message one-way latency. */
  latencyDistribution: LatencyDistribution;
  /** Smallest latency, ms. */
  latencyMinMs: number;
  /** exponential: mean of the part above the minimum; uniform: upper bound is min + 2×mean; constant: unused. */
  latencyMeanMs: number;
  /** Latencies are capped here, ms. */
  latencyMaxMs: number;
  /** Probability that a message is silently dropped. */
  lossProbability: number;
  /** Probability that a message is delivered twice. */
  duplicateProbability: number;
  /** Probability that a message is held back by an extra delay of up to `reorderDelayMaxMs` (reordering it past later ones). */
  reorderProbability: number;
  reorderDelayMaxMs: number;
}

export const DEFAULT_NETWORK: NetworkOptions = {
  latencyDistribution: 'exponential',
  latencyMinMs: 0.5,
  latencyMeanMs: 2,
  latencyMaxMs: 100,
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMaxMs: 20,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  /** Dropped by a partition (at send or at delivery). */
  cut: number;
  /** Dropped by random loss. */
  lost: number;
  duplicated: number;
  /** Delivered to a node that was down. */
  deadLetters: number;
}

/** A grouping of actors (nodes and/or clients); links between different groups are cut. */
export type Grouping = readonly (readonly string[])[];

/**
 * Links, latency and loss between actors. Which links are cut is an n×n
 * matrix over actor indexes; the random draws come from the `network`
 * stream only.
 */
export class Network {
  options: NetworkOptions;
  /** Temporary overrides set by the nemesis (bursts); undefined = use options. */
  lossOverride: number | undefined;
  duplicateOverride: number | undefined;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, cut: 0, lost: 0, duplicated: 0, deadLetters: 0 };
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private blocked: Uint8Array = new Uint8Array(0);
  private blockedLinks = 0;

  constructor(
    private readonly rng: Rng,
    options: Partial<NetworkOptions> = {},
  ) {
    this.options = { ...DEFAULT_NETWORK, ...options };
    validateNetworkOptions(this.options);
  }

  /** Register an actor; returns its index. Idempotent. */
  addActor(id: string): number {
    const known = this.index.get(id);
    if (known !== undefined) return known;
    const i = this.names.length;
    this.names.push(id);
    this.index.set(id, i);
    const n = this.names.length;
    const grown = new Uint8Array(n * n);
    const old = n - 1;
    for (let r = 0; r < old; r++) grown.set(this.blocked.subarray(r * old, r * old + old), r * n);
    this.blocked = grown;
    return i;
  }

  indexOf(id: string): number {
    const i = this.index.get(id);
    return i === undefined ? -1 : i;
  }

  nameOf(index: number): string {
    return this.names[index];
  }

  get actors(): readonly string[] {
    return this.names;
  }

  isCut(srcIndex: number, destIndex: number): boolean {
    return this.blockedLinks > 0 && this.blocked[srcIndex * this.names.length + destIndex] === 1;
  }

  /** Cut (or restore) the one-way link from → to. */
  setLink(from: string, to: string, cut: boolean): void {
    const f = this.requireActor(from);
    const t = this.requireActor(to);
    const k = f * this.names.length + t;
    const was = this.blocked[k] === 1;
    if (was === cut) return;
    this.blocked[k] = cut ? 1 : 0;
    this.blockedLinks += cut ? 1 : -1;
  }

  /**
   * Partition into groups: every link between actors of different groups is
   * cut both ways. Actors in no group keep all their links.
   */
  partition(groups: Grouping): void {
    const seen = new Set<string>();
    for (const g of groups)
      for (const a of g) {
        if (seen.has(a)) throw new Error(`partition: ${a} is in two groups`);
        seen.add(a);
      }
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]) for (const b of groups[j]) this.setLink(a, b, true);
      }
    }
  }

  /** Cut only the direction from every actor of `from` to every actor of `to`. */
  cutOneWay(from: readonly string[], to: readonly string[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.setLink(a, b, true);
  }

  /** Restore every link. */
  heal(): void {
    this.blocked.fill(0);
    this.blockedLinks = 0;
  }

  get cutLinkCount(): number {
    return this.blockedLinks;
  }

  /** The current cut links as "a->b" strings, sorted (for logs and tests). */
  describeCuts(): string[] {
    const out: string[] = [];
    const n = this.names.length;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (this.blocked[i * n + j] === 1) out.push(`${this.names[i]}->${this.names[j]}`);
    return out;
  }

  /**
   * Decide the fate of one message sent now: returns 0, 1 or 2 delivery
   * delays in ns (written into `out`).
   */
  route(srcIndex: number, destIndex: number, out: Float64Array): number {
    this.stats.sent++;
    if (this.isCut(srcIndex, destIndex)) {
      this.stats.cut++;
      return 0;
    }
    const loss = this.lossOverride ?? this.options.lossProbability;
    if (loss > 0 && this.rng.next() < loss) {
      this.stats.lost++;
      return 0;
    }
    out[0] = this.sampleLatencyNs();
    const dup = this.duplicateOverride ?? this.options.duplicateProbability;
    if (dup > 0 && this.rng.next() < dup) {
      this.stats.duplicated++;
      out[1] = this.sampleLatencyNs();
      return 2;
    }
    return 1;
  }

  /** One latency draw, in whole ns. */
  sampleLatencyNs(): number {
    const o = this.options;
    let ms: number;
    switch (o.latencyDistribution) {
      case 'constant':
        ms = o.latencyMinMs;
        break;
      case 'uniform':
        ms = o.latencyMinMs + this.rng.next() * 2 * o.latencyMeanMs;
        break;
      default:
        ms = o.latencyMinMs + this.rng.exponential(o.latencyMeanMs);
    }
    if (o.reorderProbability > 0 && this.rng.next() < o.reorderProbability)
      ms += this.rng.next() * o.reorderDelayMaxMs;
    if (ms > o.latencyMaxMs) ms = o.latencyMaxMs;
    return Math.round(ms * 1e6);
  }

  private requireActor(id: string): number {
    const i = this.index.get(id);
    if (i === undefined) throw new Error(`network: unknown actor '${id}'; known: ${this.names.join(', ')}`);
    return i;
  }
}

export function validateNetworkOptions(o: NetworkOptions): void {
  const probs: (keyof NetworkOptions)[] = ['lossProbability', 'duplicateProbability', 'reorderProbability'];
  for (const k of probs) {
    const v = o[k] as number;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`network ${k} must be in [0, 1], got ${v}`);
  }
  if (!(o.latencyMinMs >= 0)) throw new RangeError(`latencyMinMs must be >= 0, got ${o.latencyMinMs}`);
  if (!(o.latencyMeanMs >= 0)) throw new RangeError(`latencyMeanMs must be >= 0, got ${o.latencyMeanMs}`);
  if (!(o.latencyMaxMs >= o.latencyMinMs)) throw new RangeError('latencyMaxMs must be >= latencyMinMs');
  if (!['exponential', 'uniform', 'constant'].includes(o.latencyDistribution))
    throw new RangeError(`unknown latency distribution '${o.latencyDistribution}'`);
}
