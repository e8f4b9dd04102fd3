/**
 * Typed arrays carved from one large block of memory, kept for the whole
 * process and reused by every check.
 *
 * Why one block: V8 starts a full mark-compact of the whole heap each time
 * external (ArrayBuffer) memory grows by some tens of MB. During a check the
 * heap holds the history itself (over a GB at a million transactions), so
 * each such collection costs most of a second, and a check that allocated
 * its arrays one by one triggered several.
 *
 * Why a SharedArrayBuffer: V8 does not count one against that external
 * memory, so even the one allocation up front triggers no collection (about
 * 0.7 s of a million-transaction check). The price is that V8 does not feel
 * the memory either, and a dropped block may linger until some later
 * collection; hence one block per process (per worker thread), reused by
 * later checks and replaced only when a bigger one is needed, so memory stays
 * bounded by the largest history checked.
 *
 * Nothing carved from the block may outlive the check that took it (results
 * hold plain arrays): the next check overwrites it. Checks run synchronously,
 * so one never starts while another is inside the block; a nested `withArena`
 * (not something the checkers do) gets a private block instead.
 *
 * Outside `withArena`, or when the block is used up, arrays are allocated
 * normally. Arena memory is zeroed, like a fresh typed array.
 */

const Shared: { new (bytes: number): ArrayBufferLike } =
  typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer;

class Block {
  readonly buf: ArrayBufferLike;
  /** Bytes from here on are still zero (never handed out since allocation). */
  clean = 0;
  constructor(bytes: number) {
    this.buf = new Shared(bytes);
  }
}

/** The process's block between checks, reused by the next. */
let kept: Block | undefined;

class Arena {
  off = 0;
  misses = 0;

  constructor(readonly block: Block) {}

  /** `bytes` zeroed bytes aligned to 8, or undefined when the block is used up. */
  take(bytes: number): [ArrayBufferLike, number] | undefined {
    const { buf, clean } = this.block;
    const start = (this.off + 7) & ~7;
    if (start + bytes > buf.byteLength) {
      this.misses += bytes;
      return undefined;
    }
    this.off = start + bytes;
    // Left over from an earlier check: zero it. Takes only move forward, so
    // nothing handed out in this check is zeroed twice.
    if (start < clean) new Uint8Array(buf, start, Math.min(bytes, clean - start)).fill(0);
    return [buf, start];
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

/** A fresh (zeroed) block, or undefined when the memory cannot be had. */
function newBlock(bytes: number): Block | undefined {
  try {
    return new Block(bytes);
  } catch {
    return undefined; // Could not reserve it: allocate as we go.
  }
}

/**
 * After a big check, ask V8 for a full collection before the next one.
 *
 * A plain ArrayBuffer arena used to do this by accident: its allocation at
 * the start of every check set off a full collection, which freed whatever
 * the previous check's history had left (`faultline check DIR` holds the
 * previous history until the next one is read), and sized V8's next
 * collection threshold to one history. Without it, V8's next collection
 * comes while two histories are alive, and it then lets the heap grow to
 * about three before collecting again (four 1M-txn files: 3.45 GB peak
 * instead of 2.59). The first check in a process, or one after small ones,
 * has no big history behind it and skips the collection (about 0.7 s at a
 * million transactions); a check after a big one pays it, as before.
 *
 * There is no API for it without Node flags; an ArrayBuffer of 256 MiB,
 * dropped at once (its pages never touched, so never resident), is external
 * memory past V8's 64 MiB threshold, and V8 answers with a full collection.
 */
const COLLECT_AFTER_BYTES = 32 * 2 ** 20;
const NUDGE_BYTES = 256 * 2 ** 20;
/** Arena bytes the previous (outermost) check asked for. */
let previousBytes = 0;

function collectIfBigBefore(bytes: number): void {
  const big = previousBytes >= COLLECT_AFTER_BYTES;
  previousBytes = bytes;
  if (!big) return;
  try {
    void new ArrayBuffer(NUDGE_BYTES);
  } catch {
    // No address space for it: V8 will collect when its own limits say so.
  }
}

/** Run `fn` with an arena of at least `bytes` bytes for its typed arrays. */
export function withArena<T>(bytes: number, fn: () => T): T {
  const outer = current;
  const want = Math.max(0, Math.floor(bytes));
  let block: Block | undefined;
  if (outer === undefined) {
    // Too small: let it go first, so the collection below may free it.
    if (kept !== undefined && kept.buf.byteLength < want) kept = undefined;
    collectIfBigBefore(want);
    kept ??= newBlock(want);
    block = kept;
  } else {
    block = newBlock(want); // nested: the kept block is in use
  }
  const arena = block ? new Arena(block) : undefined;
  current = arena;
  try {
    return fn();
  } finally {
    current = outer;
    if (arena) {
      arena.block.clean = Math.max(arena.block.clean, arena.off);
      if (process.env.ELLE_DEBUG) {
        process.stderr.write(
          `[elle arena] used ${arena.off >> 20} MiB of ${arena.block.buf.byteLength >> 20}, ${arena.misses >> 20} MiB outside\n`,
        );
      }
    }
  }
}

/** Size in bytes of the block kept for the next check (0 when none), for tests. */
export function keptArenaBytes(): number {
  return kept?.buf.byteLength ?? 0;
}
