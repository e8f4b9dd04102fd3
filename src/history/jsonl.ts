import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { HistoryParseError } from './errors.js';
import { toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';

/** Parse faultline's native format: one JSON operation per line. */
export function parseJsonl(text: string, source: string): History {
  const ops: Op[] = [];
  const lines: number[] = [];
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
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
  }
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

/**
 * Append-only history file. Each op is written to the file descriptor as it
 * arrives (buffered up to `flushBytes`), so a crash loses at most one buffer,
 * and `close()` fsyncs what is left.
 */
export class JsonlHistoryWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly flushBytes = 64 * 1024,
  ) {
    this.fd = openSync(path, 'w');
  }

  write(op: Op): void {
    const line = `${formatOpJsonl(op)}\n`;
    this.buffer.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes >= this.flushBytes) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0 || this.closed) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bufferedBytes = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
  }
}
