import type { Body, NodeContext, NodeId } from '../../src/sim/types.js';
import type { PrepareRecord } from '../twopc/participant-store.js';
import { Shard } from '../twopc/shard.js';

/**
 * A 3PC participant: a locking shard (../twopc/shard.ts) with the states of
 * Skeen's three-phase commit and a termination protocol, so that the
 * participants finish a transaction without its coordinator.
 *
 * States of a prepared transaction (fsynced on every change): `U` voted yes,
 * uncertain; `PC` pre-committed; `PA` pre-aborted (only a recovery
 * coordinator proposes that); then committed or aborted. Each proposal
 * (pre-commit or pre-abort) carries a ballot: 0 is the coordinator's, and a
 * participant running termination uses round × 128 + its index. A
 * participant promises a ballot when asked for its state and then refuses
 * proposals of lower ballots.
 *
 * Termination: a transaction still undecided `TERMINATION_TIMEOUT_MS` after
 * the last sign of progress makes its participant a recovery coordinator.
 * It asks every other participant for its state (`tp3_state_req`) and waits
 * `COLLECT_MS` for the answers; whoever answered is "up", the rest are taken
 * for crashed. Then:
 * - someone committed → commit; someone aborted (or never prepared) → abort;
 * - otherwise it proposes what the highest-ballot accepted proposal said
 *   (pre-commit if that was PC, pre-abort if PA), or pre-abort if every
 *   answer was U; once every responder accepted the proposal it decides and
 *   tells all participants and the coordinator.
 *
 * - A participant that was away (it crashed, or was paused) while the
 *   transaction was in doubt does not propose an abort alone: while it was
 *   away another participant may have committed on its own (Skeen: a
 *   recovering site asks, it does not decide); it waits for an answer.
 *
 * This is the textbook protocol's assumption made visible: a participant
 * that does not answer is treated as crashed. True under crashes and pauses
 * (it comes back and learns the outcome from the others); false under a
 * network partition, where each side decides on its own: one side, holding
 * a pre-commit, commits while the other, all uncertain, aborts. That loss of
 * atomicity is the expected finding, not a bug of this implementation.
 */

export const TERMINATION_TIMEOUT_MS = 400;
/** A gap this long between two ticks means this node was paused (or starved): it was not "up" meanwhile. */
const STALL_MS = 200;
export const COLLECT_MS = 100;
const BALLOT_SPACING = 128;

interface StateReply {
  state?: string;
  accepted?: number;
  outcome?: 'C' | 'A';
  promised: boolean;
}

interface Round {
  ballot: number;
  phase: 'collect' | 'propose';
  replies: Map<NodeId, StateReply>;
  /** Responders that must accept the proposal. */
  acceptors: Set<NodeId>;
  accepted: Set<NodeId>;
  proposal: 'PC' | 'PA' | undefined;
  timer: number;
}

export class ThreePcParticipant {
  private readonly shard: Shard;
  private readonly rounds = new Map<number, Round>();
  private readonly myIndex: number;
  /** In-doubt transactions this participant was away for (crashed, or paused) some of the time. */
  private readonly wasAway = new Set<number>();
  private lastTickMs: number;

  constructor(private readonly ctx: NodeContext) {
    this.shard = new Shard(ctx, { voteType: 'tp3_vote' });
    this.myIndex = ctx.nodeIds.indexOf(ctx.id);
    for (const txid of this.shard.inDoubt.keys()) this.wasAway.add(txid);
    this.lastTickMs = ctx.monotonicNow();
  }

  inspect(): ReturnType<Shard['inspect']> {
    return this.shard.inspect();
  }

  onPrepare(src: NodeId, body: Body): void {
    const participants = Array.isArray(body.participants) ? (body.participants as string[]) : [this.ctx.id];
    this.shard.onPrepare(src, body, { participants, state: 'U', accepted: -1, promised: 0 });
  }

  /** A proposal: `tp3_precommit` / `tp3_preabort {txid, ballot}` from the coordinator (0) or a recovery coordinator. */
  onProposal(src: NodeId, body: Body): void {
    const txid = body.txid as number;
    const ballot = body.ballot as number;
    const store = this.shard.store;
    const reply = (type: 'tp3_ack' | 'tp3_nack', extra: Record<string, unknown> = {}) =>
      this.ctx.send(src, { type, txid, ballot, ...extra });
    const outcome = store.outcomes.get(txid);
    if (outcome) {
      reply('tp3_nack', { outcome });
      return;
    }
    const rec = store.prepared.get(txid);
    if (!rec) {
      reply('tp3_nack', { outcome: this.neverPrepared(txid) });
      return;
    }
    if (ballot < (rec.promised ?? 0)) {
      reply('tp3_nack', { state: rec.state, promised: rec.promised });
      return;
    }
    const state = body.type === 'tp3_precommit' ? 'PC' : 'PA';
    store.update(txid, { state, accepted: ballot, promised: ballot });
    this.progress(txid);
    reply('tp3_ack');
  }

  onDecide(body: Body): void {
    const txid = body.txid as number;
    const commit = body.commit === true;
    const store = this.shard.store;
    const rec = store.prepared.get(txid);
    const round = this.rounds.get(txid);
    if (round) {
      this.ctx.clearTimer(round.timer);
      this.rounds.delete(txid);
    }
    if (!rec) {
      this.shard.cancelWaiting(txid);
      if (!store.outcomes.has(txid)) {
        if (commit) this.ctx.metrics?.add('commitsForUnpreparedTxns', 1);
        else store.abort(txid);
      }
      return;
    }
    const done = this.shard.finish(txid, commit);
    if (done && body.termination === true) {
      this.ctx.metrics?.add('resolvedByTermination', 1);
      this.ctx.metrics?.max('inDoubtResolvedByTerminationMsMax', done.inDoubtMs);
    }
  }

  /** A recovery coordinator asks for our state and a promise to refuse lower ballots. */
  onStateRequest(src: NodeId, body: Body): void {
    const txid = body.txid as number;
    const ballot = body.ballot as number;
    const store = this.shard.store;
    const send = (r: StateReply) => this.ctx.send(src, { type: 'tp3_state', txid, ballot, ...r });
    const outcome = store.outcomes.get(txid);
    if (outcome) {
      send({ outcome, promised: true });
      return;
    }
    const rec = store.prepared.get(txid);
    if (!rec) {
      send({ outcome: this.neverPrepared(txid), promised: true });
      return;
    }
    if (ballot <= (rec.promised ?? 0)) {
      send({ state: rec.state, accepted: rec.accepted, promised: false });
      return;
    }
    store.update(txid, { promised: ballot });
    // Someone else is finishing it: our own round, if any, is superseded.
    const mine = this.rounds.get(txid);
    if (mine && mine.ballot < ballot) {
      this.ctx.clearTimer(mine.timer);
      this.rounds.delete(txid);
    }
    this.progress(txid);
    send({ state: rec.state, accepted: rec.accepted, promised: true });
  }

  onStateReply(src: NodeId, body: Body): void {
    const round = this.rounds.get(body.txid as number);
    if (round?.phase !== 'collect' || body.ballot !== round.ballot) return;
    round.replies.set(src, {
      promised: body.promised === true,
      ...(typeof body.state === 'string' ? { state: body.state } : {}),
      ...(typeof body.accepted === 'number' ? { accepted: body.accepted } : {}),
      ...(body.outcome === 'C' || body.outcome === 'A' ? { outcome: body.outcome } : {}),
    });
    const rec = this.shard.store.prepared.get(body.txid as number);
    if (rec && round.replies.size === (rec.participants?.length ?? 1) - 1) {
      this.ctx.clearTimer(round.timer);
      this.decideRound(rec.txid);
    }
  }

  onProposalReply(src: NodeId, body: Body): void {
    const txid = body.txid as number;
    const round = this.rounds.get(txid);
    if (round?.phase !== 'propose' || body.ballot !== round.ballot) return;
    if (body.type === 'tp3_nack') {
      this.ctx.clearTimer(round.timer);
      this.rounds.delete(txid);
      if (body.outcome === 'C' || body.outcome === 'A') this.decide(txid, body.outcome === 'C');
      return;
    }
    round.accepted.add(src);
    if ([...round.acceptors].every((p) => round.accepted.has(p))) {
      this.ctx.clearTimer(round.timer);
      this.decide(txid, round.proposal === 'PC');
    }
  }

  tick(): void {
    const now = this.ctx.monotonicNow();
    if (now - this.lastTickMs > STALL_MS)
      for (const txid of this.shard.inDoubt.keys()) this.wasAway.add(txid);
    this.lastTickMs = now;
    for (const txid of this.wasAway) if (!this.shard.inDoubt.has(txid)) this.wasAway.delete(txid);
    for (const [txid, d] of this.shard.inDoubt) {
      if (this.rounds.has(txid)) continue;
      if (now - d.lastActionMs >= TERMINATION_TIMEOUT_MS) {
        d.lastActionMs = now;
        this.startRound(txid);
      }
    }
    this.shard.tick();
  }

  private progress(txid: number): void {
    const d = this.shard.inDoubt.get(txid);
    if (d) d.lastActionMs = this.ctx.monotonicNow();
  }

  /** Asked about a transaction never prepared here: it can never commit; remember that durably. */
  private neverPrepared(txid: number): 'A' {
    this.shard.cancelWaiting(txid);
    this.shard.store.abort(txid, true);
    return 'A';
  }

  private startRound(txid: number): void {
    const rec = this.shard.store.prepared.get(txid);
    if (!rec) return;
    const highest = Math.max(rec.promised ?? 0, rec.accepted ?? 0);
    const ballot = (Math.floor(highest / BALLOT_SPACING) + 1) * BALLOT_SPACING + this.myIndex;
    this.shard.store.update(txid, { promised: ballot });
    this.ctx.metrics?.add('terminationRounds', 1);
    const round: Round = {
      ballot,
      phase: 'collect',
      replies: new Map(),
      acceptors: new Set(),
      accepted: new Set(),
      proposal: undefined,
      timer: this.ctx.setTimer(COLLECT_MS, () => this.decideRound(txid)),
    };
    this.rounds.set(txid, round);
    const others = (rec.participants ?? []).filter((p) => p !== this.ctx.id);
    for (const p of others) this.ctx.send(p, { type: 'tp3_state_req', txid, ballot });
    if (others.length === 0) {
      this.ctx.clearTimer(round.timer);
      this.decideRound(txid);
    }
  }

  /** The states are in (or the wait is over): decide, or propose and wait for acceptances. */
  private decideRound(txid: number): void {
    const round = this.rounds.get(txid);
    const rec = this.shard.store.prepared.get(txid);
    if (round?.phase !== 'collect' || !rec) return;
    const replies = [...round.replies.entries()];
    if (replies.some(([, r]) => r.outcome === 'C')) {
      this.decide(txid, true);
      return;
    }
    if (replies.some(([, r]) => r.outcome === 'A')) {
      this.decide(txid, false);
      return;
    }
    if (replies.some(([, r]) => !r.promised)) {
      // A higher ballot is at work: let it finish.
      this.endRound(txid);
      return;
    }
    const states: { state?: string; accepted?: number }[] = [rec, ...replies.map(([, r]) => r)];
    let best: { state?: string; accepted?: number } | undefined;
    for (const s of states) {
      if (
        (s.state === 'PC' || s.state === 'PA') &&
        (best === undefined || (s.accepted ?? -1) > (best.accepted ?? -1))
      )
        best = s;
    }
    const proposal: 'PC' | 'PA' = best?.state === 'PC' ? 'PC' : 'PA';
    // Alone after being away, it cannot tell that nobody committed meanwhile: it waits for someone to answer.
    if (
      proposal === 'PA' &&
      replies.length === 0 &&
      this.wasAway.has(txid) &&
      (rec.participants?.length ?? 1) > 1
    ) {
      this.endRound(txid);
      return;
    }
    round.phase = 'propose';
    round.proposal = proposal;
    round.acceptors = new Set(replies.map(([p]) => p));
    this.shard.store.update(txid, { state: proposal, accepted: round.ballot });
    if (round.acceptors.size === 0) {
      this.decide(txid, proposal === 'PC');
      return;
    }
    round.timer = this.ctx.setTimer(COLLECT_MS, () => this.endRound(txid));
    const type = proposal === 'PC' ? 'tp3_precommit' : 'tp3_preabort';
    for (const p of round.acceptors) this.ctx.send(p, { type, txid, ballot: round.ballot });
  }

  private endRound(txid: number): void {
    const round = this.rounds.get(txid);
    if (round) this.ctx.clearTimer(round.timer);
    this.rounds.delete(txid);
    this.progress(txid);
  }

  private decide(txid: number, commit: boolean): void {
    const rec = this.shard.store.prepared.get(txid);
    this.rounds.delete(txid);
    if (!rec) return;
    const others = (rec.participants ?? []).filter((p) => p !== this.ctx.id);
    this.ctx.metrics?.add(commit ? 'terminationCommits' : 'terminationAborts', 1);
    this.ctx.log(`txn ${txid}: termination round decided ${commit ? 'commit' : 'abort'}`);
    const msg = { type: 'tp3_decide', txid, commit, termination: true };
    for (const p of others) this.ctx.send(p, msg);
    this.ctx.send(rec.coordinator, msg);
    this.onDecide({ ...msg });
  }
}

export type { PrepareRecord };
