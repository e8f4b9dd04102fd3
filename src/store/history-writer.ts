import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { formatOpJsonl } from '../history/jsonl.js';
import { CORE_FIELDS, type Op } from '../history/op.js';

/**
 * The run's history.jsonl, streamed: each op becomes one line as it is
 * recorded (buffered up to `flushChars`, so a crash loses at most one
 * buffer), and `close()` fsyncs. Bytes are exactly `formatOpJsonl`'s; ops
 * whose fields are already in canonical order (the recorder builds them so)
 * take a fast path straight through `JSON.stringify`.
 */
export class HistoryFileWriter {
  private readonly fd: number;
  private buffer = '';
  private closed = false;
  lines = 0;

  constructor(
    readonly path: string,
    private readonly flushChars = 64 * 1024,
  ) {
    this.fd = openSync(path, 'w');
  }

  write(op: Op): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    this.buffer += `${inCanonicalOrder(op) ? JSON.stringify(op) : formatOpJsonl(op)}\n`;
    this.lines++;
    if (this.buffer.length >= this.flushChars) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0 || this.closed) return;
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
  }
}

/**
 * True when JSON.stringify(op) already gives formatOpJsonl's bytes: core
 * fields first, in order, none undefined (both leave out undefined extras).
 */
export function inCanonicalOrder(op: Op): boolean {
  let i = 0;
  for (const k in op) {
    if (i < CORE_FIELDS.length) {
      if (k !== CORE_FIELDS[i] || op[k] === undefined) return false;
    } else if (
      k === 'index' ||
      k === 'time' ||
      k === 'type' ||
      k === 'process' ||
      k === 'f' ||
      k === 'value'
    ) {
      return false;
    }
    i++;
  }
  return i >= CORE_FIELDS.length;
}
