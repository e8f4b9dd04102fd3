import type { Disk } from './types.js';

/** How a crash treats writes that were not fsynced. */
export type CrashMode =
  /** Everything since the last fsync is lost. */
  | 'lose-unsynced'
  /** Unsynced writes are lost, except that a random prefix of the last unsynced append survives. */
  | 'torn-last-write';

interface FileState {
  /** What survives a crash; undefined = the file does not exist on stable storage. */
  durable: string | undefined;
  /** What the running node sees. */
  current: string | undefined;
}

/**
 * A simulated disk: named text files. Writes are visible at once; `fsync()`
 * makes every write so far durable; `crash()` reverts to what was durable.
 */
export class SimDisk implements Disk {
  private readonly files = new Map<string, FileState>();
  /** The last write, if it was an append not yet fsynced: the candidate for a torn write. */
  private lastAppend: { file: string; lengthBefore: number } | undefined;
  fsyncCount = 0;
  bytesWritten = 0;

  read(file: string): string | undefined {
    return this.files.get(file)?.current;
  }

  write(file: string, data: string): void {
    this.state(file).current = data;
    this.bytesWritten += data.length;
    this.lastAppend = undefined;
  }

  append(file: string, data: string): void {
    const st = this.state(file);
    const before = st.current ?? '';
    st.current = before + data;
    this.bytesWritten += data.length;
    this.lastAppend = { file, lengthBefore: before.length };
  }

  remove(file: string): void {
    const st = this.files.get(file);
    if (st) st.current = undefined;
    this.lastAppend = undefined;
  }

  list(): string[] {
    const out: string[] = [];
    for (const [name, st] of this.files) if (st.current !== undefined) out.push(name);
    return out.sort();
  }

  fsync(): void {
    this.fsyncCount++;
    for (const [name, st] of this.files) {
      if (st.current === undefined && st.durable === undefined) this.files.delete(name);
      else st.durable = st.current;
    }
    this.lastAppend = undefined;
  }

  /** True when some write has not been fsynced yet. */
  hasUnsynced(): boolean {
    for (const st of this.files.values()) if (st.current !== st.durable) return true;
    return false;
  }

  /**
   * Apply a crash. With 'torn-last-write' and an unsynced last append,
   * `cutFraction` in [0, 1) decides how much of that append survives.
   * Returns a description of what was lost, for the node's log.
   */
  crash(mode: CrashMode, cutFraction = 0): string {
    const torn = mode === 'torn-last-write' ? this.lastAppend : undefined;
    let lostFiles = 0;
    let tornNote = '';
    for (const [name, st] of this.files) {
      if (st.current === st.durable) continue;
      lostFiles++;
      if (
        torn &&
        torn.file === name &&
        st.current !== undefined &&
        (st.durable ?? '') === st.current.slice(0, (st.durable ?? '').length)
      ) {
        // Keep everything up to the torn append, then a strict prefix of it.
        const durableLen = (st.durable ?? '').length;
        const start = Math.max(durableLen, torn.lengthBefore);
        const appendLen = st.current.length - torn.lengthBefore;
        const keep = Math.floor(Math.min(Math.max(cutFraction, 0), 0.999999) * appendLen);
        st.durable = st.current.slice(0, start + keep);
        tornNote = ` (${name}: last append torn, kept ${keep} of ${appendLen} chars)`;
      }
      st.current = st.durable;
      if (st.current === undefined) this.files.delete(name);
    }
    this.lastAppend = undefined;
    return `${lostFiles} file(s) lost unsynced writes${tornNote}`;
  }

  private state(file: string): FileState {
    let st = this.files.get(file);
    if (!st) {
      st = { durable: undefined, current: undefined };
      this.files.set(file, st);
    }
    return st;
  }
}
