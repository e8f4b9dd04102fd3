import { excerpt, writeEdn } from './edn.js';
import { CORE_FIELDS, isOpType, type Op } from './op.js';
import { Keyword, nameOf, Tagged, type Value } from './values.js';

/**
 * Turn a decoded record (from JSON or EDN) into an Op, or say what is wrong
 * with it. Unknown fields are kept as they are (a `__proto__` field too, as
 * data); missing `index` and `time` are filled from the position (Jepsen's
 * console log and some EDN files carry neither).
 *
 * Names are names whichever way they are written: `type`, `f`, a `nemesis`
 * process, and the function of each micro-op of a transaction (the value of
 * an op whose f is `txn`, or that has no f) are read from a keyword or a
 * string as a JS string. Every other value is kept exactly. `fromPlainJson`:
 * raw is JSON.parse's (a plain object, no keyword anywhere).
 */
export function toOp(raw: unknown, position: number, fromPlainJson = false): Op | string {
  // A Jepsen record (`#jepsen.history.Op{…}`) is its map.
  if (!fromPlainJson && raw instanceof Tagged && isRecordLike(raw.value)) raw = raw.value;
  if (fromPlainJson ? raw === null || typeof raw !== 'object' || Array.isArray(raw) : !isRecordLike(raw))
    return `expected an operation map, found ${describe(raw)}`;
  const r = raw as Record<string, unknown>;
  if (fromPlainJson) {
    const same = asCanonicalOp(r);
    if (same !== undefined) return same;
  }
  const typeName = nameOf(r.type);
  if (r.type === undefined) return 'operation has no "type"';
  if (typeName === undefined || !isOpType(typeName))
    return `"type" must be one of invoke, ok, fail, info; found ${describe(r.type)}`;
  const rawProcess = r.process;
  if (rawProcess === undefined || rawProcess === null) return 'operation has no "process"';
  const process = nameOf(rawProcess) === 'nemesis' ? 'nemesis' : rawProcess;
  if (!(process === 'nemesis' || (typeof process === 'number' && Number.isInteger(process)))) {
    return `"process" must be an integer or :nemesis; found ${describe(rawProcess)}`;
  }
  let f: string | undefined;
  if (r.f !== undefined && r.f !== null) {
    f = nameOf(r.f);
    if (f === undefined) return `"f" must be a keyword or a string; found ${describe(r.f)}`;
  }
  const index = r.index ?? position;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    return `"index" must be a non-negative integer; found ${describe(index)}`;
  }
  let time = r.time ?? position;
  // Times past 2^53 ns (104 days) only order ops; they need no bigint precision.
  if (typeof time === 'bigint') time = Number(time);
  if (typeof time !== 'number' || !Number.isFinite(time))
    return `"time" must be a number; found ${describe(time)}`;

  const value = r.value === undefined ? null : r.value;
  // (JSON.parse makes no keywords: its micro-op names are strings already.)
  if (!fromPlainJson && (f === 'txn' || f === undefined) && Array.isArray(value)) nameMicroOps(value);
  // Core fields first, in the canonical order, then everything else as it came.
  const op: Op = { index, time, type: typeName, process, f, value };
  if (f === undefined) delete op.f;
  for (const k in r) {
    if (k === 'index' || k === 'time' || k === 'type' || k === 'process' || k === 'f' || k === 'value')
      continue;
    if (k === '__proto__')
      Object.defineProperty(op, k, { value: r[k], enumerable: true, writable: true, configurable: true });
    else op[k] = r[k];
  }
  return op;
}

/**
 * JSON.parse's object as the op itself, when it already is one: the core
 * fields first, in the canonical order, each with a value toOp would keep as
 * it is (faultline's own writer writes every line so). No copy then: a 100k-op
 * file makes 200k objects fewer for the garbage collector. Undefined: toOp
 * builds the op (and names what is wrong).
 */
function asCanonicalOp(r: Record<string, unknown>): Op | undefined {
  let i = 0;
  for (const k in r) {
    if (k !== CORE_FIELDS[i]) return undefined;
    if (++i === CORE_FIELDS.length) break;
  }
  if (i !== CORE_FIELDS.length) return undefined;
  const { index, time, type, process, f } = r;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
  if (typeof time !== 'number' || !Number.isFinite(time)) return undefined;
  if (typeof f !== 'string' || !isOpType(type)) return undefined;
  if (process !== 'nemesis' && !(typeof process === 'number' && Number.isInteger(process))) return undefined;
  return r as Op;
}

/** True when `raw` carried its own `index` (so the history may be ordered by it). */
export function hasOwnIndex(raw: unknown): boolean {
  if (raw instanceof Tagged) raw = raw.value;
  return isRecordLike(raw) && (raw as Record<string, unknown>).index !== undefined;
}

/** `[[:append :x 1] …]`: each micro-op's function keyword becomes its name, as an op's f does. */
function nameMicroOps(txn: unknown[]): void {
  for (let i = 0; i < txn.length; i++) {
    const m = txn[i];
    if (Array.isArray(m) && m[0] instanceof Keyword) m[0] = m[0].name;
  }
}

function isRecordLike(x: unknown): boolean {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  return p === null || p === Object.prototype;
}

function describe(x: unknown): string {
  if (x === null) return 'nil';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'string') return excerpt(JSON.stringify(x));
  if (typeof x === 'object' && isRecordLike(x)) return 'a map';
  if (typeof x === 'object' && x !== null && 'size' in x) return 'a collection';
  return excerpt(writeEdn(x as Value));
}
