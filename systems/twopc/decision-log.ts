import type { Disk } from '../../src/sim/types.js';

/**
 * The 2PC coordinator's durable decision log, with presumed abort: only
 * commits are logged. `{"c": TXID, "p": [participants…]}` is appended and
 * fsynced before any participant hears the decision; `{"e": TXID}` (end,
 * not fsynced) once every participant acknowledged it. A transaction with
 * no commit record aborted, whatever anyone asks. On recovery every commit
 * without an end is re-sent until acknowledged.
 *
 * `coord-epoch` counts the coordinator's boots (fsynced at boot):
 * transaction ids are `epoch × TXIDS_PER_EPOCH + n`, so they grow across
 * crashes and serve as wait-die timestamps.
 */

const LOG_FILE = 'coord-log';
const EPOCH_FILE = 'coord-epoch';
export const TXIDS_PER_EPOCH = 10_000_000;
/** Log lines before it is rewritten with only the commits still unacknowledged. */
export const DECISION_LOG_COMPACT_LINES = 2000;

export class DecisionLog {
  /** Commits not yet acknowledged by every participant: txid → participants still to acknowledge. */
  readonly unacknowledged = new Map<number, string[]>();
  readonly epoch: number;
  private lines = 0;

  constructor(private readonly disk: Disk) {
    const text = disk.read(LOG_FILE) ?? '';
    const parts = text.split('\n');
    const last = parts.pop();
    const torn = last !== undefined && last !== '';
    for (const [i, line] of parts.entries()) {
      let r: { c?: number; p?: string[]; e?: number };
      try {
        r = JSON.parse(line);
      } catch (err) {
        if (i === parts.length - 1) break;
        throw new Error(`${LOG_FILE} line ${i + 1} is corrupt: ${(err as Error).message}`);
      }
      if (typeof r.c === 'number') this.unacknowledged.set(r.c, [...(r.p ?? [])]);
      else if (typeof r.e === 'number') this.unacknowledged.delete(r.e);
      this.lines++;
    }
    const previous = Number(disk.read(EPOCH_FILE) ?? '0');
    this.epoch = previous + 1;
    disk.write(EPOCH_FILE, String(this.epoch));
    if (torn) this.rewrite();
    disk.fsync();
  }

  /** Log a commit decision durably: after this returns the transaction is committed. */
  logCommit(txid: number, participants: readonly string[]): void {
    this.unacknowledged.set(txid, [...participants]);
    this.disk.append(LOG_FILE, `${JSON.stringify({ c: txid, p: participants })}\n`);
    this.lines++;
    this.disk.fsync();
  }

  isCommitted(txid: number): boolean {
    return this.unacknowledged.has(txid);
  }

  /** A participant acknowledged; once all have, the end record is written (lazily durable). */
  acknowledge(txid: number, participant: string): boolean {
    const left = this.unacknowledged.get(txid);
    if (!left) return false;
    const rest = left.filter((p) => p !== participant);
    if (rest.length > 0) {
      this.unacknowledged.set(txid, rest);
      return false;
    }
    this.unacknowledged.delete(txid);
    this.disk.append(LOG_FILE, `${JSON.stringify({ e: txid })}\n`);
    this.lines++;
    if (this.lines >= DECISION_LOG_COMPACT_LINES) {
      this.rewrite();
      this.disk.fsync();
    }
    return true;
  }

  private rewrite(): void {
    const text = [...this.unacknowledged.entries()].map(([c, p]) => `${JSON.stringify({ c, p })}\n`).join('');
    this.disk.write(LOG_FILE, text);
    this.lines = this.unacknowledged.size;
  }
}
