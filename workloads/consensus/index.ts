import type { Checker, CheckResult } from '../../checkers/types.js';
import { mix, type OpSpec, perKey, repeat } from '../../src/generator/generator.js';
import type { Op } from '../../src/history/op.js';
import type { Body } from '../../src/sim/types.js';
import { completeError, MAX_REPORTED_PROBLEMS, unexpectedReply } from '../protocol.js';
import type { Completion, Workload, WorkloadOptions } from '../types.js';

/**
 * Single-decree consensus, one instance per key: clients `propose` values
 * (every proposal a fresh integer, so that validity can tell them apart)
 * and `read` what the node they ask has learned. A few keys are in play at
 * once; a key retires after `opsPerKey` operations. After the faults heal
 * and the system had time to recover, every client proposes once more on
 * each key still in play: those proposals must all be decided (termination).
 *
 * Wire (not part of Maelstrom, which has no consensus workload):
 * `propose {key, value}` → `propose_ok {value}` (the value decided, maybe
 * another's); `read_decision {key}` → `read_decision_ok {value}` (null while
 * the node has learned nothing).
 */
const DEFAULT_ACTIVE_KEYS = 5;
const DEFAULT_OPS_PER_KEY = 10;
/** Proposals per read. */
const PROPOSE_WEIGHT = 3;

/**
 * Fallback while `consensus` is not registered: agreement only (two ok ops
 * on one key with different values). Proves violations; otherwise `unknown`.
 */
const agreementOnly: Checker = {
  name: 'fallback:agreement',
  description: 'no two operations learned different values for one key',
  async check(history: readonly Op[]): Promise<CheckResult> {
    const seen = new Map<string, { text: string; index: number }>();
    const problems: unknown[] = [];
    for (const op of history) {
      if (op.type !== 'ok' || op.process === 'nemesis' || op.value === null || op.value === undefined)
        continue;
      const k = JSON.stringify(op.key ?? null);
      const text = JSON.stringify(op.value);
      const first = seen.get(k);
      if (!first) seen.set(k, { text, index: op.index });
      else if (first.text !== text && problems.length < MAX_REPORTED_PROBLEMS)
        problems.push({ key: op.key, values: [first.text, text], ops: [first.index, op.index] });
    }
    return problems.length > 0
      ? { valid: false, checker: this.name, problems }
      : {
          valid: 'unknown',
          checker: this.name,
          note: 'the consensus checker is not registered; checked agreement only',
        };
  },
};

export const consensusWorkload: Workload = {
  name: 'consensus',
  description:
    'propose / read on single-decree consensus instances, one per key; checked for agreement, validity and termination once faults heal',
  checker: { name: 'consensus', options: {} },
  fallbackChecker: agreementOnly,

  generator(opts: WorkloadOptions) {
    const activeKeys = opts.activeKeys ?? DEFAULT_ACTIVE_KEYS;
    const opsPerKey = opts.opsPerKey ?? DEFAULT_OPS_PER_KEY;
    let nextValue = 1;
    const ops = (key: number) =>
      mix(
        [
          repeat(() => ({ f: 'propose', value: nextValue++, key })),
          repeat(() => ({ f: 'read', value: null, key })),
        ],
        [PROPOSE_WEIGHT, 1],
      );
    const main = perKey({ activeKeys, opsPerKey }, ops);
    let finalQueue: OpSpec[] | undefined;
    const final = {
      next: (ctx: Parameters<typeof main.next>[0]) => {
        // Once every fault is healed: each worker proposes on each key still in play.
        finalQueue ??= (() => {
          const used = main.keysUsed;
          const out: OpSpec[] = [];
          for (let key = Math.max(0, used - activeKeys); key < used; key++)
            for (let w = 0; w < ctx.workerCount; w++) out.push({ f: 'propose', value: nextValue++, key });
          return out;
        })();
        const spec = finalQueue.shift();
        return spec ? { kind: 'op' as const, op: spec, atNs: ctx.timeNs } : { kind: 'done' as const };
      },
    };
    return { main, final };
  },

  clientRequest(op: OpSpec): Body {
    switch (op.f) {
      case 'propose':
        return { type: 'propose', key: op.key, value: op.value };
      case 'read':
        return { type: 'read_decision', key: op.key };
      default:
        throw new Error(`consensus workload: unknown f ${op.f}`);
    }
  },

  completeFromReply(op: OpSpec, reply: Body): Completion {
    if (reply.type === 'error') return completeError(reply, op.value, op.f === 'read');
    if (op.f === 'propose' && reply.type === 'propose_ok') return { type: 'ok', value: reply.value ?? null };
    if (op.f === 'read' && reply.type === 'read_decision_ok')
      return { type: 'ok', value: reply.value ?? null };
    return unexpectedReply(reply, op.value);
  },

  isReadOnly: (op) => op.f === 'read',
};
