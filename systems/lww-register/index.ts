import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body, Message, NodeContext, NodeId, SystemDefinition } from '../../src/sim/types.js';

/**
 * Replicas that accept every request locally and reconcile by last write
 * wins, timestamped with the local clock. Replies come at once, before any
 * peer knows. Deliberately not linearizable: under partitions replicas serve
 * stale reads, and a replica whose clock runs behind loses its writes to
 * older writes stamped by a clock that runs ahead. State lives in memory
 * only; a restarted replica relearns it from its peers.
 */

/** Anti-entropy period: each replica pushes recent changes to one random peer. */
const SYNC_INTERVAL_MS = 250;
/** Entries changed within this many sync rounds are pushed every round; every this-many rounds, all of them. */
const SYNC_RECENT_ROUNDS = 8;
/** Bound on the number of keys a replica holds (the workloads rotate over few keys). */
const MAX_KEYS = 100_000;

interface Versioned {
  value: unknown;
  /** Local clock reading of the writer, ms. */
  ts: number;
  /** Tie-break: the writer's node id. */
  origin: NodeId;
}

type Entry = [string, Versioned];

function newer(a: Versioned, b: Versioned | undefined): boolean {
  if (b === undefined) return true;
  return a.ts > b.ts || (a.ts === b.ts && a.origin > b.origin);
}

class Replica {
  private readonly store = new Map<string, Versioned>();
  /** Sync round in which each key last changed here. */
  private readonly changedInRound = new Map<string, number>();
  private round = 0;
  private readonly peers: NodeId[];

  constructor(private readonly ctx: NodeContext) {
    this.peers = ctx.nodeIds.filter((n) => n !== ctx.id);
    this.scheduleSync();
  }

  onMessage(msg: Message): void {
    const body = msg.body;
    switch (body.type) {
      case 'init':
        this.ctx.send(msg.src, { type: 'init_ok', in_reply_to: body.msg_id });
        return;
      case 'lww_sync':
        for (const [k, v] of body.entries as Entry[]) this.merge(k, v);
        return;
      default:
        this.ctx.send(msg.src, this.handle(body));
    }
  }

  private handle(body: Body): Body {
    const id = body.msg_id;
    switch (body.type) {
      case 'read': {
        const cur = this.store.get(JSON.stringify(body.key));
        if (!cur) return errorReply(id, ERROR_CODES.keyDoesNotExist, 'key does not exist');
        return { type: 'read_ok', in_reply_to: id, value: cur.value };
      }
      case 'write':
        this.localWrite([[JSON.stringify(body.key), body.value]]);
        return { type: 'write_ok', in_reply_to: id };
      case 'cas': {
        const k = JSON.stringify(body.key);
        const cur = this.store.get(k);
        if (!cur) return errorReply(id, ERROR_CODES.keyDoesNotExist, 'key does not exist');
        if (JSON.stringify(cur.value) !== JSON.stringify(body.from)) {
          return errorReply(id, ERROR_CODES.preconditionFailed, `expected ${JSON.stringify(body.from)}`);
        }
        this.localWrite([[k, body.to]]);
        return { type: 'cas_ok', in_reply_to: id };
      }
      case 'txn':
        return this.txn(body);
      default:
        return errorReply(id, ERROR_CODES.notSupported, `unsupported request type ${body.type}`);
    }
  }

  /** Micro-ops run against the local replica; each write is then an ordinary LWW write. */
  private txn(body: Body): Body {
    const ops = body.txn;
    if (!Array.isArray(ops))
      return errorReply(body.msg_id, ERROR_CODES.malformedRequest, 'txn must be a list');
    const local = new Map<string, unknown>();
    const get = (k: string) => (local.has(k) ? local.get(k) : this.store.get(k)?.value);
    const result: unknown[] = [];
    for (const raw of ops as unknown[]) {
      if (!Array.isArray(raw) || raw.length !== 3) {
        return errorReply(body.msg_id, ERROR_CODES.malformedRequest, `bad micro-op ${JSON.stringify(raw)}`);
      }
      const [f, key, value] = raw as [string, unknown, unknown];
      const k = JSON.stringify(key);
      if (f === 'r') {
        const v = get(k);
        result.push(['r', key, v === undefined ? null : v]);
      } else if (f === 'w') {
        local.set(k, value);
        result.push(raw);
      } else if (f === 'append') {
        const cur = get(k);
        local.set(k, Array.isArray(cur) ? [...cur, value] : [value]);
        result.push(raw);
      } else {
        return errorReply(body.msg_id, ERROR_CODES.malformedRequest, `unknown micro-op ${String(f)}`);
      }
    }
    if (local.size > 0) this.localWrite([...local]);
    return { type: 'txn_ok', in_reply_to: body.msg_id, txn: result };
  }

  private localWrite(changes: [string, unknown][]): void {
    const ts = this.ctx.now();
    const entries: Entry[] = [];
    for (const [k, value] of changes) {
      const v: Versioned = { value, ts, origin: this.ctx.id };
      this.merge(k, v);
      entries.push([k, v]);
    }
    // Eager push to every peer; anti-entropy repairs what the network lost.
    for (const p of this.peers) this.ctx.send(p, { type: 'lww_sync', entries });
  }

  private merge(k: string, v: Versioned): void {
    if (!newer(v, this.store.get(k))) return;
    if (!this.store.has(k) && this.store.size >= MAX_KEYS) {
      this.ctx.log(`key limit ${MAX_KEYS} reached; dropping ${k}`);
      return;
    }
    this.store.set(k, v);
    this.changedInRound.set(k, this.round);
  }

  private scheduleSync(): void {
    // Jitter keeps replicas from syncing in lockstep.
    this.ctx.setTimer(SYNC_INTERVAL_MS * (0.5 + this.ctx.random()), () => {
      this.round++;
      if (this.peers.length > 0 && this.store.size > 0) {
        const peer = this.peers[Math.floor(this.ctx.random() * this.peers.length)];
        const full = this.round % SYNC_RECENT_ROUNDS === 0;
        const entries: Entry[] = [];
        for (const [k, v] of this.store) {
          if (full || this.changedInRound.get(k)! >= this.round - SYNC_RECENT_ROUNDS) entries.push([k, v]);
        }
        if (entries.length > 0) this.ctx.send(peer, { type: 'lww_sync', entries });
      }
      this.scheduleSync();
    });
  }
}

export const lwwRegister: SystemDefinition = {
  name: 'lww-register',
  description:
    'replicas answer locally and reconcile by last-write-wins on local clocks (loses writes, stale reads: not linearizable)',
  bugs: [],
  defaultNodeCount: 3,
  workloads: ['register', 'list-append', 'rw-register'],
  createNode(ctx: NodeContext) {
    return new Replica(ctx);
  },
};
