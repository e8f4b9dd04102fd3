/**
 * Elle's anomalies as the report shows them: per anomaly type its cases,
 * each with Elle's explanation, the operations it involves (so the page can
 * point at them on the timeline), and every cycle drawn as a graph of its
 * transactions with typed dependency edges (the picture of
 * checkers/elle/svg.ts, redrawn from results.json).
 */
import { type CyclePicture, drawCycleSvg, txnBoxLines } from '../../checkers/elle/svg.js';

/** Cycle pictures per anomaly type at most (as the checker's own elle/*.svg). */
export const MAX_CYCLES_DRAWN_PER_TYPE = 20;
/** Cases listed per anomaly type at most; the rest are counted. */
export const MAX_CASES_PER_TYPE = 100;

export interface ElleCaseView {
  explanation: string;
  /** History indices of the operations involved. */
  indices: number[];
  svg: string | null;
}

export interface ElleTypeView {
  type: string;
  count: number;
  cases: ElleCaseView[];
}

export interface ElleView {
  types: ElleTypeView[];
  not: string[];
  alsoNot: string[];
}

interface CycleTxn {
  name: string;
  index: number;
  process: unknown;
  type: string;
  value: unknown[];
}

interface CycleStep {
  from: string;
  to: string;
  type: string;
  key?: unknown;
  value?: unknown;
  "value'"?: unknown;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function json(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

/** Every number under an `index` field, a few levels deep: the operations a case names. */
function indicesIn(x: unknown, out: Set<number>, depth = 0): void {
  if (depth > 4) return;
  if (Array.isArray(x)) {
    for (const y of x) indicesIn(y, out, depth + 1);
    return;
  }
  if (!isRecord(x)) return;
  for (const [k, v] of Object.entries(x)) {
    if ((k === 'index' || k === 'op-index') && typeof v === 'number') out.add(v);
    else if (typeof v === 'object') indicesIn(v, out, depth + 1);
  }
}

/** The cycle of an Elle case (`cycle` + `steps`) as a picture, or null when the case is not a cycle. */
export function cyclePicture(c: Record<string, unknown>): CyclePicture | null {
  const cycle = c.cycle;
  const steps = c.steps;
  if (!Array.isArray(cycle) || !Array.isArray(steps) || cycle.length === 0 || steps.length !== cycle.length)
    return null;
  const txns = cycle as CycleTxn[];
  const byName = new Map(txns.map((t) => [t.name, t]));
  const boxes = txns.map((t) =>
    txnBoxLines(
      t.name,
      t.index,
      t.process,
      t.type,
      Array.isArray(t.value) ? (t.value as unknown[][]).map((m) => (Array.isArray(m) ? m : [m])) : [],
    ),
  );
  const edges = (steps as CycleStep[]).map((s) => {
    if (s.type === 'process')
      return { rel: 'process', label: `process ${String(byName.get(s.from)?.process)}` };
    if (s.type === 'realtime') return { rel: 'realtime', label: 'realtime' };
    const v = "value'" in s ? s["value'"] : s.value;
    return { rel: s.type, label: clip(`${s.type} ${json(s.key)} ${json(v)}`, 40) };
  });
  return { boxes, edges };
}

export function buildElleView(result: Record<string, unknown>): ElleView | null {
  const anomalies = result.anomalies;
  if (!isRecord(anomalies)) return null;
  const order = Array.isArray(result['anomaly-types'])
    ? (result['anomaly-types'] as string[])
    : Object.keys(anomalies);
  const types: ElleTypeView[] = [];
  let svgId = 0;
  for (const type of order) {
    const cases = anomalies[type];
    if (!Array.isArray(cases)) continue;
    let drawn = 0;
    const views: ElleCaseView[] = [];
    for (const c of cases.slice(0, MAX_CASES_PER_TYPE)) {
      if (!isRecord(c)) continue;
      const indices = new Set<number>();
      indicesIn(c, indices);
      const picture = drawn < MAX_CYCLES_DRAWN_PER_TYPE ? cyclePicture(c) : null;
      let svg: string | null = null;
      if (picture) {
        drawn++;
        svg = drawCycleSvg(picture, `${type} #${drawn}`, `cyc${svgId++}`);
      }
      views.push({
        explanation: typeof c.explanation === 'string' ? c.explanation : json(c),
        indices: [...indices].sort((a, b) => a - b),
        svg,
      });
    }
    types.push({ type, count: cases.length, cases: views });
  }
  return {
    types,
    not: Array.isArray(result.not) ? (result.not as string[]) : [],
    alsoNot: Array.isArray(result['also-not']) ? (result['also-not'] as string[]) : [],
  };
}
