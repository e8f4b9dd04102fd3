import type { Completion, Workload } from '../../workloads/types.js';
import type { OpSpec } from '../generator/generator.js';
import type { Body, Message, NodeId } from '../sim/types.js';
import type { ClientConnection, ClientTransport } from './environment.js';

/** A client actor's handle on a network of actors (the simulator's `addClient`). */
export interface MessageEndpoint {
  send(dest: NodeId, body: Body): void;
}

/** A network clients join as actors: the simulated network, or one that carries Maelstrom messages to processes. */
export interface MessageNetwork {
  addClient(id: string, onMessage: (msg: Message) => void): MessageEndpoint;
}

/**
 * The Maelstrom transport: each worker is a client actor on `net`; the
 * workload turns an operation into a request body and the reply back into
 * a completion. Replies are matched by `in_reply_to` and sender, so late
 * replies to abandoned requests, and duplicates, are ignored.
 */
export function messageTransport(net: MessageNetwork, workload: Workload): ClientTransport {
  return { connect: (clientId) => new MessageConnection(net, clientId, workload) };
}

interface PendingRequest {
  msgId: number;
  op: OpSpec;
  node: NodeId;
  complete: (c: Completion) => void;
}

class MessageConnection implements ClientConnection {
  private readonly endpoint: MessageEndpoint;
  private pending: PendingRequest | undefined;
  private nextMsgId = 1;

  constructor(
    net: MessageNetwork,
    clientId: string,
    private readonly workload: Workload,
  ) {
    this.endpoint = net.addClient(clientId, (msg) => this.onReply(msg));
  }

  invoke(op: OpSpec, node: NodeId, complete: (c: Completion) => void): void {
    const msgId = this.nextMsgId++;
    this.pending = { msgId, op, node, complete };
    const body = this.workload.clientRequest(op);
    body.msg_id = msgId;
    this.endpoint.send(node, body);
  }

  abandon(): void {
    this.pending = undefined;
  }

  private onReply(msg: Message): void {
    const p = this.pending;
    if (!p || msg.body.in_reply_to !== p.msgId || msg.src !== p.node) return;
    this.pending = undefined;
    p.complete(this.workload.completeFromReply(p.op, msg.body));
  }
}
