import type { CheckResult } from '../../checkers/types.js';

/** The anomaly names a result carries: Elle's anomaly types, or the bank checker's error types. */
export function anomalyNames(r: CheckResult): string[] {
  const elle = r['anomaly-types'];
  if (Array.isArray(elle)) return elle as string[];
  return Array.isArray(r.errorTypes) ? (r.errorTypes as string[]) : [];
}

/** Anomalies that only a broken atomicity or isolation produces (what each knob's failure must show). */
export const ISOLATION_ANOMALIES = [
  'G0',
  'G1a',
  'G1b',
  'G1c',
  'G-single',
  'G2-item',
  'G-nonadjacent',
  'lost-update',
  'incompatible-order',
  'internal',
  'wrong-total',
  'nil-balance',
  'negative-value',
];

/** True if some reported anomaly is (a variant of) an isolation or atomicity anomaly. */
export function showsIsolationAnomaly(r: CheckResult): boolean {
  return anomalyNames(r).some((a) => ISOLATION_ANOMALIES.some((x) => a === x || a.startsWith(`${x}-`)));
}
