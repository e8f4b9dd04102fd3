import type { Op } from '../../src/history/op.js';
import { valueKey } from '../../src/history/values.js';
import type { Checker, CheckResult } from '../types.js';

/**
 * The consensus checker: a history of single-decree consensus instances,
 * one per key (an op's `key` field; ops without one are all one instance).
 * Clients `propose` a value (invoke value: the proposal; `ok` value: the
 * value decided, maybe another client's) and `read` what the node they ask
 * has learned (`ok` value: the decision, or null for nothing learned yet).
 * Every `ok` with a value is a learner saying "this was decided".
 *
 * - **Agreement**: no two learners learn different values for one key.
 * - **Validity**: a value learned was proposed for that key, by an
 *   operation invoked before the learning one returned, and not only by
 *   operations that failed definitely (a `fail` did not happen).
 * - **Termination once faults heal**: every propose invoked after the last
 *   fault ended (no fault active, none started later) completes `ok`.
 *   Under faults nothing is required (FLP): proposes that time out then are
 *   only counted. With no fault in the history every propose must complete;
 *   with a fault never healed, termination is not observed. Background
 *   message loss (`--loss`) is such a fault, though no nemesis op records
 *   it: a request or reply lost after the heal is never answered (clients
 *   do not resend), so the runner names it in `persistentFaults` and
 *   termination is not observed either.
 *
 * Faults are read from the nemesis's `info` ops: `start-KIND` begins one,
 * `stop-KIND` ends it. Valid when all three hold; `unknown` when no
 * operation learned anything (nothing to judge agreement or validity by);
 * invalid otherwise. Values are compared as Clojure's `=` compares them
 * (`valueKey`: 1 and 1.0 and "1" all differ), never coerced.
 */

export interface ConsensusViolation {
  key: unknown;
  kind: 'agreement' | 'validity';
  text: string;
  /** History indexes of the operations involved. */
  ops: number[];
}

export interface ConsensusResult extends CheckResult {
  agreement: boolean;
  validity: boolean;
  termination: true | false | 'not-observed';
  keys: number;
  /** Keys some operation learned a decision for. */
  keysDecided: number;
  violations: ConsensusViolation[];
  /** Index of the nemesis op after which no fault was active (-1: no faults at all); absent if never healed. */
  healedAtIndex?: number;
  /** Faults on for the whole run (the option of that name): termination was not observed because of them. */
  persistentFaults?: string[];
  proposesAfterHeal: number;
  /** Proposes invoked after the heal that did not complete ok: [invoke index, outcome]. */
  unterminated: [number, string][];
  /** Proposes invoked while faults were active that did not complete ok (reported, not required). */
  unterminatedUnderFaults: number;
}

/** Violations and unterminated ops listed in full; beyond this only counted. */
const MAX_LISTED = 20;

interface Learn {
  value: unknown;
  text: string;
  /** Index of the completion that reported it. */
  at: number;
}

interface Proposal {
  text: string;
  invokeAt: number;
  outcome: 'ok' | 'fail' | 'info' | 'pending';
}

function keyTextOf(op: Op): string {
  return op.key === undefined ? 'nil' : valueKey(op.key);
}

/** A value for people (report lines). */
function show(v: unknown): string {
  if (typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return valueKey(v);
  }
}

export function checkConsensus(
  history: readonly Op[],
  opts: { persistentFaults?: readonly string[] } = {},
): ConsensusResult {
  const persistent = [...(opts.persistentFaults ?? [])];
  const proposals = new Map<string, Proposal[]>();
  const learns = new Map<string, Learn[]>();
  const keyOf = new Map<string, unknown>();
  const open = new Map<number, { op: Op; proposal?: Proposal }>();
  const active = new Set<string>();
  let lastNemesis = -2; // no nemesis op at all
  let unhealed = false;
  const proposeInvokes: { at: number; proposal: Proposal }[] = [];

  const fail = (what: string): ConsensusResult => ({
    ...emptyResult(),
    valid: 'unknown',
    inputError: what,
    summary: what,
  });

  for (let i = 0; i < history.length; i++) {
    const op = history[i];
    if (op.process === 'nemesis') {
      if (op.type !== 'info') continue;
      lastNemesis = i;
      const m = /^(start|stop)-(.+)$/.exec(op.f ?? '');
      if (m?.[1] === 'start') active.add(m[2]);
      else if (m?.[1] === 'stop') active.delete(m[2]);
      unhealed = active.size > 0;
      continue;
    }
    if (op.f !== 'propose' && op.f !== 'read')
      return fail(`op ${op.index}: f ${show(op.f)} is not a consensus operation (propose or read)`);
    const keyText = keyTextOf(op);
    if (!keyOf.has(keyText)) keyOf.set(keyText, op.key ?? null);
    if (op.type === 'invoke') {
      const entry: { op: Op; proposal?: Proposal } = { op };
      if (op.f === 'propose') {
        if (op.value === null || op.value === undefined)
          return fail(`op ${op.index}: a propose must carry the value proposed`);
        const proposal: Proposal = { text: valueKey(op.value), invokeAt: i, outcome: 'pending' };
        let list = proposals.get(keyText);
        if (!list) {
          list = [];
          proposals.set(keyText, list);
        }
        list.push(proposal);
        entry.proposal = proposal;
        proposeInvokes.push({ at: i, proposal });
      }
      open.set(op.process, entry);
      continue;
    }
    const inv = open.get(op.process);
    if (!inv) continue; // a completion without an invocation is validate's business
    open.delete(op.process);
    if (inv.proposal) inv.proposal.outcome = op.type;
    if (op.type !== 'ok') continue;
    if (op.value === null || op.value === undefined) {
      if (op.f === 'propose') return fail(`op ${op.index}: a propose completed ok without the value decided`);
      continue; // a read of a learner that has not learned yet
    }
    let list = learns.get(keyText);
    if (!list) {
      list = [];
      learns.set(keyText, list);
    }
    list.push({ value: op.value, text: valueKey(op.value), at: i });
  }

  const violations: ConsensusViolation[] = [];
  let agreement = true;
  let validity = true;
  for (const [keyText, list] of learns) {
    const key = keyOf.get(keyText);
    const firstByValue = new Map<string, Learn>();
    for (const l of list) if (!firstByValue.has(l.text)) firstByValue.set(l.text, l);
    if (firstByValue.size > 1) {
      agreement = false;
      const firsts = [...firstByValue.values()];
      violations.push({
        key,
        kind: 'agreement',
        text: `key ${keyText}: learners learned ${firsts.length} different values: ${firsts
          .map((l) => `${show(l.value)} (index ${history[l.at].index})`)
          .join(', ')}`,
        ops: firsts.map((l) => history[l.at].index),
      });
    }
    const props = proposals.get(keyText) ?? [];
    for (const l of firstByValue.values()) {
      const same = props.filter((p) => p.text === l.text);
      const before = same.filter((p) => p.invokeAt < l.at);
      let why: string | undefined;
      if (same.length === 0) why = 'was never proposed';
      else if (before.length === 0) why = 'was proposed only after it was learned';
      else if (same.every((p) => p.outcome === 'fail'))
        why = `was proposed only by operations that failed definitely (index ${same.map((p) => history[p.invokeAt].index).join(', ')})`;
      if (why !== undefined) {
        validity = false;
        violations.push({
          key,
          kind: 'validity',
          text: `key ${keyText}: ${show(l.value)} was learned (index ${history[l.at].index}) but ${why}`,
          ops: [history[l.at].index, ...same.map((p) => history[p.invokeAt].index)],
        });
      }
    }
  }

  // Termination: proposes invoked after the last fault healed must complete ok.
  const healedAtIndex = unhealed || persistent.length > 0 ? undefined : lastNemesis === -2 ? -1 : lastNemesis;
  const unterminated: [number, string][] = [];
  let proposesAfterHeal = 0;
  let unterminatedUnderFaults = 0;
  for (const { at, proposal } of proposeInvokes) {
    const afterHeal = healedAtIndex !== undefined && at > healedAtIndex;
    if (afterHeal) proposesAfterHeal++;
    if (proposal.outcome === 'ok') continue;
    if (afterHeal) unterminated.push([history[at].index, proposal.outcome]);
    else unterminatedUnderFaults++;
  }
  const termination: true | false | 'not-observed' =
    proposesAfterHeal === 0 ? 'not-observed' : unterminated.length === 0;

  let keysDecided = 0;
  for (const list of learns.values()) if (list.length > 0) keysDecided++;
  const valid: true | false | 'unknown' =
    !agreement || !validity || termination === false ? false : keysDecided === 0 ? 'unknown' : true;

  const report: string[] = [];
  for (const v of violations.slice(0, MAX_LISTED)) report.push(`${v.kind}: ${v.text}`);
  if (violations.length > MAX_LISTED) report.push(`… and ${violations.length - MAX_LISTED} more violations`);
  if (termination === false) {
    const listed = unterminated
      .slice(0, MAX_LISTED)
      .map(([idx, outcome]) => `index ${idx} (${outcome})`)
      .join(', ');
    report.push(
      `termination: ${unterminated.length} of ${proposesAfterHeal} proposes invoked after the last fault healed (index ${healedAtIndex}) did not complete ok: ${listed}${unterminated.length > MAX_LISTED ? ', …' : ''}`,
    );
  }

  const summary =
    valid === true
      ? `agreement and validity hold on ${keysDecided} decided key(s); ${
          termination !== true
            ? persistent.length > 0
              ? `termination not observed (${persistent.join(', ')} on for the whole run)`
              : 'termination not observed (no propose after the last fault healed)'
            : healedAtIndex === -1
              ? `termination (no faults): all ${proposesAfterHeal} proposes decided`
              : `termination after the heal: all ${proposesAfterHeal} proposes decided`
        }`
      : valid === 'unknown'
        ? 'nothing was learned: agreement and validity were not tested'
        : [
            agreement ? undefined : 'agreement violated',
            validity ? undefined : 'validity violated',
            termination === false ? 'no termination after the heal' : undefined,
          ]
            .filter((x) => x !== undefined)
            .join('; ');

  return {
    valid,
    summary,
    ...(report.length > 0 ? { report } : {}),
    agreement,
    validity,
    termination,
    keys: keyOf.size,
    keysDecided,
    violations: violations.slice(0, MAX_LISTED),
    ...(healedAtIndex !== undefined ? { healedAtIndex } : {}),
    ...(persistent.length > 0 ? { persistentFaults: persistent } : {}),
    proposesAfterHeal,
    unterminated: unterminated.slice(0, MAX_LISTED),
    unterminatedUnderFaults,
  };
}

function emptyResult(): ConsensusResult {
  return {
    valid: 'unknown',
    agreement: true,
    validity: true,
    termination: 'not-observed',
    keys: 0,
    keysDecided: 0,
    violations: [],
    proposesAfterHeal: 0,
    unterminated: [],
    unterminatedUnderFaults: 0,
  };
}

/** The `consensus` entry of checkers/registry.ts. */
export const consensusChecker: Checker = {
  name: 'consensus',
  description:
    'single-decree consensus per key: agreement (one value learned), validity (it was proposed, not only by failed ops), termination once faults heal',
  async check(history, opts) {
    return checkConsensus(history, { persistentFaults: opts.persistentFaults ?? [] });
  },
};
