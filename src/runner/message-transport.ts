import type { Completion, SetupMessage, Workload } from '../../workloads/types.js';
import type { OpSpec } from '../generator/generator.js';
import type { Body, Message, NodeId } from '../sim/types.js';
import type { ClientConnection, ClientTransport, Scheduler } from './environment.js';

/** A client actor's handle on a network of actors (the simulator's `addClient`). */
export interface MessageEndpoint {
  send(dest: NodeId, body: Body): void;
}

/** A network clients join as actors: the simulated network, or one that carries Maelstrom messages to processes. */
export interface MessageNetwork {
  /** `worker: false`: an actor of the harness's own (the setup client), out of reach of client faults. */
  addClient(id: string, onMessage: (msg: Message) => void, opts?: { worker?: boolean }): MessageEndpoint;
}

/** The actor that sends the workload's setup messages (one of the clients, in Maelstrom's statistics). */
export const SETUP_CLIENT_ID = 'c-setup';

/** Tries of each setup message before the run fails. */
const SETUP_ATTEMPTS = 10;

/**
 * The Maelstrom transport: each worker is a client actor on `net`; the
 * workload turns an operation into a request body and the reply back into
 * a completion. Replies are matched by `in_reply_to` and sender, so late
 * replies to abandoned requests, and duplicates, are ignored.
 */
export function messageTransport(net: MessageNetwork, workload: Workload): ClientTransport {
  return {
    connect: (clientId) => new MessageConnection(net, clientId, workload),
    setup: (messages, time, timeoutMs, done) => sendSetup(net, messages, time, timeoutMs, done),
  };
}

/**
 * Send every setup message at once from the setup client, each again after
 * `timeoutMs` until its reply comes (a lossy network may drop it); `done`
 * once all are acknowledged. A wrong answer, or none after SETUP_ATTEMPTS
 * tries, throws from the simulation's event (the run fails, naming the node).
 */
function sendSetup(
  net: MessageNetwork,
  messages: readonly SetupMessage[],
  time: Scheduler,
  timeoutMs: number,
  done: () => void,
): void {
  let waiting = messages.length;
  let nextMsgId = 1;
  const pending = new Map<number, SetupMessage>();
  const acked = new Set<SetupMessage>();
  const endpoint = net.addClient(
    SETUP_CLIENT_ID,
    (msg) => {
      const m = pending.get(msg.body.in_reply_to ?? -1);
      if (m === undefined || msg.src !== m.dest || acked.has(m)) return;
      if (msg.body.type !== m.replyType)
        throw new Error(
          `node ${m.dest} answered its ${m.body.type} message with ${JSON.stringify(msg.body).slice(0, 200)}, not ${m.replyType}`,
        );
      acked.add(m);
      if (--waiting === 0) done();
    },
    { worker: false },
  );
  const send = (m: SetupMessage, attempt: number) => {
    if (acked.has(m)) return;
    if (attempt > SETUP_ATTEMPTS)
      throw new Error(
        `node ${m.dest} did not answer its ${m.body.type} message with ${m.replyType} (${SETUP_ATTEMPTS} tries, ${timeoutMs} ms apart)`,
      );
    const msgId = nextMsgId++;
    pending.set(msgId, m);
    endpoint.send(m.dest, { ...m.body, msg_id: msgId });
    time.schedule(timeoutMs * 1e6, () => send(m, attempt + 1));
  };
  for (const m of messages) send(m, 1);
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
