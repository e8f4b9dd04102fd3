import type { Disk } from '../../src/sim/types.js';
import { parseEntryJson } from '../shared/entry-json.js';
import type { KvSnapshotData } from '../shared/kv-state.js';

/**
 * The acceptor's stable storage on the simulated disk, three files for the
 * Multi-Paxos log (the consensus workload's instances are in synod.ts):
 *
 * - `paxos-promise`: `{"ballot":B}`, the highest ballot promised, replaced whole.
 * - `paxos-accepted`: one accepted proposal per line, `SLOT BALLOT VALUE`,
 *   append-only. VALUE is the command's JSON or `null` (a no-op). A later
 *   line for a slot replaces the earlier one (an acceptor re-accepts a slot
 *   only for a higher ballot). Slots need not be contiguous: an acceptor
 *   accepts whatever slots reach it. A crash can tear the last unsynced
 *   append, so recovery ignores a final line without its newline (or that
 *   does not parse) and rewrites the file without it.
 * - `paxos-snapshot`: `{"slot":S,"data":…}`, the state machine with every
 *   slot up to S applied, replaced whole. Compaction writes it, then
 *   rewrites `paxos-accepted` with only the slots after S.
 *
 * Nothing here fsyncs: the node decides when (before it answers anyone).
 */

export const PROMISE_FILE = 'paxos-promise';
export const ACCEPTED_FILE = 'paxos-accepted';
export const SNAPSHOT_FILE = 'paxos-snapshot';

/** A slot's value as JSON text (a `Command`), parsed only when applied; null is a no-op. */
export type SlotValue = string | null;

export interface SnapshotRecord {
  /** Every slot up to this one is applied in `data`. */
  slot: number;
  data: KvSnapshotData;
}

/** Accepted proposals for slots base+1 …: position p is slot base+p+1; ballot 0 = nothing accepted there. */
export interface AcceptedSlots {
  ballots: number[];
  values: (SlotValue | undefined)[];
}

export interface Recovered {
  promised: number;
  snapshot: SnapshotRecord | undefined;
  accepted: AcceptedSlots;
  /** Human notes about what recovery dropped (torn tail …), for the node log. */
  notes: string[];
}

const LINE = /^(\d+) (\d+) (.+)$/;

/** An accepted line's fields, or undefined when it is not one (torn, damaged). */
function parseLine(line: string): [number, number, SlotValue] | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const slot = Number(m[1]);
  const ballot = Number(m[2]);
  if (!(slot >= 1) || !Number.isSafeInteger(slot) || !(ballot >= 1) || !Number.isSafeInteger(ballot))
    return undefined;
  if (m[3] === 'null') return [slot, ballot, null];
  try {
    const cmd: unknown = parseEntryJson(m[3]);
    if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return undefined;
  } catch {
    return undefined;
  }
  return [slot, ballot, m[3]];
}

export function acceptedLine(slot: number, ballot: number, value: SlotValue): string {
  return `${slot} ${ballot} ${value ?? 'null'}\n`;
}

/** Read what survived on disk. Repairs a torn or damaged accepted file in place (the caller fsyncs). */
export function recover(disk: Disk): Recovered {
  const notes: string[] = [];
  let promised = 0;
  const promiseText = disk.read(PROMISE_FILE);
  if (promiseText !== undefined) promised = (JSON.parse(promiseText) as { ballot: number }).ballot;
  let snapshot: SnapshotRecord | undefined;
  const snapText = disk.read(SNAPSHOT_FILE);
  if (snapText !== undefined) snapshot = JSON.parse(snapText) as SnapshotRecord;
  const base = snapshot?.slot ?? 0;

  const accepted: AcceptedSlots = { ballots: [], values: [] };
  const text = disk.read(ACCEPTED_FILE) ?? '';
  const lines = text.split('\n');
  // After the last newline: '' when the file ends cleanly, else a torn append.
  const tail = lines.pop() ?? '';
  let rewrite = tail !== '';
  if (tail !== '') notes.push(`dropped torn accepted-file tail (${tail.length} chars)`);
  for (let n = 0; n < lines.length; n++) {
    const rec = parseLine(lines[n]);
    if (rec === undefined) {
      // Only the last record can be torn; anything else means the file is damaged. Keep the prefix.
      notes.push(
        `accepted-file line ${n + 1} unreadable; dropped it and ${lines.length - n - 1} line(s) after it`,
      );
      rewrite = true;
      break;
    }
    const [slot, ballot, value] = rec;
    if (slot <= base) continue;
    const p = slot - base - 1;
    while (accepted.ballots.length <= p) {
      accepted.ballots.push(0);
      accepted.values.push(undefined);
    }
    accepted.ballots[p] = ballot;
    accepted.values[p] = value;
  }
  if (rewrite) rewriteAccepted(disk, base, accepted);
  return { promised, snapshot, accepted, notes };
}

export function writePromise(disk: Disk, ballot: number): void {
  disk.write(PROMISE_FILE, JSON.stringify({ ballot }));
}

/** Append accepted proposals, one line each, as one write. */
export function appendAccepted(disk: Disk, lines: string): void {
  if (lines !== '') disk.append(ACCEPTED_FILE, lines);
}

/** The whole accepted file for slots base+1 … (after compaction or repair). */
export function rewriteAccepted(disk: Disk, base: number, accepted: AcceptedSlots): void {
  let out = '';
  for (let p = 0; p < accepted.ballots.length; p++) {
    const b = accepted.ballots[p];
    if (b !== 0) out += acceptedLine(base + p + 1, b, accepted.values[p] ?? null);
  }
  disk.write(ACCEPTED_FILE, out);
}

export function writeSnapshot(disk: Disk, snap: SnapshotRecord): void {
  disk.write(SNAPSHOT_FILE, JSON.stringify(snap));
}
