import type { Op } from '../../src/history/op.js';
import { valueKey } from '../../src/history/values.js';
import type { CheckResult } from '../types.js';
import { MAX_EXAMPLES, shortValue } from './history.js';

/**
 * Jepsen's `unique-ids` checker, as Maelstrom's unique-ids workload uses it:
 * every id an `ok` `generate` returned is distinct. Counts as Jepsen prints
 * them: attempted (invocations), acknowledged (ok completions), duplicated
 * (ids returned more than once, each with how many times) and the range
 * [min, max] of the ids when they are all numbers or all strings. No ok
 * generate → unknown.
 */
export function checkUniqueIds(history: readonly Op[]): CheckResult {
  let attemptedCount = 0;
  const counts = new Map<string, { id: unknown; count: number; ops: number[] }>();
  let acknowledgedCount = 0;
  let min: number | string | undefined;
  let max: number | string | undefined;
  let rangeKind: 'number' | 'string' | 'mixed' | undefined;
  for (const op of history) {
    if (op.process === 'nemesis' || op.f !== 'generate') continue;
    if (op.type === 'invoke') {
      attemptedCount++;
      continue;
    }
    if (op.type !== 'ok') continue;
    acknowledgedCount++;
    const id = op.value;
    const k = valueKey(id);
    const seen = counts.get(k);
    if (seen) {
      seen.count++;
      if (seen.ops.length < 4) seen.ops.push(op.index);
    } else counts.set(k, { id, count: 1, ops: [op.index] });
    const kind = typeof id === 'number' ? 'number' : typeof id === 'string' ? 'string' : 'mixed';
    rangeKind = rangeKind === undefined || rangeKind === kind ? kind : 'mixed';
    if (kind !== 'mixed' && rangeKind !== 'mixed') {
      const v = id as number | string;
      if (min === undefined || v < min) min = v;
      if (max === undefined || v > max) max = v;
    }
  }
  const dups = [...counts.values()].filter((c) => c.count > 1).sort((a, b) => b.count - a.count);
  const base = {
    attemptedCount,
    acknowledgedCount,
    duplicatedCount: dups.length,
    ...(rangeKind !== undefined && rangeKind !== 'mixed' ? { range: [min, max] } : {}),
  };
  if (acknowledgedCount === 0)
    return {
      valid: 'unknown',
      summary: 'no generate completed ok: nothing to judge',
      ...base,
      duplicated: [],
    };
  const duplicated = dups.slice(0, 48).map((d) => ({ id: d.id, count: d.count, ops: d.ops }));
  return {
    valid: dups.length === 0,
    summary:
      dups.length === 0
        ? `${acknowledgedCount} ids acknowledged (of ${attemptedCount} attempted), all distinct`
        : `${dups.length} ids returned more than once (of ${acknowledgedCount} acknowledged)`,
    ...base,
    duplicated,
    ...(dups.length > 0
      ? {
          report: dups
            .slice(0, MAX_EXAMPLES)
            .map(
              (d) => `duplicate id ${shortValue(d.id)} returned ${d.count} times (ops ${d.ops.join(', ')})`,
            ),
        }
      : {}),
  };
}
