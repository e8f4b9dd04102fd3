/**
 * The history model: Jepsen's operation maps, so histories move between
 * faultline and the Jepsen world in both directions (see docs/architecture.md).
 */

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

export const OP_TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];

export type Process = number | 'nemesis';

export interface Op {
  /** Position in the history, 0-based. */
  index: number;
  /** Nanoseconds since the test started (virtual time in simulation). */
  time: number;
  type: OpType;
  process: Process;
  /**
   * read, write, cas, txn, add, transfer, … (a name: read from a keyword or a
   * string). Absent when the op has none: Elle infers a transaction from the value.
   */
  f?: string;
  /**
   * txn: [["append","x",1],["r","y",[1,2]]]; cas: [from, to]. A history value
   * (src/history/values.ts): EDN's types kept distinct, compared with valueEquals.
   */
  value: unknown;
  node?: string;
  error?: unknown;
  /** Fields a reader did not know (such as Jepsen's `:key`) are kept here verbatim. */
  [extra: string]: unknown;
}

/** The fields every Op has, in the order writers emit them. */
export const CORE_FIELDS = ['index', 'time', 'type', 'process', 'f', 'value'] as const;

/**
 * The field that marks a final read (Jepsen's and Maelstrom's `:final? true`,
 * written by their final generators after the heal). In JSONL it is the
 * field `"final?"`, which the EDN writer writes, and the reader reads, as the
 * keyword `:final?`.
 */
export const FINAL_FIELD = 'final?';

/** A final read's invocation or completion: `final?` is true. */
export function isFinalOp(op: Op): boolean {
  return op[FINAL_FIELD] === true;
}

export function isOpType(x: unknown): x is OpType {
  return x === 'invoke' || x === 'ok' || x === 'fail' || x === 'info';
}

/** A history plus where it came from, so problems can be reported as FILE:LINE. */
export interface History {
  /** Display name of the source (a path, or `-` for stdin). */
  source: string;
  format: HistoryFormat;
  ops: Op[];
  /** `lines[i]` is the 1-based source line on which `ops[i]` starts. */
  lines: number[];
  /**
   * Set when every op carried an `index` and the file did not list them in
   * that order: the ops were put in `index` order (Jepsen's history order).
   */
  reorderedByIndex?: boolean;
}

export type HistoryFormat = 'jsonl' | 'edn' | 'jepsen-log';

export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'jepsen-log'];
