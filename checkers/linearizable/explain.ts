/**
 * A failure that explains itself: which op cannot be linearized, the longest
 * linearization found before it, the states the object could be in just
 * before it, and the ops concurrent with it. Everything is plain JSON.
 */
import { isValueInstance } from '../../src/history/values.js';
import { describeOp, describeState, type Model, show } from './model.js';
import type { PreparedOp } from './prepare.js';
import type { SearchOutcome } from './search.js';

export interface OpReport {
  process: number | string;
  f: string;
  /** The invocation's value. */
  value: unknown;
  key?: unknown;
  /** The ok completion's value; null when the outcome is unknown. */
  output: unknown;
  outcome: 'ok' | 'info' | 'pending';
  /** `index` of the invocation and of the completion (-1: none). */
  invokeIndex: number;
  completeIndex: number;
  /** As the model describes it, e.g. `cas [1 2] → ok`. */
  description: string;
}

export interface FailureReport {
  /** The key (the ops' `key` field) of the part that failed, when the history was split. */
  key?: unknown;
  /** The operation that cannot be linearized. */
  op: OpReport;
  /** One sentence for people. */
  explanation: string;
  /** The longest linearization found of what completed before op did, in order. */
  longestPrefix: OpReport[];
  /** Model states reachable just before op had to take effect (capped). */
  statesBefore: unknown[];
  statesBeforeDescribed: string[];
  statesTruncated: boolean;
  /** Ops whose interval overlaps op's, in real-time order (op included). */
  window: OpReport[];
}

export function reportOp<S>(model: Model<S>, o: PreparedOp): OpReport {
  const r: OpReport = {
    process: o.process,
    f: o.input.f,
    value: o.input.value,
    output: o.output === undefined ? null : o.output,
    outcome: o.outcome,
    invokeIndex: o.invokeIndex,
    completeIndex: o.completeIndex,
    description: describeOp(model, o.input, o.output),
  };
  if (o.input.key !== undefined) r.key = o.input.key;
  return r;
}

/** The ops whose intervals overlap `x`, x included, in call order. */
export function concurrentWith(ops: readonly PreparedOp[], x: PreparedOp): PreparedOp[] {
  return ops.filter((o) => o.callPos < x.retPos && o.retPos > x.callPos);
}

/**
 * States named in the one-line explanation: a map-valued object's states run to hundreds of characters
 * each, and the search keeps up to 32 of them. All of them stay in `statesBefore` and the report.
 */
const STATES_IN_EXPLANATION = 4;

function statesMore(count: number, truncated: boolean): string {
  if (count <= STATES_IN_EXPLANATION) return truncated ? ', …' : '';
  return `, … (${count}${truncated ? '+' : ''} states in all)`;
}

export function explainFailure<S>(
  model: Model<S>,
  ops: readonly PreparedOp[],
  outcome: SearchOutcome<S>,
  key: string | number | undefined,
): FailureReport {
  const x = ops[outcome.failing!];
  const raw = outcome.statesBefore ?? [];
  // Plain data (a model state may serialise as something simpler, like Text as its string); history values as they are.
  const states = raw.map((st) => (st === undefined ? null : plainState(st, 0)));
  const described = raw.map((s) => describeState(model, s));
  const op = reportOp(model, x);
  // The key as the history spells it (the part key may be an internal form).
  const shownKey = key === undefined ? undefined : x.input.key !== undefined ? x.input.key : key;
  const where = shownKey === undefined ? '' : ` on key ${show(shownKey)}`;
  const stateText =
    described.length === 0
      ? 'no state'
      : described.length === 1
        ? `state ${described[0]}`
        : `any of the states ${described.slice(0, STATES_IN_EXPLANATION).join(', ')}${statesMore(described.length, outcome.statesTruncated === true)}`;
  const explanation =
    `${op.description} by process ${String(x.process)} (index ${x.invokeIndex}..${x.completeIndex})${where} ` +
    `cannot be linearized: every order of the operations before it leaves the object in ${stateText}, ` +
    `and from there ${op.description} is impossible, whatever the concurrent operations do`;
  const report: FailureReport = {
    op,
    explanation,
    longestPrefix: (outcome.prefix ?? []).map((i) => reportOp(model, ops[i])),
    statesBefore: states,
    statesBeforeDescribed: described,
    statesTruncated: outcome.statesTruncated ?? false,
    window: concurrentWith(ops, x).map((o) => reportOp(model, o)),
  };
  if (shownKey !== undefined) report.key = shownKey;
  return report;
}

/** A model state as data for the result: history values kept, other objects by their toJSON (Text → its string). */
function plainState(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object' || depth > 1000 || isValueInstance(v)) return v;
  if (Array.isArray(v)) return v.map((x) => plainState(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v))
      Object.defineProperty(out, k, {
        value: plainState((v as Record<string, unknown>)[k], depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  return typeof toJSON === 'function' ? toJSON.call(v) : v;
}
