import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body, Message, NodeContext, NodeId, SimNode } from '../../src/sim/types.js';
import { parseEntryJson } from '../shared/entry-json.js';
import { type Command, commandKey, KvStateMachine, malformed } from '../shared/kv-state.js';
import { TakenRequests } from '../shared/refusals.js';
import { mayAccept, mayPromise, NO_BALLOT, nextBallot, promiseAfterAccept, showBallot } from './ballot.js';
import {
  type AcceptedSlots,
  acceptedLine,
  appendAccepted,
  recover,
  rewriteAccepted,
  type SlotValue,
  type SnapshotRecord,
  writePromise,
  writeSnapshot,
} from './storage.js';
import { isSynodMessage, SynodInstances } from './synod.js';

/**
 * One replica of the Multi-Paxos key-value store (Lamport, "Paxos Made
 * Simple", §3; van Renesse & Altinbuken, "Paxos Made Moderately Complex").
 * Every node is a proposer, an acceptor and a learner.
 *
 * - **Log**: slots 1, 2, 3 …, each decided by its own instance of Paxos.
 *   Ballots are (round, node) pairs (ballot.ts); an acceptor holds one
 *   promise for all slots at once, which is what lets a stable leader skip
 *   phase 1.
 * - **Phase 1** (a node that hears no leader for an election timeout):
 *   `paxos_prepare {ballot, from}` asks every acceptor to promise the ballot
 *   for every slot from `from` on; `paxos_promise` carries, for each of those
 *   slots, the highest ballot the acceptor accepted there and its value
 *   (and a snapshot when the acceptor has compacted past `from`). With a
 *   majority of promises the node leads: for each slot up to the highest
 *   one reported it re-proposes the value of the highest ballot reported,
 *   and a no-op where nothing was reported (a gap).
 * - **Phase 2**: `paxos_accept {ballot, from, values, chosen}` carries a
 *   run of slots; an acceptor that promised no higher ballot accepts them
 *   (fsynced first) and answers `paxos_accepted {ballot, to}`. A slot is
 *   chosen once a majority accepted it in the leader's ballot. The leader
 *   proposes new commands in phase 2 only, as long as no higher ballot
 *   appears.
 * - **Learners** apply chosen slots in slot order. The leader tells them how
 *   far the log is chosen (`chosen` in every accept and heartbeat); a slot
 *   an acceptor accepted in that same ballot holds the chosen value (a ballot
 *   proposes one value per slot), so it can be applied with no extra message.
 * - **Reads** are served by a read round, not through the log: see
 *   `startRead`. Writes, cas and txns go through the log.
 * - Time is counted in ticks of a periodic timer, never read from the clock.
 * - Everything an acceptor promises or accepts is on disk and fsynced before
 *   the message that says so is sent.
 */

// ---- limits and timeouts (all explicit, all bounded) ----------------------

export const TICK_MS = 25;
/** A leader's accept (empty when there is nothing new) to every acceptor at least this often. */
export const HEARTBEAT_INTERVAL_MS = 50;
export const ELECTION_TIMEOUT_MIN_MS = 300;
export const ELECTION_TIMEOUT_MAX_MS = 600;
/** A leader that has not heard a majority for this long steps down (liveness only: its clients get answers). */
export const CHECK_QUORUM_TIMEOUT_MS = ELECTION_TIMEOUT_MAX_MS;
/** A request not answered by then gets an error (indefinite if it may still be chosen). */
export const CLIENT_REQUEST_TIMEOUT_MS = 800;
/** Slots per accept message. */
export const ACCEPT_BATCH_MAX = 64;
/** Client requests a node holds unanswered; beyond it new ones get temporarily-unavailable. */
export const PENDING_REQUESTS_MAX = 256;
/** Read confirmations a leader tracks at once (its own reads and other nodes'). */
export const READ_CONFIRMATIONS_MAX = 1024;
/** Proposed but not yet chosen slots a leader allows before refusing new requests. */
export const UNCHOSEN_SLOTS_MAX = 1024;
/** The writes each client sent this node, taken or refused (`../shared/refusals.ts`). */
const REQUESTS_FILE = 'paxos-requests';
/** Applied slots kept as accepted proposals before they are folded into a snapshot. */
export const SNAPSHOT_INTERVAL_SLOTS = 1000;

const HEARTBEAT_INTERVAL_TICKS = HEARTBEAT_INTERVAL_MS / TICK_MS;
const ELECTION_TIMEOUT_MIN_TICKS = ELECTION_TIMEOUT_MIN_MS / TICK_MS;
const ELECTION_TIMEOUT_SPREAD_TICKS = (ELECTION_TIMEOUT_MAX_MS - ELECTION_TIMEOUT_MIN_MS) / TICK_MS;
const CHECK_QUORUM_TIMEOUT_TICKS = CHECK_QUORUM_TIMEOUT_MS / TICK_MS;
const CLIENT_REQUEST_TIMEOUT_TICKS = CLIENT_REQUEST_TIMEOUT_MS / TICK_MS;
for (const [name, ticks] of Object.entries({
  HEARTBEAT_INTERVAL_TICKS,
  ELECTION_TIMEOUT_MIN_TICKS,
  ELECTION_TIMEOUT_SPREAD_TICKS,
  CHECK_QUORUM_TIMEOUT_TICKS,
  CLIENT_REQUEST_TIMEOUT_TICKS,
})) {
  if (!Number.isInteger(ticks) || ticks <= 0)
    throw new Error(`paxos: ${name} must be a whole number of ticks`);
}
/** Pending requests are scanned for expiry this often. */
const EXPIRY_SCAN_TICKS = 2;

export const BUG_NAMES = [
  'no-persist-promise',
  'ignore-accepted',
  'stale-read',
  'reuse-ballot',
  'read-before-recovery',
] as const;
export type BugName = (typeof BUG_NAMES)[number];

export type Role = 'follower' | 'candidate' | 'leader';

export interface PaxosStatus {
  role: Role;
  /** The ballot this node leads or campaigns with (0 when it never did). */
  ballot: number;
  promised: number;
  leader: NodeId | null;
  /** Every slot up to here is chosen, known and applied. */
  learned: number;
  /** Slots up to here are folded into the snapshot. */
  snapshotSlot: number;
  /** Highest slot with an accepted proposal. */
  lastAcceptedSlot: number;
  acceptedSlotsInMemory: number;
  pendingRequests: number;
  keys: number;
  /** The applied state (keys, values, de-duplication table) as JSON: equal on replicas at equal `learned`. */
  stateJson: string;
  /** Consensus-workload instances this node holds acceptor or learner state for. */
  synodInstances: number;
}

interface Pending {
  client: string;
  body: Body;
  expireTick: number;
  isRead: boolean;
  /** Sent on its way (to the log, the leader or a read round); until then it surely had no effect. */
  dispatched: boolean;
}

interface Peer {
  id: NodeId;
  /**
   * Every slot up to here the peer accepted in our ballot or had already
   * learned (as chosen); it said so in its last answer. Learned slots count
   * like accepted ones: a slot a peer learned is chosen, and in our ballot
   * we propose the chosen value there (phase 1 saw to that), so counting it
   * cannot choose anything else. (A peer that learned a slot chosen in a
   * higher ballot promised that ballot and answers us with nacks only.)
   */
  match: number;
  /** An accept or snapshot is out and unanswered (one at a time; new slots batch up meanwhile). */
  inFlight: boolean;
  /** Highest read-round sequence this peer answered in our ballot. */
  ackSeq: number;
  /** Read-round sequence carried by the last message sent. */
  sentSeq: number;
  /** Chosen point carried by the last message sent. */
  sentChosen: number;
  /** The peer waits for this slot to be chosen (it forwarded the command, or serves a read there). */
  chosenWanted: number;
  /** Tick of the last answer from this peer (check-quorum). */
  heardTick: number;
}

/** A phase-1 answer: what the acceptor accepted from the prepare's slot on. */
interface PromiseBody {
  ballot: number;
  learned: number;
  /** [slot, ballot, value] for every slot from `from` on the acceptor accepted something in. */
  entries: [number, number, SlotValue][];
  snapshot?: SnapshotRecord;
}

/** A read waiting for the leader to confirm, at round `seq`, that its ballot is still the highest promised. */
interface ReadConfirmation {
  seq: number;
  slot: number;
  local?: string;
  remote?: { node: NodeId; rid: number };
}

export class PaxosNode implements SimNode {
  private readonly ctx: NodeContext;
  private readonly bugs: ReadonlySet<string>;
  private readonly peers: Peer[] = [];
  private readonly majority: number;
  /** Our node number in ballots: position in the cluster's id list, plus one. */
  private readonly nodeNumber: number;
  private readonly synod: SynodInstances;

  // Acceptor (mirrored on disk).
  private promised = NO_BALLOT;
  /** Slots up to here are compacted into `snap`; `accepted` holds base+1 …. */
  private base = 0;
  private accepted: AcceptedSlots = { ballots: [], values: [] };
  private snap: SnapshotRecord | undefined;

  // Learner.
  private learned = 0;
  private readonly sm = new KvStateMachine();
  /** Slots (learned, runEnd] are all accepted in `runBallot`, the ballot of the leader we last heard. */
  private runBallot = NO_BALLOT;
  private runEnd = 0;

  // Proposer.
  private role: Role = 'follower';
  private ballot = NO_BALLOT;
  private leaderId: NodeId | null = null;
  /** Highest ballot seen in any message: a new ballot goes one round past it. */
  private highestSeen = NO_BALLOT;
  private tick = 0;
  private electionElapsedTicks = 0;
  private electionTimeoutTicks = 0;
  /** Ticks since a leader was last heard; prepares from other nodes are ignored below the minimum election timeout. */
  private ticksSinceLeader = ELECTION_TIMEOUT_MIN_TICKS;
  private readonly promises = new Map<NodeId, PromiseBody>();
  private prepareFrom = 1;

  // Leader.
  private nextSlot = 1;
  /** The last slot phase 1 re-proposed: reads wait until it is applied (all earlier ballots' choices are). */
  private ballotStartSlot = 0;
  private leaderSinceTick = 0;
  private readSeq = 0;
  private readonly confirmations: ReadConfirmation[] = [];
  /** Commands proposed in our ballot but not yet applied, for de-duplication. */
  private readonly inLog = new Set<string>();

  // Requests this node took from clients.
  private readonly pending = new Map<string, Pending>();
  private readonly readsAwaitingApply: { slot: number; key: string }[] = [];
  private nextReadRequestId = 1;
  private readonly readRequests = new Map<number, string>();
  private readonly awaitingLeader: string[] = [];
  /** Writes this node took or refused, per client (durable): a late copy never starts twice. */
  private readonly taken: TakenRequests;

  constructor(ctx: NodeContext, bugs: ReadonlySet<string>) {
    this.ctx = ctx;
    this.bugs = bugs;
    this.nodeNumber = ctx.nodeIds.indexOf(ctx.id) + 1;
    for (const id of ctx.nodeIds) {
      if (id === ctx.id) continue;
      this.peers.push({
        id,
        match: 0,
        inFlight: false,
        ackSeq: 0,
        sentSeq: 0,
        sentChosen: 0,
        chosenWanted: 0,
        heardTick: 0,
      });
    }
    this.majority = Math.floor(ctx.nodeIds.length / 2) + 1;
    this.taken = new TakenRequests(ctx.disk, REQUESTS_FILE);
    this.synod = new SynodInstances(ctx, bugs, this.nodeNumber, (what) => this.violated(what), this.taken);
    this.loadFromDisk();
    this.resetElectionTimer();
    this.ctx.setTimer(TICK_MS, () => this.onTick());
  }

  /** The ballot this node leads, if it believes it leads (the nemesis's `isolate-primary` uses it). */
  primaryTerm(): number | null {
    return this.role === 'leader' ? this.ballot : null;
  }

  /** A read-only view for tests and debugging. */
  inspect(): PaxosStatus {
    return {
      role: this.role,
      ballot: this.ballot,
      promised: this.promised,
      leader: this.leaderId,
      learned: this.learned,
      snapshotSlot: this.base,
      lastAcceptedSlot: this.lastAcceptedSlot(),
      acceptedSlotsInMemory: this.accepted.ballots.length,
      pendingRequests: this.pending.size,
      keys: this.sm.keyCount,
      stateJson: JSON.stringify(this.sm.snapshot()),
      synodInstances: this.synod.size,
    };
  }

  /** The consensus instances (tests). */
  get consensus(): SynodInstances {
    return this.synod;
  }

  // ---- recovery -------------------------------------------------------------

  private loadFromDisk(): void {
    const r = recover(this.ctx.disk);
    for (const note of r.notes) this.ctx.log(`recovery: ${note}`);
    if (r.notes.length > 0) this.ctx.disk.fsync();
    // Accepting is promising: the promise is at least the highest ballot accepted.
    let promised = r.promised;
    for (const b of r.accepted.ballots) if (b > promised) promised = b;
    this.promised = promised;
    this.highestSeen = promised;
    if (r.snapshot) {
      this.snap = r.snapshot;
      this.base = r.snapshot.slot;
      this.sm.restore(r.snapshot.data);
    }
    this.accepted = r.accepted;
    this.learned = this.base;
    this.runEnd = this.base;
    if (this.promised !== NO_BALLOT || this.base > 0) {
      this.ctx.log(
        `recovered promise ${showBallot(this.promised)} snapshot ${this.base} last accepted ${this.lastAcceptedSlot()}`,
      );
    }
  }

  /**
   * A broken invariant. With no bug knob on it is a bug in this code: fail
   * loudly. With a knob on it is the expected damage: log it and let the
   * checkers find what it did to clients.
   */
  private violated(what: string): void {
    if (this.bugs.size === 0) throw new Error(`${this.ctx.id}: invariant violated: ${what}`);
    this.ctx.log(`invariant violated (bug knob on): ${what}`);
  }

  // ---- acceptor state helpers -------------------------------------------------

  private lastAcceptedSlot(): number {
    return this.base + this.accepted.ballots.length;
  }

  /** Ballot accepted at `slot`: 0 when nothing, -1 when compacted away. */
  private ballotAt(slot: number): number {
    if (slot <= this.base) return -1;
    return this.accepted.ballots[slot - this.base - 1] ?? NO_BALLOT;
  }

  private valueAt(slot: number): SlotValue | undefined {
    return this.accepted.values[slot - this.base - 1];
  }

  /** Record an accepted proposal in memory; returns its line for the accepted file. */
  private store(slot: number, ballot: number, value: SlotValue): string {
    const p = slot - this.base - 1;
    const a = this.accepted;
    while (a.ballots.length <= p) {
      a.ballots.push(NO_BALLOT);
      a.values.push(undefined);
    }
    a.ballots[p] = ballot;
    a.values[p] = value;
    return acceptedLine(slot, ballot, value);
  }

  /** Raise the promise and make it durable before anyone hears of it. */
  private promise(ballot: number): void {
    if (ballot === this.promised) return;
    this.promised = ballot;
    if (ballot > this.highestSeen) this.highestSeen = ballot;
    // The bug: the promise lives in memory only, so a restart forgets it.
    if (this.bugs.has('no-persist-promise')) return;
    writePromise(this.ctx.disk, ballot);
    this.ctx.disk.fsync();
  }

  // ---- messages ---------------------------------------------------------------

  onMessage(msg: Message): void {
    const body = msg.body;
    switch (body.type) {
      case 'init':
        this.ctx.send(msg.src, { type: 'init_ok', in_reply_to: body.msg_id });
        return;
      case 'paxos_prepare':
        this.onPrepare(msg.src, body);
        return;
      case 'paxos_promise':
        this.onPromise(msg.src, body as unknown as PromiseBody);
        return;
      case 'paxos_accept':
        this.onAccept(msg.src, body);
        return;
      case 'paxos_snapshot':
        this.onSnapshot(msg.src, body);
        return;
      case 'paxos_accepted':
        this.onAccepted(msg.src, body);
        return;
      case 'paxos_nack':
        this.onNack(body);
        return;
      case 'paxos_forward':
        this.onForward(msg.src, body.cmd as Command);
        return;
      case 'paxos_read_index':
        this.onReadIndexRequest(msg.src, body.rid as number);
        return;
      case 'paxos_read_index_ok':
        this.onReadIndexResult(body.rid as number, body.slot as number);
        return;
      default:
        if (isSynodMessage(body)) this.synod.onMessage(msg);
        else this.onClientRequest(msg.src, body);
    }
  }

  // ---- timers -------------------------------------------------------------------

  private onTick(): void {
    this.ctx.setTimer(TICK_MS, () => this.onTick());
    this.tick++;
    this.ticksSinceLeader++;
    if (this.role === 'leader') {
      if ((this.tick - this.leaderSinceTick) % HEARTBEAT_INTERVAL_TICKS === 0) this.heartbeat();
      this.checkQuorum();
    } else {
      this.electionElapsedTicks++;
      if (this.electionElapsedTicks >= this.electionTimeoutTicks) this.startPhase1();
      else if (this.role === 'candidate' && this.electionElapsedTicks % HEARTBEAT_INTERVAL_TICKS === 0)
        this.sendPrepares();
    }
    if (this.tick % EXPIRY_SCAN_TICKS === 0) this.expirePending();
    this.synod.onTick(TICK_MS);
  }

  private resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    this.electionTimeoutTicks =
      ELECTION_TIMEOUT_MIN_TICKS + Math.floor(this.ctx.random() * (ELECTION_TIMEOUT_SPREAD_TICKS + 1));
  }

  private expirePending(): void {
    for (const [key, p] of this.pending) {
      if (p.expireTick > this.tick) continue;
      // A read that never ran changed nothing (definite); a proposed command may still be chosen (indefinite).
      if (!p.dispatched && !p.isRead) {
        this.refuseWrite(key, p, 'no leader emerged in time');
        continue;
      }
      const reply = !p.dispatched
        ? errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'no leader emerged in time')
        : p.isRead
          ? errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'read not confirmed in time')
          : errorReply(p.body.msg_id, ERROR_CODES.timeout, 'not chosen in time; it may still take effect');
      this.finish(key, reply);
    }
    for (const [rid, key] of this.readRequests) if (!this.pending.has(key)) this.readRequests.delete(rid);
    let waiting = 0;
    for (const key of this.awaitingLeader) if (this.pending.has(key)) this.awaitingLeader[waiting++] = key;
    this.awaitingLeader.length = waiting;
    let kept = 0;
    for (const r of this.readsAwaitingApply) if (this.pending.has(r.key)) this.readsAwaitingApply[kept++] = r;
    this.readsAwaitingApply.length = kept;
  }

  // ---- phase 1: proposer side -----------------------------------------------------

  /** No leader heard for an election timeout: ask for promises on a ballot past every one seen. */
  private startPhase1(): void {
    this.resetElectionTimer();
    if (this.role === 'leader') this.stepDownCleanup();
    this.role = 'candidate';
    this.leaderId = null;
    this.ballot = nextBallot(Math.max(this.highestSeen, this.promised), this.nodeNumber, this.bugs);
    if (this.ballot > this.highestSeen) this.highestSeen = this.ballot;
    this.promises.clear();
    this.prepareFrom = this.learned + 1;
    this.ctx.log(`phase 1 for ballot ${showBallot(this.ballot)} from slot ${this.prepareFrom}`);
    this.maybeWinPhase1();
    if (this.role === 'candidate') this.sendPrepares();
  }

  /** (Re)send the prepare to the acceptors that have not promised (messages get lost). */
  private sendPrepares(): void {
    for (const p of this.peers) {
      if (this.promises.has(p.id)) continue;
      this.ctx.send(p.id, { type: 'paxos_prepare', ballot: this.ballot, from: this.prepareFrom });
    }
  }

  private onPromise(from: NodeId, m: PromiseBody): void {
    if (this.role !== 'candidate' || m.ballot !== this.ballot) return;
    this.promises.set(from, m);
    this.maybeWinPhase1();
  }

  /**
   * Our own acceptor promises last, once a majority is in sight: a node cut
   * off from the rest keeps raising its ballot without promising it, so it
   * does not refuse the leader's accepts when the partition heals.
   */
  private maybeWinPhase1(): void {
    if (this.promises.size + 1 < this.majority) return;
    if (!mayPromise(this.promised, this.ballot)) {
      this.becomeFollower(null);
      return;
    }
    this.promise(this.ballot);
    this.becomeLeader();
  }

  /**
   * Phase 1 done: re-propose, in our ballot, the value of the highest ballot
   * any promise reported for each slot after what we learned, and a no-op in
   * each gap; then lead.
   */
  private becomeLeader(): void {
    const promises = [...this.promises.values()];
    for (const pr of promises) {
      if (pr.snapshot && pr.snapshot.slot > this.learned) this.installSnapshot(pr.snapshot);
    }
    const from = this.learned + 1;
    // Highest ballot reported per slot, ours included.
    const best = new Map<number, [number, SlotValue]>();
    let maxSlot = this.learned;
    const consider = (slot: number, ballot: number, value: SlotValue) => {
      if (slot < from || ballot === NO_BALLOT) return;
      const cur = best.get(slot);
      if (!cur || ballot > cur[0]) best.set(slot, [ballot, value]);
      if (slot > maxSlot) maxSlot = slot;
    };
    for (const pr of promises) for (const [slot, ballot, value] of pr.entries) consider(slot, ballot, value);
    for (let slot = from; slot <= this.lastAcceptedSlot(); slot++) {
      const v = this.valueAt(slot);
      if (v !== undefined) consider(slot, this.ballotAt(slot), v);
    }
    let lines = '';
    let reproposed = 0;
    for (let slot = from; slot <= maxSlot; slot++) {
      // The bug: ignore what the promises reported and propose our own value (a no-op) everywhere.
      const value = this.bugs.has('ignore-accepted') ? null : (best.get(slot)?.[1] ?? null);
      if (value !== null) reproposed++;
      lines += this.store(slot, this.ballot, value);
    }
    appendAccepted(this.ctx.disk, lines);
    this.ctx.disk.fsync();

    this.role = 'leader';
    this.leaderId = this.ctx.id;
    this.leaderSinceTick = this.tick;
    this.nextSlot = maxSlot + 1;
    this.ballotStartSlot = maxSlot;
    this.readSeq = 0;
    this.inLog.clear();
    for (const p of this.peers) {
      const pr = this.promises.get(p.id);
      // Peers that did not promise start where we are: their answers correct it.
      p.match = pr ? Math.min(pr.learned, this.learned) : this.learned;
      p.inFlight = false;
      p.ackSeq = 0;
      p.sentSeq = 0;
      p.sentChosen = -1;
      p.chosenWanted = 0;
      p.heardTick = this.tick;
    }
    this.promises.clear();
    this.ctx.log(
      `leader for ballot ${showBallot(this.ballot)}: slots ${from}..${maxSlot} re-proposed (${reproposed} values, ${maxSlot - from + 1 - reproposed} no-ops)`,
    );
    this.advanceChosen();
    this.heartbeat();
    this.dispatchAwaitingLeader();
  }

  private becomeFollower(leader: NodeId | null): void {
    if (this.role === 'leader') this.stepDownCleanup();
    this.role = 'follower';
    this.leaderId = leader;
    this.promises.clear();
    if (leader !== null) this.dispatchAwaitingLeader();
  }

  private stepDownCleanup(): void {
    this.inLog.clear();
    for (const c of this.confirmations) this.resolveConfirmation(c, -1);
    this.confirmations.length = 0;
  }

  private heardLeaderRecently(): boolean {
    return this.role === 'leader' || this.ticksSinceLeader < ELECTION_TIMEOUT_MIN_TICKS;
  }

  /** A higher ballot is out there: whatever we led or campaigned for is over. */
  private onNack(m: Body): void {
    const promised = m.promised as number;
    if (promised > this.highestSeen) this.highestSeen = promised;
    if (this.role !== 'follower' && m.ballot === this.ballot && promised > this.ballot) {
      this.ctx.log(`ballot ${showBallot(this.ballot)} preempted by ${showBallot(promised)}`);
      this.becomeFollower(null);
      this.resetElectionTimer();
    }
  }

  /** Step down when a majority has not answered for CHECK_QUORUM_TIMEOUT_MS. */
  private checkQuorum(): void {
    if (this.tick - this.leaderSinceTick < CHECK_QUORUM_TIMEOUT_TICKS) return;
    let heard = 1;
    for (const p of this.peers) if (this.tick - p.heardTick < CHECK_QUORUM_TIMEOUT_TICKS) heard++;
    if (heard >= this.majority) return;
    this.ctx.log(`ballot ${showBallot(this.ballot)}: lost contact with a majority; stepping down`);
    this.becomeFollower(null);
    this.resetElectionTimer();
  }

  // ---- phase 1: acceptor side -------------------------------------------------------

  private onPrepare(from: NodeId, m: Body): void {
    const ballot = m.ballot as number;
    if (ballot > this.highestSeen) this.highestSeen = ballot;
    if (!mayPromise(this.promised, ballot)) {
      this.ctx.send(from, { type: 'paxos_nack', ballot, promised: this.promised });
      return;
    }
    // Leader stickiness: while a leader is heard from, another node's bid is ignored (refusing is always safe).
    if (from !== this.leaderId && this.heardLeaderRecently() && ballot !== this.promised) return;
    if (this.role !== 'follower' && ballot > this.ballot) this.becomeFollower(null);
    this.promise(ballot);
    const start = m.from as number;
    const entries: [number, number, SlotValue][] = [];
    for (let slot = Math.max(start, this.base + 1); slot <= this.lastAcceptedSlot(); slot++) {
      const b = this.ballotAt(slot);
      if (b !== NO_BALLOT) entries.push([slot, b, this.valueAt(slot) ?? null]);
    }
    const reply: Body = { type: 'paxos_promise', ballot, learned: this.learned, entries };
    // The proposer is behind what we compacted: those slots are chosen, and the snapshot says what they did.
    if (this.snap && this.base >= start) reply.snapshot = this.snap;
    this.ctx.send(from, reply);
  }

  // ---- phase 2: leader side -------------------------------------------------------

  private heartbeat(): void {
    // Every heartbeat is also a read round: acceptors echo its sequence number.
    this.readSeq++;
    for (const p of this.peers) this.sendAccept(p);
  }

  private sendAccept(p: Peer): void {
    p.inFlight = true;
    p.sentSeq = this.readSeq;
    p.sentChosen = this.learned;
    const from = p.match + 1;
    if (from <= this.base) {
      const snap = this.snap;
      if (!snap) throw new Error(`${this.ctx.id}: slot ${from} is compacted but there is no snapshot`);
      this.ctx.send(p.id, {
        type: 'paxos_snapshot',
        ballot: this.ballot,
        seq: this.readSeq,
        slot: snap.slot,
        data: snap.data,
      });
      return;
    }
    const to = Math.min(this.nextSlot - 1, from + ACCEPT_BATCH_MAX - 1);
    const values: SlotValue[] = [];
    for (let slot = from; slot <= to; slot++) {
      const v = this.valueAt(slot);
      if (v === undefined) this.violated(`leader has no value for slot ${slot} (learned ${this.learned})`);
      values.push(v ?? null);
    }
    this.ctx.send(p.id, {
      type: 'paxos_accept',
      ballot: this.ballot,
      seq: this.readSeq,
      from,
      values,
      chosen: this.learned,
    });
  }

  /**
   * Send to the peers that are idle and have something new: slots, a read
   * round, or a chosen point they wait for. Other chosen advances ride on the
   * next message (a heartbeat at the latest): fewer messages per operation.
   */
  private replicate(): void {
    for (const p of this.peers) {
      if (p.inFlight) continue;
      if (
        p.match < this.nextSlot - 1 ||
        p.sentSeq < this.readSeq ||
        p.sentChosen < Math.min(this.learned, p.chosenWanted)
      ) {
        this.sendAccept(p);
      }
    }
  }

  private onAccepted(from: NodeId, m: Body): void {
    if (this.role !== 'leader' || m.ballot !== this.ballot) return;
    const p = this.peers.find((x) => x.id === from);
    if (!p) return;
    p.inFlight = false;
    p.heardTick = this.tick;
    const seq = m.seq as number;
    if (seq > p.ackSeq) p.ackSeq = seq;
    // Taken as said, even when lower: a restarted peer relearns from its snapshot on.
    p.match = m.to as number;
    this.advanceChosen();
    this.confirmReads();
    this.replicate();
  }

  /** A slot is chosen once a majority (ourselves included) accepted it in our ballot; learn in slot order. */
  private advanceChosen(): void {
    const before = this.learned;
    while (this.learned < this.nextSlot - 1) {
      const slot = this.learned + 1;
      // We accepted (and fsynced) every slot we proposed before sending it.
      let count = 1;
      for (const p of this.peers) if (p.match >= slot) count++;
      if (count < this.majority) break;
      this.applySlot(slot);
    }
    if (this.learned > before) this.afterApplying();
  }

  private propose(cmd: Command): number {
    const key = commandKey(cmd.c, cmd.i);
    if (this.inLog.has(key) || this.sm.rememberedReply(cmd.c, cmd.i)) return -1;
    this.inLog.add(key);
    const slot = this.nextSlot++;
    appendAccepted(this.ctx.disk, this.store(slot, this.ballot, JSON.stringify(cmd)));
    this.ctx.disk.fsync();
    this.advanceChosen();
    this.replicate();
    return slot;
  }

  // ---- phase 2: acceptor side -----------------------------------------------------

  /**
   * Common to accepts and snapshots: refuse a ballot below our promise (a
   * nack tells the sender), otherwise follow the sender as leader. False when
   * refused.
   */
  private acceptLeader(from: NodeId, m: Body): boolean {
    const ballot = m.ballot as number;
    if (ballot > this.highestSeen) this.highestSeen = ballot;
    if (!mayAccept(this.promised, ballot)) {
      this.ctx.send(from, { type: 'paxos_nack', ballot, promised: this.promised, seq: m.seq });
      return false;
    }
    if (this.role === 'leader' && ballot === this.ballot)
      this.violated(`two leaders in ballot ${showBallot(ballot)}: ${this.ctx.id} and ${from}`);
    if (this.role !== 'follower' && ballot >= this.ballot) this.becomeFollower(from);
    if (this.leaderId !== from) this.becomeFollower(from);
    this.promise(promiseAfterAccept(this.promised, ballot));
    this.ticksSinceLeader = 0;
    this.resetElectionTimer();
    return true;
  }

  private onAccept(from: NodeId, m: Body): void {
    if (!this.acceptLeader(from, m)) return;
    const ballot = m.ballot as number;
    const start = m.from as number;
    const values = m.values as SlotValue[];
    let lines = '';
    for (let k = 0; k < values.length; k++) {
      const slot = start + k;
      if (slot <= this.base) continue;
      const value = values[k];
      if (this.ballotAt(slot) === ballot && this.valueAt(slot) === value) continue; // a retransmission
      if (slot <= this.learned && this.valueAt(slot) !== value)
        this.violated(
          `slot ${slot} was chosen as ${this.valueAt(slot)} but ballot ${showBallot(ballot)} proposes ${value}`,
        );
      lines += this.store(slot, ballot, value);
    }
    if (lines !== '') {
      appendAccepted(this.ctx.disk, lines);
      this.ctx.disk.fsync();
    }
    this.extendRun(ballot);
    this.learnUpTo(Math.min(m.chosen as number, this.runEnd));
    this.ctx.send(from, { type: 'paxos_accepted', ballot, to: this.runEnd, seq: m.seq });
  }

  /** Extend (learned, runEnd]: the slots accepted in `ballot` that follow what we learned. */
  private extendRun(ballot: number): void {
    if (this.runBallot !== ballot) {
      this.runBallot = ballot;
      this.runEnd = this.learned;
    }
    if (this.runEnd < this.learned) this.runEnd = this.learned;
    while (this.ballotAt(this.runEnd + 1) === ballot) this.runEnd++;
  }

  private onSnapshot(from: NodeId, m: Body): void {
    if (!this.acceptLeader(from, m)) return;
    const ballot = m.ballot as number;
    const slot = m.slot as number;
    if (slot > this.learned) {
      this.installSnapshot({ slot, data: m.data as SnapshotRecord['data'] });
      this.ctx.log(`installed snapshot at slot ${slot} from ${from}`);
    }
    this.extendRun(ballot);
    this.ctx.send(from, { type: 'paxos_accepted', ballot, to: this.runEnd, seq: m.seq });
  }

  /** Every slot up to `snap.slot` is chosen and applied in `snap`: take it as ours. */
  private installSnapshot(snap: SnapshotRecord): void {
    const drop = Math.min(snap.slot - this.base, this.accepted.ballots.length);
    this.accepted = {
      ballots: this.accepted.ballots.slice(drop),
      values: this.accepted.values.slice(drop),
    };
    this.snap = snap;
    this.base = snap.slot;
    this.learned = snap.slot;
    if (this.runEnd < this.learned) this.runEnd = this.learned;
    this.sm.restore(snap.data);
    writeSnapshot(this.ctx.disk, snap);
    rewriteAccepted(this.ctx.disk, this.base, this.accepted);
    this.ctx.disk.fsync();
    this.answerFromSessions();
    this.serveAppliedReads();
  }

  // ---- learning and applying -------------------------------------------------------------

  private learnUpTo(slot: number): void {
    if (slot <= this.learned) return;
    while (this.learned < slot) this.applySlot(this.learned + 1);
    this.afterApplying();
  }

  private applySlot(slot: number): void {
    this.learned = slot;
    const text = this.valueAt(slot);
    if (text === null || text === undefined) return;
    const cmd = parseEntryJson(text) as Command;
    const reply = this.sm.apply(cmd);
    const key = commandKey(cmd.c, cmd.i);
    this.inLog.delete(key);
    if (this.pending.has(key)) this.finish(key, reply);
  }

  private afterApplying(): void {
    this.serveAppliedReads();
    if (this.learned - this.base >= SNAPSHOT_INTERVAL_SLOTS && this.mayCompact()) this.takeSnapshot();
  }

  /**
   * A leader holds off compacting while a live peer still lacks slots it
   * would fold away (a whole snapshot is costlier than a few slots), but
   * never past twice the interval: the bound holds.
   */
  private mayCompact(): boolean {
    if (this.role !== 'leader') return true;
    if (this.learned - this.base >= 2 * SNAPSHOT_INTERVAL_SLOTS) return true;
    for (const p of this.peers) {
      const live = this.tick - p.heardTick < ELECTION_TIMEOUT_MIN_TICKS;
      if (live && p.match < this.learned) return false;
    }
    return true;
  }

  /** Fold applied slots into a snapshot; the accepted file keeps only the later slots. */
  private takeSnapshot(): void {
    const snap: SnapshotRecord = { slot: this.learned, data: this.sm.snapshot() };
    const drop = snap.slot - this.base;
    this.accepted = {
      ballots: this.accepted.ballots.slice(drop),
      values: this.accepted.values.slice(drop),
    };
    this.snap = snap;
    this.base = snap.slot;
    // Snapshot first: a crash between the two writes leaves an old accepted file the snapshot covers.
    writeSnapshot(this.ctx.disk, snap);
    this.ctx.disk.fsync();
    rewriteAccepted(this.ctx.disk, this.base, this.accepted);
    this.ctx.disk.fsync();
  }

  /** After a snapshot install, requests whose commands it covered are answered from the session table. */
  private answerFromSessions(): void {
    for (const [key, p] of this.pending) {
      if (p.isRead) continue;
      const reply = this.sm.rememberedReply(p.client, p.body.msg_id as number);
      if (reply) this.finish(key, reply);
    }
  }

  // ---- clients ---------------------------------------------------------------------------

  private onClientRequest(client: string, body: Body): void {
    const id = body.msg_id;
    if (typeof id !== 'number') {
      this.ctx.send(client, errorReply(id, ERROR_CODES.malformedRequest, 'request needs a numeric msg_id'));
      return;
    }
    const bad = malformed(body);
    if (bad) {
      const known =
        body.type === 'read' || body.type === 'write' || body.type === 'cas' || body.type === 'txn';
      this.ctx.send(
        client,
        errorReply(id, known ? ERROR_CODES.malformedRequest : ERROR_CODES.notSupported, bad),
      );
      return;
    }
    const key = commandKey(client, id);
    const isRead = body.type === 'read';
    if (!isRead) {
      const seen = this.sm.rememberedReply(client, id);
      if (seen) {
        this.ctx.send(client, seen);
        return;
      }
    }
    if (this.pending.has(key)) return; // a duplicate of a request in progress
    if (!isRead) {
      // A late copy of a write this node took already (it started, or was refused), or one the client
      // gave up on for a later one: it must not start (again), nor be refused as if it never ran.
      if (this.taken.takenBefore(client, id) || this.sm.superseded(client, id)) {
        if (this.taken.refusedBefore(client, id))
          this.ctx.send(client, errorReply(id, ERROR_CODES.temporarilyUnavailable, 'refused earlier'));
        return;
      }
      if (!this.taken.take(client, id)) return; // no room to track this client: it times out (info)
    }
    const p: Pending = {
      client,
      body,
      expireTick: this.tick + CLIENT_REQUEST_TIMEOUT_TICKS,
      isRead,
      dispatched: false,
    };
    if (this.pending.size >= PENDING_REQUESTS_MAX) {
      if (isRead)
        this.ctx.send(
          client,
          errorReply(id, ERROR_CODES.temporarilyUnavailable, 'too many requests in progress'),
        );
      else this.refuseWrite(undefined, p, 'too many requests in progress');
      return;
    }
    this.pending.set(key, p);
    // While no leader is known the request waits (bounded by its timeout) for one to emerge.
    if (this.leaderId === null) this.awaitingLeader.push(key);
    else this.dispatch(key, p);
  }

  /** Serve a read, or hand a command to the log (ours, or the leader's). */
  private dispatch(key: string, p: Pending): void {
    p.dispatched = true;
    if (p.isRead) {
      this.startRead(key);
      return;
    }
    const cmd: Command = { c: p.client, i: p.body.msg_id as number, b: p.body };
    if (this.role === 'leader') {
      if (this.nextSlot - 1 - this.learned >= UNCHOSEN_SLOTS_MAX) {
        this.refuseWrite(key, p, 'too many unchosen slots');
        return;
      }
      this.propose(cmd);
    } else if (this.leaderId !== null) {
      this.ctx.send(this.leaderId, { type: 'paxos_forward', cmd });
    }
  }

  private dispatchAwaitingLeader(): void {
    if (this.awaitingLeader.length === 0) return;
    const keys = this.awaitingLeader.splice(0);
    for (const key of keys) {
      const p = this.pending.get(key);
      if (p && !p.dispatched) this.dispatch(key, p);
    }
  }

  private onForward(from: NodeId, cmd: Command): void {
    if (this.role !== 'leader') return; // the forwarding node times out: indefinite, as it must be
    if (this.nextSlot - 1 - this.learned >= UNCHOSEN_SLOTS_MAX) return;
    const slot = this.propose(cmd);
    const p = this.peers.find((x) => x.id === from);
    if (p && slot > p.chosenWanted) p.chosenWanted = slot;
  }

  /**
   * Refuse a write definitely: it was never proposed, and the refusal is
   * noted durably first, so no later copy of it starts (`../shared/refusals.ts`).
   */
  private refuseWrite(key: string | undefined, p: Pending, text: string): void {
    const id = p.body.msg_id as number;
    this.taken.refuse(p.client, id);
    const reply = errorReply(id, ERROR_CODES.temporarilyUnavailable, text);
    if (key === undefined) this.ctx.send(p.client, reply);
    else this.finish(key, reply);
  }

  private finish(key: string, reply: Body): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.ctx.send(p.client, reply);
  }

  // ---- reads -----------------------------------------------------------------------------

  /**
   * Reads take a read round, not a slot: the leader notes how far the log
   * is chosen (at least the slots its phase 1 re-proposed), then sends a
   * round of accepts (heartbeats) and waits for a majority to answer them in
   * its ballot. Each such acceptor had promised no higher ballot when it
   * answered, after the read arrived, so no higher ballot had completed
   * phase 1 then, and no write was chosen in one: every write acknowledged
   * before the read began is at or below the noted slot. The read is served
   * once the serving node has applied that far. This is Raft's ReadIndex
   * (Ongaro's thesis, §6.4) on Paxos ballots; it costs no fsync and no log
   * space, where a read through the log costs both, on every acceptor.
   */
  private startRead(key: string): void {
    if (this.role === 'leader') {
      if (this.bugs.has('stale-read')) {
        // The bug: answer from local state without asking whether our ballot is still the highest.
        const p = this.pending.get(key);
        if (p) this.finish(key, this.sm.read(p.body));
        return;
      }
      if (this.readBeforeRecovery()) {
        const p = this.pending.get(key);
        if (p) this.finish(key, this.sm.read(p.body));
        return;
      }
      this.addConfirmation({ seq: 0, slot: 0, local: key });
      return;
    }
    const leader = this.leaderId;
    if (leader === null) {
      const p = this.pending.get(key);
      if (p)
        this.finish(key, errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'no leader known'));
      return;
    }
    const rid = this.nextReadRequestId++;
    this.readRequests.set(rid, key);
    this.ctx.send(leader, { type: 'paxos_read_index', rid });
  }

  /**
   * The `read-before-recovery` bug: while the slots phase 1 found in
   * progress are not chosen yet, a new leader takes phase 1 itself for its
   * read round (a majority did just answer) and serves reads at once, from
   * what it learned, without finishing those proposals first. The Multi-Paxos
   * form of CASSANDRA-12126 (scylladb/scylladb#6299): a quorum read that does
   * not complete in-progress proposals.
   */
  private readBeforeRecovery(): boolean {
    return this.bugs.has('read-before-recovery') && this.learned < this.ballotStartSlot;
  }

  private addConfirmation(c: ReadConfirmation): void {
    if (this.confirmations.length >= READ_CONFIRMATIONS_MAX) {
      this.resolveConfirmation(c, -1);
      return;
    }
    // The bug: serve at what we learned, not after what phase 1 found in progress (CASSANDRA-12126).
    c.slot = this.bugs.has('read-before-recovery')
      ? this.learned
      : Math.max(this.learned, this.ballotStartSlot);
    c.seq = ++this.readSeq;
    this.confirmations.push(c);
    this.confirmReads();
    this.replicate();
  }

  private onReadIndexRequest(from: NodeId, rid: number): void {
    if (this.role !== 'leader') {
      this.ctx.send(from, { type: 'paxos_read_index_ok', rid, slot: -1 });
      return;
    }
    const c: ReadConfirmation = { seq: 0, slot: 0, remote: { node: from, rid } };
    if (this.bugs.has('stale-read') || this.readBeforeRecovery()) {
      this.resolveConfirmation(c, this.learned);
      return;
    }
    this.addConfirmation(c);
  }

  private confirmReads(): void {
    if (this.role !== 'leader') return;
    const quorumSeq = this.quorumAckSeq();
    let done = 0;
    while (done < this.confirmations.length && this.confirmations[done].seq <= quorumSeq) {
      const c = this.confirmations[done];
      this.resolveConfirmation(c, c.slot);
      done++;
    }
    if (done > 0) this.confirmations.splice(0, done);
  }

  /** The highest round a majority (counting ourselves) has answered in our ballot. */
  private quorumAckSeq(): number {
    const need = this.majority - 1;
    if (need === 0) return this.readSeq;
    let best = 0;
    for (const cand of this.peers) {
      const s = cand.ackSeq;
      if (s <= best) continue;
      let atLeast = 0;
      for (const p of this.peers) if (p.ackSeq >= s) atLeast++;
      if (atLeast >= need) best = s;
    }
    return best;
  }

  private resolveConfirmation(c: ReadConfirmation, slot: number): void {
    if (c.remote) {
      const p = this.peers.find((x) => x.id === c.remote?.node);
      if (p && slot > p.chosenWanted) p.chosenWanted = slot;
      this.ctx.send(c.remote.node, { type: 'paxos_read_index_ok', rid: c.remote.rid, slot });
      return;
    }
    if (c.local !== undefined) this.awaitApplied(c.local, slot);
  }

  private onReadIndexResult(rid: number, slot: number): void {
    const key = this.readRequests.get(rid);
    if (key === undefined) return;
    this.readRequests.delete(rid);
    this.awaitApplied(key, slot);
  }

  private awaitApplied(key: string, slot: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    if (slot < 0) {
      this.finish(
        key,
        errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'leadership not confirmed'),
      );
      return;
    }
    if (this.learned >= slot) {
      this.finish(key, this.sm.read(p.body));
      return;
    }
    this.readsAwaitingApply.push({ slot, key });
  }

  private serveAppliedReads(): void {
    const waiting = this.readsAwaitingApply;
    if (waiting.length === 0) return;
    let kept = 0;
    for (let i = 0; i < waiting.length; i++) {
      const r = waiting[i];
      if (r.slot <= this.learned) {
        const p = this.pending.get(r.key);
        if (p) this.finish(r.key, this.sm.read(p.body));
      } else {
        waiting[kept++] = r;
      }
    }
    waiting.length = kept;
  }
}
