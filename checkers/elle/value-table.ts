/**
 * An open-addressing hash table over (key id, value) pairs with per-pair
 * integer columns, in typed arrays. It replaces a Map per key: with a
 * million transactions, a few hundred thousand small JS objects and Map
 * rehashes cost more in garbage collection than the analysis itself.
 *
 * Numbers are stored as they are; any other value (string, …) is interned
 * to an id first, so equality is `===` for numbers and strings alike.
 */

const EMPTY = -1;

export class ValueTable {
  private mask: number;
  private keyId: Int32Array;
  private kind: Uint8Array;
  private vals: Float64Array;
  /** Column data, -1 when unset. Indexed by cell. */
  cols: Int32Array[];
  size = 0;
  private readonly interned = new Map<unknown, number>();
  private readonly internedValues: unknown[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly i32 = new Int32Array(this.f64.buffer);

  constructor(
    capacityHint: number,
    private readonly ncols: number,
  ) {
    let cap = 1024;
    while (cap < capacityHint * 2) cap *= 2;
    this.mask = cap - 1;
    this.keyId = new Int32Array(cap).fill(EMPTY);
    this.kind = new Uint8Array(cap);
    this.vals = new Float64Array(cap);
    this.cols = [];
    for (let c = 0; c < ncols; c++) this.cols.push(new Int32Array(cap).fill(-1));
  }

  private intern(v: unknown): number {
    let id = this.interned.get(v);
    if (id === undefined) {
      id = this.internedValues.length;
      this.interned.set(v, id);
      this.internedValues.push(v);
    }
    return id;
  }

  private hash(k: number, kind: number, x: number): number {
    let h: number;
    if ((x | 0) === x) h = x;
    else {
      this.f64[0] = x;
      h = this.i32[0] ^ Math.imul(this.i32[1], 0x27d4eb2d);
    }
    h = Math.imul(h ^ Math.imul(k + kind, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Make room for `extra` more pairs now, so cells stay put while they are inserted. */
  reserve(extra: number): void {
    while ((this.size + extra) * 2 > this.mask + 1) this.grow();
  }

  /** Cell of (k, v), or -1. */
  find(k: number, v: unknown): number {
    let kind: number;
    let x: number;
    if (typeof v === 'number') {
      kind = 0;
      x = v;
    } else {
      const id = this.interned.get(v);
      if (id === undefined) return -1;
      kind = 1;
      x = id;
    }
    let i = this.hash(k, kind, x);
    const keyId = this.keyId;
    for (;;) {
      const kk = keyId[i];
      if (kk === EMPTY) return -1;
      if (kk === k && this.vals[i] === x && this.kind[i] === kind) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Cell of (k, v), inserted if absent. */
  cell(k: number, v: unknown): number {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const isNum = typeof v === 'number';
    const kind = isNum ? 0 : 1;
    const x = isNum ? v : this.intern(v);
    let i = this.hash(k, kind, x);
    const keyId = this.keyId;
    for (;;) {
      const kk = keyId[i];
      if (kk === EMPTY) {
        keyId[i] = k;
        this.vals[i] = x;
        this.kind[i] = kind;
        this.size++;
        return i;
      }
      if (kk === k && this.vals[i] === x && this.kind[i] === kind) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The value stored in a cell. */
  value(cell: number): unknown {
    return this.kind[cell] === 0 ? this.vals[cell] : this.internedValues[this.vals[cell]];
  }

  private grow(): void {
    const oldKey = this.keyId;
    const oldKind = this.kind;
    const oldVals = this.vals;
    const oldCols = this.cols;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keyId = new Int32Array(cap).fill(EMPTY);
    this.kind = new Uint8Array(cap);
    this.vals = new Float64Array(cap);
    this.cols = [];
    for (let c = 0; c < this.ncols; c++) this.cols.push(new Int32Array(cap).fill(-1));
    for (let j = 0; j < oldKey.length; j++) {
      const k = oldKey[j];
      if (k === EMPTY) continue;
      let i = this.hash(k, oldKind[j], oldVals[j]);
      while (this.keyId[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keyId[i] = k;
      this.kind[i] = oldKind[j];
      this.vals[i] = oldVals[j];
      for (let c = 0; c < this.ncols; c++) this.cols[c][i] = oldCols[c][j];
    }
  }
}
