import { ERROR_CODES, errorReply } from '../../src/sim/maelstrom.js';
import type { Body, Message, NodeContext, NodeId } from '../../src/sim/types.js';
import { TakenRequests } from '../shared/refusals.js';
import { fillReads, type MicroOp, malformedTxn } from './txn-exec.js';

/**
 * The client-facing side every node runs: it takes a client's request
 * (Maelstrom `txn`, or the bank's `bank_transfer` / `bank_read`), turns it
 * into micro-ops, hands it to the coordinator as `tx_begin`, and turns the
 * coordinator's `tx_done` into the client's reply.
 *
 * Replies are honest about what is known: `txn_ok` / `bank_*_ok` after a
 * commit; a definite error (`txn-conflict` 30, `precondition-failed` 22 for
 * insufficient funds, `temporarily-unavailable` 11) only when the
 * coordinator decided abort, so the transaction surely did not commit;
 * silence otherwise (a coordinator that crashed or is cut off may or may
 * not have committed), which the client records as `info`.
 */

/** Requests waiting for their coordinator at once, per node; beyond it new ones get error 11. */
export const FRONTEND_PENDING_MAX = 1024;
/** A request is forgotten this long after it was forwarded (the client has long timed out). */
export const FRONTEND_PENDING_TTL_MS = 5000;
/** Request ids remembered to drop duplicated deliveries. */
const SEEN_REQUESTS_MAX = 8192;
/** The requests this front end refused, per client (`../shared/refusals.ts`). */
const REFUSED_FILE = 'frontend-refused';

type Kind = 'txn' | 'transfer' | 'read';

interface Pending {
  client: NodeId;
  msgId: number | undefined;
  kind: Kind;
  txn: MicroOp[];
  forwardedAtMs: number;
}

/** What the coordinator needs of a request. */
export interface TxBegin {
  ref: string;
  txn: MicroOp[];
  initial?: number;
}

/**
 * The front end and client a request ref (`NODE|CLIENT|MSG_ID`) names, and
 * the client's msg_id (undefined when the request had none).
 */
export function refOrigin(ref: string): { origin: string; msgId: number | undefined } {
  const cut = ref.lastIndexOf('|');
  const id = Number(ref.slice(cut + 1));
  return { origin: ref.slice(0, cut), msgId: Number.isInteger(id) ? id : undefined };
}

export class Frontend {
  private readonly pending = new Map<string, Pending>();
  private readonly seen = new Set<string>();
  /**
   * Refusals noted durably before they are sent: a copy of a refused request
   * arriving later, even after a restart that emptied `seen`, is refused
   * again and never reaches the coordinator. (Copies of requests that were
   * forwarded are recognised by the coordinator, which notes every ref it begins.)
   */
  private readonly refused: TakenRequests;

  constructor(
    private readonly ctx: NodeContext,
    private readonly coordinator: NodeId,
  ) {
    this.refused = new TakenRequests(ctx.disk, REFUSED_FILE);
  }

  /** Handle a client request; false if `msg` is not one. */
  onClientRequest(msg: Message): boolean {
    const body = msg.body;
    const parsed = this.parse(body);
    if (parsed === undefined) return false;
    if (typeof parsed === 'string') {
      this.ctx.send(msg.src, errorReply(body.msg_id, ERROR_CODES.malformedRequest, parsed));
      return true;
    }
    const ref = `${this.ctx.id}|${msg.src}|${body.msg_id}`;
    if (this.seen.has(ref)) return true;
    this.remember(ref);
    const id = body.msg_id;
    if (typeof id === 'number' && this.refused.takenBefore(msg.src, id)) {
      // A late copy of a refused request, or one its client gave up on: it never starts.
      if (this.refused.refusedBefore(msg.src, id))
        this.ctx.send(msg.src, errorReply(id, ERROR_CODES.temporarilyUnavailable, 'refused earlier'));
      return true;
    }
    if (this.pending.size >= FRONTEND_PENDING_MAX) {
      if (typeof id === 'number') this.refused.refuse(msg.src, id);
      this.ctx.send(
        msg.src,
        errorReply(body.msg_id, ERROR_CODES.temporarilyUnavailable, 'too many requests in progress'),
      );
      return true;
    }
    this.pending.set(ref, {
      client: msg.src,
      msgId: body.msg_id,
      kind: parsed.kind,
      txn: parsed.txn,
      forwardedAtMs: this.ctx.monotonicNow(),
    });
    const begin: TxBegin = {
      ref,
      txn: parsed.txn,
      ...(parsed.initial !== undefined ? { initial: parsed.initial } : {}),
    };
    this.ctx.send(this.coordinator, { type: 'tx_begin', ...begin });
    return true;
  }

  /** The coordinator's answer: `tx_done {ref, committed, reads?, code?, text?}`. */
  onDone(body: Body): void {
    const ref = body.ref as string;
    const p = this.pending.get(ref);
    if (!p) return;
    this.pending.delete(ref);
    if (body.committed !== true) {
      const code = typeof body.code === 'number' ? body.code : ERROR_CODES.txnConflict;
      this.ctx.send(p.client, errorReply(p.msgId, code, String(body.text ?? 'aborted')));
      return;
    }
    const reads = new Map<number, unknown>((body.reads as [number, unknown][]) ?? []);
    const txn = fillReads(p.txn, reads);
    if (p.kind === 'txn') this.ctx.send(p.client, { type: 'txn_ok', in_reply_to: p.msgId, txn });
    else if (p.kind === 'transfer')
      this.ctx.send(p.client, { type: 'bank_transfer_ok', in_reply_to: p.msgId });
    else {
      const balances: Record<string, unknown> = {};
      for (const [, k, v] of txn) balances[String(k)] = v;
      this.ctx.send(p.client, { type: 'bank_read_ok', in_reply_to: p.msgId, balances });
    }
  }

  /** Forget requests whose client has given up long ago (bounded memory when a coordinator is away). */
  expire(): void {
    const now = this.ctx.monotonicNow();
    for (const [ref, p] of this.pending) {
      if (now - p.forwardedAtMs > FRONTEND_PENDING_TTL_MS) this.pending.delete(ref);
    }
  }

  private remember(ref: string): void {
    this.seen.add(ref);
    if (this.seen.size > SEEN_REQUESTS_MAX) this.seen.delete(this.seen.values().next().value as string);
  }

  /** The request as micro-ops, an error text if malformed, or undefined if it is no client request. */
  private parse(body: Body): { kind: Kind; txn: MicroOp[]; initial?: number } | string | undefined {
    switch (body.type) {
      case 'txn': {
        const why = malformedTxn(body.txn);
        if (why) return why;
        // Bank micro-ops arrive only through the bank requests, with their initial balance.
        if ((body.txn as MicroOp[]).some((m) => m[0] === 'debit' || m[0] === 'credit'))
          return 'debit and credit come only in bank_transfer';
        return { kind: 'txn', txn: (body.txn as MicroOp[]).map((m) => [m[0], m[1], m[2]]) };
      }
      case 'bank_transfer': {
        const { from, to, amount, initial_balance: initial } = body;
        if (!isAccount(from) || !isAccount(to) || from === to)
          return 'bank_transfer needs two different accounts from, to';
        if (typeof amount !== 'number' || !(amount >= 0)) return 'bank_transfer needs an amount >= 0';
        if (typeof initial !== 'number') return 'bank_transfer needs initial_balance';
        return {
          kind: 'transfer',
          txn: [
            ['debit', from, amount],
            ['credit', to, amount],
          ],
          initial,
        };
      }
      case 'bank_read': {
        const { accounts, initial_balance: initial } = body;
        if (!Array.isArray(accounts) || accounts.length === 0 || !accounts.every(isAccount))
          return 'bank_read needs a non-empty list of accounts';
        if (typeof initial !== 'number') return 'bank_read needs initial_balance';
        const why = malformedTxn(accounts.map((a) => ['r', a, null]));
        if (why) return why;
        return { kind: 'read', txn: accounts.map((a): MicroOp => ['r', a, null]), initial };
      }
      default:
        return undefined;
    }
  }
}

function isAccount(x: unknown): x is number | string {
  return typeof x === 'number' || typeof x === 'string';
}
