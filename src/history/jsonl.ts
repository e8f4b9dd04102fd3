import { HistoryParseError } from './errors.js';
import { forEachLine } from './lines.js';
import { toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';

/** Parse faultline's native format: one JSON operation per line. */
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
 */
export class JsonlReader {
  private readonly ops: Op[] = [];
  private readonly lines: number[] = [];
  private linesSeen = 0;

  constructor(readonly source: string) {}

  push(text: string): void {
    const { ops, lines, source } = this;
    const before = this.linesSeen;
    let count = 0;
    forEachLine(text, (line, n) => {
      count = n;
      const lineNo = before + n;
      if (line.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new HistoryParseError(source, lineNo, `invalid JSON: ${why}`);
      }
      const op = toOp(raw, ops.length);
      if (typeof op === 'string') throw new HistoryParseError(source, lineNo, op);
      ops.push(op);
      lines.push(lineNo);
    });
    this.linesSeen = before + count;
  }

  history(): History {
    return { source: this.source, format: 'jsonl', ops: this.ops, lines: this.lines };
  }
}

/** One op as a JSONL line (without newline): core fields first, always in the same order. */
export function formatOpJsonl(op: Op): string {
  const ordered: Record<string, unknown> = {};
  for (const k of CORE_FIELDS) ordered[k] = op[k] === undefined ? null : op[k];
  for (const k in op) {
    if (!(CORE_FIELDS as readonly string[]).includes(k) && op[k] !== undefined) ordered[k] = op[k];
  }
  return JSON.stringify(ordered);
}
