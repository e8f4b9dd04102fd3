import type { Op } from '../../src/history/op.js';

/**
 * A small, independent linearizability check for the register workload
 * (read / write / cas per key, Maelstrom lin-kv semantics), used by the Raft
 * tests next to the project's `linearizable` checker: Wing & Gong's search
 * per key, memoised on (linearized set, value). `ok` ops must be
 * linearized; `info` ops may be linearized or dropped; `fail` ops never
 * happened. Budgeted: out of budget the answer is 'unknown'.
 */

interface KOp {
  f: string;
  value: unknown;
  ok: boolean;
  invokeAt: number;
  /** Completion position; Infinity for info. */
  doneAt: number;
}

export interface LinResult {
  valid: boolean | 'unknown';
  key?: unknown;
  explored: number;
}

const ABSENT = '∅';

function step(state: string, op: KOp): string | undefined {
  switch (op.f) {
    case 'read':
      // The workload records a read of a missing key as ok with value null.
      return (op.value === null ? ABSENT : JSON.stringify(op.value)) === state ? state : undefined;
    case 'write':
      return JSON.stringify(op.value);
    case 'cas': {
      const [from, to] = op.value as [unknown, unknown];
      return JSON.stringify(from) === state ? JSON.stringify(to) : undefined;
    }
    default:
      throw new Error(`lin-kv: unknown f ${op.f}`);
  }
}

export function checkKvLinearizable(history: readonly Op[], budgetStates = 2_000_000): LinResult {
  const byKey = new Map<string, KOp[]>();
  const open = new Map<number | string, { key: string; op: KOp }>();
  history.forEach((o, pos) => {
    if (o.process === 'nemesis') return;
    if (o.type === 'invoke') {
      const key = JSON.stringify(o.key);
      const op: KOp = {
        f: o.f ?? '',
        value: o.value,
        ok: false,
        invokeAt: pos,
        doneAt: Number.POSITIVE_INFINITY,
      };
      open.set(o.process, { key, op });
      return;
    }
    const inv = open.get(o.process);
    if (!inv) return;
    open.delete(o.process);
    if (o.type === 'fail') return;
    if (o.type === 'ok') {
      inv.op.ok = true;
      inv.op.doneAt = pos;
      if (o.f === 'read') inv.op.value = o.value;
    } else if (o.f === 'read') {
      return; // an unknown read constrains nothing
    }
    let list = byKey.get(inv.key);
    if (!list) {
      list = [];
      byKey.set(inv.key, list);
    }
    list.push(inv.op);
  });
  for (const inv of open.values()) {
    if (inv.op.f === 'read') continue;
    let list = byKey.get(inv.key);
    if (!list) {
      list = [];
      byKey.set(inv.key, list);
    }
    list.push(inv.op);
  }
  let explored = 0;
  for (const [key, ops] of byKey) {
    ops.sort((a, b) => a.invokeAt - b.invokeAt);
    const r = searchKey(ops, budgetStates - explored);
    explored += r.explored;
    if (r.valid !== true) return { valid: r.valid, key: JSON.parse(key), explored };
  }
  return { valid: true, explored };
}

function searchKey(ops: KOp[], budget: number): LinResult {
  const n = ops.length;
  const okLeft = ops.filter((o) => o.ok).length;
  const done = new Uint8Array(n);
  const seen = new Set<string>();
  let explored = 0;
  // Iterative DFS over (done set, state); frames hold the next candidate to try.
  const stack: { state: string; next: number; chosen: number; okLeft: number }[] = [
    { state: ABSENT, next: 0, chosen: -1, okLeft },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.okLeft === 0) return { valid: true, explored };
    // The earliest completion among ops not yet linearized bounds which ops may go next.
    let minDone = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) if (!done[i] && ops[i].doneAt < minDone) minDone = ops[i].doneAt;
    let advanced = false;
    while (top.next < n) {
      const i = top.next++;
      if (done[i]) continue;
      if (ops[i].invokeAt > minDone) break;
      const s = step(top.state, ops[i]);
      if (s === undefined) continue;
      done[i] = 1;
      const memo = `${s}|${doneKey(done)}`;
      if (seen.has(memo)) {
        done[i] = 0;
        continue;
      }
      seen.add(memo);
      if (++explored > budget) return { valid: 'unknown', explored };
      stack.push({ state: s, next: 0, chosen: i, okLeft: top.okLeft - (ops[i].ok ? 1 : 0) });
      advanced = true;
      break;
    }
    if (!advanced) {
      const f = stack.pop();
      if (f && f.chosen >= 0) done[f.chosen] = 0;
    }
  }
  return { valid: false, explored };
}

function doneKey(done: Uint8Array): string {
  let s = '';
  for (let i = 0; i < done.length; i += 16) {
    let w = 0;
    for (let j = 0; j < 16 && i + j < done.length; j++) w |= done[i + j] << j;
    s += String.fromCharCode(w + 1);
  }
  return s;
}
