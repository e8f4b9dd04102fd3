/**
 * A participant's lock table: shared (S) and exclusive (X) locks per key,
 * held by transactions until their decision (strict two-phase locking).
 *
 * Deadlocks are prevented by wait-die: transaction ids are timestamps
 * (smaller = older). A request that conflicts with holders waits only if it
 * is older than every one of them; otherwise it dies (the participant votes
 * no). Waits-for edges therefore always point from older to younger, so no
 * cycle can form, on one participant or across several. A transaction asks
 * for all its locks on this participant at once and is granted all or none,
 * so a waiter holds nothing here. Waiters are also bounded in time by the
 * participant (a lock wait timeout), because a holder may be prepared and in
 * doubt for as long as its coordinator is away.
 */

export type LockMode = 'S' | 'X';

interface Holders {
  mode: LockMode;
  txids: Set<number>;
}

interface Waiter {
  txid: number;
  wants: readonly [string, LockMode][];
  onGranted: () => void;
  onDied: () => void;
}

export type AcquireResult = 'granted' | 'waiting' | 'died';

/** Most transactions waiting at once; beyond it a new conflicting request dies. */
export const LOCK_WAITERS_MAX = 512;

export class LockTable {
  private readonly held = new Map<string, Holders>();
  /** txid → the keys it holds, for release. */
  private readonly byTxn = new Map<number, [string, LockMode][]>();
  /** Waiting requests, oldest (smallest txid) first. */
  private waiters: Waiter[] = [];

  /** Keys locked right now. */
  get lockedKeyCount(): number {
    return this.held.size;
  }

  holds(txid: number): boolean {
    return this.byTxn.has(txid);
  }

  isWaiting(txid: number): boolean {
    return this.waiters.some((w) => w.txid === txid);
  }

  /** The keys a transaction holds (empty if none). */
  keysOf(txid: number): string[] {
    return (this.byTxn.get(txid) ?? []).map(([k]) => k);
  }

  /**
   * Ask for every lock in `wants` at once. Granted at once, or queued (then
   * `onGranted` or `onDied` is called later, from a `release`), or refused.
   */
  acquire(
    txid: number,
    wants: readonly [string, LockMode][],
    onGranted: () => void,
    onDied: () => void,
  ): AcquireResult {
    if (this.byTxn.has(txid)) return 'granted';
    const conflicts = this.conflictsOf(txid, wants);
    if (conflicts.length === 0) {
      this.grant(txid, wants);
      // A waiter younger than the new holder and in its way may not keep waiting (wait-die).
      this.wake();
      return 'granted';
    }
    if (!conflicts.every((h) => txid < h) || this.waiters.length >= LOCK_WAITERS_MAX) return 'died';
    const w: Waiter = { txid, wants, onGranted, onDied };
    const at = this.waiters.findIndex((x) => x.txid > txid);
    if (at === -1) this.waiters.push(w);
    else this.waiters.splice(at, 0, w);
    return 'waiting';
  }

  /** Take a waiting request out of the queue (its lock wait timed out); nothing is called back. */
  cancel(txid: number): void {
    this.waiters = this.waiters.filter((w) => w.txid !== txid);
  }

  /**
   * Grant locks without any check: a prepared transaction recovered from disk
   * takes back the locks it held before the crash, before anything else runs.
   */
  restore(txid: number, wants: readonly [string, LockMode][]): void {
    this.grant(txid, wants);
  }

  /** Release every lock of `txid`, then grant (or kill) waiters, oldest first. */
  release(txid: number): void {
    const keys = this.byTxn.get(txid);
    if (keys) {
      this.byTxn.delete(txid);
      for (const [k] of keys) {
        const h = this.held.get(k);
        if (!h) continue;
        h.txids.delete(txid);
        if (h.txids.size === 0) this.held.delete(k);
      }
    }
    this.wake();
  }

  private wake(): void {
    // Each pass either grants, kills, or leaves a waiter; callbacks may acquire or release again,
    // so the queue is re-read after each one.
    let i = 0;
    while (i < this.waiters.length) {
      const w = this.waiters[i];
      const conflicts = this.conflictsOf(w.txid, w.wants);
      if (conflicts.length === 0) {
        this.waiters.splice(i, 1);
        this.grant(w.txid, w.wants);
        w.onGranted();
        i = 0;
      } else if (!conflicts.every((h) => w.txid < h)) {
        // An older transaction now holds a lock it needs: waiting for an older one would break wait-die.
        this.waiters.splice(i, 1);
        w.onDied();
        i = 0;
      } else {
        i++;
      }
    }
  }

  private conflictsOf(txid: number, wants: readonly [string, LockMode][]): number[] {
    const out: number[] = [];
    for (const [k, mode] of wants) {
      const h = this.held.get(k);
      if (!h) continue;
      if (mode === 'S' && h.mode === 'S') continue;
      for (const t of h.txids) if (t !== txid) out.push(t);
    }
    return out;
  }

  private grant(txid: number, wants: readonly [string, LockMode][]): void {
    const mine: [string, LockMode][] = [];
    for (const [k, mode] of wants) {
      const h = this.held.get(k);
      if (!h) this.held.set(k, { mode, txids: new Set([txid]) });
      else {
        h.txids.add(txid);
        if (mode === 'X') h.mode = 'X';
      }
      mine.push([k, mode]);
    }
    this.byTxn.set(txid, mine);
  }
}
