import { ERROR_CODES } from '../../src/sim/maelstrom.js';
import type { Body, NodeContext, NodeId } from '../../src/sim/types.js';
import { TakenRequests } from '../shared/refusals.js';
import { DecisionLog, TXIDS_PER_EPOCH } from './decision-log.js';
import { refOrigin, type TxBegin } from './frontend.js';
import type { HashRing } from './ring.js';
import { type ShardOp, splitByShard } from './txn-exec.js';

/**
 * The two-phase commit coordinator.
 *
 * Phase 1: `tp_prepare` to every shard the transaction touches; each votes
 * `tp_vote` yes (with its reads) or no. Phase 2: all yes → the commit is
 * logged and fsynced (the decision is now made), the client is answered, and
 * `tp_decision` commit goes to every participant, re-sent every
 * `DECISION_RESEND_MS` until each acknowledges (`tp_ack`). Any no, or a vote
 * missing after `VOTE_TIMEOUT_MS` → abort: nothing is logged (presumed
 * abort), the client hears a definite abort, and participants are told once
 * (one that misses it asks later and is told abort because no commit
 * record exists). An in-doubt participant's `tp_status` is answered from the
 * log; after a crash the coordinator forgets undecided transactions (they
 * aborted) and re-sends the logged commits.
 */

export const VOTE_TIMEOUT_MS = 300;
export const DECISION_RESEND_MS = 100;
/** Transactions in phase 1 at once; beyond it new ones are refused with error 11 (definite). */
export const ACTIVE_TXNS_MAX = 512;
/** Request refs remembered, so a duplicated `tx_begin` is not run twice. */
const REFS_KEPT = 8192;
/** The refs begun per front end and client (`../shared/refusals.ts`). */
const BEGUN_FILE = 'coord-begun';

export type CoordinatorBug = 'presumed-commit-on-timeout';

interface Active {
  txid: number;
  ref: string;
  frontend: NodeId;
  initial: number | undefined;
  shards: Map<NodeId, ShardOp[]>;
  votes: Map<NodeId, [number, unknown][]>;
  timer: number;
}

export class Coordinator {
  private readonly log: DecisionLog;
  private readonly active = new Map<number, Active>();
  private readonly refs = new Set<string>();
  /** Every request ref begun, per front end and client, on disk: late copies never begin again. */
  private readonly begun: TakenRequests;
  private nextSeq = 1;
  private lastResendMs = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly ring: HashRing,
    private readonly bugs: ReadonlySet<string>,
  ) {
    this.log = new DecisionLog(ctx.disk);
    this.begun = new TakenRequests(ctx.disk, BEGUN_FILE);
    if (this.log.unacknowledged.size > 0) {
      ctx.log(`recovered: ${this.log.unacknowledged.size} commits to re-send (epoch ${this.log.epoch})`);
      ctx.metrics?.add('coordinatorRecoveredCommits', this.log.unacknowledged.size);
    }
    this.resendDecisions();
  }

  get epoch(): number {
    return this.log.epoch;
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
    const txid = this.log.epoch * TXIDS_PER_EPOCH + this.nextSeq++;
    const shards = splitByShard(b.txn, this.ring);
    const a: Active = {
      txid,
      ref: b.ref,
      frontend: src,
      initial: b.initial,
      shards,
      votes: new Map(),
      timer: this.ctx.setTimer(VOTE_TIMEOUT_MS, () => this.onVoteTimeout(txid)),
    };
    this.active.set(txid, a);
    for (const [shard, ops] of shards) {
      this.ctx.send(shard, {
        type: 'tp_prepare',
        txid,
        ops,
        ...(b.initial !== undefined ? { initial: b.initial } : {}),
      });
    }
  }

  onVote(src: NodeId, body: Body): void {
    const a = this.active.get(body.txid as number);
    if (!a?.shards.has(src)) return;
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
    if (a.votes.size === a.shards.size) this.commit(a);
  }

  onAck(src: NodeId, body: Body): void {
    this.log.acknowledge(body.txid as number, src);
  }

  /** An in-doubt participant asks: commit if logged; still deciding → it will hear; otherwise abort (presumed). */
  onStatus(src: NodeId, body: Body): void {
    const txid = body.txid as number;
    if (this.log.isCommitted(txid)) this.sendDecision(src, txid, true);
    else if (!this.active.has(txid)) this.sendDecision(src, txid, false);
  }

  tick(): void {
    const now = this.ctx.monotonicNow();
    if (now - this.lastResendMs >= DECISION_RESEND_MS) this.resendDecisions();
  }

  private onVoteTimeout(txid: number): void {
    const a = this.active.get(txid);
    if (!a) return;
    const missing = [...a.shards.keys()].filter((s) => !a.votes.has(s));
    this.ctx.metrics?.add('voteTimeouts', 1);
    if (this.bugs.has('presumed-commit-on-timeout')) {
      this.ctx.log(`txn ${txid}: no vote from ${missing.join(',')}; committing anyway (bug knob)`);
      this.commit(a);
      return;
    }
    this.abort(a, ERROR_CODES.txnConflict, `no vote from ${missing.join(',')} in ${VOTE_TIMEOUT_MS} ms`);
  }

  private commit(a: Active): void {
    this.finish(a);
    const participants = [...a.shards.keys()];
    this.log.logCommit(a.txid, participants);
    this.ctx.metrics?.add('txnsCommitted', 1);
    const reads: [number, unknown][] = [];
    for (const r of a.votes.values()) reads.push(...r);
    this.done(a.frontend, a.ref, true, reads);
    for (const p of participants) this.sendDecision(p, a.txid, true);
  }

  private abort(a: Active, code: number, text: string): void {
    this.finish(a);
    this.ctx.metrics?.add('txnsAborted', 1);
    this.done(a.frontend, a.ref, false, undefined, code, text);
    for (const p of a.shards.keys()) this.sendDecision(p, a.txid, false);
  }

  private finish(a: Active): void {
    this.ctx.clearTimer(a.timer);
    this.active.delete(a.txid);
  }

  private resendDecisions(): void {
    this.lastResendMs = this.ctx.monotonicNow();
    for (const [txid, left] of this.log.unacknowledged)
      for (const p of left) this.sendDecision(p, txid, true);
  }

  private sendDecision(dest: NodeId, txid: number, commit: boolean): void {
    this.ctx.send(dest, { type: 'tp_decision', txid, commit, epoch: this.log.epoch });
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
