import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body, Message, NodeContext, NodeId, SimNode } from '../../src/sim/types.js';
import { parseEntryJson } from '../shared/entry-json.js';
import { type Command, commandKey, KvStateMachine, malformed } from '../shared/kv-state.js';
import { TakenRequests } from '../shared/refusals.js';
import {
  appendEntries,
  type EntryCommand,
  recover,
  rewriteLog,
  type SnapshotRecord,
  writeMeta,
  writeSnapshot,
} from './storage.js';

/**
 * One Raft replica of the key-value store (Ongaro & Ousterhout, "In Search
 * of an Understandable Consensus Algorithm", extended version, and Ongaro's
 * thesis for pre-vote, ReadIndex and leader stickiness).
 *
 * - Time is counted in ticks of a periodic `ctx.setTimer`, never read from
 *   the node's clock: the clock nemesis may jump or drift `ctx.now()`, and
 *   only the (deliberately broken) `lease-no-drift` reads look at it. The
 *   optional lease (`--system-option lease`) runs on the monotonic clock,
 *   which drifts but never jumps, and allows for drift up to MAX_CLOCK_DRIFT.
 * - Everything a node promises (a vote, a term, an accepted entry) is on
 *   disk and fsynced before the message that promises it is sent.
 * - Client requests may arrive at any node. Writes, cas and txns go through
 *   the log; the node that took the request answers it when it applies the
 *   entry, whoever led. Reads use ReadIndex: the leader confirms with a
 *   heartbeat round that it still leads, then the read is served once the
 *   serving node has applied up to the leader's commit index.
 */

// ---- limits and timeouts (all explicit, all bounded) ----------------------

/** The node's heartbeat of work: elections, heartbeats and request expiry count these. */
export const TICK_MS = 25;
export const HEARTBEAT_INTERVAL_MS = 50;
export const ELECTION_TIMEOUT_MIN_MS = 300;
export const ELECTION_TIMEOUT_MAX_MS = 600;
/**
 * A leader that has not heard from a majority for this long steps down (check-quorum), so that its
 * clients stop waiting on it. Liveness only: safety never rests on it (reads confirm by a round).
 */
export const CHECK_QUORUM_TIMEOUT_MS = ELECTION_TIMEOUT_MAX_MS;
/**
 * A request not answered by then gets an indefinite `timeout` (a definite error if it is a read or was never
 * dispatched). Below the harness's default client timeout (1 s), so clients hear why.
 */
export const CLIENT_REQUEST_TIMEOUT_MS = 800;
/** Entries per AppendEntries message. */
export const APPEND_ENTRIES_MAX = 64;
/** Client requests a node holds unanswered; beyond it new ones get temporarily-unavailable. */
export const PENDING_REQUESTS_MAX = 256;
/** Read confirmations a leader tracks at once (its own reads and followers'). */
export const READ_CONFIRMATIONS_MAX = 1024;
/** Appended but uncommitted entries a leader accepts before refusing new requests. */
export const UNCOMMITTED_ENTRIES_MAX = 1024;
/** Unanswered replication messages remembered per peer (lost ones are forgotten oldest first). */
export const UNANSWERED_TRACKED_MAX = 256;
/** Applied entries kept in the log before they are folded into a snapshot. */
export const SNAPSHOT_INTERVAL_ENTRIES = 1000;
/** The writes each client sent this node, taken or refused (`../shared/refusals.ts`). */
const REQUESTS_FILE = 'raft-requests';
/**
 * Bug `lease-no-drift`: lease length on the wall clock from the confirming
 * round's send. Followers refuse votes for at least ELECTION_TIMEOUT_MIN_MS
 * less one tick after hearing the round; one more tick is margin.
 */
export const LEASE_MS = ELECTION_TIMEOUT_MIN_MS - 2 * TICK_MS;
/** The clock drift the `lease` option assumes at most, on leader and followers alike (5%). */
export const MAX_CLOCK_DRIFT = 0.05;
/**
 * Option `lease`: the leader's clock may run fast and a follower's timers
 * slow by MAX_CLOCK_DRIFT each, so the lease shrinks by that factor twice.
 */
export const SAFE_LEASE_MS = LEASE_MS * (1 - MAX_CLOCK_DRIFT) ** 2;

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
    throw new Error(`raft: ${name} must be a whole number of ticks`);
}
/** Pending requests are scanned for expiry this often. */
const EXPIRY_SCAN_TICKS = 2;

export const BUG_NAMES = [
  'no-persist-vote',
  'stale-read',
  'commit-prior-term',
  'no-truncate',
  'lease-no-drift',
] as const;
export type BugName = (typeof BUG_NAMES)[number];

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface RaftStatus {
  term: number;
  role: Role;
  leader: NodeId | null;
  commitIndex: number;
  lastApplied: number;
  snapshotIndex: number;
  lastIndex: number;
  logEntriesInMemory: number;
  pendingRequests: number;
  keys: number;
  /** The applied state (keys, values, de-duplication table) as JSON: equal on replicas at equal lastApplied. */
  stateJson: string;
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
  nextIndex: number;
  matchIndex: number;
  /** An AppendEntries/InstallSnapshot is out and unanswered (one at a time; entries batch up meanwhile). */
  inFlight: boolean;
  /** Number of the last AppendEntries/InstallSnapshot sent (echoed back as `n`). */
  sentN: number;
  /**
   * Numbers of the messages sent and not answered yet: only a message's first
   * answer frees the in-flight slot, so a duplicated message or answer cannot
   * start a second stream of sends (under duplication the streams multiplied
   * until the simulation drowned). At most UNANSWERED_TRACKED_MAX, oldest dropped.
   */
  unanswered: Set<number>;
  /** Highest read-round sequence this peer answered in the current term. */
  ackSeq: number;
  /** Read-round sequence carried by the last message sent. */
  sentSeq: number;
  /** Commit index carried by the last message sent. */
  sentCommit: number;
  /** The peer waits for this index to commit (it proposed the entry, or serves a read there). */
  commitWanted: number;
  /** Tick of the last answer from this peer (check-quorum). */
  heardTick: number;
}

/** A read waiting for the leader to confirm, at round `seq`, that it still leads. */
interface ReadConfirmation {
  seq: number;
  index: number;
  /** Local pending key, or a follower's read-index request. */
  local?: string;
  remote?: { node: NodeId; rid: number };
}

export class RaftNode implements SimNode {
  private readonly ctx: NodeContext;
  private readonly bugs: ReadonlySet<string>;
  private readonly peers: Peer[] = [];
  private readonly majority: number;

  // Persistent state (mirrored on disk).
  private term = 0;
  private vote: NodeId | null = null;
  /** Log entries snapIndex+1 …; index i is at position i - snapIndex - 1. */
  private terms: number[] = [];
  private commands: EntryCommand[] = [];
  private snap: SnapshotRecord | undefined;
  private snapIndex = 0;
  private snapTerm = 0;

  // Volatile state.
  private role: Role = 'follower';
  private leaderId: NodeId | null = null;
  private commitIndex = 0;
  private lastApplied = 0;
  private readonly sm = new KvStateMachine();
  private tick = 0;
  private electionElapsedTicks = 0;
  private electionTimeoutTicks = 0;
  /** Ticks since a leader was last heard; votes are refused below the minimum election timeout. */
  private ticksSinceLeader = 0;
  private readonly votes = new Set<NodeId>();

  // Leader state.
  private termStartIndex = 0;
  private leaderSinceTick = 0;
  private readSeq = 0;
  private readonly confirmations: ReadConfirmation[] = [];
  /** Requests in the log this term but not yet applied, for de-duplication. */
  private readonly inLog = new Set<string>();
  /**
   * Reads that skip the ReadIndex round: never ('off'), under a lease on the
   * monotonic clock that allows for bounded drift (option `lease`), or under
   * the `lease-no-drift` bug's lease on the wall clock.
   */
  private readonly lease: 'off' | 'bounded-drift' | 'no-drift';
  private readonly leaseLengthMs: number;
  private leaseUntilMs = Number.NEGATIVE_INFINITY;
  private readonly roundSentMs = new Map<number, number>();

  // Requests this node took from clients.
  private readonly pending = new Map<string, Pending>();
  /** Reads cleared by a leader, waiting for this node to apply up to `index`. */
  private readonly readsAwaitingApply: { index: number; key: string }[] = [];
  private nextReadRequestId = 1;
  private readonly readRequests = new Map<number, string>();
  /** Requests that arrived while no leader was known, in arrival order. */
  private readonly awaitingLeader: string[] = [];
  /** Writes this node took or refused, per client (durable): a late copy never starts twice. */
  private readonly taken: TakenRequests;

  constructor(ctx: NodeContext, bugs: ReadonlySet<string>, options: ReadonlySet<string> = new Set()) {
    this.ctx = ctx;
    this.bugs = bugs;
    this.lease = bugs.has('lease-no-drift') ? 'no-drift' : options.has('lease') ? 'bounded-drift' : 'off';
    this.leaseLengthMs = this.lease === 'no-drift' ? LEASE_MS : SAFE_LEASE_MS;
    for (const id of ctx.nodeIds) {
      if (id === ctx.id) continue;
      this.peers.push({
        id,
        nextIndex: 1,
        matchIndex: 0,
        inFlight: false,
        sentN: 0,
        unanswered: new Set(),
        ackSeq: 0,
        sentSeq: 0,
        sentCommit: 0,
        commitWanted: 0,
        heardTick: 0,
      });
    }
    this.majority = Math.floor(ctx.nodeIds.length / 2) + 1;
    // With leases a (re)started node must not vote until any lease it might have granted ran out.
    this.ticksSinceLeader = this.lease !== 'off' ? 0 : ELECTION_TIMEOUT_MIN_TICKS;
    this.taken = new TakenRequests(ctx.disk, REQUESTS_FILE);
    this.loadFromDisk();
    this.resetElectionTimer();
    this.ctx.setTimer(TICK_MS, () => this.onTick());
  }

  /** The term this node leads, if it believes it leads (the nemesis's `isolate-primary` uses it). */
  primaryTerm(): number | null {
    return this.role === 'leader' ? this.term : null;
  }

  /** A read-only view for tests and debugging. */
  inspect(): RaftStatus {
    return {
      term: this.term,
      role: this.role,
      leader: this.leaderId,
      commitIndex: this.commitIndex,
      lastApplied: this.lastApplied,
      snapshotIndex: this.snapIndex,
      lastIndex: this.lastIndex(),
      logEntriesInMemory: this.terms.length,
      pendingRequests: this.pending.size,
      keys: this.sm.keyCount,
      stateJson: JSON.stringify(this.sm.snapshot()),
    };
  }

  // ---- recovery -------------------------------------------------------------

  private loadFromDisk(): void {
    const r = recover(this.ctx.disk);
    for (const note of r.notes) this.ctx.log(`recovery: ${note}`);
    if (r.notes.length > 0) this.ctx.disk.fsync();
    if (!this.bugs.has('no-persist-vote')) {
      this.term = r.meta.term;
      this.vote = r.meta.vote;
    }
    if (r.snapshot) {
      this.snap = r.snapshot;
      this.snapIndex = r.snapshot.lastIndex;
      this.snapTerm = r.snapshot.lastTerm;
      this.sm.restore(r.snapshot.data);
    }
    this.terms = r.terms;
    this.commands = r.commands;
    this.commitIndex = this.snapIndex;
    this.lastApplied = this.snapIndex;
    if (this.term < this.lastTerm())
      this.violated(`recovered term ${this.term} is below its last log term ${this.lastTerm()}`);
    if (this.lastIndex() > 0 || this.term > 0) {
      this.ctx.log(
        `recovered term ${this.term} vote ${this.vote} snapshot ${this.snapIndex} last ${this.lastIndex()}`,
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

  // ---- log helpers ----------------------------------------------------------

  private lastIndex(): number {
    return this.snapIndex + this.terms.length;
  }

  private lastTerm(): number {
    return this.terms.length > 0 ? this.terms[this.terms.length - 1] : this.snapTerm;
  }

  /** Term of entry `index`; -1 when compacted away or beyond the log. */
  private termAt(index: number): number {
    if (index === this.snapIndex) return this.snapTerm;
    if (index < this.snapIndex || index > this.lastIndex()) return -1;
    return this.terms[index - this.snapIndex - 1];
  }

  private persistMeta(): void {
    // The bug: term and vote stay in memory, so a restart forgets a vote.
    if (this.bugs.has('no-persist-vote')) return;
    writeMeta(this.ctx.disk, { term: this.term, vote: this.vote });
    this.ctx.disk.fsync();
  }

  /** Append locally and make it durable (the leader counts itself only for what is fsynced). */
  private appendLocal(term: number, cmd: EntryCommand): number {
    this.terms.push(term);
    this.commands.push(cmd);
    appendEntries(this.ctx.disk, this.snapIndex, this.terms, this.commands, this.terms.length - 1);
    this.ctx.disk.fsync();
    return this.lastIndex();
  }

  // ---- messages ---------------------------------------------------------------

  onMessage(msg: Message): void {
    const body = msg.body;
    switch (body.type) {
      case 'init':
        this.ctx.send(msg.src, { type: 'init_ok', in_reply_to: body.msg_id });
        return;
      case 'raft_append':
        this.onAppend(msg.src, body);
        return;
      case 'raft_snapshot':
        this.onInstallSnapshot(msg.src, body);
        return;
      case 'raft_append_res':
        this.onAppendResult(msg.src, body);
        return;
      case 'raft_vote':
        this.onVoteRequest(msg.src, body);
        return;
      case 'raft_vote_res':
        this.onVoteResult(msg.src, body);
        return;
      case 'raft_propose':
        this.onPropose(msg.src, body.cmd as Command);
        return;
      case 'raft_read_index':
        this.onReadIndexRequest(msg.src, body.rid as number);
        return;
      case 'raft_read_index_ok':
        this.onReadIndexResult(body.rid as number, body.index as number);
        return;
      default:
        this.onClientRequest(msg.src, body);
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
      if (this.electionElapsedTicks >= this.electionTimeoutTicks) this.startPreVote();
      else if (this.role !== 'follower' && this.electionElapsedTicks % HEARTBEAT_INTERVAL_TICKS === 0)
        this.requestVotes();
    }
    if (this.tick % EXPIRY_SCAN_TICKS === 0) this.expirePending();
  }

  private resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    this.electionTimeoutTicks =
      ELECTION_TIMEOUT_MIN_TICKS + Math.floor(this.ctx.random() * (ELECTION_TIMEOUT_SPREAD_TICKS + 1));
  }

  private expirePending(): void {
    for (const [key, p] of this.pending) {
      if (p.expireTick > this.tick) continue;
      // A read that never ran changed nothing (definite); a write may still commit (indefinite).
      if (!p.dispatched && !p.isRead) {
        this.refuseWrite(key, p, 'no leader emerged in time');
        continue;
      }
      const reply = !p.dispatched
        ? errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'no leader emerged in time')
        : p.isRead
          ? errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'read not confirmed in time')
          : errorReply(p.body.msg_id, ERROR_CODES.timeout, 'not committed in time; it may still take effect');
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

  // ---- elections ------------------------------------------------------------------

  private becomeFollower(term: number, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader';
    if (term > this.term) {
      this.term = term;
      this.vote = null;
      this.persistMeta();
    }
    this.role = 'follower';
    this.leaderId = leader;
    this.votes.clear();
    if (wasLeader) this.stepDownCleanup();
    if (leader !== null) this.dispatchAwaitingLeader();
  }

  private stepDownCleanup(): void {
    this.inLog.clear();
    this.leaseUntilMs = Number.NEGATIVE_INFINITY;
    this.roundSentMs.clear();
    for (const c of this.confirmations) this.resolveConfirmation(c, -1);
    this.confirmations.length = 0;
  }

  private lastHeardLeaderRecently(): boolean {
    return this.role === 'leader' || this.ticksSinceLeader < ELECTION_TIMEOUT_MIN_TICKS;
  }

  /** Pre-vote (thesis §9.6): ask whether we could win before disturbing anyone's term. */
  private startPreVote(): void {
    this.resetElectionTimer();
    if (this.peers.length === 0) {
      this.startElection();
      return;
    }
    this.role = 'precandidate';
    this.leaderId = null;
    this.votes.clear();
    this.votes.add(this.ctx.id);
    this.requestVotes();
  }

  /** Ask the peers that have not granted yet (again: requests and answers can be lost). */
  private requestVotes(): void {
    const pre = this.role === 'precandidate';
    for (const p of this.peers) {
      if (this.votes.has(p.id)) continue;
      this.ctx.send(p.id, {
        type: 'raft_vote',
        pre,
        term: pre ? this.term + 1 : this.term,
        last_index: this.lastIndex(),
        last_term: this.lastTerm(),
      });
    }
  }

  private startElection(): void {
    this.resetElectionTimer();
    this.term++;
    this.vote = this.ctx.id;
    this.persistMeta();
    this.role = 'candidate';
    this.leaderId = null;
    this.votes.clear();
    this.votes.add(this.ctx.id);
    if (this.votes.size >= this.majority) {
      this.becomeLeader();
      return;
    }
    this.requestVotes();
  }

  private logUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  private onVoteRequest(from: NodeId, m: Body): void {
    const term = m.term as number;
    const upToDate = this.logUpToDate(m.last_index as number, m.last_term as number);
    if (m.pre === true) {
      const granted = term > this.term && upToDate && !this.lastHeardLeaderRecently();
      this.ctx.send(from, { type: 'raft_vote_res', pre: true, term: granted ? term : this.term, granted });
      return;
    }
    // Leader stickiness: while a leader is heard from, a higher-term candidate is ignored.
    if (term > this.term && this.lastHeardLeaderRecently()) {
      this.ctx.send(from, { type: 'raft_vote_res', pre: false, term: this.term, granted: false });
      return;
    }
    if (term > this.term) this.becomeFollower(term, null);
    let granted = false;
    if (term === this.term && (this.vote === null || this.vote === from) && upToDate) {
      granted = true;
      if (this.vote !== from) {
        this.vote = from;
        this.persistMeta();
      }
      this.resetElectionTimer();
    }
    this.ctx.send(from, { type: 'raft_vote_res', pre: false, term: this.term, granted });
  }

  private onVoteResult(from: NodeId, m: Body): void {
    const term = m.term as number;
    if (m.pre === true) {
      if (this.role !== 'precandidate') return;
      if (m.granted === true && term === this.term + 1) {
        this.votes.add(from);
        if (this.votes.size >= this.majority) this.startElection();
      } else if (term > this.term) {
        this.becomeFollower(term, null);
      }
      return;
    }
    if (term > this.term) {
      this.becomeFollower(term, null);
      return;
    }
    if (this.role !== 'candidate' || term !== this.term || m.granted !== true) return;
    this.votes.add(from);
    if (this.votes.size >= this.majority) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leaderId = this.ctx.id;
    this.leaderSinceTick = this.tick;
    this.votes.clear();
    this.inLog.clear();
    this.readSeq = 0;
    for (const p of this.peers) {
      p.nextIndex = this.lastIndex() + 1;
      p.matchIndex = 0;
      p.inFlight = false;
      p.ackSeq = 0;
      p.sentSeq = 0;
      p.sentCommit = -1;
      p.commitWanted = 0;
      p.heardTick = this.tick;
    }
    // A no-op of our own term: committing it commits everything before it, and reads wait for it.
    // (With commit-prior-term the leader believes replica counts commit old entries, so it skips it.)
    this.termStartIndex = this.bugs.has('commit-prior-term')
      ? this.lastIndex()
      : this.appendLocal(this.term, null);
    this.ctx.log(`leader for term ${this.term} at index ${this.termStartIndex}`);
    this.advanceCommit();
    this.heartbeat();
    this.dispatchAwaitingLeader();
  }

  /** Step down when a majority has not answered for CHECK_QUORUM_TIMEOUT_MS. */
  private checkQuorum(): void {
    if (this.tick - this.leaderSinceTick < CHECK_QUORUM_TIMEOUT_TICKS) return;
    let heard = 1;
    for (const p of this.peers) if (this.tick - p.heardTick < CHECK_QUORUM_TIMEOUT_TICKS) heard++;
    if (heard >= this.majority) return;
    this.ctx.log(`term ${this.term}: lost contact with a majority; stepping down`);
    this.becomeFollower(this.term, null);
    this.resetElectionTimer();
  }

  // ---- replication: leader side -----------------------------------------------------

  private heartbeat(): void {
    // Every heartbeat is also a read round: followers echo its sequence number.
    this.readSeq++;
    if (this.lease !== 'off') this.roundSentMs.set(this.readSeq, this.leaseClock());
    for (const p of this.peers) this.sendAppend(p);
  }

  private sendAppend(p: Peer): void {
    p.inFlight = true;
    const n = ++p.sentN;
    p.unanswered.add(n);
    if (p.unanswered.size > UNANSWERED_TRACKED_MAX) p.unanswered.delete(p.unanswered.values().next().value!);
    p.sentSeq = this.readSeq;
    p.sentCommit = this.commitIndex;
    if (p.nextIndex <= this.snapIndex) {
      const snap = this.snap;
      if (!snap)
        throw new Error(`${this.ctx.id}: nextIndex ${p.nextIndex} ≤ snapshot index with no snapshot`);
      this.ctx.send(p.id, {
        type: 'raft_snapshot',
        term: this.term,
        seq: this.readSeq,
        n,
        last_index: snap.lastIndex,
        last_term: snap.lastTerm,
        data: snap.data,
      });
      return;
    }
    const prev = p.nextIndex - 1;
    const from = prev + 1 - this.snapIndex - 1;
    const to = Math.min(this.lastIndex(), prev + APPEND_ENTRIES_MAX) - this.snapIndex;
    this.ctx.send(p.id, {
      type: 'raft_append',
      term: this.term,
      seq: this.readSeq,
      n,
      prev_index: prev,
      prev_term: this.termAt(prev),
      entry_terms: this.terms.slice(from, to),
      entry_commands: this.commands.slice(from, to),
      commit: this.commitIndex,
    });
  }

  /**
   * Send to the peers that are idle and have something new: entries, a read
   * round, or a commit index they wait for. Other commit advances ride on the
   * next message (a heartbeat at the latest): fewer messages per operation.
   */
  private replicate(): void {
    for (const p of this.peers) {
      if (p.inFlight) continue;
      if (
        p.nextIndex <= this.lastIndex() ||
        p.sentSeq < this.readSeq ||
        p.sentCommit < Math.min(this.commitIndex, p.commitWanted)
      ) {
        this.sendAppend(p);
      }
    }
  }

  private onAppendResult(from: NodeId, m: Body): void {
    const term = m.term as number;
    if (term > this.term) {
      this.becomeFollower(term, null);
      this.resetElectionTimer();
      return;
    }
    if (this.role !== 'leader' || term !== this.term) return;
    const p = this.peers.find((x) => x.id === from);
    if (!p) return;
    if (p.unanswered.delete(m.n as number)) p.inFlight = false;
    p.heardTick = this.tick;
    const seq = m.seq as number;
    if (seq > p.ackSeq) p.ackSeq = seq;
    if (m.ok === true) {
      const match = m.match as number;
      if (match > p.matchIndex) p.matchIndex = match;
      if (p.matchIndex + 1 > p.nextIndex) p.nextIndex = p.matchIndex + 1;
      this.advanceCommit();
    } else {
      const hint = m.hint as number;
      if (hint < p.nextIndex) p.nextIndex = Math.max(p.matchIndex + 1, hint);
    }
    this.confirmReads();
    this.replicate();
  }

  private advanceCommit(): void {
    const priorTermBug = this.bugs.has('commit-prior-term');
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      // Figure 8: an older term's entry is committed only by a current-term entry after it.
      if (this.termAt(n) !== this.term && !priorTermBug) break;
      let count = 1;
      for (const p of this.peers) if (p.matchIndex >= n) count++;
      if (count >= this.majority) {
        this.commitIndex = n;
        this.applyCommitted();
        this.replicate();
        return;
      }
    }
  }

  // ---- replication: follower side -------------------------------------------------------

  /** Common checks for a message from a would-be leader. False: stale, already answered. */
  private acceptLeader(from: NodeId, m: Body): boolean {
    const term = m.term as number;
    if (term < this.term) {
      this.ctx.send(from, {
        type: 'raft_append_res',
        term: this.term,
        ok: false,
        hint: 0,
        seq: m.seq,
        n: m.n,
      });
      return false;
    }
    if (term === this.term && this.role === 'leader')
      this.violated(`two leaders in term ${term}: ${this.ctx.id} and ${from}`);
    if (term > this.term || this.role !== 'follower' || this.leaderId !== from)
      this.becomeFollower(term, from);
    this.ticksSinceLeader = 0;
    this.resetElectionTimer();
    return true;
  }

  private onAppend(from: NodeId, m: Body): void {
    if (!this.acceptLeader(from, m)) return;
    let prev = m.prev_index as number;
    let prevTerm = m.prev_term as number;
    let entryTerms = m.entry_terms as number[];
    let entryCommands = m.entry_commands as EntryCommand[];
    const seq = m.seq;
    const n = m.n;
    if (prev < this.snapIndex) {
      // The start is inside our snapshot: committed, hence identical. Skip to the snapshot's end.
      const skip = Math.min(entryTerms.length, this.snapIndex - prev);
      if (skip === entryTerms.length) {
        this.ctx.send(from, {
          type: 'raft_append_res',
          term: this.term,
          ok: true,
          match: prev + entryTerms.length,
          seq,
          n,
        });
        return;
      }
      entryTerms = entryTerms.slice(skip);
      entryCommands = entryCommands.slice(skip);
      prev += skip;
      prevTerm = entryTerms.length > 0 ? this.termAt(prev) : prevTerm;
    }
    if (prev > this.lastIndex() || this.termAt(prev) !== prevTerm) {
      this.ctx.send(from, {
        type: 'raft_append_res',
        term: this.term,
        ok: false,
        hint: this.conflictHint(prev),
        seq,
        n,
      });
      return;
    }
    const noTruncate = this.bugs.has('no-truncate');
    let writeFrom = -1;
    for (let k = 0; k < entryTerms.length; k++) {
      const index = prev + 1 + k;
      const term = entryTerms[k];
      const cmd = entryCommands[k];
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === term) continue;
        // The bug: keep our own conflicting entry (and everything after it) instead of the leader's.
        if (noTruncate) continue;
        if (index <= this.commitIndex)
          this.violated(`leader ${from} of term ${this.term} overwrites committed entry ${index}`);
        const keep = index - this.snapIndex - 1;
        this.terms.length = keep;
        this.commands.length = keep;
      }
      if (writeFrom < 0) writeFrom = this.terms.length;
      this.terms.push(term);
      this.commands.push(cmd);
    }
    if (writeFrom >= 0) {
      appendEntries(this.ctx.disk, this.snapIndex, this.terms, this.commands, writeFrom);
      this.ctx.disk.fsync();
    }
    const lastNew = prev + entryTerms.length;
    const leaderCommit = m.commit as number;
    if (leaderCommit > this.commitIndex) {
      this.commitIndex = Math.max(this.commitIndex, Math.min(leaderCommit, lastNew));
      this.applyCommitted();
    }
    this.ctx.send(from, { type: 'raft_append_res', term: this.term, ok: true, match: lastNew, seq, n });
  }

  /** Where the leader should retry: our end, or the first entry of the conflicting term. */
  private conflictHint(prev: number): number {
    if (prev > this.lastIndex()) return this.lastIndex() + 1;
    const t = this.termAt(prev);
    let i = prev;
    // Not clamped to our commit index: a correct leader never conflicts with a committed entry
    // (the check in onAppend says so loudly), and a clamp would hide a leader that does.
    while (i - 1 > this.snapIndex && this.termAt(i - 1) === t) i--;
    return i;
  }

  private onInstallSnapshot(from: NodeId, m: Body): void {
    if (!this.acceptLeader(from, m)) return;
    const lastIndex = m.last_index as number;
    const lastTerm = m.last_term as number;
    if (lastIndex > this.commitIndex) {
      if (this.termAt(lastIndex) === lastTerm) {
        const drop = lastIndex - this.snapIndex;
        this.terms = this.terms.slice(drop);
        this.commands = this.commands.slice(drop);
      } else {
        this.terms = [];
        this.commands = [];
      }
      const snap: SnapshotRecord = { lastIndex, lastTerm, data: m.data as SnapshotRecord['data'] };
      this.snap = snap;
      this.snapIndex = lastIndex;
      this.snapTerm = lastTerm;
      this.sm.restore(snap.data);
      this.commitIndex = lastIndex;
      this.lastApplied = lastIndex;
      writeSnapshot(this.ctx.disk, snap);
      rewriteLog(this.ctx.disk, this.snapIndex, this.terms, this.commands);
      this.ctx.disk.fsync();
      this.ctx.log(`installed snapshot at ${lastIndex} (term ${lastTerm}) from ${from}`);
      this.answerFromSessions();
      this.serveAppliedReads();
    }
    this.ctx.send(from, {
      type: 'raft_append_res',
      term: this.term,
      ok: true,
      match: lastIndex,
      seq: m.seq,
      n: m.n,
    });
  }

  // ---- applying ----------------------------------------------------------------------

  private applyCommitted(): void {
    while (this.lastApplied < this.commitIndex) {
      const index = ++this.lastApplied;
      const text = this.commands[index - this.snapIndex - 1];
      if (text === null || text === undefined) continue;
      const cmd = parseEntryJson(text) as Command;
      const reply = this.sm.apply(cmd);
      const key = commandKey(cmd.c, cmd.i);
      this.inLog.delete(key);
      if (this.pending.has(key)) this.finish(key, reply);
    }
    this.serveAppliedReads();
    if (this.lastApplied - this.snapIndex >= SNAPSHOT_INTERVAL_ENTRIES && this.mayCompact())
      this.takeSnapshot();
  }

  /**
   * A leader holds off compacting while a follower it hears from still lacks
   * entries it would fold away (sending it a whole snapshot instead of a few
   * entries is wasteful), but never past twice the interval: the bound holds.
   */
  private mayCompact(): boolean {
    if (this.role !== 'leader') return true;
    if (this.lastApplied - this.snapIndex >= 2 * SNAPSHOT_INTERVAL_ENTRIES) return true;
    for (const p of this.peers) {
      const live = this.tick - p.heardTick < ELECTION_TIMEOUT_MIN_TICKS;
      if (live && p.matchIndex < this.lastApplied) return false;
    }
    return true;
  }

  /** Fold applied entries into a snapshot; the log file keeps only the unapplied tail. */
  private takeSnapshot(): void {
    const index = this.lastApplied;
    const snap: SnapshotRecord = { lastIndex: index, lastTerm: this.termAt(index), data: this.sm.snapshot() };
    const drop = index - this.snapIndex;
    this.terms = this.terms.slice(drop);
    this.commands = this.commands.slice(drop);
    this.snap = snap;
    this.snapIndex = index;
    this.snapTerm = snap.lastTerm;
    // Snapshot first: a crash between the two writes leaves an old log the snapshot covers.
    writeSnapshot(this.ctx.disk, snap);
    this.ctx.disk.fsync();
    rewriteLog(this.ctx.disk, this.snapIndex, this.terms, this.commands);
    this.ctx.disk.fsync();
  }

  /** After a snapshot install, requests whose entries it covered are answered from the session table. */
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
    // During an election the request waits (bounded by its timeout) for a leader to emerge.
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
      if (this.lastIndex() - this.commitIndex >= UNCOMMITTED_ENTRIES_MAX) {
        this.refuseWrite(key, p, 'replication backlog full');
        return;
      }
      this.propose(cmd);
    } else if (this.leaderId !== null) {
      this.ctx.send(this.leaderId, { type: 'raft_propose', cmd });
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

  private onPropose(from: NodeId, cmd: Command): void {
    if (this.role !== 'leader') return; // the proposer times out: indefinite, as it must be
    if (this.lastIndex() - this.commitIndex >= UNCOMMITTED_ENTRIES_MAX) return;
    const before = this.lastIndex();
    this.propose(cmd);
    const p = this.peers.find((x) => x.id === from);
    if (p && this.lastIndex() > before) p.commitWanted = Math.max(p.commitWanted, this.lastIndex());
  }

  private propose(cmd: Command): void {
    const key = commandKey(cmd.c, cmd.i);
    if (this.inLog.has(key) || this.sm.rememberedReply(cmd.c, cmd.i)) return;
    this.inLog.add(key);
    this.appendLocal(this.term, JSON.stringify(cmd));
    this.advanceCommit();
    this.replicate();
  }

  /**
   * Refuse a write definitely: it never reached the log, and the refusal is
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

  private startRead(key: string): void {
    if (this.role === 'leader') {
      if (this.bugs.has('stale-read')) {
        // The bug: answer from local state without asking whether we still lead.
        const p = this.pending.get(key);
        if (p) this.finish(key, this.sm.read(p.body));
        return;
      }
      if (this.holdsLease()) {
        // Every write acknowledged so far is at or below our commit index; serve once applied that far.
        this.awaitApplied(key, this.commitIndex);
        return;
      }
      this.addConfirmation({ seq: 0, index: 0, local: key });
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
    this.ctx.send(leader, { type: 'raft_read_index', rid });
  }

  /** ReadIndex: remember the commit point (at least our no-op), then confirm leadership by a round. */
  private addConfirmation(c: ReadConfirmation): void {
    if (this.confirmations.length >= READ_CONFIRMATIONS_MAX) {
      this.resolveConfirmation(c, -1);
      return;
    }
    c.index = Math.max(this.commitIndex, this.termStartIndex);
    c.seq = ++this.readSeq;
    if (this.lease !== 'off') this.roundSentMs.set(c.seq, this.leaseClock());
    this.confirmations.push(c);
    this.confirmReads();
    this.replicate();
  }

  private onReadIndexRequest(from: NodeId, rid: number): void {
    if (this.role !== 'leader') {
      this.ctx.send(from, { type: 'raft_read_index_ok', rid, index: -1 });
      return;
    }
    const c: ReadConfirmation = { seq: 0, index: 0, remote: { node: from, rid } };
    if (this.bugs.has('stale-read')) {
      c.index = this.commitIndex;
      this.resolveConfirmation(c, c.index);
      return;
    }
    if (this.holdsLease()) {
      this.resolveConfirmation(c, this.commitIndex);
      return;
    }
    this.addConfirmation(c);
  }

  private confirmReads(): void {
    if (this.role !== 'leader') return;
    const quorumSeq = this.quorumAckSeq();
    if (this.lease !== 'off') this.extendLease(quorumSeq);
    let done = 0;
    while (done < this.confirmations.length && this.confirmations[done].seq <= quorumSeq) {
      const c = this.confirmations[done];
      this.resolveConfirmation(c, c.index);
      done++;
    }
    if (done > 0) this.confirmations.splice(0, done);
  }

  /** The highest round a majority (counting ourselves) has answered in this term. */
  private quorumAckSeq(): number {
    // The (majority-1)-th highest peer acknowledgement: with ours, a majority is at or above it.
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

  /** The clock leases run on: monotonic for the option, the wall clock for the bug. */
  private leaseClock(): number {
    return this.lease === 'no-drift' ? this.ctx.now() : this.ctx.monotonicNow();
  }

  /** A lease read is allowed: our no-op is applied (all earlier terms' entries are) and the lease runs. */
  private holdsLease(): boolean {
    return (
      this.lease !== 'off' && this.lastApplied >= this.termStartIndex && this.leaseClock() < this.leaseUntilMs
    );
  }

  /**
   * A majority answered round `quorumSeq`: no other leader can be elected
   * before the lease length has passed since that round was sent (they
   * refuse votes that long after hearing it). The bug's lease runs on the
   * wall clock with no allowance for drift or jumps.
   */
  private extendLease(quorumSeq: number): void {
    let sentMs: number | undefined;
    for (const [seq, ms] of this.roundSentMs) {
      if (seq <= quorumSeq) {
        sentMs = ms;
        this.roundSentMs.delete(seq);
      }
    }
    if (sentMs !== undefined && sentMs + this.leaseLengthMs > this.leaseUntilMs)
      this.leaseUntilMs = sentMs + this.leaseLengthMs;
  }

  private resolveConfirmation(c: ReadConfirmation, index: number): void {
    if (c.remote) {
      const p = this.peers.find((x) => x.id === c.remote?.node);
      if (p && index > p.commitWanted) p.commitWanted = index;
      this.ctx.send(c.remote.node, { type: 'raft_read_index_ok', rid: c.remote.rid, index });
      return;
    }
    if (c.local !== undefined) this.awaitApplied(c.local, index);
  }

  private onReadIndexResult(rid: number, index: number): void {
    const key = this.readRequests.get(rid);
    if (key === undefined) return;
    this.readRequests.delete(rid);
    this.awaitApplied(key, index);
  }

  private awaitApplied(key: string, index: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    if (index < 0) {
      this.finish(
        key,
        errorReply(p.body.msg_id, ERROR_CODES.temporarilyUnavailable, 'leadership not confirmed'),
      );
      return;
    }
    if (this.lastApplied >= index) {
      this.finish(key, this.sm.read(p.body));
      return;
    }
    this.readsAwaitingApply.push({ index, key });
  }

  private serveAppliedReads(): void {
    const waiting = this.readsAwaitingApply;
    if (waiting.length === 0) return;
    let kept = 0;
    for (let i = 0; i < waiting.length; i++) {
      const r = waiting[i];
      if (r.index <= this.lastApplied) {
        const p = this.pending.get(r.key);
        if (p) this.finish(r.key, this.sm.read(p.body));
      } else {
        waiting[kept++] = r;
      }
    }
    waiting.length = kept;
  }
}
