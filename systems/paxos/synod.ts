import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body, Message, NodeContext, NodeId } from '../../src/sim/types.js';
import type { TakenRequests } from '../shared/refusals.js';
import { mayAccept, mayPromise, NO_BALLOT, nextBallot, promiseAfterAccept } from './ballot.js';

/**
 * Single-decree Paxos, "the synod algorithm" of "Paxos Made Simple" §2, one
 * independent instance per key: what the `consensus` workload exercises.
 * Unlike the Multi-Paxos log there is no leader: the node a client asks is
 * the proposer, runs phase 1 and phase 2 itself, and competes with every
 * other node proposing for the same key (random back-off keeps the duel
 * short). Every node is also an acceptor and a learner for every key.
 *
 * Client messages: `propose {key, value}` → `propose_ok {value}` with the
 * value chosen (maybe another client's); `read_decision {key}` →
 * `read_decision_ok {value}`, what this node has learned, or null.
 *
 * Peer messages: `synod_prepare {key, ballot}` → `synod_promise {key,
 * ballot, accepted_ballot, accepted_value}` or `synod_nack {key, ballot,
 * promised}`; `synod_accept {key, ballot, value}` → `synod_accepted {key,
 * ballot}` or a nack; `synod_decided {key, value}` from a proposer that saw a
 * majority accept (and from a node that already learned it, instead of a
 * promise: a late proposer needs nothing else). Accepts follow the acceptor's
 * rules alone, whatever the node learned: the roles stay apart, as in the
 * paper.
 *
 * Errors: a proposal that timed out is `timeout` (indefinite) once this
 * node sent the client's value in phase 2, and temporarily-unavailable
 * (definite) before: a value no acceptor was ever asked to accept cannot be
 * chosen.
 *
 * Storage, file `paxos-synod`: one line per change, the key's whole acceptor
 * state as JSON, `[key, promised, acceptedBallot, acceptedValue, decided?]`
 * (a later line for a key replaces the earlier one); fsynced before any
 * promise or accept is answered. The file is rewritten with one line per key
 * when it grows past a few lines per key.
 */

export const SYNOD_FILE = 'paxos-synod';
/** Instances held; proposals for new keys beyond it fail definitely (never reached by the workload). */
export const SYNOD_INSTANCES_MAX = 100_000;
/** Clients waiting on one key at one node; beyond it new ones get temporarily-unavailable. */
export const WAITERS_PER_KEY_MAX = 64;
/** A proposer's request timeout, ms (the harness's client timeout is 1 s). */
export const PROPOSE_TIMEOUT_MS = 800;
/** A phase's message is re-sent to acceptors that have not answered this often, ms. */
export const RESEND_INTERVAL_MS = 50;
/**
 * Back-off after a nack: a random wait in [0, BACKOFF_BASE_MS × 2^k) ms
 * before the next round, k the proposer's preemptions so far, capped at
 * BACKOFF_MAX_MS. Doubling separates dueling proposers whatever the
 * network's round trip (a fixed window shorter than it livelocks them).
 */
export const BACKOFF_BASE_MS = 8;
export const BACKOFF_MAX_MS = 400;
/** The file is compacted once it holds this many lines per key (plus a constant). */
const LINES_PER_KEY_BEFORE_COMPACTION = 4;

const CLIENT_TYPES: Record<string, true> = { propose: true, read_decision: true };

export function isSynodMessage(body: Body): boolean {
  return CLIENT_TYPES[body.type] === true || body.type.startsWith('synod_');
}

/** One key's acceptor and learner state. */
interface Instance {
  key: unknown;
  promised: number;
  acceptedBallot: number;
  acceptedValue: unknown;
  decided: boolean;
  decidedValue: unknown;
}

interface Waiter {
  client: string;
  msgId: number;
  value: unknown;
  deadlineMs: number;
  /** This node sent the client's value in phase 2: it may be chosen, so a timeout is indefinite. */
  sentInPhase2: boolean;
}

interface Proposer {
  key: unknown;
  keyText: string;
  ballot: number;
  phase: 1 | 2;
  /** Acceptors that answered this phase (promises with what they had accepted). */
  answered: Map<NodeId, [number, unknown]>;
  value: unknown;
  waiters: Waiter[];
  lastSendMs: number;
  /** Bumped on every new round: back-off timers of an older round do nothing. */
  round: number;
  /** Preempted, waiting out a random back-off: nothing is sent. */
  backingOff: boolean;
  preemptions: number;
  highestSeen: number;
}

function keyTextOf(key: unknown): string {
  return JSON.stringify(key);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export class SynodInstances {
  private readonly instances = new Map<string, Instance>();
  private readonly proposers = new Map<string, Proposer>();
  private readonly majority: number;
  private linesWritten = 0;
  /** Virtual ms counted from our own ticks: timers only, never the (skewed) clock. */
  private elapsedMs = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly bugs: ReadonlySet<string>,
    private readonly nodeNumber: number,
    private readonly violated: (what: string) => void,
    /** Proposals this node took or refused, per client (shared with the node's other requests). */
    private readonly taken: TakenRequests,
  ) {
    this.majority = Math.floor(ctx.nodeIds.length / 2) + 1;
    this.recover();
  }

  get size(): number {
    return this.instances.size;
  }

  /** What this node learned for `key`, if anything (tests). */
  decision(key: unknown): { value: unknown } | undefined {
    const inst = this.instances.get(keyTextOf(key));
    return inst?.decided ? { value: inst.decidedValue } : undefined;
  }

  /** The acceptor's state for `key` (tests). */
  acceptorState(
    key: unknown,
  ): { promised: number; acceptedBallot: number; acceptedValue: unknown } | undefined {
    const inst = this.instances.get(keyTextOf(key));
    return (
      inst && {
        promised: inst.promised,
        acceptedBallot: inst.acceptedBallot,
        acceptedValue: inst.acceptedValue,
      }
    );
  }

  /** Called by the node's periodic tick, every `tickMs`. */
  onTick(tickMs: number): void {
    this.elapsedMs += tickMs;
    for (const p of [...this.proposers.values()]) {
      this.expireWaiters(p);
      if (p.waiters.length === 0) {
        this.proposers.delete(p.keyText);
        continue;
      }
      // No round timeout: re-sending reaches every acceptor that comes back, and only a nack needs a new ballot.
      if (!p.backingOff && this.elapsedMs - p.lastSendMs >= RESEND_INTERVAL_MS) this.sendPhase(p);
    }
  }

  onMessage(msg: Message): void {
    const m = msg.body;
    switch (m.type) {
      case 'propose':
        this.onPropose(msg.src, m);
        return;
      case 'read_decision': {
        if (!('key' in m)) {
          this.ctx.send(
            msg.src,
            errorReply(m.msg_id, ERROR_CODES.malformedRequest, 'read_decision needs a key'),
          );
          return;
        }
        const inst = this.instances.get(keyTextOf(m.key));
        this.ctx.send(msg.src, {
          type: 'read_decision_ok',
          in_reply_to: m.msg_id,
          value: inst?.decided ? inst.decidedValue : null,
        });
        return;
      }
      case 'synod_prepare':
        this.ctx.send(msg.src, this.acceptorPrepare(m.key, m.ballot as number));
        return;
      case 'synod_accept':
        this.ctx.send(msg.src, this.acceptorAccept(m.key, m.ballot as number, m.value));
        return;
      default:
        this.onProposerMessage(msg.src, m);
    }
  }

  // ---- acceptor and learner ------------------------------------------------------

  private instance(key: unknown, keyText = keyTextOf(key)): Instance | undefined {
    let inst = this.instances.get(keyText);
    if (!inst) {
      if (this.instances.size >= SYNOD_INSTANCES_MAX) return undefined;
      inst = {
        key,
        promised: NO_BALLOT,
        acceptedBallot: NO_BALLOT,
        acceptedValue: null,
        decided: false,
        decidedValue: null,
      };
      this.instances.set(keyText, inst);
    }
    return inst;
  }

  private acceptorPrepare(key: unknown, ballot: number): Body {
    const inst = this.instance(key);
    if (!inst) return { type: 'synod_nack', key, ballot, promised: ballot };
    // A learner that knows the outcome says so: the proposer needs nothing else.
    if (inst.decided) return { type: 'synod_decided', key, value: inst.decidedValue };
    if (!mayPromise(inst.promised, ballot))
      return { type: 'synod_nack', key, ballot, promised: inst.promised };
    if (ballot !== inst.promised) {
      inst.promised = ballot;
      // The bug: the promise lives in memory only, so a restart forgets it.
      if (!this.bugs.has('no-persist-promise')) this.persist(inst, true);
    }
    return {
      type: 'synod_promise',
      key,
      ballot,
      accepted_ballot: inst.acceptedBallot,
      accepted_value: inst.acceptedValue,
    };
  }

  private acceptorAccept(key: unknown, ballot: number, value: unknown): Body {
    const inst = this.instance(key);
    if (!inst) return { type: 'synod_nack', key, ballot, promised: ballot };
    if (!mayAccept(inst.promised, ballot))
      return { type: 'synod_nack', key, ballot, promised: inst.promised };
    if (inst.acceptedBallot !== ballot || !sameValue(inst.acceptedValue, value)) {
      inst.promised = promiseAfterAccept(inst.promised, ballot);
      inst.acceptedBallot = ballot;
      inst.acceptedValue = value;
      this.persist(inst, true);
    }
    return { type: 'synod_accepted', key, ballot };
  }

  /** Learn the outcome for a key (once: a second, different outcome is a broken invariant). */
  private learn(key: unknown, keyText: string, value: unknown): void {
    const inst = this.instance(key, keyText);
    if (!inst) return;
    if (inst.decided) {
      if (!sameValue(inst.decidedValue, value))
        this.violated(
          `consensus key ${keyText}: learned ${JSON.stringify(inst.decidedValue)}, now told ${JSON.stringify(value)}`,
        );
      return;
    }
    inst.decided = true;
    inst.decidedValue = value;
    // A cache for readers: no fsync needed (it rides on the next one); losing it costs a round.
    this.persist(inst, false);
    const p = this.proposers.get(keyText);
    if (p) {
      this.proposers.delete(keyText);
      for (const w of p.waiters) this.ctx.send(w.client, { type: 'propose_ok', in_reply_to: w.msgId, value });
    }
  }

  // ---- proposer -------------------------------------------------------------------

  private onPropose(client: string, m: Body): void {
    const msgId = m.msg_id;
    if (typeof msgId !== 'number') {
      this.ctx.send(
        client,
        errorReply(msgId, ERROR_CODES.malformedRequest, 'request needs a numeric msg_id'),
      );
      return;
    }
    if (!('key' in m) || !('value' in m) || m.value === null) {
      this.ctx.send(
        client,
        errorReply(msgId, ERROR_CODES.malformedRequest, 'propose needs a key and a value'),
      );
      return;
    }
    const keyText = keyTextOf(m.key);
    const inst = this.instance(m.key, keyText);
    if (!inst) {
      this.ctx.send(client, errorReply(msgId, ERROR_CODES.abort, 'too many consensus instances'));
      return;
    }
    if (inst.decided) {
      this.ctx.send(client, { type: 'propose_ok', in_reply_to: msgId, value: inst.decidedValue });
      return;
    }
    let p = this.proposers.get(keyText);
    if (p?.waiters.some((w) => w.client === client && w.msgId === msgId)) return; // a duplicate
    // A late copy of a proposal this node took (its value may be chosen) or refused (it must never be):
    // it must not start again, nor be refused as if it never ran (`../shared/refusals.ts`).
    if (this.taken.takenBefore(client, msgId)) {
      if (this.taken.refusedBefore(client, msgId))
        this.ctx.send(client, errorReply(msgId, ERROR_CODES.temporarilyUnavailable, 'refused earlier'));
      return;
    }
    if (!this.taken.take(client, msgId)) return; // no room to track this client: it times out (info)
    if (p && p.waiters.length >= WAITERS_PER_KEY_MAX) {
      this.taken.refuse(client, msgId);
      this.ctx.send(
        client,
        errorReply(msgId, ERROR_CODES.temporarilyUnavailable, 'too many proposals waiting'),
      );
      return;
    }
    const waiter: Waiter = {
      client,
      msgId,
      value: m.value,
      deadlineMs: this.elapsedMs + PROPOSE_TIMEOUT_MS,
      sentInPhase2: false,
    };
    if (p) {
      p.waiters.push(waiter);
      return;
    }
    p = {
      key: m.key,
      keyText,
      ballot: NO_BALLOT,
      phase: 1,
      answered: new Map(),
      value: null,
      waiters: [waiter],
      lastSendMs: 0,
      round: 0,
      backingOff: false,
      preemptions: 0,
      highestSeen: inst.promised,
    };
    this.proposers.set(keyText, p);
    this.startRound(p);
  }

  /** Phase 1 of a new round, with a ballot past every one this proposer has seen. */
  private startRound(p: Proposer): void {
    p.round++;
    p.backingOff = false;
    p.ballot = nextBallot(p.highestSeen, this.nodeNumber, this.bugs);
    if (p.ballot > p.highestSeen) p.highestSeen = p.ballot;
    p.phase = 1;
    p.answered.clear();
    p.value = null;
    this.sendPhase(p);
  }

  /** Send the current phase's message to every acceptor that has not answered (ourselves locally). */
  private sendPhase(p: Proposer): void {
    p.lastSendMs = this.elapsedMs;
    const round = p.round;
    for (const node of this.ctx.nodeIds) {
      if (p.answered.has(node)) continue;
      if (node === this.ctx.id) {
        const reply =
          p.phase === 1
            ? this.acceptorPrepare(p.key, p.ballot)
            : this.acceptorAccept(p.key, p.ballot, p.value);
        this.onProposerMessage(node, reply);
        // Our own answer may have ended the round (decided, or moved to phase 2, which sends anew).
        if (this.proposers.get(p.keyText) !== p || p.round !== round) return;
        continue;
      }
      this.ctx.send(
        node,
        p.phase === 1
          ? { type: 'synod_prepare', key: p.key, ballot: p.ballot }
          : { type: 'synod_accept', key: p.key, ballot: p.ballot, value: p.value },
      );
    }
  }

  private onProposerMessage(from: NodeId, m: Body): void {
    const keyText = keyTextOf(m.key);
    if (m.type === 'synod_decided') {
      this.learn(m.key, keyText, m.value);
      return;
    }
    const p = this.proposers.get(keyText);
    if (!p || m.ballot !== p.ballot) return;
    switch (m.type) {
      case 'synod_promise':
        if (p.phase !== 1) return;
        p.answered.set(from, [m.accepted_ballot as number, m.accepted_value]);
        if (p.answered.size >= this.majority) this.startPhase2(p);
        return;
      case 'synod_accepted':
        if (p.phase !== 2) return;
        p.answered.set(from, [p.ballot, p.value]);
        if (p.answered.size >= this.majority) this.decide(p);
        return;
      case 'synod_nack': {
        const promised = m.promised as number;
        if (promised > p.highestSeen) p.highestSeen = promised;
        // Preempted: back off for a random while, then try a higher ballot (unless something moved on).
        const round = p.round;
        p.round++; // answers to this ballot no longer count
        p.ballot = NO_BALLOT;
        p.backingOff = true;
        const windowMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** p.preemptions++);
        const waitMs = 1 + Math.floor(this.ctx.random() * windowMs);
        this.ctx.setTimer(waitMs, () => {
          if (this.proposers.get(keyText) === p && p.round === round + 1) this.startRound(p);
        });
        return;
      }
    }
  }

  /**
   * A majority promised: propose the value of the highest ballot any of them
   * accepted, or, if none accepted anything, the first waiting client's.
   */
  private startPhase2(p: Proposer): void {
    let bestBallot = NO_BALLOT;
    let value: unknown = p.waiters[0].value;
    // The bug: ignore what the promises reported and propose our client's value.
    if (!this.bugs.has('ignore-accepted')) {
      for (const [ballot, v] of p.answered.values()) {
        if (ballot > bestBallot) {
          bestBallot = ballot;
          value = v;
        }
      }
    }
    p.phase = 2;
    p.value = value;
    p.answered.clear();
    for (const w of p.waiters) if (sameValue(w.value, value)) w.sentInPhase2 = true;
    this.sendPhase(p);
  }

  /** A majority accepted: the value is chosen. Tell every learner, answer every waiting client. */
  private decide(p: Proposer): void {
    for (const node of this.ctx.nodeIds)
      if (node !== this.ctx.id) this.ctx.send(node, { type: 'synod_decided', key: p.key, value: p.value });
    this.learn(p.key, p.keyText, p.value);
  }

  private expireWaiters(p: Proposer): void {
    let kept = 0;
    for (const w of p.waiters) {
      if (w.deadlineMs > this.elapsedMs) {
        p.waiters[kept++] = w;
        continue;
      }
      // Noted first: a late copy of a proposal refused here must never be proposed.
      if (!w.sentInPhase2) this.taken.refuse(w.client, w.msgId);
      this.ctx.send(
        w.client,
        w.sentInPhase2
          ? errorReply(w.msgId, ERROR_CODES.timeout, 'not decided in time; the value may still be chosen')
          : errorReply(
              w.msgId,
              ERROR_CODES.temporarilyUnavailable,
              'not decided in time; the value was never proposed',
            ),
      );
    }
    p.waiters.length = kept;
  }

  // ---- storage -------------------------------------------------------------------------

  private line(inst: Instance, promised: number): string {
    const rec: unknown[] = [inst.key, promised, inst.acceptedBallot, inst.acceptedValue];
    if (inst.decided) rec.push(inst.decidedValue);
    return `${JSON.stringify(rec)}\n`;
  }

  /** Write the key's state; with `sync`, make it durable before the caller answers. */
  private persist(inst: Instance, sync: boolean): void {
    // With no-persist-promise a promise never reaches the disk (an accept still records its ballot).
    const promised = this.bugs.has('no-persist-promise') ? inst.acceptedBallot : inst.promised;
    this.ctx.disk.append(SYNOD_FILE, this.line(inst, promised));
    this.linesWritten++;
    if (this.linesWritten > LINES_PER_KEY_BEFORE_COMPACTION * this.instances.size + 64) this.compact();
    if (sync) this.ctx.disk.fsync();
  }

  /** One line per key (bounded disk); the caller's fsync makes it durable. */
  private compact(): void {
    let out = '';
    for (const inst of this.instances.values())
      out += this.line(inst, this.bugs.has('no-persist-promise') ? inst.acceptedBallot : inst.promised);
    this.ctx.disk.write(SYNOD_FILE, out);
    this.linesWritten = this.instances.size;
  }

  private recover(): void {
    const text = this.ctx.disk.read(SYNOD_FILE);
    if (text === undefined) return;
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    let rewrite = tail !== '';
    if (tail !== '') this.ctx.log(`recovery: dropped torn synod-file tail (${tail.length} chars)`);
    for (let n = 0; n < lines.length; n++) {
      let rec: unknown;
      try {
        rec = JSON.parse(lines[n]);
      } catch {
        rec = undefined;
      }
      if (!Array.isArray(rec) || rec.length < 4 || typeof rec[1] !== 'number' || typeof rec[2] !== 'number') {
        this.ctx.log(`recovery: synod-file line ${n + 1} unreadable; dropped it and the rest`);
        rewrite = true;
        break;
      }
      const [key, promised, acceptedBallot, acceptedValue] = rec as [unknown, number, number, unknown];
      this.instances.set(keyTextOf(key), {
        key,
        // Accepting is promising: the promise is at least the ballot accepted.
        promised: Math.max(promised, acceptedBallot),
        acceptedBallot,
        acceptedValue,
        decided: rec.length >= 5,
        decidedValue: rec.length >= 5 ? rec[4] : null,
      });
    }
    this.linesWritten = lines.length;
    if (rewrite) {
      this.compact();
      this.ctx.disk.fsync();
    }
  }
}
