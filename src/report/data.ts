/**
 * Everything report.html shows, as one plain-JSON object built from a run's
 * files (or a history and its check): the test, each checker's verdict and
 * plain-word report, the timeline, the perf series, and the linearizability
 * and Elle explanations.
 */

import type { FailureReport, Witness } from '../../checkers/linearizable/index.js';
import type { CheckResult } from '../../checkers/types.js';
import type { Op } from '../history/op.js';
import { buildElleView, type ElleView } from './elle-view.js';
import { buildLinearView, type LinearView } from './linear-view.js';
import { buildPerf, type PerfData } from './perf.js';
import { buildTimeline, type Timeline } from './timeline.js';

/** The result's details shown as JSON at most this long (the whole is in results.json). */
const DETAILS_MAX_CHARS = 20_000;

export type Verdict = true | false | 'unknown';

export interface CheckView {
  checker: string;
  valid: Verdict;
  summary: string | null;
  report: string[];
  /** The result without its bulky parts, as indented JSON (clipped). */
  details: string;
  linear: LinearView | null;
  elle: ElleView | null;
}

export interface ReportInput {
  /** What the report is of: a test name, or a history file's name. */
  title: string;
  source: { kind: 'run'; dir: string } | { kind: 'history'; path: string };
  /** test.json of a run. */
  test?: Record<string, unknown>;
  history: readonly Op[];
  /** The history has no times of its own (a Jepsen console log). */
  positional?: boolean;
  checks: { checker: string; result: CheckResult }[];
  /** results.json's `summary` (op counts, simulated time, network). */
  runSummary?: unknown;
  /** Files beside the report, linked from it (relative paths). */
  files?: string[];
  /** Things the reader should know (a run with no results yet). */
  notes?: string[];
  /** When the report was written (ISO); only shown. */
  generatedAt?: string;
}

export interface ReportData {
  title: string;
  verdict: Verdict | null;
  source: ReportInput['source'];
  test: Record<string, unknown> | null;
  runSummary: unknown;
  checks: CheckView[];
  timeline: Timeline;
  perf: PerfData;
  /** The first linearizability failure's window, for the timeline. */
  failingWindow: { invokeIndices: number[]; failingInvokeIndex: number } | null;
  files: string[];
  notes: string[];
  generatedAt: string | null;
}

/** Combine verdicts: any invalid → false; else any unknown → unknown; else true. */
export function combineVerdicts(vs: readonly Verdict[]): Verdict | null {
  if (vs.length === 0) return null;
  if (vs.includes(false)) return false;
  if (vs.includes('unknown')) return 'unknown';
  return true;
}

const BULKY_KEYS = new Set(['anomalies', 'witness', 'failure', 'report', 'history']);

function detailsOf(result: CheckResult): string {
  const slim: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) if (!BULKY_KEYS.has(k)) slim[k] = v;
  const text = JSON.stringify(slim, null, 2) ?? '';
  return text.length > DETAILS_MAX_CHARS ? `${text.slice(0, DETAILS_MAX_CHARS)}\n…` : text;
}

export function historyHasNoTimes(history: readonly Op[]): boolean {
  return history.length > 0 && history.every((o) => o.time === o.index);
}

function verdictOf(v: unknown): Verdict {
  return v === true || v === false ? v : 'unknown';
}

export function buildReportData(input: ReportInput): ReportData {
  // A history whose every time is its position (a Jepsen console log) has no times to show.
  const positional = input.positional === true || historyHasNoTimes(input.history);
  const timeline = buildTimeline(input.history, { positional });
  const timeOf = new Map<number, number>();
  for (const o of input.history) timeOf.set(o.index, o.time);
  const timeOfIndex = positional ? () => undefined : (i: number) => timeOf.get(i);
  const checks: CheckView[] = input.checks.map(({ checker, result }) => {
    const r = result as CheckResult & { failure?: FailureReport; witness?: Witness };
    return {
      checker,
      valid: verdictOf(result.valid),
      summary: typeof result.summary === 'string' ? result.summary : null,
      report: Array.isArray(result.report) ? result.report.map(String) : [],
      details: detailsOf(result),
      linear: result.valid === false ? buildLinearView(r, timeOfIndex) : null,
      elle: result.valid === true ? null : buildElleView(result),
    };
  });
  const lin = checks.find((c) => c.linear !== null)?.linear ?? null;
  return {
    title: input.title,
    verdict: combineVerdicts(checks.map((c) => c.valid)),
    source: input.source,
    test: input.test ?? null,
    runSummary: input.runSummary ?? null,
    checks,
    timeline,
    perf: buildPerf(timeline.ops, timeline.endTime, positional ? undefined : timeline.timeUnitNs),
    failingWindow: lin
      ? { invokeIndices: lin.windowInvokeIndices, failingInvokeIndex: lin.failing.invokeIndex }
      : null,
    files: input.files ?? [],
    notes: input.notes ?? [],
    generatedAt: input.generatedAt ?? null,
  };
}
