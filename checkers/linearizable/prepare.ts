/**
 * From a Jepsen history to the operations the search works on: invocations
 * paired with their completions, Jepsen's semantics applied, split per key.
 *
 * - `fail`: the operation never took effect, so it is dropped.
 * - `info`, or no completion by the end: it may take effect once, at any time
 *   after its invocation, or never; its return is at +infinity and its output
 *   is unknown. An unknown-outcome operation that cannot change the state (a
 *   read) says nothing and is dropped.
 * - nemesis operations are not operations on the object: ignored.
 */
import type { Op } from '../../src/history/op.js';
import { type Model, type ModelInput, sameValue, show } from './model.js';

export interface PreparedOp {
  input: ModelInput;
  /** The ok completion's value; undefined when the outcome is unknown. */
  output: unknown;
  /** True when the op completed ok (it must be linearized). */
  known: boolean;
  /** Position of the invocation in the history (real-time order). */
  callPos: number;
  /** Position of the ok completion; Infinity when unknown. */
  retPos: number;
  /** Position of the completion whatever its type (ok or info); -1 when there is none. */
  completePos: number;
  process: number | string;
  /** `index` fields of the invocation and of the completion (-1: none). */
  invokeIndex: number;
  completeIndex: number;
  /** Type of the completion: ok, info, or pending (none at all). */
  outcome: 'ok' | 'info' | 'pending';
}

export interface Part {
  /** The partition key; undefined when the history is checked as one object. */
  key: string | number | undefined;
  /** Sorted by invocation. */
  ops: PreparedOp[];
}

export interface Prepared {
  parts: Part[];
  /** Operations kept, over all parts. */
  opCount: number;
  dropped: { failed: number; unknownReads: number };
}

/** A history the checker cannot read as operations (a completion with no invocation). */
export class MalformedHistoryError extends Error {}

export function pairOperations(
  history: readonly Op[],
  model: Model,
): { ops: PreparedOp[]; dropped: Prepared['dropped'] } {
  const open = new Map<number | string, { op: Op; pos: number }>();
  const ops: PreparedOp[] = [];
  // Slots keep invocation order even though ops are only finished on completion.
  const slots: (PreparedOp | null)[] = [];
  const slotOf = new Map<number | string, number>();
  const dropped = { failed: 0, unknownReads: 0 };
  const readOnly = model.readOnly?.bind(model);

  const finishUnknown = (
    inv: Op,
    pos: number,
    slot: number,
    outcome: 'info' | 'pending',
    completePos = -1,
  ) => {
    const input = inputOf(inv);
    if (readOnly?.(input)) {
      dropped.unknownReads++;
      slots[slot] = null;
      return;
    }
    slots[slot] = {
      input,
      output: undefined,
      known: false,
      callPos: pos,
      retPos: Number.POSITIVE_INFINITY,
      completePos,
      process: inv.process,
      invokeIndex: inv.index,
      completeIndex: -1,
      outcome,
    };
  };

  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos];
    if (op.process === 'nemesis') continue;
    const p = op.process;
    if (op.type === 'invoke') {
      const prev = open.get(p);
      // A process that invokes again without completing: the earlier op's outcome is unknown.
      if (prev) finishUnknown(prev.op, prev.pos, slotOf.get(p)!, 'pending');
      open.set(p, { op, pos });
      slotOf.set(p, slots.length);
      slots.push(null);
      continue;
    }
    const inv = open.get(p);
    if (!inv) {
      throw new MalformedHistoryError(
        `op index ${op.index}: ${op.type} ${op.f} by process ${String(p)} has no invocation before it`,
      );
    }
    open.delete(p);
    const slot = slotOf.get(p)!;
    if (op.type === 'fail') {
      dropped.failed++;
      continue;
    }
    if (op.type === 'info') {
      finishUnknown(inv.op, inv.pos, slot, 'info', pos);
      continue;
    }
    slots[slot] = {
      input: inputOf(inv.op),
      output: op.value === undefined ? null : op.value,
      known: true,
      callPos: inv.pos,
      retPos: pos,
      completePos: pos,
      process: p,
      invokeIndex: inv.op.index,
      completeIndex: op.index,
      outcome: 'ok',
    };
  }
  for (const [p, inv] of open) finishUnknown(inv.op, inv.pos, slotOf.get(p)!, 'pending');
  for (const s of slots) if (s) ops.push(s);
  return { ops, dropped };
}

/**
 * A Jepsen `independent` history (every client op's value a tuple
 * `[key value]`) as a keyed one: op for op, the tuple's key in the op's `key`
 * field and its value unwrapped (positions and indices unchanged, so the
 * original events can still be shown). Nemesis ops pass as they are.
 */
export function unwrapIndependent(history: readonly Op[]): Op[] {
  const invokedKey = new Map<number | string, unknown>();
  const out: Op[] = new Array(history.length);
  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos];
    const p = op.process;
    if (p === 'nemesis') {
      out[pos] = op;
      continue;
    }
    const v = op.value;
    const what = `op index ${op.index}: ${op.type} ${op.f} by process ${String(p)}`;
    if (!Array.isArray(v) || v.length !== 2) {
      throw new MalformedHistoryError(
        `${what} has value ${show(v)}, not a tuple [key value] (independent: every client op's value must be one)`,
      );
    }
    const key: unknown = v[0];
    if (key === null || key === undefined)
      throw new MalformedHistoryError(`${what} has a nil key in ${show(v)}`);
    if (op.type === 'invoke') invokedKey.set(p, key);
    else {
      const invoked = invokedKey.get(p);
      invokedKey.delete(p);
      if (invoked !== undefined && !sameValue(invoked, key)) {
        throw new MalformedHistoryError(`${what} has key ${show(key)}, its invocation key ${show(invoked)}`);
      }
    }
    out[pos] = { ...op, key, value: v[1] };
  }
  return out;
}

function inputOf(inv: Op): ModelInput {
  const input: ModelInput = { f: inv.f, value: inv.value === undefined ? null : inv.value };
  if (inv.key !== undefined) input.key = inv.key;
  return input;
}

/** Pair the history and split it per key when the model allows and `split` is on. */
export function prepare(history: readonly Op[], model: Model, split: boolean): Prepared {
  const { ops, dropped } = pairOperations(history, model);
  const whole: Prepared = { parts: [{ key: undefined, ops }], opCount: ops.length, dropped };
  if (!split || !model.partition || ops.length === 0) return whole;
  const byKey = new Map<string | number, PreparedOp[]>();
  for (const op of ops) {
    const k = model.partition(op.input);
    if (k === undefined) return whole;
    let part = byKey.get(k);
    if (!part) {
      part = [];
      byKey.set(k, part);
    }
    part.push(op);
  }
  const parts: Part[] = [];
  for (const [key, partOps] of byKey) parts.push({ key, ops: partOps });
  return { parts, opCount: ops.length, dropped };
}
