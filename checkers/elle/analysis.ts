/** What a workload (list-append, rw-register) hands to the common cycle checker. */
import type { EdgeList } from './graph.js';

/** One explained instance of an anomaly; always JSON-serialisable. */
export type AnomalyCase = { explanation: string } & Record<string, unknown>;

export interface WorkloadAnalysis {
  /** ww, wr and rw edges between txn ids. */
  readonly edges: EdgeList;
  /** Anomalies found without cycles (G1a, internal, …), by type. */
  readonly anomalies: Map<string, AnomalyCase[]>;
  /**
   * Why txn a precedes txn b by data relationship `rel` (WW, WR or RW), in
   * plain words using the given names; undefined when it cannot say.
   * Returns the data as well so results can carry keys and values.
   */
  explainEdge(a: number, b: number, rel: number, aName: string, bName: string): EdgeExplanation | undefined;
}

export interface EdgeExplanation {
  readonly key: unknown;
  readonly value?: unknown;
  readonly "value'"?: unknown;
  /** Sentence with the reason: "T2 observed T1's append of 3 to key \"x\"". */
  readonly text: string;
}

/** Thrown when the history cannot be analysed at all (Elle's :valid? :unknown errors). */
export class UnanalysableHistory extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function pushCase(m: Map<string, AnomalyCase[]>, type: string, c: AnomalyCase): void {
  const list = m.get(type);
  if (list) list.push(c);
  else m.set(type, [c]);
}
