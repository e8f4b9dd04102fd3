/**
 * The linearizability checker (Wing & Gong / Lowe search, P-compositionality)
 * and its models. See README.md in this folder.
 */
import type { Op } from '../../src/history/op.js';
import type { Checker, CheckOptions } from '../types.js';
import { checkLinearizable, type LinearizableResult } from './check.js';
import { MODEL_NAMES } from './models.js';

export {
  checkLinearizable,
  checkLinearizableSync,
  type LinearizableOptions,
  type LinearizableResult,
  type LinearizableStats,
  type Witness,
} from './check.js';
export type { FailureReport, OpReport } from './explain.js';
export { type Model, type ModelInput, sameValue } from './model.js';
export {
  appendRegister,
  casRegister,
  counter,
  fifoQueue,
  findModel,
  keyed,
  kv,
  kvAppend,
  MODEL_NAMES,
  MODELS,
  MODELS_WITH_INITIAL_VALUE,
  ModelError,
  type ModelOptions,
  makeCasRegister,
  makeCounter,
  makeKv,
  makeMultiRegister,
  makeRegister,
  multiRegister,
  mutex,
  register,
  set,
  Text,
} from './models.js';

/** The `linearizable` entry of checkers/registry.ts. */
export const linearizableChecker: Checker = {
  name: 'linearizable',
  description: 'linearizability against a sequential model (Wing & Gong / Lowe search, split per key)',
  models: MODEL_NAMES,
  takes: ['independent', 'split', 'initialValue'],
  check(history: readonly Op[], opts: CheckOptions): Promise<LinearizableResult> {
    const name = opts.model;
    if (name === undefined) {
      return Promise.reject(
        new TypeError(`the linearizable checker needs a model: ${MODEL_NAMES.join(', ')}`),
      );
    }
    if (!MODEL_NAMES.includes(name)) {
      return Promise.reject(new TypeError(`unknown model '${name}'; choices: ${MODEL_NAMES.join(', ')}`));
    }
    return checkLinearizable(history, name, opts);
  },
};
