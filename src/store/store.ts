import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The store: `DIR/<test>/<time>/` per run (test.json, history.jsonl,
 * results.json, node logs), with `DIR/latest` and `DIR/<test>/latest`
 * pointing at the newest run.
 *
 * Nothing here loses what it knew quietly: results.json is replaced whole
 * (written beside, then renamed), so it is never empty or cut; a file
 * written as it goes keeps whole lines only when the disk fills; and
 * `latest` is only pointed at a run whose results.json says what it is.
 */

/** A store that cannot be used, found before a run starts; `path` is what is wrong. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A filesystem-safe timestamp, e.g. 20261122T052301.123Z. */
export function timestampDirName(iso: string): string {
  return iso.replace(/[-:]/g, '');
}

/**
 * Refuse a store a run could not finish writing to, before the run starts:
 * a `latest` that is not a link (a directory, say) would be left stale or
 * replaced. Creating the store and the run directory (createRunDir) finds
 * the rest: a store that is a file, a read-only or full disk.
 */
export function checkStore(storeDir: string, test: string): void {
  for (const link of [join(storeDir, 'latest'), join(storeDir, test, 'latest')]) {
    let isLink = true;
    try {
      isLink = lstatSync(link).isSymbolicLink();
    } catch {
      continue; // absent (or its parent is): nothing to refuse
    }
    if (!isLink)
      throw new StoreError(
        link,
        'is not a symbolic link, and faultline keeps this name for a link to the newest run; move it away',
      );
  }
}

/**
 * `mkdir -p` that reports the real reason. Node's recursive mkdir answers
 * ENOENT for a parent it could not create on a read-only file system or
 * without permission; redoing the first missing step alone gives the
 * kernel's own answer (EROFS, EACCES), which is what the user needs to hear.
 */
export function makeDirs(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      // A file where the directory should be: say that, as mkdir(1) does, not "already exists".
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), {
        code: 'ENOTDIR',
        path,
        syscall: 'mkdir',
      });
    }
    if (code !== 'ENOENT') throw err;
    let missing = path;
    while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
    mkdirSync(missing); // throws the kernel's own reason
    mkdirSync(path, { recursive: true }); // it was a race, and the parent is there now
  }
}

/** Create the run directory (a numeric suffix if that instant is taken); returns its path. */
export function createRunDir(storeDir: string, test: string, startedAtIso: string): string {
  const base = join(storeDir, test, timestampDirName(startedAtIso));
  let dir = base;
  for (let i = 1; existsSync(dir); i++) {
    if (i > 1000) throw new Error(`cannot find a free run directory under ${base}`);
    dir = `${base}-${i}`;
  }
  makeDirs(dir);
  return dir;
}

/** Point `link` at `target` (relative), replacing any old link atomically; no temporary is left behind. */
function pointAt(link: string, target: string): void {
  const rel = relative(join(link, '..'), target);
  const tmp = `${link}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  try {
    symlinkSync(rel, tmp);
    renameSync(tmp, link);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Make `DIR/latest` and `DIR/<test>/latest` point at `runDir`. */
export function updateLatest(storeDir: string, runDir: string): void {
  pointAt(join(storeDir, 'latest'), runDir);
  pointAt(join(runDir, '..', 'latest'), runDir);
}

/**
 * Write JSON, replacing the file whole: a reader sees the old text or the
 * new, never a cut one. On a full disk there is no room for the new text
 * beside the old; then, if the new text fits in the old file's length, it
 * is written over the old in place (padded with spaces, which JSON allows),
 * needing no new space. `reserveBytes` pads the file to at least that many
 * bytes, so that a later write can always say why a run stopped.
 */
export function writeJson(path: string, data: unknown, opts: { reserveBytes?: number } = {}): void {
  let text = `${JSON.stringify(data, null, 2)}\n`;
  const reserve = opts.reserveBytes ?? 0;
  if (reserve > Buffer.byteLength(text)) text += `${' '.repeat(reserve - Buffer.byteLength(text) - 1)}\n`;
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== 'ENOSPC' && code !== 'EDQUOT') || !overwriteInPlace(path, text)) throw err;
  }
}

/** Write `text` over the file's own bytes (spaces after it up to its old length); false when it does not fit. */
function overwriteInPlace(path: string, text: string): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > size) return false;
  const padded = Buffer.alloc(size, 0x20);
  bytes.copy(padded);
  padded[size - 1] = 0x0a;
  const fd = openSync(path, 'r+');
  try {
    let done = 0;
    while (done < size) done += writeSync(fd, padded, done, size - done, done);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** SHA-256 of a file and its line count, read in chunks (histories can be large). */
/** Bytes of provisional results.json kept free for the final word of a run that stops (ENOSPC, a signal). */
export const RESULTS_RESERVE_BYTES = 16 * 1024;

export function sha256File(path: string): string {
  return hashFile(path).sha256;
}

export function hashFile(path: string): { sha256: string; lines: number } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  let lines = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), lines };
}

/**
 * Append-only text files written through a small buffer (history.jsonl, node
 * logs), given whole lines. A write that fails (a full disk) cuts the file
 * back to its last whole line, keeps the error in `failure`, tells
 * `onFailure` once, and drops everything written after: the file stays a
 * readable prefix.
 */
export class BufferedFileWriter {
  private readonly fd: number;
  private buffer = '';
  private closed = false;
  /** Bytes in the file, always ending on a whole line. */
  bytesWritten = 0;
  /** The error that stopped this file, if one did. */
  failure: Error | undefined;

  constructor(
    readonly path: string,
    private readonly flushChars = 64 * 1024,
    /** fsync on close, so what was written survives a power loss (history.jsonl). */
    private readonly fsyncOnClose = false,
    private readonly onFailure?: (err: Error, writer: BufferedFileWriter) => void,
  ) {
    this.fd = openSync(path, 'w');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(text: string): void {
    if (this.closed || this.failure) return;
    this.buffer += text;
    if (this.buffer.length >= this.flushChars) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0 || this.closed || this.failure) return;
    const bytes = Buffer.from(this.buffer, 'utf8');
    this.buffer = '';
    let done = 0;
    try {
      // writeSync may write less than asked (a disk filling up): go on until all is written or it fails.
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (err) {
      const lastNewline = done > 0 ? bytes.lastIndexOf(0x0a, done - 1) : -1;
      this.fail(err, this.bytesWritten + lastNewline + 1);
      return;
    }
    this.bytesWritten += bytes.length;
  }

  /** Flush, fsync if asked, close. Safe after a failure (the file keeps its whole lines). */
  close(): void {
    if (this.closed) return;
    this.flush();
    if (this.fsyncOnClose && !this.failure) {
      try {
        fsyncSync(this.fd);
      } catch (err) {
        this.fail(err, this.bytesWritten);
      }
    }
    closeSync(this.fd);
    this.closed = true;
  }

  private fail(err: unknown, keepBytes: number): void {
    try {
      ftruncateSync(this.fd, keepBytes);
    } catch {
      // Truncating frees space and rarely fails; if it does, readers still skip a last line without its newline.
    }
    this.bytesWritten = keepBytes;
    this.buffer = '';
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.onFailure?.(this.failure, this);
  }
}
