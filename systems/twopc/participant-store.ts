import type { Disk } from '../../src/sim/types.js';
import type { LockMode } from './locks.js';

/**
 * A participant shard's stable storage on the simulated disk.
 *
 * - `part-log`: one JSON record per line, appended:
 *   `{"p": PREPARE}` a prepared transaction (its computed writes and locks),
 *   `{"c": TXID}` commit (its writes installed), `{"a": TXID}` abort,
 *   `{"u": TXID, …}` an update of a prepared transaction's protocol fields
 *   (3PC: its state, accepted and promised ballots).
 * - `part-snap`: the committed data, the prepared (in-doubt) transactions
 *   and recent outcomes, written when the log passes `LOG_COMPACT_LINES`;
 *   the log then starts empty. Both files are written before one fsync, so
 *   a crash keeps either both old ones or both new ones.
 *
 * Durability is the caller's choice per record (`durable`): a prepare
 * record and a commit are fsynced before the participant answers; an abort
 * is not (presumed abort: an in-doubt transaction whose abort was lost is
 * asked about again). A crash may tear the last unsynced line: recovery
 * drops a last line that does not parse.
 */

export interface PrepareRecord {
  txid: number;
  /** The coordinator to ask about the outcome. */
  coordinator: string;
  /** Key id → the new value commit installs. */
  writes: [string, unknown][];
  locks: [string, LockMode][];
  /** Every participant of the transaction (3PC's termination protocol asks them). */
  participants?: string[];
  /** 3PC: 'U' uncertain (voted yes), 'PC' pre-committed, 'PA' pre-aborted. */
  state?: string;
  /** 3PC: ballot of the proposal accepted (pre-commit or pre-abort), and the highest ballot promised. */
  accepted?: number;
  promised?: number;
}

export type Outcome = 'C' | 'A';

interface Snapshot {
  data: [string, unknown][];
  prepared: PrepareRecord[];
  outcomes: [number, Outcome][];
}

const LOG_FILE = 'part-log';
const SNAP_FILE = 'part-snap';
/** Log lines before the store is compacted into a snapshot. */
export const LOG_COMPACT_LINES = 2000;
/** Outcomes remembered (duplicate and late messages are answered from them). */
export const OUTCOMES_KEPT = 4096;

export class ParticipantStore {
  readonly data = new Map<string, unknown>();
  readonly prepared = new Map<number, PrepareRecord>();
  readonly outcomes = new Map<number, Outcome>();
  private logLines = 0;

  constructor(private readonly disk: Disk) {
    this.load();
  }

  /** Recovered from disk: how many records were replayed and whether a torn tail was dropped. */
  recovery = { records: 0, tornTail: false };

  private load(): void {
    const snap = this.disk.read(SNAP_FILE);
    if (snap !== undefined) {
      const s = JSON.parse(snap) as Snapshot;
      for (const [k, v] of s.data) this.data.set(k, v);
      for (const p of s.prepared) this.prepared.set(p.txid, p);
      for (const [t, o] of s.outcomes) this.outcomes.set(t, o);
    }
    const text = this.disk.read(LOG_FILE) ?? '';
    const lines = text.split('\n');
    // The text ends with a newline when the last append was whole: the final element is then ''.
    const last = lines.pop();
    let torn = last !== undefined && last !== '';
    const records: Record<string, unknown>[] = [];
    for (const [i, line] of lines.entries()) {
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch (err) {
        if (i === lines.length - 1) torn = true;
        else throw new Error(`${LOG_FILE} line ${i + 1} is corrupt: ${(err as Error).message}`);
      }
    }
    for (const r of records) this.replay(r);
    this.logLines = records.length;
    this.recovery = { records: records.length, tornTail: torn };
    if (torn) {
      this.disk.write(LOG_FILE, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      this.disk.fsync();
    }
  }

  private replay(r: Record<string, unknown>): void {
    if (r.p !== undefined) {
      const p = r.p as PrepareRecord;
      this.prepared.set(p.txid, p);
    } else if (typeof r.c === 'number') this.applyCommit(r.c);
    else if (typeof r.a === 'number') this.applyAbort(r.a);
    else if (typeof r.u === 'number') {
      const p = this.prepared.get(r.u);
      if (p) Object.assign(p, r.f as Partial<PrepareRecord>);
    }
  }

  private applyCommit(txid: number): void {
    const p = this.prepared.get(txid);
    if (p) for (const [k, v] of p.writes) this.data.set(k, v);
    this.prepared.delete(txid);
    this.remember(txid, 'C');
  }

  private applyAbort(txid: number): void {
    this.prepared.delete(txid);
    this.remember(txid, 'A');
  }

  private remember(txid: number, o: Outcome): void {
    this.outcomes.set(txid, o);
    if (this.outcomes.size > OUTCOMES_KEPT) {
      const oldest = this.outcomes.keys().next().value as number;
      this.outcomes.delete(oldest);
    }
  }

  private append(record: Record<string, unknown>, durable: boolean): void {
    this.disk.append(LOG_FILE, `${JSON.stringify(record)}\n`);
    this.logLines++;
    if (this.logLines >= LOG_COMPACT_LINES) this.compact();
    else if (durable) this.disk.fsync();
  }

  /** Write the snapshot and an empty log, then fsync both together. */
  private compact(): void {
    const snap: Snapshot = {
      data: [...this.data.entries()],
      prepared: [...this.prepared.values()],
      outcomes: [...this.outcomes.entries()],
    };
    this.disk.write(SNAP_FILE, JSON.stringify(snap));
    this.disk.write(LOG_FILE, '');
    this.disk.fsync();
    this.logLines = 0;
  }

  prepare(rec: PrepareRecord, durable: boolean): void {
    this.prepared.set(rec.txid, rec);
    this.append({ p: rec }, durable);
  }

  /** Change a prepared transaction's protocol fields (fsynced: a 3PC promise or acceptance must survive). */
  update(txid: number, fields: Partial<PrepareRecord>, durable = true): void {
    const p = this.prepared.get(txid);
    if (!p) return;
    Object.assign(p, fields);
    this.append({ u: txid, f: fields }, durable);
  }

  commit(txid: number): void {
    this.applyCommit(txid);
    this.append({ c: txid }, true);
  }

  abort(txid: number, durable = false): void {
    this.applyAbort(txid);
    this.append({ a: txid }, durable);
  }

  /** Drop prepared transactions as if they had aborted (the `no-recovery` bug knob). */
  forgetPrepared(): number[] {
    const ids = [...this.prepared.keys()];
    for (const t of ids) this.abort(t, true);
    return ids;
  }
}
