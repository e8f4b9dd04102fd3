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
import { MAX_NESTING_DEPTH } from './values.js';

/** Two objects side by side on one line (`}`, a comma, `{`; or just those characters in a string)? */
function twoObjectsOnALine(text: string): boolean {
  for (let i = text.indexOf('}'); i !== -1; i = text.indexOf('}', i + 1)) {
    let j = i + 1;
    let c = text.charCodeAt(j);
    while (c === 32 || c === 9 || c === 13) c = text.charCodeAt(++j);
    if (c !== 44) continue;
    c = text.charCodeAt(++j);
    while (c === 32 || c === 9 || c === 13) c = text.charCodeAt(++j);
    if (c === 123) return true;
  }
  return false;
}
/** Lines up to this long cannot nest deeper than MAX_NESTING_DEPTH (plainJsonSuffices looks at longer ones). */
const SHORT_LINE = 2 * MAX_NESTING_DEPTH;

/** Parse faultline's native format: one JSON operation per line, values in the typed JSON encoding. */
export function parseJsonl(text: string, source: string): History {
  const reader = new JsonlReader(source);
  // A file's text ends with a newline; a piece pushed does not (else every line goes one by one).
  reader.push(text.endsWith('\n') ? text.slice(0, -1) : text);
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
    if (this.pushAtOnce(text)) return;
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

  /**
   * The piece's lines parsed by one JSON.parse (as an array of them), when that
   * reads each line exactly as its own JSON.parse would: every line a JSON
   * object (its first character `{`, its last `}`, and JSON.parse's value an object), none of them holding what
   * sends a line to the typed parser (plainJsonSuffices: checked on the whole
   * piece, which is the same test line by line, the lines being short enough
   * for nesting not to matter) or a number JSON.parse may have rounded (hasLargeNumber), and
   * as many objects as lines, with no `}` `,` `{` on any line: then no line
   * holds two objects, so each object is its line. False: nothing was read,
   * the lines go one by one (and a bad one is named).
   */
  private pushAtOnce(text: string): boolean {
    if (text.length < 2 || !plainJsonSuffices(text, false) || twoObjectsOnALine(text)) return false;
    let count = 0;
    for (let start = 0; start <= text.length; ) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      let last = end - 1;
      if (text.charCodeAt(last) === 13) last--;
      if (text.charCodeAt(start) !== 123 || text.charCodeAt(last) !== 125 || end - start > SHORT_LINE)
        return false;
      count++;
      start = end + 1;
    }
    let raws: unknown[];
    try {
      raws = JSON.parse(`[${text.replaceAll('\n', ',')}]`) as unknown[];
    } catch {
      return false;
    }
    if (raws.length !== count) return false;
    for (const raw of raws)
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || hasLargeNumber(raw)) return false;
    const { ops, lines, source } = this;
    const before = this.linesSeen;
    for (let i = 0; i < count; i++) {
      const raw = raws[i] as { index?: unknown };
      if (this.allIndexed && raw.index === undefined) this.allIndexed = false;
      const op = toOp(raw, ops.length, true);
      if (typeof op === 'string') throw new HistoryParseError(source, before + i + 1, op);
      if (this.inIndexOrder && ops.length > 0 && op.index < ops[ops.length - 1].index)
        this.inIndexOrder = false;
      ops.push(op);
      lines.push(before + i + 1);
    }
    this.linesSeen = before + count;
    return true;
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
