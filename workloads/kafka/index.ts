import type { GenContext, Generator, GenStep, OpSpec } from '../../src/generator/generator.js';
import type { Body } from '../../src/sim/types.js';
import { unregisteredFallback } from '../maelstrom/common.js';
import { completeError, unexpectedReply } from '../protocol.js';
import type { Completion, Workload, WorkloadGenerators, WorkloadOptions } from '../types.js';

/**
 * Maelstrom's kafka: append-only logs named by string keys. Each op is one
 * of Maelstrom's RPCs, as its client makes them:
 * - `send` (key in the op's `key`, message = value) → `send_ok` with the
 *   `offset`; ok value `[offset, message]`;
 * - `poll` with `offsets` (value: `{key: offset}`, where this worker's
 *   consumer left off) → `poll_ok` with `msgs` (`{key: [[offset, msg], …]}`);
 * - `commit_offsets` (value: `{key: offset}`, the highest offsets the last
 *   poll returned, sent right after it, as Maelstrom's client does);
 * - `list_committed_offsets` (value: the keys) → `offsets`: an assign. Keys
 *   the consumer already had keep its offsets; new ones start at the
 *   committed offset, or 0.
 * Each worker's consumer (assigned keys, next offset per key) advances as
 * its polls return, as Maelstrom's client's does; the final phase seeks
 * every worker to the beginning of every key and polls until it has caught
 * up with every acknowledged send (or `FINAL_POLLS` polls). Messages are
 * distinct integers. Checked by `kafka` (lost, unobserved, non-monotonic and
 * skipped offsets, duplicates, inconsistent offsets).
 */

/** Polls per worker in the final phase at most (Maelstrom clips its final polls at 10 s). */
export const FINAL_POLLS = 40;
/** Keys in play (Maelstrom's string keys "0", "1", …). */
const DEFAULT_KEYS = 5;
/** Chance that a worker's next op is an assign (list_committed_offsets) of a fresh set of keys. */
const ASSIGN_P = 1 / 32;

interface Consumer {
  assigned: string[];
  /** Next offset to ask for, per assigned key. */
  offsets: Map<string, number>;
  /** Offsets to commit after the last poll. */
  toCommit: Record<string, number> | undefined;
  /** Keys it asked to be assigned, awaiting the committed offsets. */
  pendingAssign: string[] | undefined;
}

/** A run's shared state: the consumers, the messages sent, the highest acknowledged offsets. */
class KafkaRun {
  readonly consumers = new Map<number, Consumer>();
  readonly keys: string[];
  nextMessage = 1;
  readonly ackedOffset = new Map<string, number>();

  constructor(keyCount: number) {
    this.keys = Array.from({ length: keyCount }, (_, i) => String(i));
  }

  consumer(worker: number): Consumer {
    let c = this.consumers.get(worker);
    if (!c) {
      c = { assigned: [], offsets: new Map(), toCommit: undefined, pendingAssign: undefined };
      this.consumers.set(worker, c);
    }
    return c;
  }

  /** True once the consumer has asked past every acknowledged offset. */
  caughtUp(c: Consumer): boolean {
    for (const [k, o] of this.ackedOffset) if ((c.offsets.get(k) ?? 0) <= o) return false;
    return true;
  }
}

/**
 * How a reply updates the consumer that sent the request. Keyed by the
 * OpSpec object the generator made, which the client hands back with the
 * reply; an op replayed from a saved schedule has none and changes nothing.
 */
const effects = new WeakMap<OpSpec, (reply: Body) => void>();

function randomKeys(ctx: GenContext, keys: readonly string[]): string[] {
  const n = 1 + ctx.rng.int(keys.length);
  const pool = [...keys];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pool.splice(ctx.rng.int(pool.length), 1)[0]);
  return out.sort();
}

function offsetsOf(c: Consumer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of c.assigned) out[k] = c.offsets.get(k) ?? 0;
  return out;
}

function pollSpec(c: Consumer, commitAfter: boolean): OpSpec {
  const spec: OpSpec = { f: 'poll', value: offsetsOf(c) };
  effects.set(spec, (reply) => {
    if (reply.type !== 'poll_ok') return;
    const msgs = validMsgs(reply.msgs);
    if (!msgs) return;
    const commit: Record<string, number> = {};
    for (const [k, pairs] of Object.entries(msgs)) {
      if (pairs.length === 0) continue;
      const max = Math.max(...pairs.map((p) => p[0]));
      if (c.offsets.has(k)) c.offsets.set(k, Math.max(c.offsets.get(k)!, max + 1));
      commit[k] = max;
    }
    if (commitAfter && Object.keys(commit).length > 0) c.toCommit = commit;
  });
  return spec;
}

function sendSpec(run: KafkaRun, ctx: GenContext): OpSpec {
  const key = run.keys[ctx.rng.int(run.keys.length)];
  const spec: OpSpec = { f: 'send', key, value: run.nextMessage++ };
  effects.set(spec, (reply) => {
    if (reply.type === 'send_ok' && Number.isSafeInteger(reply.offset))
      run.ackedOffset.set(key, Math.max(run.ackedOffset.get(key) ?? -1, reply.offset as number));
  });
  return spec;
}

function assignSpec(c: Consumer, keys: string[]): OpSpec {
  const spec: OpSpec = { f: 'list_committed_offsets', value: keys };
  effects.set(spec, (reply) => {
    if (reply.type !== 'list_committed_offsets_ok') return;
    const committed = (reply.offsets ?? {}) as Record<string, unknown>;
    const next = new Map<string, number>();
    for (const k of keys) {
      const mine = c.offsets.get(k);
      const theirs = committed[k];
      next.set(k, mine ?? (Number.isSafeInteger(theirs) ? (theirs as number) : 0));
    }
    c.assigned = keys;
    c.offsets = next;
  });
  return spec;
}

function op(spec: OpSpec, ctx: GenContext): GenStep {
  return { kind: 'op', op: spec, atNs: ctx.timeNs };
}

export function kafkaGenerators(opts: WorkloadOptions): WorkloadGenerators {
  const run = new KafkaRun(opts.activeKeys ?? DEFAULT_KEYS);
  const main: Generator = {
    next(ctx) {
      const c = run.consumer(ctx.worker);
      if (c.toCommit) {
        const spec: OpSpec = { f: 'commit_offsets', value: c.toCommit };
        c.toCommit = undefined;
        return op(spec, ctx);
      }
      if (c.assigned.length === 0 || ctx.rng.next() < ASSIGN_P)
        return op(assignSpec(c, randomKeys(ctx, run.keys)), ctx);
      return op(ctx.rng.next() < 0.5 ? sendSpec(run, ctx) : pollSpec(c, true), ctx);
    },
  };
  // Final polls: every worker seeks to offset 0 of every key, then polls until caught up.
  const finalPolls = new Map<number, number>();
  const finished = new Set<number>();
  const final: Generator = {
    next(ctx) {
      if (finished.size >= ctx.workerCount) return { kind: 'done' };
      if (finished.has(ctx.worker)) return { kind: 'wait' };
      const c = run.consumer(ctx.worker);
      const n = finalPolls.get(ctx.worker) ?? 0;
      if (n === 0) {
        c.assigned = [...run.keys];
        c.offsets = new Map(run.keys.map((k) => [k, 0]));
        c.toCommit = undefined;
      } else if (n >= FINAL_POLLS || run.caughtUp(c)) {
        finished.add(ctx.worker);
        return finished.size >= ctx.workerCount ? { kind: 'done' } : { kind: 'wait' };
      }
      finalPolls.set(ctx.worker, n + 1);
      return op(pollSpec(c, false), ctx);
    },
  };
  return { main, final };
}

/** `msgs` as `{key: [[offset, msg], …]}`, or undefined when it is not that. */
function validMsgs(v: unknown): Record<string, [number, unknown][]> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  for (const pairs of Object.values(v)) {
    if (!Array.isArray(pairs)) return undefined;
    for (const p of pairs)
      if (!Array.isArray(p) || p.length < 2 || !Number.isSafeInteger(p[0])) return undefined;
  }
  return v as Record<string, [number, unknown][]>;
}

function malformed(op: OpSpec, text: string, readOnly: boolean): Completion {
  return { type: readOnly ? 'fail' : 'info', value: op.value, error: { name: 'malformed-reply', text } };
}

export const kafkaWorkload: Workload = {
  name: 'kafka',
  description:
    "Maelstrom's kafka: send / poll / commit_offsets / list_committed_offsets on string-keyed logs; checked by kafka (lost, unobserved, non-monotonic, skipped offsets)",
  checker: { name: 'kafka', options: {} },
  fallbackChecker: unregisteredFallback('kafka'),
  generator: kafkaGenerators,

  clientRequest(op: OpSpec): Body {
    switch (op.f) {
      case 'send':
        return { type: 'send', key: op.key, msg: op.value };
      case 'poll':
        return { type: 'poll', offsets: op.value };
      case 'commit_offsets':
        return { type: 'commit_offsets', offsets: op.value };
      case 'list_committed_offsets':
        return { type: 'list_committed_offsets', keys: op.value };
      default:
        throw new Error(`kafka workload: unknown f ${op.f}`);
    }
  },

  completeFromReply(op: OpSpec, reply: Body): Completion {
    const readOnly = kafkaWorkload.isReadOnly(op);
    if (reply.type === 'error') return completeError(reply, op.value, readOnly);
    if (reply.type !== `${op.f}_ok`) return unexpectedReply(reply, op.value);
    effects.get(op)?.(reply);
    switch (op.f) {
      case 'send':
        if (!Number.isSafeInteger(reply.offset))
          return malformed(op, 'send_ok without an integer offset', false);
        return { type: 'ok', value: [reply.offset, op.value] };
      case 'poll': {
        const msgs = validMsgs(reply.msgs ?? {});
        if (!msgs) return malformed(op, 'poll_ok whose msgs is not {key: [[offset, msg], …]}', true);
        return { type: 'ok', value: msgs };
      }
      case 'list_committed_offsets':
        return { type: 'ok', value: reply.offsets ?? {} };
      default:
        return { type: 'ok', value: op.value };
    }
  },

  // A poll or a listing changes nothing on the server (the commit after a poll is its own op).
  isReadOnly: (op) => op.f === 'poll' || op.f === 'list_committed_offsets',
};
