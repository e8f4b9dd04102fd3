/**
 * A linearizability failure as the report shows it, in the manner of
 * Porcupine's visualizer: the failing window drawn per process (the
 * checker's own linear.svg picture, with times), the longest linearization
 * found with the states the object can be in after each of its operations,
 * the states just before the operation that cannot be linearized, and the
 * minimal witness.
 */
import type { FailureReport, OpReport, Witness } from '../../checkers/linearizable/index.js';
import { describeState, type Model, type ModelInput } from '../../checkers/linearizable/model.js';
import { findModel } from '../../checkers/linearizable/models.js';
import { renderFailureSvg, shownOperations } from '../../checkers/linearizable/render.js';

/** States listed per step at most; more are counted. */
const STATES_PER_STEP = 8;

export interface PrefixStep {
  n: number;
  process: string;
  description: string;
  outcome: string;
  invokeIndex: number;
  completeIndex: number;
  /** The model's states after this step of the order; null when they could not be worked out. */
  statesAfter: string[] | null;
  statesAfterTruncated: boolean;
}

export interface LinearView {
  explanation: string;
  key: string | null;
  failing: { process: string; description: string; invokeIndex: number; completeIndex: number };
  /** The failing window, as linear.svg draws it: the ops concurrent with the failing one, and the last ones linearized before it. */
  windowInvokeIndices: number[];
  svg: string;
  prefix: PrefixStep[];
  statesBefore: string[];
  statesTruncated: boolean;
  witness: { operations: number; reducedFrom: number; minimal: boolean; svg: string } | null;
}

function statesAlong(modelName: string, report: FailureReport, split: boolean): (string[] | null)[] | null {
  const whole = findModel(modelName);
  if (!whole) return null;
  const model: Model<unknown> = (split && whole.perKey ? whole.perKey : whole) as Model<unknown>;
  const key = (s: unknown) => {
    const h = model.hash ? model.hash(s) : JSON.stringify(s);
    return typeof h === 'number' ? `#${h}` : String(h);
  };
  let states: unknown[] = [model.init()];
  const out: (string[] | null)[] = [];
  for (const o of report.longestPrefix) {
    const input: ModelInput = { f: o.f, value: o.value };
    if (o.key !== undefined) input.key = o.key;
    const output = o.outcome === 'ok' ? o.output : undefined;
    const next = new Map<string, unknown>();
    for (const s of states) {
      const r = model.step(s, input, output);
      const after = r === true ? [s] : r === false ? [] : r;
      for (const a of after) next.set(key(a), a);
    }
    // The order was found by the checker, so every step is legal; if not, say nothing rather than guess.
    if (next.size === 0) return null;
    states = [...next.values()];
    out.push(states.map((s) => describeState(model, s)));
  }
  return out;
}

export function buildLinearView(
  result: {
    model?: unknown;
    independent?: unknown;
    failure?: FailureReport;
    witness?: Witness;
    partitions?: unknown;
  },
  timeOfIndex: (index: number) => number | undefined,
): LinearView | null {
  const failure = result.failure;
  if (!failure) return null;
  let states: (string[] | null)[] | null = null;
  if (typeof result.model === 'string' && result.independent !== true) {
    try {
      states = statesAlong(result.model, failure, failure.key !== undefined);
    } catch {
      states = null;
    }
  }
  const step = (o: OpReport, i: number): PrefixStep => {
    const after = states?.[i] ?? null;
    return {
      n: i + 1,
      process: String(o.process),
      description: o.description,
      outcome: o.outcome,
      invokeIndex: o.invokeIndex,
      completeIndex: o.completeIndex,
      statesAfter: after === null ? null : after.slice(0, STATES_PER_STEP),
      statesAfterTruncated: after !== null && after.length > STATES_PER_STEP,
    };
  };
  const w = result.witness;
  return {
    explanation: failure.explanation,
    key: failure.key === undefined ? null : JSON.stringify(failure.key),
    failing: {
      process: String(failure.op.process),
      description: failure.op.description,
      invokeIndex: failure.op.invokeIndex,
      completeIndex: failure.op.completeIndex,
    },
    windowInvokeIndices: shownOperations(failure).map((s) => s.op.invokeIndex),
    svg: renderFailureSvg(failure, { timeOfIndex }),
    prefix: failure.longestPrefix.map(step),
    statesBefore: failure.statesBeforeDescribed,
    statesTruncated: failure.statesTruncated,
    witness: w
      ? {
          operations: w.operations,
          reducedFrom: w.reducedFrom,
          minimal: w.minimal,
          svg: renderFailureSvg(w.failure, { timeOfIndex }),
        }
      : null,
  };
}
