import { HistoryParseError } from './errors.js';
import { forEachLine } from './lines.js';
import { toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';
import {
  hasLargeNumber,
  parseTypedJson,
  plainJsonSuffices,
  TypedJsonError,
  toTypedJson,
} from './typed-json.js';

/** Parse faultline's native format: one JSON operation per line, values in the typed JSON encoding. */
export function parseJsonl(text: string, source: string): History {
  const reader = new JsonlReader(source);
  reader.push(text);
  return reader.history();
}

/**
 * The JSONL parser fed in pieces, so a big file never becomes one string
 * (V8 strings stop at 2^29 - 24 characters, about 512 MiB). Each push is
 * one or more whole lines without the newline that ends the last one; the
 * pieces joined with newlines are the text `parseJsonl` would get.
 *
 * A line is read by the native JSON.parse when that reads it exactly, and
 * by the typed parser (typed-json.ts) when it holds a big integer, an
 * integral float, a typed value or deep nesting.
 */
export class JsonlReader {
  private readonly ops: Op[] = [];
  private readonly lines: number[] = [];
  private linesSeen = 0;
  private allIndexed = true;
  private inIndexOrder = true;

  constructor(readonly source: string) {}

  /** Lines pushed so far. */
  get lineCount(): number {
    return this.linesSeen;
  }

  push(text: string): void {
    const { ops, lines, source } = this;
    const before = this.linesSeen;
    let count = 0;
    forEachLine(text, (line, n) => {
      count = n;
      const lineNo = before + n;
      if (line.trim() === '') return;
      let raw: unknown;
      let plain = false;
      try {
        if (plainJsonSuffices(line)) {
          raw = JSON.parse(line);
          plain = true;
          if (hasLargeNumber(raw)) {
            raw = parseTypedJson(line, true);
            plain = false;
          }
        } else raw = parseTypedJson(line, true);
      } catch (err) {
        // Name the problem in our own words (and never echo a huge line).
        let why: string;
        try {
          parseTypedJson(line, true);
          why = err instanceof Error ? err.message : String(err);
        } catch (e) {
          why = e instanceof TypedJsonError ? e.message : String(e);
        }
        throw new HistoryParseError(source, lineNo, `invalid JSON: ${why}`);
      }
      if (
        this.allIndexed &&
        (raw === null || typeof raw !== 'object' || (raw as { index?: unknown }).index === undefined)
      )
        this.allIndexed = false;
      const op = toOp(raw, ops.length, plain);
      if (typeof op === 'string') throw new HistoryParseError(source, lineNo, op);
      if (this.inIndexOrder && ops.length > 0 && op.index < ops[ops.length - 1].index)
        this.inIndexOrder = false;
      ops.push(op);
      lines.push(lineNo);
    });
    this.linesSeen = before + count;
  }

  history(): History {
    const h: History = { source: this.source, format: 'jsonl', ops: this.ops, lines: this.lines };
    return this.inIndexOrder ? h : orderByIndex(h, this.allIndexed);
  }
}

/**
 * Jepsen's history order is its ops' `index` order: when every op has one and
 * the file lists them otherwise, put them in that order (stable; duplicates
 * stay as they came, for validate to report).
 */
export function orderByIndex(h: History, allIndexed: boolean): History {
  if (!allIndexed || h.ops.length < 2) return h;
  let sorted = true;
  for (let i = 1; i < h.ops.length; i++) {
    if (h.ops[i].index < h.ops[i - 1].index) {
      sorted = false;
      break;
    }
  }
  if (sorted) return h;
  const order = h.ops.map((_, i) => i).sort((a, b) => h.ops[a].index - h.ops[b].index || a - b);
  return {
    ...h,
    ops: order.map((i) => h.ops[i]),
    lines: order.map((i) => h.lines[i]),
    reorderedByIndex: true,
  };
}

/** One op as a JSONL line (without newline): core fields first, always in the same order; values typed. */
export function formatOpJsonl(op: Op): string {
  const ordered: Record<string, unknown> = {};
  for (const k of CORE_FIELDS) {
    const v = op[k];
    if (k === 'f' && v === undefined) continue;
    ordered[k] = v === undefined ? null : v;
  }
  for (const k of Object.keys(op)) {
    if ((CORE_FIELDS as readonly string[]).includes(k) || op[k] === undefined) continue;
    if (k === '__proto__')
      Object.defineProperty(ordered, k, {
        value: op[k],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else ordered[k] = op[k];
  }
  return toTypedJson(ordered);
}
