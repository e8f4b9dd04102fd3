import type { Disk } from '../../src/sim/types.js';

/**
 * What a node needs to refuse a client request definitely (Maelstrom error
 * 11, temporarily-unavailable, and the like) and keep its word: the network
 * may deliver a copy of a request later (duplication, a paused node's
 * inbox), and that copy must never take effect after a refusal, or the
 * history says `fail` for a write that happened. Nor may a late copy of a
 * request that did start be refused definitely (its first answer may have
 * been lost, and the client would take the refusal).
 *
 * Clients (Maelstrom's and faultline's) have one request in flight at a time
 * and number them upwards, so a request older than one the client sent later
 * is one it has given up on: nobody waits for its answer and it may as well
 * never run. Two numbers per client are therefore enough: the highest msg_id
 * this node took (started or refused) and the highest it refused. A request
 * at or below the first is never started again; only the refused request
 * itself is answered again (with a refusal), other old ones are dropped.
 * Should a client break the rule, the cost is requests refused or dropped
 * that could have run: never a wrong answer.
 *
 * Both are appended to a file on the node's disk and fsynced before the
 * request starts or the refusal is sent, so a restart keeps them (copies
 * can arrive after a restart). The file is rewritten whole when it grows
 * past a few lines per client. A node with no room left for a new client
 * (`TRACKED_CLIENTS_MAX`) does not take its requests: `take` says so.
 */

/** Clients tracked per node; requests of further clients are dropped (they time out: `info`). */
export const TRACKED_CLIENTS_MAX = 4096;

interface ClientMarks {
  taken: number;
  refused: number;
}

export class TakenRequests {
  private readonly marks = new Map<string, ClientMarks>();
  private lines = 0;

  constructor(
    private readonly disk: Disk,
    private readonly file: string,
  ) {
    const text = disk.read(file);
    if (!text) return;
    // A line is `T|R client msgId`; a torn last line (no newline) was never acted on.
    const end = text.lastIndexOf('\n');
    for (const line of text.slice(0, end + 1).split('\n')) {
      const [kind, client, id] = line.split(' ');
      if (client === undefined || id === undefined) continue;
      const m = this.marksOf(client);
      const n = Number(id);
      if (n > m.taken) m.taken = n;
      if (kind === 'R' && n > m.refused) m.refused = n;
      this.lines++;
    }
  }

  /** This node took this request (or a later one of the client) before: it must not start again. */
  takenBefore(client: string, msgId: number): boolean {
    const m = this.marks.get(client);
    return m !== undefined && msgId <= m.taken;
  }

  /** The node refused exactly this request earlier (answer it again with a refusal). */
  refusedBefore(client: string, msgId: number): boolean {
    return this.marks.get(client)?.refused === msgId;
  }

  /** Note (durably) that the request starts; false: the node has no room for this client, drop it. */
  take(client: string, msgId: number): boolean {
    return this.note('T', client, msgId);
  }

  /** Note (durably) a definite refusal; call before sending it. */
  refuse(client: string, msgId: number): void {
    this.note('R', client, msgId);
  }

  private note(kind: 'T' | 'R', client: string, msgId: number): boolean {
    if (!this.marks.has(client) && this.marks.size >= TRACKED_CLIENTS_MAX) return false;
    const m = this.marksOf(client);
    if (msgId > m.taken) m.taken = msgId;
    if (kind === 'R' && msgId > m.refused) m.refused = msgId;
    if (this.lines >= 4 * this.marks.size + 64) {
      let text = '';
      for (const [c, x] of this.marks) text += `T ${c} ${x.taken}\nR ${c} ${x.refused}\n`;
      this.disk.write(this.file, text);
      this.lines = 2 * this.marks.size;
    } else {
      this.disk.append(this.file, `${kind} ${client} ${msgId}\n`);
      this.lines++;
    }
    this.disk.fsync();
    return true;
  }

  private marksOf(client: string): ClientMarks {
    let m = this.marks.get(client);
    if (!m) {
      m = { taken: Number.NEGATIVE_INFINITY, refused: Number.NEGATIVE_INFINITY };
      this.marks.set(client, m);
    }
    return m;
  }
}
