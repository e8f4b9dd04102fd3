import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The store: `DIR/<test>/<time>/` per run (test.json, history.jsonl,
 * results.json, node logs), with `DIR/latest` and `DIR/<test>/latest`
 * pointing at the newest run.
 */

/** A filesystem-safe timestamp, e.g. 20261122T052301.123Z. */
export function timestampDirName(iso: string): string {
  return iso.replace(/[-:]/g, '');
}

/** Create the run directory (a numeric suffix if that instant is taken); returns its path. */
export function createRunDir(storeDir: string, test: string, startedAtIso: string): string {
  const base = join(storeDir, test, timestampDirName(startedAtIso));
  let dir = base;
  for (let i = 1; existsSync(dir); i++) {
    if (i > 1000) throw new Error(`cannot find a free run directory under ${base}`);
    dir = `${base}-${i}`;
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Point `link` at `target` (relative), replacing any old link atomically. */
function pointAt(link: string, target: string): void {
  const rel = relative(join(link, '..'), target);
  const tmp = `${link}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(rel, tmp);
  renameSync(tmp, link);
}

/** Make `DIR/latest` and `DIR/<test>/latest` point at `runDir`. */
export function updateLatest(storeDir: string, runDir: string): void {
  pointAt(join(storeDir, 'latest'), runDir);
  pointAt(join(runDir, '..', 'latest'), runDir);
}

export function writeJson(path: string, data: unknown): void {
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

/** SHA-256 of a file, read in chunks (histories can be large). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Append-only text files written through a small buffer (node logs). */
export class BufferedFileWriter {
  private readonly fd: number;
  private buffer = '';
  private closed = false;

  constructor(
    readonly path: string,
    private readonly flushChars = 64 * 1024,
    /** fsync on close, so what was written survives a power loss (history.jsonl). */
    private readonly fsyncOnClose = false,
  ) {
    this.fd = openSync(path, 'w');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(text: string): void {
    if (this.closed) return;
    this.buffer += text;
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
    if (this.fsyncOnClose) fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
  }
}
