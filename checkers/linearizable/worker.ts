/**
 * Worker thread entry: checks a batch of parts of a split history with a
 * built-in model and posts one outcome per part. Started by workers.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseTypedJson } from '../../src/history/typed-json.js';
import type { Value } from '../../src/history/values.js';
import { findModel } from './models.js';
import type { PreparedOp } from './prepare.js';
import { runInterleaved } from './schedule.js';

export interface WorkerInput {
  modelName: string;
  /** Check each part with the model's per-key model. */
  perKey: boolean;
  /** The model's initial value (`--initial-value`), as typed JSON text. */
  initialValue?: string;
  /** The ops' values (input value and key, output) are typed JSON text, to decode here. */
  typedValues?: boolean;
  parts: { index: number; ops: PreparedOp[] }[];
  deadlineMs?: number;
  memoryLimitBytes?: number;
  /** Int32Array flag shared by all workers: set when a part failed. */
  cancel: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const named = findModel(
  input.modelName,
  input.initialValue === undefined ? {} : { initialValue: parseTypedJson(input.initialValue) as Value },
);
if (input.typedValues) {
  for (const part of input.parts) {
    for (const o of part.ops) {
      o.input.value = parseTypedJson(o.input.value as string);
      if (o.input.key !== undefined) o.input.key = parseTypedJson(o.input.key as string);
      if (o.output !== undefined) o.output = parseTypedJson(o.output as string);
    }
  }
}
if (!named) throw new Error(`worker: unknown model ${input.modelName}`);
const model = input.perKey && named.perKey ? named.perKey : named;
const cancel = new Int32Array(input.cancel);
const outcomes = runInterleaved(
  input.parts.map((p) => p.ops),
  model,
  { deadlineMs: input.deadlineMs, memoryLimitBytes: input.memoryLimitBytes, cancel },
  {
    onInvalid: () => {
      Atomics.store(cancel, 0, 1);
    },
  },
);
parentPort!.postMessage(outcomes.map((outcome, i) => ({ index: input.parts[i].index, outcome })));
