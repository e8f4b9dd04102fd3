/**
 * Maelstrom's services: nodes of the harness that a node under test can call
 * (`doc/services.md`). `lin-kv`, `seq-kv` and `lww-kv` are key-value stores
 * (`read`, `write`, `cas`) that differ only in consistency; `lin-tso` hands
 * out strictly increasing timestamps (`ts`). They imitate Maelstrom's own
 * implementation (`maelstrom.service`), with every random choice drawn from
 * a named stream of the seed (`service:<id>`), so a run replays exactly.
 *
 * Keys and values are any JSON. Two keys (or a cas `from` and the current
 * value) are the same when they are structurally equal JSON, whatever the
 * order of object fields, as Clojure's `=` compares them.
 */

import { ERROR_CODES, errorReply } from '../sim/maelstrom.js';
import type { RandomStreams, Rng } from '../sim/random.js';
import type { ClientEndpoint } from '../sim/simulation.js';
import type { Body, Message } from '../sim/types.js';

export const SERVICE_IDS = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

/** How many past states seq-kv keeps for stale reads (Maelstrom's ring buffer: 32). */
export const SEQ_KV_HISTORY_STATES = 32;
/** How many replicas lww-kv simulates (Maelstrom's `eventual`: 2). */
export const LWW_KV_REPLICAS = 2;

/** What a service answers a request with, before `in_reply_to` is added; undefined: no answer. */
export type ServiceHandler = (msg: Message) => Body | undefined;

export interface ServiceHost {
  addClient(id: string, onMessage: (msg: Message) => void): ClientEndpoint;
}

/**
 * Register every service in `SERVICE_IDS` on the host's network. Each
 * answers a request with one reply to its `src`, carrying
 * `in_reply_to: msg_id`. Replies sent to a service (bodies with
 * `in_reply_to`) are ignored, so a confused node cannot start an endless
 * exchange of errors with it.
 */
export function attachServices(host: ServiceHost, random: RandomStreams): void {
  for (const id of SERVICE_IDS) {
    const handle = createService(id, random.stream(`service:${id}`));
    const endpoint = host.addClient(id, (msg) => {
      const reply = handle(msg);
      if (reply === undefined) return;
      endpoint.send(msg.src, { ...reply, in_reply_to: msg.body.msg_id });
    });
  }
}

/** One service's request handler, on its own state; `rng` makes its choices (lin-* make none). */
export function createService(id: ServiceId, rng: Rng): ServiceHandler {
  switch (id) {
    case 'lin-kv':
      return kvService(new LinearizableKv());
    case 'seq-kv':
      return kvService(new SequentialKv(rng));
    case 'lww-kv':
      return kvService(new EventualKv(rng));
    case 'lin-tso':
      return tsoService();
  }
}

// ---------------------------------------------------------------------------
// JSON equality

/** A canonical text of a JSON value: equal text iff structurally equal JSON (object fields sorted). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${fields.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

// ---------------------------------------------------------------------------
// The key-value state machine, shared by the three stores

type KvRequest =
  | { type: 'read'; key: unknown }
  | { type: 'write'; key: unknown; value: unknown }
  | { type: 'cas'; key: unknown; from: unknown; to: unknown; createIfNotExists: boolean };

/** One step on a key's current value (undefined: absent): the reply and, if the state changes, the new value. */
interface KvStep {
  reply: Body;
  changed: boolean;
  next?: unknown;
}

function kvStep(current: unknown, req: KvRequest): KvStep {
  const missing = (): KvStep => ({
    reply: errorReply(undefined, ERROR_CODES.keyDoesNotExist, 'key does not exist'),
    changed: false,
  });
  switch (req.type) {
    case 'read':
      if (current === undefined) return missing();
      return { reply: { type: 'read_ok', value: current }, changed: false };
    case 'write':
      return {
        reply: { type: 'write_ok' },
        changed: current === undefined || !sameJson(current, req.value),
        next: req.value,
      };
    case 'cas':
      if (current === undefined) {
        if (!req.createIfNotExists) return missing();
        return { reply: { type: 'cas_ok' }, changed: true, next: req.to };
      }
      if (!sameJson(current, req.from)) {
        return {
          reply: errorReply(
            undefined,
            ERROR_CODES.preconditionFailed,
            `current value ${canonicalJson(current)} is not ${canonicalJson(req.from)}`,
          ),
          changed: false,
        };
      }
      return { reply: { type: 'cas_ok' }, changed: !sameJson(req.from, req.to), next: req.to };
  }
}

/** A store: applies a request from `src` and says what to answer. */
interface KvStore {
  apply(src: string, keyText: string, req: KvRequest): Body;
}

const KV_TYPES = new Set(['read', 'write', 'cas']);

type Parsed = { ok: true; req: KvRequest } | { ok: false; reply: Body };

/** Parse a request body, or say why not (`not-supported` or `malformed-request`). */
function parseKvRequest(body: Body): Parsed {
  const fail = (code: number, text: string): Parsed => ({
    ok: false,
    reply: errorReply(undefined, code, text),
  });
  if (!KV_TYPES.has(body.type))
    return fail(ERROR_CODES.notSupported, `kv services do not support '${body.type}'`);
  const malformed = (field: string): Parsed =>
    fail(ERROR_CODES.malformedRequest, `${body.type} needs a '${field}' field`);
  if (body.key === undefined) return malformed('key');
  if (body.type === 'read') return { ok: true, req: { type: 'read', key: body.key } };
  if (body.type === 'write') {
    if (body.value === undefined) return malformed('value');
    return { ok: true, req: { type: 'write', key: body.key, value: body.value } };
  }
  if (body.from === undefined) return malformed('from');
  if (body.to === undefined) return malformed('to');
  const create = body.create_if_not_exists;
  if (create !== undefined && create !== null && typeof create !== 'boolean') {
    return fail(ERROR_CODES.malformedRequest, 'cas: create_if_not_exists must be a boolean');
  }
  return {
    ok: true,
    req: { type: 'cas', key: body.key, from: body.from, to: body.to, createIfNotExists: create === true },
  };
}

function isReplyOrJunk(msg: Message): boolean {
  const body = msg.body as Body | null | undefined;
  return body === null || typeof body !== 'object' || body.in_reply_to !== undefined;
}

function kvService(store: KvStore): ServiceHandler {
  return (msg) => {
    if (isReplyOrJunk(msg)) return undefined;
    if (typeof msg.body.type !== 'string') {
      return errorReply(undefined, ERROR_CODES.malformedRequest, "a request needs a string 'type'");
    }
    const parsed = parseKvRequest(msg.body);
    if (!parsed.ok) return parsed.reply;
    return store.apply(msg.src, canonicalJson(parsed.req.key), parsed.req);
  };
}

/** lin-kv: one map, every request applied to it in the order it arrives. */
class LinearizableKv implements KvStore {
  private readonly values = new Map<string, unknown>();

  apply(_src: string, keyText: string, req: KvRequest): Body {
    const step = kvStep(this.values.get(keyText), req);
    if (step.changed) this.values.set(keyText, step.next);
    return step.reply;
  }
}

interface Version {
  /** The state index that set this value. */
  index: number;
  value: unknown;
}

/**
 * seq-kv, as Maelstrom's `sequential`: a history of the last
 * `SEQ_KV_HISTORY_STATES` states and, per client (`src`), the index of the
 * last state it saw. A request runs on a state chosen by the seeded stream
 * between the client's and the newest; if it would change nothing there
 * (a read, a failed cas, a write of the value already held), that answer
 * stands and the client stays at that state. Otherwise it runs on the
 * newest state, making a new state, and the client moves there. So reads
 * may be stale, but a client never goes back in time and always sees its
 * own writes. (Maelstrom draws the index from [client, newest); we include
 * the newest too.)
 *
 * Each state is kept as per-key versions: the state at index i holds, for
 * each key, its last version with index ≤ i.
 */
class SequentialKv implements KvStore {
  private readonly versions = new Map<string, Version[]>();
  private readonly clientIndex = new Map<string, number>();
  private lastIndex = 0;

  constructor(private readonly rng: Rng) {}

  apply(src: string, keyText: string, req: KvRequest): Body {
    const oldest = Math.max(0, this.lastIndex - (SEQ_KV_HISTORY_STATES - 1));
    const from = Math.max(this.clientIndex.get(src) ?? 0, oldest);
    const index = this.rng.intBetween(from, this.lastIndex);
    const history = this.versions.get(keyText);
    const speculative = kvStep(valueAt(history, index), req);
    if (!speculative.changed) {
      this.clientIndex.set(src, index);
      return speculative.reply;
    }
    const step = kvStep(valueAt(history, this.lastIndex), req);
    if (step.changed) {
      this.lastIndex++;
      const list = history ?? [];
      list.push({ index: this.lastIndex, value: step.next });
      // Keep the newest version at or before the oldest state still in the history, and all after it.
      const windowStart = this.lastIndex - (SEQ_KV_HISTORY_STATES - 1);
      while (list.length >= 2 && list[1].index <= windowStart) list.shift();
      if (history === undefined) this.versions.set(keyText, list);
    }
    this.clientIndex.set(src, this.lastIndex);
    return step.reply;
  }
}

function valueAt(history: Version[] | undefined, index: number): unknown {
  if (history === undefined) return undefined;
  for (let i = history.length - 1; i >= 0; i--) if (history[i].index <= index) return history[i].value;
  return undefined;
}

interface Stamped {
  ts: number;
  value: unknown;
}

interface Replica {
  /** Lamport clock: the timestamp of the next update. */
  clock: number;
  values: Map<string, Stamped>;
}

/**
 * lww-kv, as Maelstrom's `eventual` over its `lww-kv`: `LWW_KV_REPLICAS`
 * replicas, each with a Lamport clock and timestamped values. Before each
 * request one random replica is merged into another (later timestamp wins;
 * on a tie the merged-in value), then the request runs on a random replica.
 * Reads may be stale and may go back in time; writes may be lost to a
 * concurrent write with a later timestamp.
 */
class EventualKv implements KvStore {
  private readonly replicas: Replica[] = [];

  constructor(private readonly rng: Rng) {
    for (let i = 0; i < LWW_KV_REPLICAS; i++) this.replicas.push({ clock: 0, values: new Map() });
  }

  apply(_src: string, keyText: string, req: KvRequest): Body {
    const n = this.replicas.length;
    const source = this.rng.int(n);
    const dest = this.rng.int(n);
    if (source !== dest) mergeInto(this.replicas[source], this.replicas[dest]);
    const replica = this.replicas[this.rng.int(n)];
    const step = kvStep(replica.values.get(keyText)?.value, req);
    if (step.changed) {
      replica.values.set(keyText, { ts: replica.clock, value: step.next });
      replica.clock++;
    }
    return step.reply;
  }
}

function mergeInto(source: Replica, dest: Replica): void {
  dest.clock = Math.max(dest.clock, source.clock);
  for (const [key, theirs] of source.values) {
    const ours = dest.values.get(key);
    if (ours === undefined || theirs.ts >= ours.ts) dest.values.set(key, theirs);
  }
}

/** lin-tso: timestamps 0, 1, 2, … in the order requests arrive. */
function tsoService(): ServiceHandler {
  let next = 0;
  return (msg) => {
    if (isReplyOrJunk(msg)) return undefined;
    if (typeof msg.body.type !== 'string') {
      return errorReply(undefined, ERROR_CODES.malformedRequest, "a request needs a string 'type'");
    }
    if (msg.body.type !== 'ts') {
      return errorReply(
        undefined,
        ERROR_CODES.notSupported,
        `lin-tso supports only 'ts', not '${msg.body.type}'`,
      );
    }
    return { type: 'ts_ok', ts: next++ };
  };
}
