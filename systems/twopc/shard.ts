import type { Body, NodeContext, NodeId } from '../../src/sim/types.js';
import { LockTable } from './locks.js';
import { ParticipantStore, type PrepareRecord } from './participant-store.js';
import { executeShardOps, lockModes, type ShardOp } from './txn-exec.js';

/**
 * What a participant shard does whatever the commit protocol (2PC or 3PC):
 * strict two-phase locking with wait-die, running its part of a transaction,
 * the prepare record fsynced before the yes vote, installing or dropping the
 * writes on the decision and only then releasing the locks, and the
 * recovery of prepared transactions (with their locks) from disk.
 *
 * `prepare` takes every lock the part needs (waiting at most
 * `LOCK_WAIT_MS`, or dying at once under wait-die), runs the micro-ops on
 * the committed state, logs the computed writes and votes yes with the
 * reads; insufficient funds, a lock wait that died or timed out → vote no,
 * nothing kept. Metrics: how long prepared transactions stayed in doubt,
 * and the keys locked by ones in doubt for `BLOCKED_AFTER_MS` or more
 * (unavailable keys).
 */

export const LOCK_WAIT_MS = 200;
/** A transaction in doubt this long counts as blocked, and its locked keys as unavailable. */
export const BLOCKED_AFTER_MS = 400;

export interface InDoubt {
  sinceMs: number;
  /** When the protocol last did something about it (asked, or started a termination round). */
  lastActionMs: number;
  /** Reads of the yes vote, to answer a duplicated prepare (not kept across a crash). */
  reads: [number, unknown][] | undefined;
}

interface Waiting {
  coordinator: NodeId;
  ops: ShardOp[];
  initial: number | undefined;
  extra: Partial<PrepareRecord>;
  timer: number;
}

export interface ShardOptions {
  /** Bug knob early-lock-release: locks released as soon as the yes vote is sent. */
  earlyLockRelease?: boolean;
  /** Bug knob volatile-prepare: the prepare record is not fsynced before the vote. */
  volatilePrepare?: boolean;
  /** Bug knob no-recovery: prepared transactions found at boot are dropped as aborted. */
  forgetInDoubtOnBoot?: boolean;
  /** The vote message type (`tp_vote`, `tp3_vote`). */
  voteType: string;
}

export class Shard {
  readonly store: ParticipantStore;
  readonly locks = new LockTable();
  readonly inDoubt = new Map<number, InDoubt>();
  private readonly waiting = new Map<number, Waiting>();
  private lastTickMs: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly opts: ShardOptions,
  ) {
    this.store = new ParticipantStore(ctx.disk);
    const now = ctx.monotonicNow();
    this.lastTickMs = now;
    if (this.store.recovery.tornTail) ctx.log('recovery: dropped a torn last log line');
    if (opts.forgetInDoubtOnBoot && this.store.prepared.size > 0) {
      const forgotten = this.store.forgetPrepared();
      ctx.log(`recovery: forgot ${forgotten.length} in-doubt transactions (bug knob no-recovery)`);
    }
    for (const rec of this.store.prepared.values()) {
      if (!opts.earlyLockRelease) this.locks.restore(rec.txid, rec.locks);
      this.inDoubt.set(rec.txid, { sinceMs: now, lastActionMs: -Infinity, reads: undefined });
    }
    if (this.inDoubt.size > 0) {
      ctx.log(`recovery: ${this.inDoubt.size} transactions in doubt, their locks taken back`);
      ctx.metrics?.add('inDoubtRecovered', this.inDoubt.size);
    }
  }

  /** What tests look at: transactions in doubt, locked keys, committed data. */
  inspect(): {
    inDoubt: number[];
    states: Record<number, string>;
    lockedKeys: number;
    data: Record<string, unknown>;
  } {
    return {
      inDoubt: [...this.inDoubt.keys()].sort((a, b) => a - b),
      states: Object.fromEntries(
        [...this.store.prepared.values()].map((p) => [p.txid, p.state ?? 'prepared']),
      ),
      lockedKeys: this.locks.lockedKeyCount,
      data: Object.fromEntries(this.store.data),
    };
  }

  /** A prepare request; `extra` goes into the prepare record (3PC: participants, state). */
  onPrepare(src: NodeId, body: Body, extra: Partial<PrepareRecord> = {}): void {
    const txid = body.txid as number;
    const ops = body.ops as ShardOp[];
    const initial = typeof body.initial === 'number' ? body.initial : undefined;
    const outcome = this.store.outcomes.get(txid);
    if (outcome === 'A') {
      this.vote(src, txid, false, 'aborted', 'already aborted');
      return;
    }
    if (outcome === 'C') return;
    const doubt = this.inDoubt.get(txid);
    if (doubt) {
      if (doubt.reads) this.vote(src, txid, true, undefined, undefined, doubt.reads);
      return;
    }
    if (this.waiting.has(txid)) return;
    const result = this.locks.acquire(
      txid,
      lockModes(ops),
      () => this.lockGranted(txid),
      () => this.lockDied(txid),
    );
    if (result === 'granted') this.prepare(src, txid, ops, initial, extra);
    else if (result === 'died') this.vote(src, txid, false, 'conflict', 'lock conflict (wait-die)');
    else {
      const timer = this.ctx.setTimer(LOCK_WAIT_MS, () => {
        const w = this.waiting.get(txid);
        if (!w) return;
        this.waiting.delete(txid);
        this.locks.cancel(txid);
        this.ctx.metrics?.add('lockWaitTimeouts', 1);
        this.vote(w.coordinator, txid, false, 'conflict', `lock wait over ${LOCK_WAIT_MS} ms`);
      });
      this.waiting.set(txid, { coordinator: src, ops, initial, extra, timer });
    }
  }

  /** Stop waiting for locks (the transaction was decided meanwhile). */
  cancelWaiting(txid: number): void {
    const w = this.waiting.get(txid);
    if (!w) return;
    this.ctx.clearTimer(w.timer);
    this.waiting.delete(txid);
    this.locks.cancel(txid);
  }

  /**
   * Apply a decision to a prepared transaction: install (commit, fsynced) or
   * drop the writes, then release the locks. False if nothing was prepared.
   */
  finish(txid: number, commit: boolean): { inDoubtMs: number } | undefined {
    this.cancelWaiting(txid);
    if (!this.store.prepared.has(txid)) return undefined;
    if (commit) this.store.commit(txid);
    else this.store.abort(txid);
    this.ctx.log(`txn ${txid}: ${commit ? 'committed' : 'aborted'}`);
    this.locks.release(txid);
    const d = this.inDoubt.get(txid);
    this.inDoubt.delete(txid);
    const inDoubtMs = d ? Math.round(this.ctx.monotonicNow() - d.sinceMs) : 0;
    const m = this.ctx.metrics;
    m?.max('inDoubtMsMax', inDoubtMs);
    m?.add('inDoubtMsTotal', inDoubtMs);
    if (inDoubtMs >= BLOCKED_AFTER_MS) {
      m?.add('blockedTxns', 1);
      m?.add('blockedMsTotal', inDoubtMs);
    }
    return { inDoubtMs };
  }

  /** Periodic: the keys locked by blocked transactions (unavailable until the outcome is known). */
  tick(): void {
    const now = this.ctx.monotonicNow();
    const elapsed = now - this.lastTickMs;
    this.lastTickMs = now;
    const unavailableKeys = new Set<string>();
    for (const [txid, d] of this.inDoubt) {
      if (now - d.sinceMs < BLOCKED_AFTER_MS) continue;
      for (const k of this.locks.keysOf(txid)) unavailableKeys.add(k);
    }
    const unavailable = unavailableKeys.size;
    if (unavailable > 0) {
      this.ctx.metrics?.max('unavailableKeysMax', unavailable);
      this.ctx.metrics?.add('unavailableKeyMs', Math.round(unavailable * elapsed));
    }
  }

  private lockGranted(txid: number): void {
    const w = this.waiting.get(txid);
    if (!w) {
      this.locks.release(txid);
      return;
    }
    this.ctx.clearTimer(w.timer);
    this.waiting.delete(txid);
    this.prepare(w.coordinator, txid, w.ops, w.initial, w.extra);
  }

  private lockDied(txid: number): void {
    const w = this.waiting.get(txid);
    if (!w) return;
    this.ctx.clearTimer(w.timer);
    this.waiting.delete(txid);
    this.vote(w.coordinator, txid, false, 'conflict', 'lock conflict (wait-die)');
  }

  private prepare(
    coordinator: NodeId,
    txid: number,
    ops: ShardOp[],
    initial: number | undefined,
    extra: Partial<PrepareRecord>,
  ): void {
    const out = executeShardOps(ops, (id) => this.store.data.get(id), initial);
    if (!out.ok) {
      this.locks.release(txid);
      this.store.abort(txid);
      this.vote(coordinator, txid, false, 'insufficient', out.why);
      return;
    }
    const rec: PrepareRecord = { ...extra, txid, coordinator, writes: out.writes, locks: lockModes(ops) };
    this.store.prepare(rec, !this.opts.volatilePrepare);
    const now = this.ctx.monotonicNow();
    this.inDoubt.set(txid, { sinceMs: now, lastActionMs: now, reads: out.reads });
    this.vote(coordinator, txid, true, undefined, undefined, out.reads);
    if (this.opts.earlyLockRelease) this.locks.release(txid);
  }

  private vote(
    dest: NodeId,
    txid: number,
    yes: boolean,
    reason?: string,
    text?: string,
    reads?: [number, unknown][],
  ): void {
    this.ctx.send(dest, {
      type: this.opts.voteType,
      txid,
      vote: yes ? 'yes' : 'no',
      ...(yes ? { reads: reads ?? [] } : { reason, text }),
    });
  }
}
