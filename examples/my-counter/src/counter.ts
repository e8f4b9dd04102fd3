/**
 * A replicated counter: node n1 is the primary and holds the count (on disk,
 * fsynced before it answers); every other node forwards clients' requests to
 * it and relays the answer. The primary tells the others each new value, so
 * they keep a copy.
 *
 * The deliberate bug: with READ_FROM_LOCAL_COPY the other nodes answer reads
 * from their copy instead of asking the primary. The copy lags, so a read can
 * miss an add that already completed: not linearizable. Set it to false to fix.
 */
import { defineSystem, ERROR_CODES, errorReply, type Message, type NodeContext } from 'faultline';

export const READ_FROM_LOCAL_COPY = true;

const PRIMARY = 'n1';

/** What the primary keeps on disk: each counter, and the requests it applied (a duplicate is not applied twice). */
interface State {
  counts: Record<string, number>;
  applied: Record<string, true>;
}

class CounterNode {
  private state: State;
  /** Forwarded requests waiting for the primary: request id → the client and its msg_id. */
  private readonly pending = new Map<string, { client: string; msgId: number | undefined }>();
  /** A follower's copy of each count (what the buggy read answers with). */
  private readonly copy = new Map<string, number>();

  constructor(private readonly ctx: NodeContext) {
    const saved = ctx.disk.read('state');
    this.state = saved === undefined ? { counts: {}, applied: {} } : (JSON.parse(saved) as State);
  }

  onMessage(msg: Message): void {
    const b = msg.body;
    switch (b.type) {
      case 'init':
        this.ctx.send(msg.src, { type: 'init_ok', in_reply_to: b.msg_id });
        return;
      case 'copy':
        this.copy.set(String(b.key), Math.max(this.copy.get(String(b.key)) ?? 0, b.value as number));
        return;
      case 'forward':
        // At the primary: apply, answer the forwarding node.
        this.ctx.send(msg.src, {
          type: 'forward_ok',
          id: b.id,
          reply: this.apply(b.id as string, b.request as Message['body']),
        });
        return;
      case 'forward_ok': {
        const p = this.pending.get(b.id as string);
        if (!p) return; // a duplicate answer, or one for a request from before a crash
        this.pending.delete(b.id as string);
        this.ctx.send(p.client, { ...(b.reply as Message['body']), in_reply_to: p.msgId });
        return;
      }
      case 'add':
      case 'read': {
        const id = `${msg.src}:${b.msg_id}`;
        if (this.ctx.id === PRIMARY) {
          this.ctx.send(msg.src, { ...this.apply(id, b), in_reply_to: b.msg_id });
        } else if (b.type === 'read' && READ_FROM_LOCAL_COPY) {
          this.ctx.send(msg.src, {
            type: 'read_ok',
            in_reply_to: b.msg_id,
            value: this.copy.get(String(b.key)) ?? 0,
          });
        } else {
          this.pending.set(id, { client: msg.src, msgId: b.msg_id });
          this.ctx.send(PRIMARY, { type: 'forward', id, request: b });
        }
        return;
      }
      default:
        this.ctx.send(
          msg.src,
          errorReply(b.msg_id, ERROR_CODES.notSupported, `unsupported request ${b.type}`),
        );
    }
  }

  /** The primary applies a request once (by its id) and answers it. */
  private apply(id: string, b: Message['body']): Message['body'] {
    const key = String(b.key);
    const count = this.state.counts[key] ?? 0;
    if (b.type === 'read') return { type: 'read_ok', value: count };
    if (this.state.applied[id] === undefined) {
      const value = count + (b.delta as number);
      this.state.counts[key] = value;
      this.state.applied[id] = true;
      this.ctx.disk.write('state', JSON.stringify(this.state));
      this.ctx.disk.fsync();
      for (const n of this.ctx.nodeIds)
        if (n !== this.ctx.id) this.ctx.send(n, { type: 'copy', key: b.key, value });
    }
    return { type: 'add_ok' };
  }
}

export default defineSystem({
  name: 'my-counter',
  description: 'a counter on a primary (n1) that the other nodes forward to',
  bugs: [],
  defaultNodeCount: 3,
  workloads: ['counter'],
  createNode: (ctx) => new CounterNode(ctx),
});

export { checker, workload } from './workload.js';
