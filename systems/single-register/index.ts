import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body, Message, NodeContext, SystemDefinition } from '../../src/sim/types.js';

/**
 * The simplest correct system: one node (n1) holds the whole key-value map
 * and applies every request in arrival order, logging each change to disk
 * and fsyncing before it replies. Other nodes, if any, are stateless proxies
 * that forward to n1. Linearizable for read / write / cas, and serializable
 * (strictly) for `txn`, so the transactional workloads have a correct
 * reference too.
 */

const DATA_FILE = 'kv.log';
const BOOT_FILE = 'boot';
/** Proxies remember at most this many forwarded requests awaiting n1's reply. */
const PROXY_PENDING_MAX = 10_000;
/** Requests remembered per node to recognise duplicates the network delivers twice. */
const SEEN_REQUESTS_MAX = 10_000;

/**
 * The network may deliver a request twice; applying an append twice would
 * be a bug. Requests are identified by (sender, msg_id); a duplicate gets the
 * first answer again (primary) or is dropped (proxy). Bounded: oldest first out.
 */
class SeenRequests {
  private readonly replies = new Map<string, Body | null>();

  /** Undefined: new request. Otherwise the earlier reply (null while still unanswered). */
  lookup(src: string, msgId: number | undefined): Body | null | undefined {
    return msgId === undefined ? undefined : this.replies.get(`${src}:${msgId}`);
  }

  remember(src: string, msgId: number | undefined, reply: Body | null): void {
    if (msgId === undefined) return;
    this.replies.set(`${src}:${msgId}`, reply);
    if (this.replies.size > SEEN_REQUESTS_MAX)
      this.replies.delete(this.replies.keys().next().value as string);
  }
}

type Store = Map<string, unknown>;

/** Keys are JSON values; the map is keyed by their JSON text. */
function keyOf(k: unknown): string {
  return JSON.stringify(k);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One line of the change log: the changes, and the client request that made them. */
interface LogLine {
  /** Changed keys (JSON text) and their new values; empty for a request that changed nothing (a failed cas). */
  ch: [string, unknown][];
  /** The client and its msg_id (absent when the request had no msg_id). */
  c?: string;
  i?: number;
}

/**
 * Replay the change log into the map and each client's newest logged
 * request; a torn last line (no trailing newline) was never acknowledged
 * and is skipped.
 */
function recover(text: string | undefined, store: Store, newest: Map<string, number>): void {
  if (!text) return;
  const end = text.lastIndexOf('\n');
  if (end < 0) return;
  for (const line of text.slice(0, end).split('\n')) {
    const rec = JSON.parse(line) as LogLine;
    for (const [k, v] of rec.ch) store.set(k, v);
    if (rec.c !== undefined && rec.i !== undefined && rec.i > (newest.get(rec.c) ?? -Infinity))
      newest.set(rec.c, rec.i);
  }
}

/** Who sent a request: the client itself, or the client a proxy forwarded it for. */
interface Origin {
  client: string;
  msgId: number | undefined;
}

function originOf(msg: Message): Origin {
  const b = msg.body;
  if (typeof b.fwd_client === 'string')
    return { client: b.fwd_client, msgId: typeof b.fwd_msg_id === 'number' ? b.fwd_msg_id : undefined };
  return { client: msg.src, msgId: b.msg_id };
}

type MicroOp = [string, unknown, unknown];

class Primary {
  private readonly store: Store = new Map();
  /**
   * Per client, the msg_id of its newest request that changed (or could
   * have changed) the map, kept in the change log so that it survives a
   * restart. Clients have one request in flight and number them upwards: a
   * request at or below it is a late copy (network duplication, a proxy
   * that forgot it forwarded it) or one its client gave up on, and is
   * dropped; applying it would append twice, or let a cas that failed
   * (a definite answer) succeed later.
   */
  private readonly newest = new Map<string, number>();
  /** The request being handled (its change-log line names it). */
  private origin: Origin = { client: '', msgId: undefined };

  constructor(
    private readonly ctx: NodeContext,
    private readonly bugs: ReadonlySet<string>,
  ) {
    recover(ctx.disk.read(DATA_FILE), this.store, this.newest);
    ctx.log(`recovered ${this.store.size} keys`);
  }

  /** A request that may change the map, at or below its client's newest logged one: never run it. */
  isLateCopy(body: Body, origin: Origin): boolean {
    if (body.type === 'read' || origin.msgId === undefined) return false;
    const n = this.newest.get(origin.client);
    return n !== undefined && origin.msgId <= n;
  }

  /** Apply one client request; returns the reply body. */
  handle(body: Body, origin: Origin): Body {
    this.origin = origin;
    const id = body.msg_id;
    switch (body.type) {
      case 'read': {
        const k = keyOf(body.key);
        if (!this.store.has(k)) return errorReply(id, ERROR_CODES.keyDoesNotExist, 'key does not exist');
        return { type: 'read_ok', in_reply_to: id, value: this.store.get(k) };
      }
      case 'write':
        this.persist([[keyOf(body.key), body.value]]);
        return { type: 'write_ok', in_reply_to: id };
      case 'cas': {
        const k = keyOf(body.key);
        // A cas that fails is logged too: a late copy of it must not succeed after a restart.
        if (!this.store.has(k)) {
          this.persist([]);
          return errorReply(id, ERROR_CODES.keyDoesNotExist, 'key does not exist');
        }
        if (!this.bugs.has('cas-ignores-from') && !sameValue(this.store.get(k), body.from)) {
          this.persist([]);
          return errorReply(id, ERROR_CODES.preconditionFailed, `expected ${JSON.stringify(body.from)}`);
        }
        this.persist([[k, body.to]]);
        return { type: 'cas_ok', in_reply_to: id };
      }
      case 'txn':
        return this.txn(body);
      default:
        return errorReply(id, ERROR_CODES.notSupported, `unsupported request type ${body.type}`);
    }
  }

  private txn(body: Body): Body {
    const ops = body.txn;
    if (!Array.isArray(ops))
      return errorReply(body.msg_id, ERROR_CODES.malformedRequest, 'txn must be a list');
    const changes: [string, unknown][] = [];
    const result: MicroOp[] = [];
    // Writes are staged so a malformed micro-op aborts the whole txn before anything changes.
    const staged = new Map<string, unknown>();
    const get = (k: string) => (staged.has(k) ? staged.get(k) : this.store.get(k));
    for (const raw of ops as unknown[]) {
      if (!Array.isArray(raw) || raw.length !== 3) {
        return errorReply(body.msg_id, ERROR_CODES.malformedRequest, `bad micro-op ${JSON.stringify(raw)}`);
      }
      const [f, key, value] = raw as MicroOp;
      const k = keyOf(key);
      if (f === 'r') {
        const v = get(k);
        result.push(['r', key, v === undefined ? null : v]);
      } else if (f === 'w') {
        staged.set(k, value);
        result.push(['w', key, value]);
      } else if (f === 'append') {
        const cur = get(k);
        const list = Array.isArray(cur) ? [...cur, value] : [value];
        staged.set(k, list);
        result.push(['append', key, value]);
      } else {
        return errorReply(body.msg_id, ERROR_CODES.malformedRequest, `unknown micro-op ${String(f)}`);
      }
    }
    for (const [k, v] of staged) changes.push([k, v]);
    if (changes.length > 0) this.persist(changes);
    return { type: 'txn_ok', in_reply_to: body.msg_id, txn: result };
  }

  private persist(changes: [string, unknown][]): void {
    const { client, msgId } = this.origin;
    const line: LogLine = msgId === undefined ? { ch: changes } : { ch: changes, c: client, i: msgId };
    this.ctx.disk.append(DATA_FILE, `${JSON.stringify(line)}\n`);
    if (!this.bugs.has('no-fsync')) this.ctx.disk.fsync();
    for (const [k, v] of changes) this.store.set(k, v);
    if (msgId !== undefined && msgId > (this.newest.get(client) ?? -Infinity)) this.newest.set(client, msgId);
  }
}

/** A node other than n1: forwards client requests to n1 and relays the answers. */
class Forwarder {
  private nextMsgId = 1;
  private readonly pending = new Map<number, { client: string; clientMsgId: number | undefined }>();
  /** Bug `proxy-caches-reads`: the last value this proxy saw per key. */
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly bugs: ReadonlySet<string>,
  ) {
    // Message ids must not repeat across restarts, or n1 would take a new request for a duplicate of
    // an old one: number them boot × 2^32 + counter, with the boot count kept on disk.
    const boot = Number(ctx.disk.read(BOOT_FILE) ?? '0') + 1;
    ctx.disk.write(BOOT_FILE, String(boot));
    ctx.disk.fsync();
    this.nextMsgId = boot * 2 ** 32 + 1;
  }

  private readonly seen = new SeenRequests();

  fromClient(msg: Message): void {
    const body = msg.body;
    if (this.seen.lookup(msg.src, body.msg_id) !== undefined) return;
    this.seen.remember(msg.src, body.msg_id, null);
    if (this.bugs.has('proxy-caches-reads') && body.type === 'read' && this.cache.has(keyOf(body.key))) {
      this.ctx.send(msg.src, {
        type: 'read_ok',
        in_reply_to: body.msg_id,
        value: this.cache.get(keyOf(body.key)),
      });
      return;
    }
    const msgId = this.nextMsgId++;
    this.pending.set(msgId, { client: msg.src, clientMsgId: body.msg_id });
    if (this.pending.size > PROXY_PENDING_MAX) {
      // Oldest first: Map keeps insertion order. Those clients time out, as they would on a real overload.
      const oldest = this.pending.keys().next().value as number;
      this.pending.delete(oldest);
    }
    if (this.bugs.has('proxy-caches-reads') && body.type === 'write')
      this.cache.set(keyOf(body.key), body.value);
    // The client's own identity goes along: n1 recognises a late copy even if this proxy restarted.
    this.ctx.send('n1', { ...body, msg_id: msgId, fwd_client: msg.src, fwd_msg_id: body.msg_id });
  }

  fromPrimary(msg: Message): void {
    const id = msg.body.in_reply_to;
    if (id === undefined) return;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.ctx.send(p.client, { ...msg.body, in_reply_to: p.clientMsgId });
  }
}

export const singleRegister: SystemDefinition = {
  name: 'single-register',
  description:
    'one node (n1) holds the key-value map and fsyncs every change; other nodes proxy to it (linearizable)',
  bugs: [
    { name: 'no-fsync', description: 'acknowledge writes without fsync: a crash loses acknowledged writes' },
    { name: 'cas-ignores-from', description: 'cas succeeds whatever the current value' },
    {
      name: 'proxy-caches-reads',
      description: 'proxies answer reads from the last value they forwarded (stale reads)',
    },
  ],
  defaultNodeCount: 1,
  workloads: ['register', 'list-append', 'rw-register'],
  createNode(ctx, { bugs }) {
    const primary = ctx.id === 'n1' ? new Primary(ctx, bugs) : undefined;
    const proxy = primary ? undefined : new Forwarder(ctx, bugs);
    const seen = new SeenRequests();
    return {
      onMessage(msg: Message): void {
        const body = msg.body;
        if (body.type === 'init') {
          ctx.send(msg.src, { type: 'init_ok', in_reply_to: body.msg_id });
          return;
        }
        if (primary) {
          const origin = originOf(msg);
          const earlier = seen.lookup(origin.client, origin.msgId);
          if (earlier) {
            ctx.send(msg.src, { ...earlier, in_reply_to: body.msg_id });
            return;
          }
          if (primary.isLateCopy(body, origin)) return; // its client has its answer, or gave up on it
          const reply = primary.handle(body, origin);
          seen.remember(origin.client, origin.msgId, reply);
          ctx.send(msg.src, reply);
        } else if (msg.src === 'n1') proxy!.fromPrimary(msg);
        else proxy!.fromClient(msg);
      },
    };
  },
};
