import { HistoryParseError } from './errors.js';
import { forEachLine } from './lines.js';
import { toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';

/** Parse faultline's native format: one JSON operation per line. */
export function parseJsonl(text: string, source: string): History {
  const ops: Op[] = [];
  const lines: number[] = [];
  forEachLine(text, (line, lineNo) => {
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
  return { source, format: 'jsonl', ops, lines };
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
