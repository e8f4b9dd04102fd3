/**
 * The counter workload: clients add 1–3 to and read a few counters (keys)
 * at a time, each key retired after a few dozen operations, so each key's
 * history stays short enough to check; once the faults are healed every
 * client reads the last keys once more. Checked for linearizability against
 * a counter model of a few lines, key by key.
 */
import { defineModel, defineWorkload, linearizable, mix, perKey, repeat, sequence } from 'faultline';

/** The sequential specification: add n increases the count; a read sees the count. */
export const counterModel = defineModel<number>({
  name: 'counter',
  init: () => 0,
  step: (count, op, output) => {
    if (op.f === 'add') return [count + (op.value as number)];
    // output is undefined when the read's outcome is unknown: any count will do.
    return output === undefined || output === count;
  },
  readOnly: (op) => op.f === 'read',
  // Keys are independent counters: each is checked on its own.
  partition: (op) => String(op.key),
});

export const checker = linearizable(counterModel, 'my-counter-linearizable');

export const workload = defineWorkload({
  name: 'counter',
  description: 'add 1–3 / read a counter; linearizable against a counter model',
  checker: { name: checker.name, options: {} },
  fallbackChecker: checker,
  generator: (opts) => {
    const activeKeys = opts.activeKeys ?? 3;
    const main = perKey({ activeKeys, opsPerKey: opts.opsPerKey ?? 40 }, (key) =>
      mix([
        repeat(() => ({ f: 'read', value: null, key })),
        repeat((ctx) => ({ f: 'add', value: 1 + ctx.rng.int(3), key })),
      ]),
    );
    // The final reads are made when the main phase is over: by then main.keysUsed is known.
    let final: ReturnType<typeof sequence> | undefined;
    return {
      main,
      final: {
        next: (ctx) => {
          final ??= sequence(
            Array.from(
              { length: Math.min(activeKeys, main.keysUsed) },
              (_, i) => main.keysUsed - 1 - i,
            ).flatMap((key) =>
              Array.from({ length: ctx.workerCount }, () => ({ f: 'read', value: null, key })),
            ),
          );
          return final.next(ctx);
        },
      },
    };
  },
  clientRequest: (op) =>
    op.f === 'add' ? { type: 'add', key: op.key, delta: op.value } : { type: 'read', key: op.key },
  completeFromReply: (op, reply) => {
    if (op.f === 'read' && reply.type === 'read_ok') return { type: 'ok', value: reply.value };
    if (op.f === 'add' && reply.type === 'add_ok') return { type: 'ok', value: op.value };
    // An add that got an error may or may not have happened; a read changed nothing.
    return { type: op.f === 'read' ? 'fail' : 'info', value: op.value, error: reply };
  },
  isReadOnly: (op) => op.f === 'read',
});
