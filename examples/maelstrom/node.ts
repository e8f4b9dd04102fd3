/**
 * A tiny library for writing Maelstrom nodes, in the manner of Maelstrom's
 * own `demo/js/node.js`: messages arrive on stdin, one JSON object per line;
 * the node prints its messages on stdout, one per line; anything else it has
 * to say goes to stderr, which the harness keeps as the node's log.
 *
 *   const node = new Node();
 *   node.on('echo', (req) => node.reply(req, { type: 'echo_ok', echo: req.body.echo }));
 *   node.main();
 *
 * `init` is answered with `init_ok` by the library (after an `onInit`
 * callback, if any). A handler that throws an `RpcError` answers the request
 * with that error; any other exception answers with `crash` (13, indefinite).
 */
import { createInterface } from 'node:readline';

export interface Body {
  type: string;
  msg_id?: number;
  in_reply_to?: number;
  [field: string]: unknown;
}

export interface Message {
  src: string;
  dest: string;
  body: Body;
}

/** Maelstrom's error codes (its `doc/protocol.md`). */
export const ErrorCode = {
  timeout: 0,
  nodeNotFound: 1,
  notSupported: 10,
  temporarilyUnavailable: 11,
  malformedRequest: 12,
  crash: 13,
  abort: 14,
  keyDoesNotExist: 20,
  keyAlreadyExists: 21,
  preconditionFailed: 22,
  txnConflict: 30,
} as const;

/** Throw one from a handler to answer the request with a Maelstrom error. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }

  toBody(): Body {
    return { type: 'error', code: this.code, text: this.text };
  }
}

export type Handler = (req: Message) => void;

export class Node {
  nodeId = '';
  nodeIds: string[] = [];
  /** How long `rpc` waits for a reply before it gives its callback a timeout error. */
  rpcTimeoutMs = 1000;

  private nextMsgId = 1;
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<number, { callback: (reply: Body) => void; timer: NodeJS.Timeout }>();
  private initCallbacks: (() => void)[] = [];

  /** Handle requests of `type`. The handler answers with `reply` (now or later). */
  on(type: string, handler: Handler): this {
    this.handlers.set(type, handler);
    return this;
  }

  /** Run `fn` once `init` has set `nodeId` and `nodeIds`, before `init_ok` is sent. */
  onInit(fn: () => void): this {
    this.initCallbacks.push(fn);
    return this;
  }

  /** The other nodes of the cluster. */
  peers(): string[] {
    return this.nodeIds.filter((id) => id !== this.nodeId);
  }

  log(...parts: unknown[]): void {
    const text = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
    process.stderr.write(`${text}\n`);
  }

  send(dest: string, body: Body): void {
    process.stdout.write(`${JSON.stringify({ src: this.nodeId, dest, body })}\n`);
  }

  reply(req: Message, body: Body): void {
    if (req.body.msg_id === undefined) {
      this.log('cannot reply to a message without msg_id:', req);
      return;
    }
    this.send(req.src, { ...body, in_reply_to: req.body.msg_id });
  }

  /**
   * Send a request and call `callback` with its reply: the reply body (an
   * `error` body included), or, after `timeoutMs` without one, an error body
   * with code 0 (timeout). The callback runs exactly once.
   */
  rpc(dest: string, body: Body, callback: (reply: Body) => void, timeoutMs = this.rpcTimeoutMs): void {
    const msgId = this.nextMsgId++;
    const timer = setTimeout(() => {
      this.pending.delete(msgId);
      callback({ type: 'error', in_reply_to: msgId, code: ErrorCode.timeout, text: 'RPC request timed out' });
    }, timeoutMs);
    this.pending.set(msgId, { callback, timer });
    this.send(dest, { ...body, msg_id: msgId });
  }

  /** Like `rpc`, but try again after every error until a reply that is not an error arrives. */
  retryRpc(dest: string, body: Body, callback: (reply: Body) => void, timeoutMs = this.rpcTimeoutMs): void {
    this.rpc(
      dest,
      body,
      (reply) => {
        if (reply.type === 'error') this.retryRpc(dest, body, callback, timeoutMs);
        else callback(reply);
      },
      timeoutMs,
    );
  }

  /** Start reading stdin; the process ends when stdin does. */
  main(): void {
    const lines = createInterface({ input: process.stdin, terminal: false });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      let msg: Message;
      try {
        msg = JSON.parse(line) as Message;
      } catch {
        this.log('ignoring a line that is not JSON:', line);
        return;
      }
      if (msg === null || typeof msg !== 'object' || typeof msg.body !== 'object' || msg.body === null) {
        this.log('ignoring a message without a body:', line);
        return;
      }
      this.handle(msg);
    });
    lines.on('close', () => {
      for (const { timer } of this.pending.values()) clearTimeout(timer);
      process.exit(0);
    });
  }

  private handle(msg: Message): void {
    const body = msg.body;
    if (body.in_reply_to !== undefined) {
      const waiting = this.pending.get(body.in_reply_to);
      // No one waiting: a late or duplicated reply. Maelstrom's demos ignore those too.
      if (waiting === undefined) return;
      this.pending.delete(body.in_reply_to);
      clearTimeout(waiting.timer);
      this.guard(msg, () => waiting.callback(body));
      return;
    }
    if (body.type === 'init') {
      this.nodeId = String(body.node_id);
      this.nodeIds = Array.isArray(body.node_ids) ? body.node_ids.map(String) : [];
      this.guard(msg, () => {
        for (const fn of this.initCallbacks) fn();
        this.log(`node ${this.nodeId} initialized`);
        this.reply(msg, { type: 'init_ok' });
      });
      return;
    }
    const handler = this.handlers.get(body.type);
    if (handler === undefined) {
      this.reply(msg, {
        type: 'error',
        code: ErrorCode.notSupported,
        text: `unsupported request type ${body.type}`,
      });
      return;
    }
    this.guard(msg, () => handler(msg));
  }

  /** Run `fn`; if it throws, answer `req` with the error (if it can be answered). */
  private guard(req: Message, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('error handling', req, String(err));
      if (req.body.in_reply_to !== undefined) return;
      this.reply(
        req,
        err instanceof RpcError ? err.toBody() : { type: 'error', code: ErrorCode.crash, text: String(err) },
      );
    }
  }
}
