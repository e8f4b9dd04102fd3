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
import { ProcessMap } from '../../src/history/process-map.js';
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
export class MalformedHistoryError extends Error {
  constructor(
    message: string,
    /** The `index` of the op at fault. */
    readonly opIndex?: number,
  ) {
    super(message);
  }
}

export function pairOperations(
  history: readonly Op[],
  model: Model,
): { ops: PreparedOp[]; dropped: Prepared['dropped'] } {
  // Each op is made at its invocation, in invocation order, and completed in
  // place: one object of one shape per op, no second pass to order them.
  // Failed ops and unknown reads are dropped at the end (few, usually none).
  const all: PreparedOp[] = [];
  const open = new ProcessMap<PreparedOp>();
  const dropped = { failed: 0, unknownReads: 0 };
  const readOnly = model.readOnly?.bind(model);
  let drops = 0;
  /** An op whose outcome stays unknown: dropped when it cannot change the state. */
  const unknown = (o: PreparedOp, outcome: 'info' | 'pending', completePos: number) => {
    o.outcome = outcome;
    o.completePos = completePos;
    if (readOnly?.(o.input)) {
      dropped.unknownReads++;
      o.callPos = -1;
      drops++;
    }
  };
  for (let pos = 0; pos < history.length; pos++) {
    const op = history[pos];
    const p = op.process;
    if (p === 'nemesis') continue;
    if (op.f === undefined) {
      throw new MalformedHistoryError(
        `op index ${op.index}: ${op.type} by process ${String(p)} has no f; the linearizable checker needs every operation's function`,
        op.index,
      );
    }
    if (op.type === 'invoke') {
      const prev = open.get(p);
      // Which completion answers which invocation cannot be told: refuse, as Jepsen's rule says.
      if (prev !== undefined) {
        throw new MalformedHistoryError(
          `op index ${op.index}: process ${String(p)} invokes ${op.f} while its ${prev.input.f} (op index ${prev.invokeIndex}) has not completed; the linearizable checker needs one operation at a time per process (Elle's checkers accept such histories)`,
          op.index,
        );
      }
      const o: PreparedOp = {
        input: { f: op.f, value: op.value === undefined ? null : op.value, key: op.key },
        output: undefined,
        known: false,
        callPos: pos,
        retPos: Number.POSITIVE_INFINITY,
        completePos: -1,
        process: p,
        invokeIndex: op.index,
        completeIndex: -1,
        outcome: 'pending',
      };
      all.push(o);
      open.set(p, o);
      continue;
    }
    const o = open.get(p);
    if (o === undefined) {
      throw new MalformedHistoryError(
        `op index ${op.index}: ${op.type} ${op.f} by process ${String(p)} has no invocation before it; the linearizable checker needs every operation's invocation (Elle's checkers accept histories of completions only)`,
        op.index,
      );
    }
    open.delete(p);
    if (op.type === 'fail') {
      dropped.failed++;
      o.callPos = -1;
      drops++;
    } else if (op.type === 'info') {
      unknown(o, 'info', pos);
    } else {
      o.output = op.value === undefined ? null : op.value;
      o.known = true;
      o.retPos = pos;
      o.completePos = pos;
      o.completeIndex = op.index;
      o.outcome = 'ok';
    }
  }
  for (const o of open.values()) unknown(o, 'pending', -1);
  const ops = drops === 0 ? all : all.filter((o) => o.callPos >= 0);
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
        op.index,
      );
    }
    const key: unknown = v[0];
    if (key === null || key === undefined)
      throw new MalformedHistoryError(`${what} has a nil key in ${show(v)}`, op.index);
    if (op.type === 'invoke') invokedKey.set(p, key);
    else {
      const invoked = invokedKey.get(p);
      invokedKey.delete(p);
      if (invoked !== undefined && !sameValue(invoked, key)) {
        throw new MalformedHistoryError(
          `${what} has key ${show(key)}, its invocation key ${show(invoked)}`,
          op.index,
        );
      }
    }
    out[pos] = { ...op, key, value: v[1] };
  }
  return out;
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
