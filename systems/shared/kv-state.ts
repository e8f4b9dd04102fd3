import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body } from '../../src/sim/types.js';

/**
 * The replicated state machine: a key-value map serving lin-kv (`read`,
 * `write`, `cas`) and transactions (`txn` over list-append and rw-register
 * micro-operations), plus a table of recent replies per client so that a
 * request delivered twice (network duplication, a retry through another
 * node) takes effect once. Every replica applies the same commands in log
 * order, so every replica computes the same replies.
 */

/** Replies remembered per client for de-duplication (clients have few requests in flight). */
export const SESSION_REPLIES_PER_CLIENT_MAX = 8;
/** Clients remembered; the oldest session is forgotten beyond this (the same on every replica). */
export const SESSIONS_MAX = 1024;
/** Keys held; writes creating a key beyond this fail definitely (never reached by the workloads). */
export const KEYS_MAX = 100_000;

/** A client request as replicated in the log. */
export interface Command {
  /** Client id (Maelstrom `src`). */
  c: string;
  /** The client's `msg_id`. */
  i: number;
  /** The client's request body. */
  b: Body;
}

export interface KvSnapshotData {
  kv: [string, unknown][];
  sessions: [string, [number, Body][]][];
}

export function commandKey(client: string, msgId: number): string {
  return `${client}#${msgId}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Why a request body is malformed, or undefined when it is well formed. */
export function malformed(body: Body): string | undefined {
  switch (body.type) {
    case 'read':
      return 'key' in body ? undefined : 'read needs a key';
    case 'write':
      return 'key' in body && 'value' in body ? undefined : 'write needs key and value';
    case 'cas':
      return 'key' in body && 'from' in body && 'to' in body ? undefined : 'cas needs key, from and to';
    case 'txn': {
      if (!Array.isArray(body.txn)) return 'txn must be a list of micro-operations';
      for (const mop of body.txn as unknown[]) {
        if (!Array.isArray(mop) || mop.length !== 3) return `bad micro-op ${JSON.stringify(mop)}`;
        if (mop[0] !== 'r' && mop[0] !== 'w' && mop[0] !== 'append')
          return `unknown micro-op ${JSON.stringify(mop[0])}`;
      }
      return undefined;
    }
    default:
      return `unsupported request type ${body.type}`;
  }
}

export class KvStateMachine {
  private kv = new Map<string, unknown>();
  private sessions = new Map<string, [number, Body][]>();
  /** Keys whose list value only this state machine has seen (see `append`). */
  private privateLists = new Set<string>();

  /** The reply an earlier application of this request produced, if still remembered. */
  rememberedReply(client: string, msgId: number): Body | undefined {
    const s = this.sessions.get(client);
    if (!s) return undefined;
    for (const [id, reply] of s) if (id === msgId) return reply;
    return undefined;
  }

  /**
   * A later request of this client was applied and this one was not (or is
   * no longer remembered): it must never take effect. Clients have one
   * request in flight and number them upwards, so the client gave up on this
   * one before it sent the later one; without this rule a copy delivered late
   * (network duplication, a paused node's inbox, a second proposal of the same
   * command) would be applied again once its reply had left the table.
   */
  superseded(client: string, msgId: number): boolean {
    const s = this.sessions.get(client);
    // Applied ids only grow (a smaller one is superseded), so the newest is the last.
    return s !== undefined && s.length > 0 && msgId < s[s.length - 1][0];
  }

  /**
   * Apply a logged command once; a duplicate gets the first application's
   * reply and no effect; a superseded one (`superseded`) has no effect and
   * fails definitely (on every replica alike: it never takes effect anywhere).
   */
  apply(cmd: Command): Body {
    const seen = this.rememberedReply(cmd.c, cmd.i);
    if (seen) return seen;
    if (this.superseded(cmd.c, cmd.i))
      return errorReply(cmd.i, ERROR_CODES.abort, 'superseded by a later request of the same client');
    const reply = this.execute(cmd.b);
    let s = this.sessions.get(cmd.c);
    if (!s) {
      if (this.sessions.size >= SESSIONS_MAX) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
      s = [];
      this.sessions.set(cmd.c, s);
    }
    s.push([cmd.i, reply]);
    if (s.length > SESSION_REPLIES_PER_CLIENT_MAX) s.shift();
    return reply;
  }

  /** A read evaluated against the current state (no effect, not remembered). */
  read(body: Body): Body {
    return this.execute(body);
  }

  snapshot(): KvSnapshotData {
    this.privateLists.clear();
    return {
      kv: [...this.kv],
      sessions: [...this.sessions].map(([c, s]) => [c, s.map(([i, r]) => [i, r] as [number, Body])]),
    };
  }

  restore(data: KvSnapshotData): void {
    this.privateLists.clear();
    this.kv = new Map(data.kv);
    this.sessions = new Map(data.sessions.map(([c, s]) => [c, s.map(([i, r]) => [i, r] as [number, Body])]));
  }

  get keyCount(): number {
    return this.kv.size;
  }

  private execute(body: Body): Body {
    const id = body.msg_id;
    const bad = malformed(body);
    if (bad) return errorReply(id, body.type === 'txn' || body.type in KNOWN ? 12 : 10, bad);
    switch (body.type) {
      case 'read': {
        const k = JSON.stringify(body.key);
        if (!this.kv.has(k)) return errorReply(id, ERROR_CODES.keyDoesNotExist, 'key does not exist');
        return { type: 'read_ok', in_reply_to: id, value: this.handOut(k) };
      }
      case 'write': {
        const k = JSON.stringify(body.key);
        if (!this.kv.has(k) && this.kv.size >= KEYS_MAX)
          return errorReply(id, ERROR_CODES.abort, 'key limit reached');
        this.put(k, body.value);
        return { type: 'write_ok', in_reply_to: id };
      }
      case 'cas': {
        const k = JSON.stringify(body.key);
        if (!this.kv.has(k)) return errorReply(id, ERROR_CODES.keyDoesNotExist, 'key does not exist');
        const cur = this.kv.get(k);
        if (!sameValue(cur, body.from)) {
          return errorReply(
            id,
            ERROR_CODES.preconditionFailed,
            `expected ${JSON.stringify(body.from)}, found ${JSON.stringify(cur)}`,
          );
        }
        this.put(k, body.to);
        return { type: 'cas_ok', in_reply_to: id };
      }
      default:
        return this.txn(body);
    }
  }

  /** Micro-operations in order, all against one state: atomic by construction (one log entry). */
  private txn(body: Body): Body {
    const mops = body.txn as [string, unknown, unknown][];
    // Indexed loops, keys encoded once: every replica applies every txn, so this runs hot.
    const keys: string[] = new Array(mops.length);
    let created = 0;
    for (let i = 0; i < mops.length; i++) {
      const k = JSON.stringify(mops[i][1]);
      keys[i] = k;
      if (!this.kv.has(k)) created++;
    }
    if (created > 0 && this.kv.size + created > KEYS_MAX) {
      return errorReply(body.msg_id, ERROR_CODES.abort, 'key limit reached');
    }
    const out: unknown[] = new Array(mops.length);
    for (let i = 0; i < mops.length; i++) {
      const mop = mops[i];
      const f = mop[0];
      const k = keys[i];
      if (f === 'r') {
        const v = this.handOut(k);
        out[i] = ['r', mop[1], v === undefined ? null : v];
      } else if (f === 'w') {
        this.put(k, mop[2]);
        out[i] = ['w', mop[1], mop[2]];
      } else {
        this.append(k, mop[2]);
        out[i] = ['append', mop[1], mop[2]];
      }
    }
    return { type: 'txn_ok', in_reply_to: body.msg_id, txn: out };
  }

  /**
   * Append to the list at k. Replies and snapshots hold values by reference,
   * so a list anything else has seen is copied, never changed; a list this
   * state machine made and nothing has seen since (`privateLists`) grows in
   * place, which keeps a run of appends linear rather than quadratic.
   */
  private append(k: string, value: unknown): void {
    const cur = this.kv.get(k);
    if (this.privateLists.has(k)) {
      (cur as unknown[]).push(value);
      return;
    }
    this.kv.set(k, Array.isArray(cur) ? [...cur, value] : cur === undefined ? [value] : [cur, value]);
    this.privateLists.add(k);
  }

  /** The value at k for a reply, which holds it from now on: a later append must copy it. */
  private handOut(k: string): unknown {
    this.privateLists.delete(k);
    return this.kv.get(k);
  }

  /** Replace the value at k with one from a request (never ours to change). */
  private put(k: string, value: unknown): void {
    this.kv.set(k, value);
    this.privateLists.delete(k);
  }
}

const KNOWN: Record<string, true> = { read: true, write: true, cas: true, txn: true };
