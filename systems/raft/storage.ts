import type { Disk } from '../../src/sim/types.js';
import { parseEntryJson } from '../shared/entry-json.js';
import type { KvSnapshotData } from '../shared/kv-state.js';

/**
 * Raft's stable storage on the simulated disk, three files:
 *
 * - `raft-meta`: `{"term":T,"vote":"n2"|null}`, replaced whole.
 * - `raft-snapshot`: the state machine at `lastIndex`/`lastTerm`, replaced whole.
 * - `raft-log`: one entry per line, `INDEX TERM COMMAND-JSON`, append-only.
 *   A line whose index is not past the previous line's index overwrites
 *   that position and drops everything after it: a follower's conflict
 *   truncation is one append, with no rewrite. A crash can tear the last
 *   unsynced append, so recovery ignores a final line without its newline
 *   (or that does not parse) and rewrites the file without it.
 *
 * Nothing here fsyncs: the node decides when (before it answers anyone).
 */

export const META_FILE = 'raft-meta';
export const LOG_FILE = 'raft-log';
export const SNAPSHOT_FILE = 'raft-snapshot';

/**
 * A log entry's command as JSON text (a `Command`), parsed only when applied:
 * entries travel and hit the disk as text, never re-encoded. null is the
 * no-op a new leader appends.
 */
export type EntryCommand = string | null;

export interface Meta {
  term: number;
  vote: string | null;
}

export interface SnapshotRecord {
  lastIndex: number;
  lastTerm: number;
  data: KvSnapshotData;
}

export interface Recovered {
  meta: Meta;
  snapshot: SnapshotRecord | undefined;
  /** Terms and commands of entries snapshot.lastIndex+1 … in order. */
  terms: number[];
  commands: EntryCommand[];
  /** Human notes about what recovery dropped (torn tail …), for the node log. */
  notes: string[];
}

const LINE = /^(\d+) (\d+) (.+)$/;

/** An entry line's fields, or undefined when it is not one (torn, damaged). */
function parseEntryLine(line: string): [number, number, EntryCommand] | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const index = Number(m[1]);
  const term = Number(m[2]);
  if (!(index >= 1) || !Number.isSafeInteger(index) || !Number.isSafeInteger(term)) return undefined;
  if (m[3] === 'null') return [index, term, null];
  try {
    const cmd: unknown = parseEntryJson(m[3]);
    if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return undefined;
  } catch {
    return undefined;
  }
  return [index, term, m[3]];
}

export function entryLine(index: number, term: number, cmd: EntryCommand): string {
  return `${index} ${term} ${cmd ?? 'null'}\n`;
}

/** Read what survived on disk. Repairs a torn log tail in place (the caller fsyncs). */
export function recover(disk: Disk): Recovered {
  const notes: string[] = [];
  let meta: Meta = { term: 0, vote: null };
  const metaText = disk.read(META_FILE);
  if (metaText !== undefined) {
    const m = JSON.parse(metaText) as Meta;
    meta = { term: m.term, vote: m.vote };
  }
  let snapshot: SnapshotRecord | undefined;
  const snapText = disk.read(SNAPSHOT_FILE);
  if (snapText !== undefined) snapshot = JSON.parse(snapText) as SnapshotRecord;
  const base = snapshot?.lastIndex ?? 0;

  const terms: number[] = [];
  const commands: EntryCommand[] = [];
  const text = disk.read(LOG_FILE) ?? '';
  const lines = text.split('\n');
  // After the last newline: '' when the file ends cleanly, else a torn append.
  const tail = lines.pop() ?? '';
  let rewrite = tail !== '';
  if (tail !== '') notes.push(`dropped torn log tail (${tail.length} chars)`);
  for (let n = 0; n < lines.length; n++) {
    const rec = parseEntryLine(lines[n]);
    if (rec === undefined) {
      // Only the last record can be torn; anything else means the file is damaged. Keep the prefix.
      notes.push(`log line ${n + 1} unreadable; dropped it and ${lines.length - n - 1} line(s) after it`);
      rewrite = true;
      break;
    }
    const [index, term, cmd] = rec;
    if (index <= base) continue;
    const last = base + terms.length;
    if (index > last + 1) {
      notes.push(`log line ${n + 1}: index ${index} leaves a gap after ${last}; dropped the rest`);
      rewrite = true;
      break;
    }
    if (index <= last) {
      terms.length = index - base - 1;
      commands.length = index - base - 1;
    }
    terms.push(term);
    commands.push(cmd);
  }
  if (rewrite) rewriteLog(disk, base, terms, commands);
  return { meta, snapshot, terms, commands, notes };
}

export function writeMeta(disk: Disk, meta: Meta): void {
  disk.write(META_FILE, JSON.stringify(meta));
}

/** Append entries base+from+1 … (positions from.. of the arrays). */
export function appendEntries(
  disk: Disk,
  base: number,
  terms: number[],
  commands: EntryCommand[],
  from: number,
): void {
  if (from >= terms.length) return;
  let out = '';
  for (let p = from; p < terms.length; p++) out += entryLine(base + p + 1, terms[p], commands[p]);
  disk.append(LOG_FILE, out);
}

export function rewriteLog(disk: Disk, base: number, terms: number[], commands: EntryCommand[]): void {
  let out = '';
  for (let p = 0; p < terms.length; p++) out += entryLine(base + p + 1, terms[p], commands[p]);
  disk.write(LOG_FILE, out);
}

export function writeSnapshot(disk: Disk, snap: SnapshotRecord): void {
  disk.write(SNAPSHOT_FILE, JSON.stringify(snap));
}
