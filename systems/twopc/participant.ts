import type { Body, NodeContext, NodeId } from '../../src/sim/types.js';
import { TXIDS_PER_EPOCH } from './decision-log.js';
import { LockTable } from './locks.js';
import { ParticipantStore, type PrepareRecord } from './participant-store.js';
import { executeShardOps, lockModes, type ShardOp } from './txn-exec.js';

/**
 * A 2PC participant shard: strict two-phase locking with wait-die, a
 * prepare record fsynced before voting yes, locks held until the decision.
 *
 * `tp_prepare {txid, ops}`: take every lock the part needs (waiting at most
 * `LOCK_WAIT_MS`, or dying at once under wait-die), run the micro-ops on the
 * committed state, log the computed writes as the prepare record, fsync,
 * vote yes with the reads. Insufficient funds, a lock wait that died or
 * timed out → vote no, nothing kept. `tp_decision`: install (commit, fsynced
 * before `tp_ack`) or drop the writes, then release the locks. A prepared
 * transaction left without a decision for `IN_DOUBT_QUERY_MS` asks the
 * coordinator (`tp_status`) every `STATUS_QUERY_INTERVAL_MS`; it keeps its
 * locks meanwhile, so while the coordinator is away its keys are
 * unavailable (the blocking of 2PC, reported as metrics). After a crash the
 * prepared transactions come back from disk with their locks, still in doubt.
 */

export const LOCK_WAIT_MS = 200;
export const IN_DOUBT_QUERY_MS = 400;
export const STATUS_QUERY_INTERVAL_MS = 200;

export type ParticipantBug = 'early-lock-release' | 'volatile-prepare' | 'no-recovery';

interface InDoubt {
  sinceMs: number;
  lastQueryMs: number;
  /** Reads of the yes vote, to answer a duplicated prepare (not kept across a crash). */
  reads: [number, unknown][] | undefined;
  recovered: boolean;
}

interface Waiting {
  coordinator: NodeId;
  ops: ShardOp[];
  initial: number | undefined;
  timer: number;
}

export class Participant {
  private readonly store: ParticipantStore;
  private readonly locks = new LockTable();
  private readonly inDoubt = new Map<number, InDoubt>();
  private readonly waiting = new Map<number, Waiting>();
  private lastTickMs: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly bugs: ReadonlySet<string>,
  ) {
    this.store = new ParticipantStore(ctx.disk);
    const now = ctx.monotonicNow();
    this.lastTickMs = now;
    if (this.store.recovery.tornTail) ctx.log('recovery: dropped a torn last log line');
    if (bugs.has('no-recovery') && this.store.prepared.size > 0) {
      const forgotten = this.store.forgetPrepared();
      ctx.log(`recovery: forgot ${forgotten.length} in-doubt transactions (bug knob no-recovery)`);
    }
    for (const rec of this.store.prepared.values()) {
      if (!bugs.has('early-lock-release')) this.locks.restore(rec.txid, rec.locks);
      this.inDoubt.set(rec.txid, { sinceMs: now, lastQueryMs: -Infinity, reads: undefined, recovered: true });
    }
    if (this.inDoubt.size > 0) {
      ctx.log(`recovery: ${this.inDoubt.size} transactions in doubt; asking their coordinator`);
      ctx.metrics?.add('inDoubtRecovered', this.inDoubt.size);
      for (const [txid, d] of this.inDoubt) {
        d.lastQueryMs = now;
        this.askStatus(txid);
      }
    }
  }

  onPrepare(src: NodeId, body: Body): void {
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
    if (result === 'granted') this.prepare(src, txid, ops, initial);
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
      this.waiting.set(txid, { coordinator: src, ops, initial, timer });
    }
  }

  onDecision(src: NodeId, body: Body): void {
    const txid = body.txid as number;
    const commit = body.commit === true;
    const w = this.waiting.get(txid);
    if (w) {
      // Decided while still waiting for locks: only an abort can be, unless a vote was presumed.
      this.ctx.clearTimer(w.timer);
      this.waiting.delete(txid);
      this.locks.cancel(txid);
    }
    const rec = this.store.prepared.get(txid);
    if (!rec) {
      if (!commit && !this.store.outcomes.has(txid)) this.store.abort(txid);
      if (commit) {
        if (!this.store.outcomes.has(txid)) {
          // Nothing prepared here: the decision of a transaction this shard never voted yes on, or forgot.
          this.ctx.metrics?.add('commitsForUnpreparedTxns', 1);
          this.ctx.log(`txn ${txid}: commit for a transaction not prepared here; acknowledged`);
        }
        this.ctx.send(src, { type: 'tp_ack', txid });
      }
      return;
    }
    if (commit) this.store.commit(txid);
    else this.store.abort(txid);
    this.locks.release(txid);
    const d = this.inDoubt.get(txid);
    if (d) {
      this.inDoubt.delete(txid);
      const inDoubtMs = Math.round(this.ctx.monotonicNow() - d.sinceMs);
      const m = this.ctx.metrics;
      m?.max('inDoubtMsMax', inDoubtMs);
      m?.add('inDoubtMsTotal', inDoubtMs);
      if (inDoubtMs >= IN_DOUBT_QUERY_MS) m?.add('blockedTxns', 1);
      // The decision came from a coordinator that has restarted since the transaction began.
      const epoch = typeof body.epoch === 'number' ? body.epoch : 0;
      if (epoch > Math.floor(txid / TXIDS_PER_EPOCH)) {
        m?.add('resolvedAfterCoordinatorRestart', 1);
        m?.max('inDoubtAfterCoordinatorCrashMsMax', inDoubtMs);
      }
    }
    if (commit) this.ctx.send(src, { type: 'tp_ack', txid });
  }

  /** Periodic: ask about long-undecided transactions; count unavailable keys. */
  tick(): void {
    const now = this.ctx.monotonicNow();
    const elapsed = now - this.lastTickMs;
    this.lastTickMs = now;
    const unavailableKeys = new Set<string>();
    for (const [txid, d] of this.inDoubt) {
      if (now - d.sinceMs < IN_DOUBT_QUERY_MS) continue;
      for (const k of this.locks.keysOf(txid)) unavailableKeys.add(k);
      if (now - d.lastQueryMs >= STATUS_QUERY_INTERVAL_MS) {
        d.lastQueryMs = now;
        this.askStatus(txid);
      }
    }
    const unavailable = unavailableKeys.size;
    if (unavailable > 0) {
      this.ctx.metrics?.max('unavailableKeysMax', unavailable);
      this.ctx.metrics?.add('unavailableKeyMs', Math.round(unavailable * elapsed));
    }
  }

  private askStatus(txid: number): void {
    const rec = this.store.prepared.get(txid);
    if (rec) this.ctx.send(rec.coordinator, { type: 'tp_status', txid });
  }

  private lockGranted(txid: number): void {
    const w = this.waiting.get(txid);
    if (!w) {
      this.locks.release(txid);
      return;
    }
    this.ctx.clearTimer(w.timer);
    this.waiting.delete(txid);
    this.prepare(w.coordinator, txid, w.ops, w.initial);
  }

  private lockDied(txid: number): void {
    const w = this.waiting.get(txid);
    if (!w) return;
    this.ctx.clearTimer(w.timer);
    this.waiting.delete(txid);
    this.vote(w.coordinator, txid, false, 'conflict', 'lock conflict (wait-die)');
  }

  private prepare(coordinator: NodeId, txid: number, ops: ShardOp[], initial: number | undefined): void {
    const out = executeShardOps(ops, (id) => this.store.data.get(id), initial);
    if (!out.ok) {
      this.locks.release(txid);
      this.store.abort(txid);
      this.vote(coordinator, txid, false, 'insufficient', out.why);
      return;
    }
    const rec: PrepareRecord = { txid, coordinator, writes: out.writes, locks: lockModes(ops) };
    this.store.prepare(rec, !this.bugs.has('volatile-prepare'));
    const now = this.ctx.monotonicNow();
    this.inDoubt.set(txid, { sinceMs: now, lastQueryMs: now, reads: out.reads, recovered: false });
    this.vote(coordinator, txid, true, undefined, undefined, out.reads);
    if (this.bugs.has('early-lock-release')) this.locks.release(txid);
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
      type: 'tp_vote',
      txid,
      vote: yes ? 'yes' : 'no',
      ...(yes ? { reads: reads ?? [] } : { reason, text }),
    });
  }
}
