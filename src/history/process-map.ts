/**
 * A map keyed by an op's process: an array for the small non-negative
 * integers every history uses, a Map for anything else (a negative or huge
 * number, a name). Pairing and validating look a process up two or three
 * times per op; on the 200k events of a 100k-op history a Map made those
 * lookups most of the pass.
 */

/** Processes below this index live in the array (Jepsen numbers them from 0, a fresh one per crash). */
const DENSE_LIMIT = 1 << 16;

export class ProcessMap<V> {
  private readonly dense: (V | undefined)[] = [];
  private readonly sparse = new Map<unknown, V>();
  private denseCount = 0;

  get(p: unknown): V | undefined {
    if (typeof p === 'number' && p >= 0 && p < DENSE_LIMIT && Number.isInteger(p)) return this.dense[p];
    return this.sparse.get(p);
  }

  set(p: unknown, v: V): void {
    if (typeof p === 'number' && p >= 0 && p < DENSE_LIMIT && Number.isInteger(p)) {
      while (this.dense.length <= p) this.dense.push(undefined);
      if (this.dense[p] === undefined) this.denseCount++;
      this.dense[p] = v;
    } else this.sparse.set(p, v);
  }

  delete(p: unknown): void {
    if (typeof p === 'number' && p >= 0 && p < DENSE_LIMIT && Number.isInteger(p)) {
      if (this.dense[p] !== undefined) this.denseCount--;
      this.dense[p] = undefined;
    } else this.sparse.delete(p);
  }

  /** The values, the array's by process number first, then the rest in insertion order. */
  values(): V[] {
    const out: V[] = [];
    if (this.denseCount > 0) for (const v of this.dense) if (v !== undefined) out.push(v);
    for (const v of this.sparse.values()) out.push(v);
    return out;
  }
}
