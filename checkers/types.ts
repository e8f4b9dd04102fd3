import type { Op } from '../src/history/op.js';
import type { Value } from '../src/history/values.js';

/** Every checker answers with this; `unknown` whenever a budget ran out. Never guess. */
export interface CheckResult {
  valid: true | false | 'unknown';
  /** One line for people (the CLI prints it after the verdict). */
  summary?: string;
  /**
   * Plain-word lines explaining a verdict that is not valid (an anomaly per
   * line, say); the CLI prints the first few under the verdict.
   */
  report?: string[];
  /** Set when the input cannot be checked at all (a history the model cannot read): a user error. */
  inputError?: string;
  /** With `inputError`: the `index` of the operation it is about, when it is about one (the CLI names its line). */
  inputErrorIndex?: number;
  [detail: string]: unknown;
}

export interface CheckOptions {
  /** Model name for model-based checkers (linearizable): register, cas-register, kv, … */
  model?: string;
  /** Linearizable: Jepsen `independent` history, every op's value `[key value]`; each key checked alone with the model. */
  independent?: boolean;
  /**
   * Linearizable: false checks a keyed history (kv, kv-append, independent) as
   * one object instead of splitting it per key. Default true.
   */
  split?: boolean;
  /**
   * Checkers that reduce a failure to a small witness (linearizable): false
   * skips it, when nobody will look at the witness. Default true.
   */
  minimise?: boolean;
  /**
   * Linearizable: the model's initial value (`--initial-value`, Knossos'
   * `(cas-register 0)`): of the register, of every key of a keyed model, or the
   * map of a multi-register. Absent: the model's own (nil for registers).
   */
  initialValue?: Value;
  /** Wall-clock budget; out of it → valid: 'unknown'. */
  timeLimitMs?: number;
  /** Memory budget for the search; out of it → valid: 'unknown'. */
  memoryLimitBytes?: number;
  /** Elle: consistency models to check, spelled as Elle spells them. */
  consistencyModels?: string[];
  /** Elle: specific anomalies to fail on besides those the models forbid (Elle's `:anomalies`). */
  anomalies?: string[];
  /**
   * Elle rw-register: infer version orders from more than the initial state
   * (Elle's `:wfr-keys?`, `:sequential-keys?`, `:linearizable-keys?`): writes
   * follow reads within a txn; each key sequentially consistent (process
   * order); each key linearizable (real-time order). Each is an assumption
   * about the database; strict serializability implies all three.
   */
  wfrKeys?: boolean;
  sequentialKeys?: boolean;
  linearizableKeys?: boolean;
  /** Bank: the total every read of all balances must see (absent: the first read's total). */
  totalAmount?: number;
  /** Where a checker may write artefacts (SVG/HTML explanations). Absent → write nothing. */
  outDir?: string;
  /**
   * Faults on for the whole run that no nemesis op records (the run's
   * background message loss, `--loss`): they never heal, so liveness after
   * the heal (consensus termination) is not observed. The runner sets it
   * from the run's configuration (src/runner/checker-options.ts).
   */
  persistentFaults?: string[];
}

/** Options only some checkers understand; each checker names the ones it takes. */
export type CheckerSpecificOption =
  | 'independent'
  | 'split'
  | 'initialValue'
  | 'anomalies'
  | 'consistencyModels'
  | 'wfrKeys'
  | 'sequentialKeys'
  | 'linearizableKeys'
  | 'totalAmount';

export interface Checker {
  /** Name used on the command line (`--checker NAME`). */
  readonly name: string;
  /** One line for `faultline check --help` and `faultline checkers`. */
  readonly description: string;
  /** Model names this checker accepts (`--model`), if it takes one. */
  readonly models?: readonly string[];
  /** The checker-specific options it takes (the CLI refuses the others' flags for it). */
  readonly takes?: readonly CheckerSpecificOption[];
  check(history: readonly Op[], opts: CheckOptions): Promise<CheckResult>;
}
