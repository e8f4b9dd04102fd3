/**
 * Typed arrays carved from one large ArrayBuffer per check.
 *
 * Why: V8 starts a full mark-compact of the whole heap each time external
 * (ArrayBuffer) memory grows by some tens of MB. During a check the heap
 * holds the history itself (over a GB at a million transactions), so each
 * such collection costs seconds, and a check that allocates its arrays one
 * by one triggered several. One allocation up front triggers at most one.
 *
 * Outside `withArena`, or when the arena is used up, arrays are allocated
 * normally. Arena memory is zeroed, like a fresh typed array.
 */

class Arena {
  private buf: ArrayBuffer;
  off = 0;
  misses = 0;

  constructor(bytes: number) {
    this.buf = new ArrayBuffer(bytes);
  }

  /** `bytes` bytes aligned to 8, or undefined when the arena is used up. */
  take(bytes: number): [ArrayBuffer, number] | undefined {
    const start = (this.off + 7) & ~7;
    if (start + bytes > this.buf.byteLength) {
      this.misses += bytes;
      return undefined;
    }
    this.off = start + bytes;
    return [this.buf, start];
  }
}

let current: Arena | undefined;

export function i32(n: number): Int32Array {
  const at = current?.take(n * 4);
  return at ? new Int32Array(at[0], at[1], n) : new Int32Array(n);
}

export function u8(n: number): Uint8Array {
  const at = current?.take(n);
  return at ? new Uint8Array(at[0], at[1], n) : new Uint8Array(n);
}

export function f64(n: number): Float64Array {
  const at = current?.take(n * 8);
  return at ? new Float64Array(at[0], at[1], n) : new Float64Array(n);
}

/** A copy of `a` (arena-allocated when possible). */
export function copyI32(a: Int32Array): Int32Array {
  const out = i32(a.length);
  out.set(a);
  return out;
}

/** Run `fn` with an arena of `bytes` bytes for its typed arrays. */
export function withArena<T>(bytes: number, fn: () => T): T {
  const outer = current;
  let arena: Arena | undefined;
  try {
    arena = new Arena(Math.max(0, Math.floor(bytes)));
  } catch {
    arena = undefined; // Could not reserve it: allocate as we go.
  }
  current = arena;
  try {
    return fn();
  } finally {
    if (process.env.ELLE_DEBUG && arena) {
      process.stderr.write(
        `[elle arena] used ${arena.off >> 20} MiB of ${bytes >> 20}, ${arena.misses >> 20} MiB outside\n`,
      );
    }
    current = outer;
  }
}
