/**
 * The model contract of the linearizability checker: a sequential
 * specification given as a pure step function over small, hashable states
 * (Porcupine's surface). Everything else about the search is internal.
 * Values are history values (src/history/values.ts); compare them with
 * `sameValue` (Clojure's `=`), never with `===` or JSON text.
 */
import { excerpt, writeEdn } from '../../src/history/edn.js';
import { writeTxn } from '../../src/history/edn-history.js';
import { valueEquals } from '../../src/history/values.js';

/** What a model sees of an operation: its invocation. */
export interface ModelInput {
  /** read, write, cas, get, put, append, add, enqueue, dequeue, acquire, release, … */
  f: string;
  /** The invocation's value: what to write, `[from, to]` for a cas, usually null for a read. */
  value: unknown;
  /** The op's `key` field, when the history has one (kv and kv-append). */
  key?: unknown;
}

/**
 * A sequential specification.
 *
 * `step(state, input, output)` applies one operation to a state and answers
 * with the states that may follow (empty: the operation cannot happen in that
 * state with that output), or `true` (legal, state unchanged) / `false`
 * (illegal). `output` is the value of the `ok` completion, or `undefined`
 * when the outcome is unknown (`info`, or no completion): then any outcome
 * the operation could have had must be accepted.
 *
 * States must be treated as immutable: return new ones, never edit.
 */
export interface Model<S = unknown> {
  readonly name: string;
  /** One line for the help text. */
  readonly description?: string;
  init(): S;
  step(state: S, input: ModelInput, output: unknown): boolean | readonly S[];
  /**
   * Identity of a state for memoisation. Equal states must hash equal. Without
   * `equal`, equal hashes mean equal states (the hash is then a canonical key,
   * strings are fine). Default: primitives by value, other states by their
   * `valueKey` (equal under Clojure's `=`, equal key).
   */
  hash?(state: S): number | string;
  equal?(a: S, b: S): boolean;
  /**
   * P-compositionality: the part of the object an operation touches. Operations
   * with different keys are checked independently. `undefined` for any op
   * means the history cannot be split.
   */
  partition?(input: ModelInput): string | number | undefined;
  /**
   * With `partition`: the model each part is checked with, its state being one
   * key's only (a map of registers checks each key as a register). Default:
   * this model.
   */
  perKey?: Model<unknown>;
  /**
   * With `perKey`: the whole state from its keys' states (keys as `partition`
   * gives them; keys in their initial state may be left out). Lets a history
   * checked as one object keep its state as a tuple of per-key states.
   */
  fromKeys?(entries: readonly (readonly [string | number, unknown])[]): S;
  /** True if the operation never changes the state: with an unknown outcome it is dropped. */
  readOnly?(input: ModelInput): boolean;
  /**
   * With `readOnly`: the one state in which the read-only op with this
   * (known) output is legal — it must be illegal in every state not equal to
   * it, as `hash`/`equal` judge. Lets the search test a read by comparing
   * state ids instead of calling `step`. Answer undefined when there is no
   * such state to give (then `step` decides).
   */
  readState?(input: ModelInput, output: unknown): S | undefined;
  /**
   * For a model whose states grow (a string appended to, a grow-only set):
   * false only when no sequence of operations that do not reset the state
   * (see `resets`) can lead from `from` to a state equal to `to`. With
   * `readState`, lets the search drop a configuration as soon as the next
   * read to return can never fit. When unsure, answer true.
   */
  reaches?(from: S, to: S): boolean;
  /**
   * With `reaches`: true for an operation that may lead to states `reaches`
   * does not account for (a put that replaces the string). Default: every
   * operation that is not read-only.
   */
  resets?(input: ModelInput): boolean;
  /**
   * With `resets`: the state a resetting operation always leaves, whatever
   * the state before it and its outcome (a put's value); undefined when it
   * depends on them. The search then only needs the read's state to be
   * reachable from there.
   */
  resetState?(input: ModelInput): S | undefined;
  describeOperation?(input: ModelInput, output: unknown): string;
  describeState?(state: S): string;
}

/**
 * Equality of history values: Clojure's `=`, as Knossos' models compare
 * (src/history/values.ts): 1 ≠ 1.0, :a ≠ "a", #{1 2} ≠ [1 2], (1 2) = [1 2].
 */
export const sameValue: (a: unknown, b: unknown) => boolean = valueEquals;

/** A short, readable rendering of a history value, as EDN (nil for null, like Jepsen). */
export function show(x: unknown): string {
  if (x === undefined) return '?';
  try {
    // A transaction's micro-op functions are names: shown as keywords, as Jepsen writes them.
    if (Array.isArray(x) && x.length > 0 && x.every((m) => Array.isArray(m) && typeof m[0] === 'string'))
      return excerpt(writeTxn(x), 200);
    return excerpt(writeEdn(x), 200);
  } catch {
    return String(x);
  }
}

/** Default `describeOperation`: `cas [1 2] → ok`, `read → 3`, `write 4 → ?`. */
export function describeOp<S>(model: Model<S>, input: ModelInput, output: unknown): string {
  if (model.describeOperation) return model.describeOperation(input, output);
  const key = input.key === undefined ? '' : ` key ${show(input.key)}`;
  const arg = input.value === null || input.value === undefined ? '' : ` ${show(input.value)}`;
  const out = output === undefined ? '?' : sameValue(output, input.value) && arg !== '' ? 'ok' : show(output);
  return `${input.f}${key}${arg} → ${out}`;
}

export function describeState<S>(model: Model<S>, state: S): string {
  return model.describeState ? model.describeState(state) : show(state);
}
