import type { Op } from '../../src/history/op.js';
import { mapEntries, nameOf, valueEquals } from '../../src/history/values.js';
import type { CheckResult } from '../types.js';
import { describeOp, MAX_EXAMPLES, pairClientOps, shortValue } from './history.js';

/**
 * Maelstrom's echo checker: every `ok` echo's value is exactly what its
 * invocation sent. The workload records the reply's `echo` field as the
 * value; a Maelstrom history records the whole reply body, whose `echo` is
 * taken. Failed and indefinite echoes observed nothing and are not judged
 * (Maelstrom's checker also counts them as errors: a timeout is not a wrong
 * echo). No ok echo → unknown.
 */
export function checkEcho(history: readonly Op[]): CheckResult {
  const paired = pairClientOps(history);
  if ('inputError' in paired) return { valid: 'unknown', ...paired };
  const { pairs } = paired;
  let checked = 0;
  let mismatchCount = 0;
  const report: string[] = [];
  const errors: { invoke: number; complete: number; sent: unknown; received: unknown }[] = [];
  for (const { invoke, complete } of pairs) {
    if (complete.f !== 'echo' || complete.type !== 'ok' || invoke === undefined) continue;
    checked++;
    const received = echoed(invoke.value, complete.value);
    if (valueEquals(invoke.value, received)) continue;
    mismatchCount++;
    if (errors.length < MAX_EXAMPLES) {
      errors.push({ invoke: invoke.index, complete: complete.index, sent: invoke.value, received });
      report.push(
        `wrong echo: ${describeOp(complete)} sent ${shortValue(invoke.value)} but received ${shortValue(received)}`,
      );
    }
  }
  if (checked === 0)
    return {
      valid: 'unknown',
      summary: 'no echo completed ok: nothing to judge',
      okCount: 0,
      mismatchCount: 0,
    };
  return {
    valid: mismatchCount === 0,
    summary:
      mismatchCount === 0
        ? `${checked} echoes, each returned what was sent`
        : `${mismatchCount} of ${checked} echoes returned something other than what was sent`,
    okCount: checked,
    mismatchCount,
    ...(errors.length > 0 ? { errors, report } : {}),
  };
}

/** The payload an ok completion carries: its value, or the `echo` of a recorded reply body. */
function echoed(sent: unknown, value: unknown): unknown {
  const entries = mapEntries(value);
  if (entries === undefined || mapEntries(sent) !== undefined) return value;
  // A recorded reply body: its `echo` field (a string key, or Maelstrom's keyword `:echo`).
  return entries.find(([k]) => nameOf(k) === 'echo')?.[1] ?? null;
}
