import type { Checker, CheckResult } from '../../checkers/types.js';
import { mix, type OpSpec, perKey, repeat } from '../../src/generator/generator.js';
import type { Op } from '../../src/history/op.js';
import { ERROR_CODES } from '../../src/sim/maelstrom.js';
import type { Body } from '../../src/sim/types.js';
import { completeError, MAX_REPORTED_PROBLEMS, unexpectedReply } from '../protocol.js';
import type { Completion, Workload, WorkloadOptions } from '../types.js';

/**
 * Read / write / cas on a few registers at a time (Maelstrom's lin-kv).
 * Ops carry the register in the Op's `key` field; `value` is the register
 * value (cas: [from, to]). Values are drawn from a small domain, as in
 * Jepsen, so that cas often succeeds and reads often could be stale.
 */
const VALUE_DOMAIN = 5;

function keyString(k: unknown): string {
  return JSON.stringify(k);
}

/**
 * Fallback while `linearizable` is not registered: every value read was
 * written to that key by a write or cas invoked before the read completed.
 * Proves some violations (garbage reads, reads from the future); anything
 * else is `unknown`.
 */
const readsWereWritten: Checker = {
  name: 'fallback:reads-were-written',
  description: 'every register value read was written to that key by an op invoked before the read returned',
  async check(history: readonly Op[]): Promise<CheckResult> {
    // For each key and value: the first position at which some write of it was invoked.
    const firstWrite = new Map<string, Map<string, number>>();
    history.forEach((op, pos) => {
      if (op.type !== 'invoke' || op.process === 'nemesis') return;
      let written: unknown;
      if (op.f === 'write') written = op.value;
      else if (op.f === 'cas' && Array.isArray(op.value)) written = op.value[1];
      else return;
      const k = keyString(op.key);
      let m = firstWrite.get(k);
      if (!m) {
        m = new Map();
        firstWrite.set(k, m);
      }
      const v = JSON.stringify(written);
      if (!m.has(v)) m.set(v, pos);
    });
    const problems: unknown[] = [];
    let reads = 0;
    history.forEach((op, pos) => {
      if (op.type !== 'ok' || op.f !== 'read' || op.value === null || op.value === undefined) return;
      reads++;
      const at = firstWrite.get(keyString(op.key))?.get(JSON.stringify(op.value));
      if (at === undefined || at > pos) {
        if (problems.length < MAX_REPORTED_PROBLEMS) {
          problems.push({
            op,
            why:
              at === undefined
                ? 'value was never written to this key'
                : 'value was written only after this read returned',
          });
        }
      }
    });
    return problems.length > 0
      ? { valid: false, checker: this.name, readsChecked: reads, problems }
      : {
          valid: 'unknown',
          checker: this.name,
          readsChecked: reads,
          note: 'the linearizable checker is not registered; only checked that every value read was written',
        };
  },
};

export const registerWorkload: Workload = {
  name: 'register',
  description:
    'read / write / cas on rotating keys (Maelstrom lin-kv); checked for linearizability (model kv)',
  checker: { name: 'linearizable', options: { model: 'kv' } },
  fallbackChecker: readsWereWritten,

  generator(opts: WorkloadOptions) {
    const activeKeys = opts.activeKeys ?? 3;
    const opsPerKey = opts.opsPerKey ?? 200;
    const ops = (key: number) =>
      mix([
        repeat(() => ({ f: 'read', value: null, key })),
        repeat((ctx) => ({ f: 'write', value: ctx.rng.int(VALUE_DOMAIN), key })),
        repeat((ctx) => ({ f: 'cas', value: [ctx.rng.int(VALUE_DOMAIN), ctx.rng.int(VALUE_DOMAIN)], key })),
      ]);
    const main = perKey({ activeKeys, opsPerKey }, ops);
    // Final reads: once every fault is healed, each worker reads each key still in play.
    const finalKeys = () => {
      const used = main.keysUsed;
      const out: number[] = [];
      for (let k = Math.max(0, used - activeKeys); k < used; k++) out.push(k);
      return out;
    };
    let finalQueue: OpSpec[] | undefined;
    const final = {
      next: (ctx: Parameters<typeof main.next>[0]) => {
        finalQueue ??= finalKeys().flatMap((key) =>
          Array.from({ length: ctx.workerCount }, () => ({ f: 'read', value: null, key })),
        );
        const spec = finalQueue.shift();
        return spec ? { kind: 'op' as const, op: spec, atNs: ctx.timeNs } : { kind: 'done' as const };
      },
    };
    return { main, final };
  },

  clientRequest(op: OpSpec): Body {
    switch (op.f) {
      case 'read':
        return { type: 'read', key: op.key };
      case 'write':
        return { type: 'write', key: op.key, value: op.value };
      case 'cas': {
        const [from, to] = op.value as [unknown, unknown];
        return { type: 'cas', key: op.key, from, to };
      }
      default:
        throw new Error(`register workload: unknown f ${op.f}`);
    }
  },

  completeFromReply(op: OpSpec, reply: Body): Completion {
    // "Key does not exist" answers a read: it observed the initial nil. (Maelstrom's own client calls
    // this a fail, which hides lost writes from the checker; an observation is an `ok`.)
    if (op.f === 'read' && reply.type === 'error' && reply.code === ERROR_CODES.keyDoesNotExist) {
      return { type: 'ok', value: null };
    }
    if (reply.type === 'error') return completeError(reply, op.value, op.f === 'read');
    if (op.f === 'read' && reply.type === 'read_ok') return { type: 'ok', value: reply.value ?? null };
    if (op.f === 'write' && reply.type === 'write_ok') return { type: 'ok', value: op.value };
    if (op.f === 'cas' && reply.type === 'cas_ok') return { type: 'ok', value: op.value };
    return unexpectedReply(reply, op.value);
  },

  isReadOnly: (op) => op.f === 'read',
};
