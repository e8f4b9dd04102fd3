import type { HistoryProblem, Severity } from './errors.js';
import type { History, Op } from './op.js';
import { ProcessMap } from './process-map.js';

export interface ValidateOptions {
  /** `validate --strict`: every warning is an error. */
  strict?: boolean;
}

interface Outstanding {
  op: Op;
  line: number;
}

/**
 * Check that a history is well-formed, Jepsen's way, and say how bad each
 * problem is.
 *
 * Errors (no command reads the history): two ops with the same `index`.
 * (What cannot be parsed at all is a HistoryParseError from the reader.)
 *
 * Warnings (errors only with `strict`): shapes real tools write and some
 * checkers accept, or that carry no meaning in Jepsen:
 * - `time` going back: Jepsen takes `:time` on many threads, so times across
 *   processes are not ordered; the file's order (or `:index`) is the
 *   history's order;
 * - ops listed out of `:index` order (they are read in `:index` order);
 * - a completion with no invocation by its process, and a second invocation
 *   while one is in flight (Elle accepts both; the linearizable checker
 *   refuses them itself);
 * - an invocation by a process after its `info` (Jepsen gives a crashed
 *   process a fresh number);
 * - a completion whose f differs from its invocation's.
 * The nemesis is exempt from the per-process rules: it may overlap itself.
 * Returns every problem found, in line order.
 */
export function validateHistory(history: History, opts: ValidateOptions = {}): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  const warn: Severity = opts.strict ? 'error' : 'warning';
  const add = (line: number, severity: Severity, kind: string, message: string) =>
    problems.push({ line, severity, kind, message });
  const outstanding = new ProcessMap<Outstanding>();
  const crashedAt = new ProcessMap<number>();
  const { ops, lines } = history;
  if (history.reorderedByIndex) {
    add(
      0,
      warn,
      'index-order',
      'the ops are not listed in :index order; they are read in :index order (Jepsen history order)',
    );
  }
  // Indices that only ever increase cannot repeat: the map of seen ones is built only once one does not.
  let seenIndex: Map<number, number> | undefined;
  let maxIndex = -1;
  let prevTime = Number.NEGATIVE_INFINITY;
  let prevTimeLine = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const line = lines[i] ?? i + 1;
    if (op.index > maxIndex && seenIndex === undefined) maxIndex = op.index;
    else {
      if (seenIndex === undefined) {
        seenIndex = new Map();
        for (let j = 0; j < i; j++)
          if (!seenIndex.has(ops[j].index)) seenIndex.set(ops[j].index, lines[j] ?? j + 1);
      }
      const dup = seenIndex.get(op.index);
      if (dup !== undefined) {
        add(line, 'error', 'duplicate-index', `index ${op.index} was already used by the op on line ${dup}`);
      } else seenIndex.set(op.index, line);
    }
    if (op.time < prevTime) {
      add(
        line,
        warn,
        'time-goes-back',
        `time ${op.time} goes back (the op on line ${prevTimeLine} has time ${prevTime}); the file's order is the history's order`,
      );
    }
    if (op.time >= prevTime) {
      prevTime = op.time;
      prevTimeLine = line;
    }
    if (op.process === 'nemesis') continue;
    const p = op.process;
    const f = op.f ?? '(no f)';
    const crashed = crashedAt.get(p);
    if (op.type === 'invoke') {
      if (crashed !== undefined) {
        add(
          line,
          warn,
          'invoke-after-info',
          `process ${p} invokes ${f} after its info on line ${crashed}; a process that got info must not issue another operation (use a fresh process number)`,
        );
      }
      const open = outstanding.get(p);
      if (open) {
        add(
          line,
          warn,
          'concurrent-invocations',
          `process ${p} invokes ${f} while its ${open.op.f ?? '(no f)'} from line ${open.line} is still outstanding`,
        );
      }
      outstanding.set(p, { op, line });
      continue;
    }
    const open = outstanding.get(p);
    if (!open) {
      add(
        line,
        warn,
        'completion-without-invocation',
        `${op.type} ${f} by process ${p} has no earlier invocation by that process`,
      );
      if (op.type === 'info') crashedAt.set(p, line);
      continue;
    }
    if (open.op.f !== op.f) {
      add(
        line,
        warn,
        'f-differs',
        `${op.type} ${f} by process ${p} completes its invocation of ${open.op.f ?? '(no f)'} on line ${open.line} (f differs)`,
      );
    }
    outstanding.delete(p);
    if (op.type === 'info') crashedAt.set(p, line);
  }
  return problems;
}

/** Only the errors among problems. */
export function errorsOf(problems: readonly HistoryProblem[]): HistoryProblem[] {
  return problems.filter((p) => p.severity === 'error');
}
