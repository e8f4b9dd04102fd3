import type { HistoryProblem } from './errors.js';
import type { History, Op } from './op.js';

interface Outstanding {
  op: Op;
  line: number;
}

/**
 * Check that a history is well-formed, Jepsen's way:
 * - every completion pairs with an earlier invocation by the same process;
 * - at most one outstanding operation per process;
 * - a process that got `info` issues nothing after it (Jepsen gives a
 *   crashed process a fresh number);
 * - a completion has the f of its invocation;
 * - `index` increases and `time` never goes back.
 * The nemesis is exempt from the per-process rules: it may overlap itself.
 * Returns every problem found, in line order.
 */
export function validateHistory(history: History): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  const outstanding = new Map<number, Outstanding>();
  const crashedAt = new Map<number, number>();
  const { ops, lines } = history;
  let prevIndex = -1;
  let prevTime = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const line = lines[i] ?? i + 1;
    if (op.index <= prevIndex)
      problems.push({
        line,
        message: `index ${op.index} does not increase (previous op has index ${prevIndex})`,
      });
    if (op.time < prevTime)
      problems.push({ line, message: `time ${op.time} goes back (previous op has time ${prevTime})` });
    prevIndex = Math.max(prevIndex, op.index);
    prevTime = Math.max(prevTime, op.time);
    if (op.process === 'nemesis') continue;
    const p = op.process;
    const crashed = crashedAt.get(p);
    if (op.type === 'invoke') {
      if (crashed !== undefined) {
        problems.push({
          line,
          message: `process ${p} invokes ${op.f} after its info on line ${crashed}; a process that got info must not issue another operation (use a fresh process number)`,
        });
      }
      const open = outstanding.get(p);
      if (open) {
        problems.push({
          line,
          message: `process ${p} invokes ${op.f} while its ${open.op.f} from line ${open.line} is still outstanding`,
        });
      }
      outstanding.set(p, { op, line });
      continue;
    }
    const open = outstanding.get(p);
    if (!open) {
      problems.push({
        line,
        message: `${op.type} ${op.f} by process ${p} has no earlier invocation by that process`,
      });
      continue;
    }
    if (open.op.f !== op.f) {
      problems.push({
        line,
        message: `${op.type} ${op.f} by process ${p} completes its invocation of ${open.op.f} on line ${open.line} (f differs)`,
      });
    }
    outstanding.delete(p);
    if (op.type === 'info') crashedAt.set(p, line);
  }
  return problems;
}
