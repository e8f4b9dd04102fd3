import { SimDisk } from '../../src/sim/disk.js';
import { type ClientEndpoint, Simulation } from '../../src/sim/simulation.js';
import type { Body, Disk, Message, NodeContext, NodeId, TimerId } from '../../src/sim/types.js';
import { PaxosNode, type PaxosStatus, paxos } from '../../systems/paxos/index.js';

/**
 * A Paxos cluster in the real simulator with scripted clients, for tests
 * that drive requests and faults by hand and look inside the nodes. Like
 * Maelstrom's clients, each client actor has one request in flight at a
 * time and numbers them upwards (the systems rely on it to recognise late
 * copies, `systems/shared/refusals.ts`): a request goes out through the
 * first idle client, a new one if all are busy; one never answered keeps
 * its client busy for good, as an `info` op retires a process.
 */
export class PaxosCluster {
  readonly sim: Simulation;
  private readonly clients: ClientEndpoint[] = [];
  /** The request each client waits for, by client index. */
  private readonly busy = new Map<number, number>();
  private readonly clientOf = new Map<number, number>();
  private nextMsgId = 1;
  private readonly replies = new Map<number, Body>();
  readonly logs: string[] = [];

  constructor(opts: { seed: number; nodes?: number; bugs?: string[] }) {
    this.sim = new Simulation({
      seed: opts.seed,
      system: paxos,
      nodeCount: opts.nodes ?? 5,
      bugs: new Set(opts.bugs ?? []),
      onNodeLog: (node, _timeNs, line) => this.logs.push(`${node} ${line}`),
    });
    this.sim.start();
  }

  send(node: string, body: Omit<Body, 'msg_id'>): number {
    const id = this.nextMsgId++;
    let c = 0;
    while (this.busy.has(c)) c++;
    if (c === this.clients.length) {
      const index = c;
      this.clients.push(
        this.sim.addClient(`c${index + 1}`, (msg) => {
          const to = msg.body.in_reply_to;
          if (typeof to !== 'number' || this.clientOf.get(to) !== index) return;
          if (!this.replies.has(to)) this.replies.set(to, msg.body);
          if (this.busy.get(index) === to) this.busy.delete(index);
        }),
      );
    }
    this.busy.set(c, id);
    this.clientOf.set(id, c);
    this.clients[c].send(node, { ...body, msg_id: id } as Body);
    return id;
  }

  reply(id: number): Body | undefined {
    return this.replies.get(id);
  }

  request(node: string, body: Omit<Body, 'msg_id'>, timeoutMs = 2000): Body | undefined {
    const id = this.send(node, body);
    const deadlineNs = this.sim.nowNs + timeoutMs * 1e6;
    while (!this.replies.has(id) && this.sim.nowNs < deadlineNs) this.sim.run(this.sim.nowNs + 1e6);
    return this.replies.get(id);
  }

  runForMs(ms: number): void {
    this.sim.run(this.sim.nowNs + ms * 1e6);
  }

  node(id: string): PaxosNode | undefined {
    const n = this.sim.nodeObject(id);
    return n instanceof PaxosNode ? n : undefined;
  }

  status(id: string): PaxosStatus | undefined {
    return this.node(id)?.inspect();
  }

  leader(): string | undefined {
    return this.sim.nodeIds.find((id) => this.status(id)?.role === 'leader');
  }

  electLeader(): string {
    for (let i = 0; i < 100; i++) {
      const l = this.leader();
      if (l) return l;
      this.runForMs(50);
    }
    throw new Error('no leader after 5 s');
  }
}

/**
 * A hand-driven NodeContext for one node outside the simulator: messages
 * it sends are collected (with whether the disk held unsynced writes at
 * that moment), timers fire only when the test says so.
 */
export class ScriptedContext implements NodeContext {
  readonly sent: { dest: NodeId; body: Body; unsynced: boolean }[] = [];
  readonly lines: string[] = [];
  private timers: { id: TimerId; dueMs: number; fn: () => void }[] = [];
  private nextTimer = 1;
  private nowMs = 0;
  private seed = 12345;

  constructor(
    readonly id: NodeId,
    readonly nodeIds: readonly NodeId[],
    readonly disk: Disk & { hasUnsynced(): boolean } = new SimDisk(),
  ) {}

  now(): number {
    return this.nowMs;
  }
  monotonicNow(): number {
    return this.nowMs;
  }
  random(): number {
    // A small LCG: deterministic, and no real randomness in tests either.
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return this.seed / 2147483648;
  }
  send(dest: NodeId, body: Body): void {
    this.sent.push({
      dest,
      body: JSON.parse(JSON.stringify(body)) as Body,
      unsynced: this.disk.hasUnsynced(),
    });
  }
  setTimer(ms: number, fn: () => void): TimerId {
    const id = this.nextTimer++;
    this.timers.push({ id, dueMs: this.nowMs + ms, fn });
    return id;
  }
  clearTimer(id: TimerId): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }
  log(line: string): void {
    this.lines.push(line);
  }

  /** Let `ms` of time pass, firing due timers in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      this.timers.sort((a, b) => a.dueMs - b.dueMs || a.id - b.id);
      const t = this.timers[0];
      if (!t || t.dueMs > end) break;
      this.timers.shift();
      this.nowMs = t.dueMs;
      t.fn();
    }
    this.nowMs = end;
  }

  deliver(node: PaxosNode, src: NodeId, body: Body): void {
    const msg: Message = { src, dest: this.id, body };
    node.onMessage(msg);
  }

  /** Messages sent so far of one type, and forget them. */
  take(type: string): { dest: NodeId; body: Body; unsynced: boolean }[] {
    const out = this.sent.filter((m) => m.body.type === type);
    const rest = this.sent.filter((m) => m.body.type !== type);
    this.sent.length = 0;
    this.sent.push(...rest);
    return out;
  }
}
