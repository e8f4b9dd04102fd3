import { isOpType, type Op } from './op.js';

/**
 * Turn a decoded record (from JSON or EDN) into an Op, or say what is wrong
 * with it. Unknown fields are kept as they are; missing `index` and `time`
 * are filled from the position (Jepsen's console log and some EDN files
 * carry neither), so the order of the file stays the real-time order.
 */
export function toOp(raw: unknown, position: number): Op | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return `expected an operation map, found ${describe(raw)}`;
  }
  const r = raw as Record<string, unknown>;
  const type = r.type;
  if (type === undefined) return 'operation has no "type"';
  if (!isOpType(type)) return `"type" must be one of invoke, ok, fail, info; found ${describe(type)}`;
  const process = r.process;
  if (process === undefined) return 'operation has no "process"';
  if (!(process === 'nemesis' || (typeof process === 'number' && Number.isInteger(process)))) {
    return `"process" must be an integer or "nemesis"; found ${describe(process)}`;
  }
  const f = r.f;
  if (f === undefined) return 'operation has no "f"';
  if (typeof f !== 'string') return `"f" must be a string or keyword; found ${describe(f)}`;
  const index = r.index ?? position;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    return `"index" must be a non-negative integer; found ${describe(index)}`;
  }
  const time = r.time ?? position;
  if (typeof time !== 'number' || !Number.isFinite(time))
    return `"time" must be a number; found ${describe(time)}`;

  // Core fields first, in the canonical order, then everything else as it came.
  const op: Op = { index, time, type, process, f, value: r.value === undefined ? null : r.value };
  for (const k in r) {
    if (k === 'index' || k === 'time' || k === 'type' || k === 'process' || k === 'f' || k === 'value')
      continue;
    op[k] = r[k];
  }
  return op;
}

function describe(x: unknown): string {
  if (x === null) return 'nil';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'object') return 'a map';
  return String(x);
}
