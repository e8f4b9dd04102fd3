import { type OpSpec, repeat } from '../../src/generator/generator.js';
import type { Body } from '../../src/sim/types.js';
import { completeAs, unregisteredFallback } from '../maelstrom/common.js';
import type { Workload } from '../types.js';

/**
 * Maelstrom's echo: `{type: "echo", echo: "Please echo 35"}` → `echo_ok`
 * with the same `echo`. The op's value is the string sent; the ok value is
 * the `echo` the reply carried (null if it had none).
 */
export const echoWorkload: Workload = {
  name: 'echo',
  description: "Maelstrom's echo: each request's payload must come back unchanged in echo_ok",
  checker: { name: 'echo', options: {} },
  fallbackChecker: unregisteredFallback('echo'),
  generator: () => ({ main: repeat((ctx) => ({ f: 'echo', value: `Please echo ${ctx.rng.int(128)}` })) }),
  clientRequest(op: OpSpec): Body {
    if (op.f !== 'echo') throw new Error(`echo workload: unknown f ${op.f}`);
    return { type: 'echo', echo: op.value };
  },
  completeFromReply: (op, reply) => completeAs(reply, 'echo_ok', op.value, true, (r) => r.echo ?? null),
  // An echo changes nothing: an indefinite error cannot have taken effect.
  isReadOnly: () => true,
};
