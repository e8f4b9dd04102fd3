import type { Op } from '../src/history/op.js';

/** Every checker answers with this; `unknown` whenever a budget ran out. Never guess. */
export interface CheckResult {
  valid: true | false | 'unknown';
  [detail: string]: unknown;
}

export interface CheckOptions {
  /** Model name for model-based checkers (linearizable): register, cas-register, kv, … */
  model?: string;
  /** Wall-clock budget; out of it → valid: 'unknown'. */
  timeLimitMs?: number;
  /** Memory budget for the search; out of it → valid: 'unknown'. */
  memoryLimitBytes?: number;
  /** Elle: consistency models to check, spelled as Elle spells them. */
  consistencyModels?: string[];
  /** Where a checker may write artefacts (SVG/HTML explanations). Absent → write nothing. */
  outDir?: string;
}

export interface Checker {
  /** Name used on the command line (`--checker NAME`). */
  readonly name: string;
  /** One line for `faultline check --help` and `faultline checkers`. */
  readonly description: string;
  /** Model names this checker accepts (`--model`), if it takes one. */
  readonly models?: readonly string[];
  check(history: readonly Op[], opts: CheckOptions): Promise<CheckResult>;
}
