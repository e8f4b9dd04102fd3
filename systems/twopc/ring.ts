/**
 * Consistent hashing with virtual nodes: which participant shard owns a key.
 *
 * The ring is the 32-bit integers read clockwise. Each shard puts
 * `virtualNodes` points on it, at hash("SHARD#v") for v = 0 … virtualNodes-1;
 * a key belongs to the shard of the first point at or after hash(key),
 * wrapping past 2^32 - 1 to the smallest point. Many points per shard even
 * out the arcs (balance); adding a shard only inserts its own points, so a
 * key moves only if one of the new points now precedes it, and then it moves
 * to the new shard (minimal movement: about 1/(n+1) of the keys). The hash
 * is FNV-1a over the UTF-16 code units followed by murmur3's finaliser
 * (FNV-1a alone clusters the points of similar names like "n2#1", "n2#2").
 */

export const DEFAULT_VIRTUAL_NODES = 64;

/** 32-bit FNV-1a, then murmur3's fmix32 to spread similar inputs across the whole ring. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class HashRing {
  /** Ring points in ascending order, and the shard owning each. */
  private readonly points: Uint32Array;
  private readonly owners: string[];
  readonly shards: readonly string[];

  constructor(
    shards: readonly string[],
    readonly virtualNodes = DEFAULT_VIRTUAL_NODES,
  ) {
    if (shards.length === 0) throw new RangeError('a hash ring needs at least one shard');
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1)
      throw new RangeError(`virtual nodes must be an integer >= 1, got ${virtualNodes}`);
    if (new Set(shards).size !== shards.length) throw new RangeError('shard names must be distinct');
    this.shards = [...shards];
    const entries: { point: number; shard: string }[] = [];
    for (const shard of shards) {
      for (let v = 0; v < virtualNodes; v++) entries.push({ point: hash32(`${shard}#${v}`), shard });
    }
    // Ties (two shards hashing one point) go to the smaller name, so the ring never depends on input order.
    entries.sort((a, b) => a.point - b.point || (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
    this.points = Uint32Array.from(entries.map((e) => e.point));
    this.owners = entries.map((e) => e.shard);
  }

  /** The shard owning `key` (keys are hashed by their JSON text, so 1 and "1" differ). */
  shardOf(key: unknown): string {
    const h = hash32(JSON.stringify(key));
    // First point >= h, by binary search; past the last point the ring wraps to the first.
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.points.length ? 0 : lo];
  }

  /** A ring with one more shard (same virtual-node count). */
  withShard(shard: string): HashRing {
    return new HashRing([...this.shards, shard], this.virtualNodes);
  }
}
