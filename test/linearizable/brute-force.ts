/**
 * A brute-force linearizability oracle for small histories, written apart
 * from the checker (own pairing, own sequential specs): try every subset of
 * the unknown-outcome operations and every order of the chosen operations
 * that respects real time, and run the specification along it.
 */
import type { Op } from '../../src/history/op.js';

interface Interval {
  f: string;
  key: unknown;
  value: unknown;
  output: unknown;
  known: boolean;
  call: number;
  ret: number;
}

export type SpecName = 'register' | 'cas-register' | 'fifo-queue' | 'counter' | 'kv-append' | 'set';

function eq(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Apply one op; undefined when it cannot happen with that output. */
function apply(spec: SpecName, state: unknown, op: Interval): unknown[] {
  if (spec === 'kv-append') {
    // A map of strings, each key "" at first.
    const m = state as Record<string, string>;
    const k = String(op.key);
    const cur = m[k] ?? '';
    if (op.f === 'put') return [{ ...m, [k]: String(op.value) }];
    if (op.f === 'append') return [{ ...m, [k]: cur + String(op.value) }];
    return !op.known || op.output === cur ? [m] : [];
  }
  if (spec === 'set') {
    // The elements as a list without repeats; a read must list each exactly once, in any order.
    const elems = state as unknown[];
    if (op.f === 'add') return elems.some((e) => eq(e, op.value)) ? [elems] : [[...elems, op.value]];
    if (!op.known) return [elems];
    const out = op.output;
    if (!Array.isArray(out) || out.length !== elems.length) return [];
    const everyOnce = elems.every((e) => out.filter((x) => eq(x, e)).length === 1);
    return everyOnce ? [elems] : [];
  }
  if (spec === 'counter') {
    if (op.f === 'add') return [(state as number) + (op.value as number)];
    return !op.known || op.output === state ? [state] : [];
  }
  if (spec === 'fifo-queue') {
    const q = state as unknown[];
    if (op.f === 'enqueue') return [[...q, op.value]];
    // dequeue
    if (!op.known) return q.length === 0 ? [q] : [q.slice(1)];
    if (op.output === null) return q.length === 0 ? [q] : [];
    return q.length > 0 && eq(q[0], op.output) ? [q.slice(1)] : [];
  }
  if (op.f === 'write') return [op.value];
  if (op.f === 'read') return !op.known || eq(state, op.output) ? [state] : [];
  // cas
  const [from, to] = op.value as [unknown, unknown];
  if (eq(state, from)) return [to];
  return op.known ? [] : [state];
}

function intervals(history: readonly Op[]): Interval[] {
  const open = new Map<unknown, { op: Op; pos: number }>();
  const out: Interval[] = [];
  history.forEach((op, pos) => {
    if (op.process === 'nemesis') return;
    if (op.type === 'invoke') {
      open.set(op.process, { op, pos });
      return;
    }
    const inv = open.get(op.process)!;
    open.delete(op.process);
    if (op.type === 'fail') return;
    const known = op.type === 'ok';
    out.push({
      f: inv.op.f ?? '',
      key: inv.op.key,
      value: inv.op.value,
      output: known ? op.value : undefined,
      known,
      call: inv.pos,
      ret: known ? pos : Number.POSITIVE_INFINITY,
    });
  });
  for (const { op, pos } of open.values()) {
    out.push({
      f: op.f ?? '',
      key: op.key,
      value: op.value,
      output: undefined,
      known: false,
      call: pos,
      ret: Number.POSITIVE_INFINITY,
    });
  }
  return out;
}

export function bruteForceLinearizable(history: readonly Op[], spec: SpecName): boolean {
  const ops = intervals(history);
  const unknown = ops.filter((o) => !o.known);
  const known = ops.filter((o) => o.known);
  const init: unknown =
    spec === 'fifo-queue' || spec === 'set' ? [] : spec === 'kv-append' ? {} : spec === 'counter' ? 0 : null;
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...known, ...unknown.filter((_, i) => mask & (1 << i))];
    const used = new Array<boolean>(chosen.length).fill(false);
    const search = (state: unknown, done: number): boolean => {
      if (done === chosen.length) return true;
      for (let i = 0; i < chosen.length; i++) {
        if (used[i]) continue;
        // i may go next only if no other pending op returned before i was called.
        let minimal = true;
        for (let j = 0; j < chosen.length; j++) {
          if (j !== i && !used[j] && chosen[j].ret < chosen[i].call) minimal = false;
        }
        if (!minimal) continue;
        for (const next of apply(spec, state, chosen[i])) {
          used[i] = true;
          const ok = search(next, done + 1);
          used[i] = false;
          if (ok) return true;
        }
      }
      return false;
    };
    if (search(init, 0)) return true;
  }
  return false;
}
