import { ERROR_CODES } from '../../src/sim/maelstrom.js';
import type { Body, NodeContext, NodeId } from '../../src/sim/types.js';
import { TakenRequests } from '../shared/refusals.js';
import { TXIDS_PER_EPOCH } from '../twopc/decision-log.js';
import { refOrigin, type TxBegin } from '../twopc/frontend.js';
import type { HashRing } from '../twopc/ring.js';
import { type ShardOp, splitByShard } from '../twopc/txn-exec.js';

/**
 * The three-phase commit coordinator (Skeen): ballot 0 of every transaction.
 *
 * 1. `tp3_prepare` to every shard (with the list of participants); votes
 *    `tp3_vote`. Any no, or a vote missing after `VOTE_TIMEOUT_MS` → abort:
 *    no participant can be pre-committed yet, so nobody can ever commit it,
 *    and the client hears a definite abort.
 * 2. All yes → `tp3_precommit` (ballot 0) to all, re-sent every
 *    `RESEND_MS` to those that have not acknowledged.
 * 3. Every participant acknowledged → `tp3_decide` commit to all, and the
 *    client's `ok`.
 *
 * It keeps nothing on disk but its boot epoch (transaction ids) and the
 * request refs it began (so that a late copy never begins twice): if it
 * crashes, or stays silent past the participants' termination timeout, the
 * participants finish the transaction among themselves (participant.ts).
 * A participant that refuses the pre-commit (it promised a recovery ballot)
 * means the termination protocol took over: the coordinator steps aside and
 * answers the client only if it learns the outcome was commit (otherwise the
 * client sees an indeterminate `info`). It gives up driving a transaction
 * after `DRIVE_MAX_MS`.
 */

export const VOTE_TIMEOUT_MS = 300;
export const RESEND_MS = 100;
export const DRIVE_MAX_MS = 3000;
export const ACTIVE_TXNS_MAX = 512;
const REFS_KEPT = 8192;
const EPOCH_FILE = 'coord3-epoch';
/** The refs begun per front end and client (`../shared/refusals.ts`). */
const BEGUN_FILE = 'coord3-begun';

interface Active {
  txid: number;
  ref: string;
  frontend: NodeId;
  shards: Map<NodeId, ShardOp[]>;
  votes: Map<NodeId, [number, unknown][]>;
  phase: 'voting' | 'precommit';
  acked: Set<NodeId>;
  startedMs: number;
  lastSendMs: number;
  voteTimer: number;
}

export class ThreePcCoordinator {
  readonly epoch: number;
  private readonly active = new Map<number, Active>();
  private readonly refs = new Set<string>();
  /** Every request ref begun, per front end and client, on disk: late copies never begin again. */
  private readonly begun: TakenRequests;
  private nextSeq = 1;

  constructor(
    private readonly ctx: NodeContext,
    private readonly ring: HashRing,
  ) {
    this.epoch = Number(ctx.disk.read(EPOCH_FILE) ?? '0') + 1;
    ctx.disk.write(EPOCH_FILE, String(this.epoch));
    ctx.disk.fsync();
    this.begun = new TakenRequests(ctx.disk, BEGUN_FILE);
  }

  onBegin(src: NodeId, body: Body): void {
    const b = body as unknown as TxBegin;
    if (this.refs.has(b.ref)) return;
    this.refs.add(b.ref);
    if (this.refs.size > REFS_KEPT) this.refs.delete(this.refs.values().next().value as string);
    // A late copy (duplication; a front end that restarted and forwarded it again) must not begin a
    // second transaction, nor one refused or aborted definitely: every ref begun is noted durably,
    // per front end and client (`../shared/refusals.ts`), which a restart keeps and `refs` does not.
    const { origin, msgId } = refOrigin(b.ref);
    if (msgId !== undefined && (this.begun.takenBefore(origin, msgId) || !this.begun.take(origin, msgId)))
      return;
    if (this.active.size >= ACTIVE_TXNS_MAX) {
      this.done(src, b.ref, false, undefined, ERROR_CODES.temporarilyUnavailable, 'coordinator busy');
      return;
    }
    if (this.nextSeq >= TXIDS_PER_EPOCH)
      throw new Error('coordinator ran out of transaction ids in one epoch');
    const txid = this.epoch * TXIDS_PER_EPOCH + this.nextSeq++;
    const shards = splitByShard(b.txn, this.ring);
    const now = this.ctx.monotonicNow();
    const a: Active = {
      txid,
      ref: b.ref,
      frontend: src,
      shards,
      votes: new Map(),
      phase: 'voting',
      acked: new Set(),
      startedMs: now,
      lastSendMs: now,
      voteTimer: this.ctx.setTimer(VOTE_TIMEOUT_MS, () => this.onVoteTimeout(txid)),
    };
    this.active.set(txid, a);
    const participants = [...shards.keys()];
    for (const [shard, ops] of shards) {
      this.ctx.send(shard, {
        type: 'tp3_prepare',
        txid,
        ops,
        participants,
        ...(b.initial !== undefined ? { initial: b.initial } : {}),
      });
    }
  }

  onVote(src: NodeId, body: Body): void {
    const a = this.active.get(body.txid as number);
    if (a?.phase !== 'voting' || !a.shards.has(src)) return;
    if (body.vote !== 'yes') {
      const insufficient = body.reason === 'insufficient';
      this.abort(
        a,
        insufficient ? ERROR_CODES.preconditionFailed : ERROR_CODES.txnConflict,
        `${src} voted no: ${String(body.text ?? body.reason)}`,
      );
      return;
    }
    a.votes.set(src, (body.reads as [number, unknown][]) ?? []);
    if (a.votes.size < a.shards.size) return;
    this.ctx.clearTimer(a.voteTimer);
    a.phase = 'precommit';
    this.sendPrecommits(a);
  }

  /** `tp3_ack` of a pre-commit (ballot 0), or `tp3_nack` (the participant decided, or promised a recovery ballot). */
  onPrecommitReply(src: NodeId, body: Body): void {
    const a = this.active.get(body.txid as number);
    if (a?.phase !== 'precommit' || body.ballot !== 0) return;
    if (body.type === 'tp3_nack') {
      this.active.delete(a.txid);
      if (body.outcome === 'C') this.committed(a, false);
      else this.ctx.metrics?.add('coordinatorSteppedAside', 1);
      return;
    }
    a.acked.add(src);
    if (a.acked.size === a.shards.size) this.committed(a, true);
  }

  /** A recovery coordinator's decision, copied to us: answer the client if it committed. */
  onDecide(body: Body): void {
    const a = this.active.get(body.txid as number);
    if (!a) return;
    this.active.delete(a.txid);
    this.ctx.clearTimer(a.voteTimer);
    if (body.commit === true && a.phase === 'precommit') this.committed(a, false);
  }

  tick(): void {
    const now = this.ctx.monotonicNow();
    for (const a of [...this.active.values()]) {
      if (a.phase !== 'precommit') continue;
      if (now - a.startedMs > DRIVE_MAX_MS) {
        this.active.delete(a.txid);
        this.ctx.metrics?.add('coordinatorGaveUp', 1);
        continue;
      }
      if (now - a.lastSendMs >= RESEND_MS) this.sendPrecommits(a);
    }
  }

  private sendPrecommits(a: Active): void {
    a.lastSendMs = this.ctx.monotonicNow();
    for (const p of a.shards.keys())
      if (!a.acked.has(p)) this.ctx.send(p, { type: 'tp3_precommit', txid: a.txid, ballot: 0 });
  }

  private onVoteTimeout(txid: number): void {
    const a = this.active.get(txid);
    if (a?.phase !== 'voting') return;
    const missing = [...a.shards.keys()].filter((s) => !a.votes.has(s));
    this.ctx.metrics?.add('voteTimeouts', 1);
    this.abort(a, ERROR_CODES.txnConflict, `no vote from ${missing.join(',')} in ${VOTE_TIMEOUT_MS} ms`);
  }

  private abort(a: Active, code: number, text: string): void {
    this.ctx.clearTimer(a.voteTimer);
    this.active.delete(a.txid);
    this.ctx.metrics?.add('txnsAborted', 1);
    this.done(a.frontend, a.ref, false, undefined, code, text);
    for (const p of a.shards.keys()) this.ctx.send(p, { type: 'tp3_decide', txid: a.txid, commit: false });
  }

  private committed(a: Active, tellParticipants: boolean): void {
    this.active.delete(a.txid);
    this.ctx.metrics?.add('txnsCommitted', 1);
    const reads: [number, unknown][] = [];
    for (const r of a.votes.values()) reads.push(...r);
    this.done(a.frontend, a.ref, true, reads);
    if (tellParticipants)
      for (const p of a.shards.keys()) this.ctx.send(p, { type: 'tp3_decide', txid: a.txid, commit: true });
  }

  private done(
    frontend: NodeId,
    ref: string,
    committed: boolean,
    reads?: [number, unknown][],
    code?: number,
    text?: string,
  ): void {
    this.ctx.send(frontend, {
      type: 'tx_done',
      ref,
      committed,
      ...(reads ? { reads } : {}),
      ...(code !== undefined ? { code, text } : {}),
    });
  }
}
