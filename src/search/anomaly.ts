import type { CheckResult } from '../../checkers/types.js';

/**
 * The anomaly class of a failing check: what a shrunk scenario must still
 * show. Elle's anomaly types (the most serious of them names the class);
 * for a checker without types (linearizable, invariants) the checker's own
 * name for what went wrong.
 */

/** Most serious first: write cycles, then read cycles, then non-cyclic anomalies. */
const SEVERITY = [
  'G0',
  'G1c',
  'G-single',
  'G-nonadjacent',
  'G2-item',
  'G2',
  'G1a',
  'G1b',
  'dirty-update',
  'lost-update',
  'incompatible-order',
  'internal',
  'duplicate-elements',
  'garbage-read',
  'future-read',
  'cyclic-versions',
];

function rank(type: string): number {
  // Variants (G-single-realtime, G0-process, G2-item-cycle-exists …) rank just after their base type.
  let best = SEVERITY.length;
  for (let i = 0; i < SEVERITY.length; i++) {
    const base = SEVERITY[i];
    if (type === base) return i;
    if (type.startsWith(`${base}-`) && i + 0.5 < best) best = i + 0.5;
  }
  return best;
}

export interface AnomalyClass {
  /** The class: the most serious anomaly type, or the checker's name for the failure. */
  anomaly: string;
  /** Every anomaly type the result names (just `anomaly` for checkers without types). */
  anomalies: string[];
}

/** The anomaly class of a result that is not valid (undefined for a valid or unknown one). */
export function anomalyClass(result: CheckResult, checker: string): AnomalyClass | undefined {
  if (result.valid !== false) return undefined;
  const types = result['anomaly-types'];
  if (Array.isArray(types) && types.length > 0 && types.every((t) => typeof t === 'string')) {
    const sorted = [...(types as string[])].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    return { anomaly: sorted[0], anomalies: [...(types as string[])].sort() };
  }
  if (typeof result.anomaly === 'string') return { anomaly: result.anomaly, anomalies: [result.anomaly] };
  const name = checker === 'linearizable' ? 'not-linearizable' : `${checker}-invalid`;
  return { anomaly: name, anomalies: [name] };
}

/** A shrunk candidate keeps the class when its result names the original's class among its anomalies. */
export function hasAnomaly(c: AnomalyClass | undefined, anomaly: string): boolean {
  return c?.anomalies.includes(anomaly) === true;
}
