import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FaultNetwork } from '../runner/environment.js';
import type { Grouping } from '../sim/network.js';
import type { Rng } from '../sim/random.js';

/**
 * Real-mode network faults: a TCP proxy in front of every port a node
 * serves, so every link (client → node, node → node) passes through the
 * harness. Each connection is attributed to a link `src → dest` when it is
 * accepted (the caller's `identify`); each direction of it is then a link
 * of its own, so one-way cuts work.
 *
 * A cut link stalls: bytes wait in the proxy (and, once its buffer is
 * full, in the kernel) and flow again when the link heals — what a
 * partition does to TCP, whose retransmissions deliver late data after a
 * short partition. Loss delays a chunk (and everything behind it) by a
 * retransmission timeout, as a lost segment does; latency delays every
 * chunk. Order within a connection is always kept.
 */

/** Actor name of every harness client (the proxy cannot tell the harness's own connections apart). */
export const CLIENTS_ACTOR = 'clients';

/** Retransmission delay of a "lost" chunk, ms (Linux's minimum RTO is 200 ms). */
export const LOSS_DELAY_MS = 200;

/** Bytes held per direction before the sender is paused (backpressure instead of unbounded memory). */
const HIGH_WATER_BYTES = 1 << 20;

export interface LinkFaultOptions {
  /** Client ids as the nemesis names them (c1…cN); all map to CLIENTS_ACTOR. */
  clientIds: readonly string[];
  /** Draws for loss. */
  rng: Rng;
  /** Added to every chunk in each direction, ms. */
  latencyMs?: number;
  /** Background loss probability per chunk. */
  lossProbability?: number;
}

/** Which links are cut, and the latency and loss every proxy applies: the real `FaultNetwork`. */
export class LinkFaults implements FaultNetwork {
  private readonly cuts = new Set<string>();
  private readonly clientIds: ReadonlySet<string>;
  private readonly listeners = new Set<() => void>();
  private loss: number | undefined;
  readonly latencyMs: number;
  readonly lossProbability: number;

  constructor(private readonly opts: LinkFaultOptions) {
    this.clientIds = new Set(opts.clientIds);
    this.latencyMs = opts.latencyMs ?? 0;
    this.lossProbability = opts.lossProbability ?? 0;
  }

  get lossOverride(): number | undefined {
    return this.loss;
  }

  set lossOverride(p: number | undefined) {
    this.loss = p;
  }

  get duplicateOverride(): number | undefined {
    return undefined;
  }

  set duplicateOverride(p: number | undefined) {
    if (p !== undefined)
      throw new Error('TCP cannot duplicate bytes: the duplication nemesis is refused in real mode');
  }

  private actor(id: string): string {
    return this.clientIds.has(id) ? CLIENTS_ACTOR : id;
  }

  private setCut(from: string, to: string): void {
    const a = this.actor(from);
    const b = this.actor(to);
    if (a !== b) this.cuts.add(`${a}->${b}`);
  }

  partition(groups: Grouping): void {
    for (let i = 0; i < groups.length; i++)
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]) for (const b of groups[j]) this.setCut(a, b);
      }
    this.changed();
  }

  cutOneWay(from: readonly string[], to: readonly string[]): void {
    for (const a of from) for (const b of to) this.setCut(a, b);
    this.changed();
  }

  heal(): void {
    this.cuts.clear();
    this.changed();
  }

  isCut(from: string, to: string): boolean {
    return this.cuts.size > 0 && this.cuts.has(`${from}->${to}`);
  }

  /** The cut links, sorted ("n1->n2", "n3->clients"). */
  describeCuts(): string[] {
    return [...this.cuts].sort();
  }

  /** Whether this chunk is "lost" (delayed by a retransmission). */
  drawLoss(): boolean {
    const p = this.loss ?? this.lossProbability;
    return p > 0 && this.opts.rng.next() < p;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

export interface ProxyStats {
  connections: number;
  bytes: number;
  /** Chunks delayed by a simulated loss. */
  lostChunks: number;
}

export interface TcpProxyOptions {
  /** The node behind this proxy. */
  node: string;
  /** The port the node really listens on (127.0.0.1). */
  targetPort: number;
  faults: LinkFaults;
  /** Who opened a connection, from its source port: a node id, or CLIENTS_ACTOR. */
  identify: (remotePort: number, proxyPort: number) => Promise<string>;
  log?: (line: string) => void;
  /** Port to listen on (0: any free one). */
  listenPort?: number;
}

/** One direction of one connection: from → to, with its queue of held chunks. */
class Pipe {
  private readonly queue: { chunk: Buffer; atMs: number }[] = [];
  private queuedBytes = 0;
  private lastReleaseMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private closed = false;

  constructor(
    private readonly from: string,
    private readonly to: string,
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly faults: LinkFaults,
    private readonly stats: ProxyStats,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  private push(chunk: Buffer): void {
    const now = performance.now();
    let at = now + this.faults.latencyMs;
    if (this.faults.drawLoss()) {
      at += LOSS_DELAY_MS;
      this.stats.lostChunks++;
    }
    at = Math.max(at, this.lastReleaseMs);
    this.lastReleaseMs = at;
    this.queue.push({ chunk, atMs: at });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES) this.src.pause();
    this.pump();
  }

  /** Send what is due, unless the link is cut; come back when the next chunk is due. */
  pump(): void {
    if (this.closed) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.faults.isCut(this.from, this.to)) return;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].atMs <= now) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      this.stats.bytes += chunk.length;
      this.dst.write(chunk);
    }
    if (this.queuedBytes <= HIGH_WATER_BYTES / 2 && this.src.isPaused()) this.src.resume();
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, this.queue[0].atMs - now));
    } else if (this.ended) {
      this.dst.end();
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** A TCP proxy for one port of one node (see the module comment). */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pipes = new Set<Pipe>();
  private readonly unsubscribe: () => void;
  readonly stats: ProxyStats = { connections: 0, bytes: 0, lostChunks: 0 };
  private portValue = 0;

  constructor(private readonly opts: TcpProxyOptions) {
    this.server = createServer({ pauseOnConnect: true }, (s) => this.accept(s));
    this.unsubscribe = opts.faults.onChange(() => {
      for (const p of this.pipes) p.pump();
    });
  }

  get port(): number {
    return this.portValue;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.listenPort ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        this.portValue = typeof addr === 'object' && addr !== null ? addr.port : 0;
        resolve(this.portValue);
      });
    });
  }

  private async accept(client: Socket): Promise<void> {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    let from: string;
    try {
      from = await this.opts.identify(client.remotePort ?? 0, this.portValue);
    } catch {
      from = CLIENTS_ACTOR;
    }
    if (client.destroyed) return;
    this.stats.connections++;
    const to = this.opts.node;
    if (from !== CLIENTS_ACTOR)
      this.opts.log?.(`*** proxy :${this.portValue}: connection from ${from} (port ${client.remotePort})`);
    const upstream = connect({ host: '127.0.0.1', port: this.opts.targetPort });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    const forward = new Pipe(from, to, client, upstream, this.opts.faults, this.stats);
    const backward = new Pipe(to, from, upstream, client, this.opts.faults, this.stats);
    this.pipes.add(forward);
    this.pipes.add(backward);
    const done = () => {
      forward.close();
      backward.close();
      this.pipes.delete(forward);
      this.pipes.delete(backward);
      client.destroy();
      upstream.destroy();
    };
    // An error or a reset on either side resets the other: the far end sees the connection die.
    upstream.on('error', done);
    client.on('error', done);
    upstream.on('close', done);
    client.on('close', done);
    client.resume();
  }

  /** Stop listening and drop every connection. */
  close(): Promise<void> {
    this.unsubscribe();
    for (const p of this.pipes) p.close();
    this.pipes.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
