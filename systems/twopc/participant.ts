import type { Body, NodeContext, NodeId } from '../../src/sim/types.js';
import { TXIDS_PER_EPOCH } from './decision-log.js';
import { Shard } from './shard.js';

/**
 * A 2PC participant: a locking shard (shard.ts) that waits for its
 * coordinator's decision. `tp_decision` commit is installed, fsynced and
 * acknowledged (`tp_ack`); abort is dropped. A prepared transaction left
 * without a decision for `IN_DOUBT_QUERY_MS` asks the coordinator
 * (`tp_status`) every `STATUS_QUERY_INTERVAL_MS` and keeps its locks
 * meanwhile: while the coordinator is away its keys are unavailable (the
 * blocking of 2PC). After a crash the prepared transactions come back from
 * disk with their locks and ask at once.
 */

export const IN_DOUBT_QUERY_MS = 400;
export const STATUS_QUERY_INTERVAL_MS = 200;

export class Participant {
  private readonly shard: Shard;

  constructor(
    private readonly ctx: NodeContext,
    bugs: ReadonlySet<string>,
  ) {
    this.shard = new Shard(ctx, {
      earlyLockRelease: bugs.has('early-lock-release'),
      volatilePrepare: bugs.has('volatile-prepare'),
      forgetInDoubtOnBoot: bugs.has('no-recovery'),
      voteType: 'tp_vote',
    });
    const now = ctx.monotonicNow();
    for (const [txid, d] of this.shard.inDoubt) {
      d.lastActionMs = now;
      this.askStatus(txid);
    }
  }

  inspect(): ReturnType<Shard['inspect']> {
    return this.shard.inspect();
  }

  onPrepare(src: NodeId, body: Body): void {
    this.shard.onPrepare(src, body);
  }

  onDecision(src: NodeId, body: Body): void {
    const txid = body.txid as number;
    const commit = body.commit === true;
    const done = this.shard.finish(txid, commit);
    if (!done) {
      const store = this.shard.store;
      if (!commit && !store.outcomes.has(txid)) store.abort(txid);
      if (commit && !store.outcomes.has(txid)) {
        // Nothing prepared here: a commit of a transaction this shard never voted yes on, or forgot.
        this.ctx.metrics?.add('commitsForUnpreparedTxns', 1);
        this.ctx.log(`txn ${txid}: commit for a transaction not prepared here; acknowledged`);
      }
    } else {
      // The decision came from a coordinator that restarted since the transaction began.
      const epoch = typeof body.epoch === 'number' ? body.epoch : 0;
      if (epoch > Math.floor(txid / TXIDS_PER_EPOCH)) {
        this.ctx.metrics?.add('resolvedAfterCoordinatorRestart', 1);
        this.ctx.metrics?.max('inDoubtAfterCoordinatorCrashMsMax', done.inDoubtMs);
      }
    }
    if (commit) this.ctx.send(src, { type: 'tp_ack', txid });
  }

  /** Periodic: ask about long-undecided transactions; count unavailable keys. */
  tick(): void {
    const now = this.ctx.monotonicNow();
    for (const [txid, d] of this.shard.inDoubt) {
      if (now - d.sinceMs >= IN_DOUBT_QUERY_MS && now - d.lastActionMs >= STATUS_QUERY_INTERVAL_MS) {
        d.lastActionMs = now;
        this.askStatus(txid);
      }
    }
    this.shard.tick();
  }

  private askStatus(txid: number): void {
    const rec = this.shard.store.prepared.get(txid);
    if (rec) this.ctx.send(rec.coordinator, { type: 'tp_status', txid });
  }
}
