import { formatOpJsonl } from '../history/jsonl.js';
import { CORE_FIELDS, type Op } from '../history/op.js';
import { isPlainJsonValue } from '../history/typed-json.js';
import { BufferedFileWriter } from './store.js';

/**
 * The run's history.jsonl, streamed: each op becomes one line as it is
 * recorded (buffered up to `flushChars`, so a crash loses at most one
 * buffer), and `close()` fsyncs. Bytes are exactly `formatOpJsonl`'s; ops
 * whose fields are already in canonical order (the recorder builds them so)
 * take a fast path straight through `JSON.stringify`. When the disk fills,
 * the file keeps its whole lines, `failure` holds the error and `onFailure`
 * hears of it once; later ops are dropped.
 */
export class HistoryFileWriter {
  private readonly file: BufferedFileWriter;
  lines = 0;

  constructor(
    readonly path: string,
    flushChars = 64 * 1024,
    onFailure?: (err: Error) => void,
  ) {
    this.file = new BufferedFileWriter(path, flushChars, true, onFailure);
  }

  get failure(): Error | undefined {
    return this.file.failure;
  }

  write(op: Op): void {
    if (this.file.isClosed) throw new Error(`${this.path}: write after close`);
    if (this.file.failure) return;
    // JSON.stringify only when it writes the typed encoding exactly (no big integer, NaN, keyword, …).
    this.file.write(
      `${inCanonicalOrder(op) && isPlainJsonValue(op) ? JSON.stringify(op) : formatOpJsonl(op)}\n`,
    );
    this.lines++;
  }

  flush(): void {
    this.file.flush();
  }

  close(): void {
    this.file.close();
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
