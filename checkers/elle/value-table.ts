/**
 * An open-addressing hash table over (key id, value) pairs with a few
 * integer columns per pair, all in one Int32Array (a pair's fields share a
 * cache line). It replaces a Map per key: with a million transactions, a few
 * hundred thousand small JS objects and Map rehashes cost more in garbage
 * collection and cache misses than the analysis itself.
 *
 * 32-bit integers are stored as they are; any other value (string, large or
 * fractional number) is interned to an id first, so equality is `===`.
 */

import { i32 } from './arena.js';

/** Tag field (offset 0) of a free cell; a used one holds key id * 2 + (1 if the value is interned). */
const EMPTY = -1;
const VAL = 1;
/** Fields before the user columns. */
const HEAD = 2;

export class ValueTable {
  private mask: number;
  /** cap × stride Int32s: [tag, value, ...columns]; columns start at -1. */
  private data: Int32Array;
  private readonly stride: number;
  size = 0;
  /** Bumped whenever cells move. */
  generation = 0;
  private readonly interned = new Map<unknown, number>();
  private readonly internedValues: unknown[] = [];

  constructor(capacityHint: number, ncols: number) {
    this.stride = HEAD + ncols;
    let cap = 1024;
    while (cap * 0.6 < capacityHint) cap *= 2;
    this.mask = cap - 1;
    this.data = i32(cap * this.stride).fill(-1);
  }

  /** Column `col` of a cell. */
  get(cell: number, col: number): number {
    return this.data[cell * this.stride + HEAD + col];
  }

  set(cell: number, col: number, x: number): void {
    this.data[cell * this.stride + HEAD + col] = x;
  }

  private static hash(tag: number, x: number): number {
    // murmur3's fmix32 over the value mixed with the tag.
    let h = x ^ Math.imul(tag, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** Cell of (k, v), or -1. */
  find(k: number, v: unknown): number {
    let tag: number;
    let x: number;
    if (typeof v === 'number' && (v | 0) === v && !Object.is(v, -0)) {
      tag = k * 2;
      x = v;
    } else {
      const id = this.interned.get(typeof v === 'number' && Object.is(v, -0) ? 0 : v);
      if (id === undefined) return -1;
      tag = k * 2 + 1;
      x = id;
    }
    const { data, stride, mask } = this;
    let i = ValueTable.hash(tag, x) & mask;
    for (;;) {
      const p = i * stride;
      const t = data[p];
      if (t === EMPTY) return -1;
      if (t === tag && data[p + VAL] === x) return i;
      i = (i + 1) & mask;
    }
  }

  /** Cell of (k, v), inserted if absent. Cells move when the table grows: see `reserve`. */
  cell(k: number, v: unknown): number {
    let tag: number;
    let x: number;
    if (typeof v === 'number' && (v | 0) === v && !Object.is(v, -0)) {
      tag = k * 2;
      x = v;
    } else {
      const key = typeof v === 'number' && Object.is(v, -0) ? 0 : v;
      let id = this.interned.get(key);
      if (id === undefined) {
        id = this.internedValues.length;
        this.interned.set(key, id);
        this.internedValues.push(key);
      }
      tag = k * 2 + 1;
      x = id;
    }
    const { data, stride, mask } = this;
    let i = ValueTable.hash(tag, x) & mask;
    for (;;) {
      const p = i * stride;
      const t = data[p];
      if (t === EMPTY) {
        if (this.size + 1 > (mask + 1) * 0.6) {
          this.grow();
          return this.cell(k, v);
        }
        data[p] = tag;
        data[p + VAL] = x;
        this.size++;
        return i;
      }
      if (t === tag && data[p + VAL] === x) return i;
      i = (i + 1) & mask;
    }
  }

  /** Make room for `extra` more pairs now, so cells stay put while they are inserted. */
  reserve(extra: number): void {
    while (this.size + extra > (this.mask + 1) * 0.6) this.grow();
  }

  /** The value stored in a cell. */
  value(cell: number): unknown {
    const p = cell * this.stride;
    return (this.data[p] & 1) === 0 ? this.data[p + VAL] : this.internedValues[this.data[p + VAL]];
  }

  private grow(): void {
    this.generation++;
    const old = this.data;
    const stride = this.stride;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.data = i32(cap * stride).fill(-1);
    for (let p = 0; p < old.length; p += stride) {
      const tag = old[p];
      if (tag === EMPTY) continue;
      let i = ValueTable.hash(tag, old[p + VAL]) & this.mask;
      while (this.data[i * stride] !== EMPTY) i = (i + 1) & this.mask;
      this.data.set(old.subarray(p, p + stride), i * stride);
    }
  }
}
