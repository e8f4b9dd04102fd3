import { type ClientEndpoint, Simulation } from '../../src/sim/simulation.js';
import type { Body, SystemDefinition } from '../../src/sim/types.js';
import { threepc } from '../../systems/threepc/index.js';
import { ThreePcNode } from '../../systems/threepc/node.js';
import { twopc } from '../../systems/twopc/index.js';
import { clusterRoles, TwoPcNode } from '../../systems/twopc/node.js';
import { HashRing } from '../../systems/twopc/ring.js';

/**
 * A 2PC or 3PC cluster in the real simulator with one scripted client, for
 * tests that drive transactions and faults by hand and look inside nodes.
 */
export class ShardCluster {
  readonly sim: Simulation;
  readonly ring: HashRing;
  readonly coordinator: string;
  readonly shards: string[];
  private readonly client: ClientEndpoint;
  private nextMsgId = 1;
  private readonly replies = new Map<number, Body>();
  readonly logs: string[] = [];

  constructor(opts: {
    system?: 'twopc' | 'threepc';
    seed: number;
    nodes?: number;
    bugs?: string[];
    options?: string[];
  }) {
    const system: SystemDefinition = opts.system === 'threepc' ? threepc : twopc;
    const options = new Set(opts.options ?? []);
    this.sim = new Simulation({
      seed: opts.seed,
      system,
      nodeCount: opts.nodes ?? 4,
      bugs: new Set(opts.bugs ?? []),
      systemOptions: options,
      onNodeLog: (node, timeNs, line) => this.logs.push(`${(timeNs / 1e6).toFixed(3)} ${node} ${line}`),
    });
    const roles = clusterRoles(this.sim.nodeIds, options);
    this.coordinator = roles.coordinator;
    this.shards = roles.shards;
    this.ring = new HashRing(roles.shards);
    this.client = this.sim.addClient('c1', (msg) => {
      if (typeof msg.body.in_reply_to === 'number') this.replies.set(msg.body.in_reply_to, msg.body);
    });
    this.sim.start();
  }

  /** The first `count` integer keys owned by `shard`. */
  keysOn(shard: string, count = 1): number[] {
    const out: number[] = [];
    for (let k = 0; out.length < count; k++) if (this.ring.shardOf(k) === shard) out.push(k);
    return out;
  }

  send(node: string, body: Omit<Body, 'msg_id'>): number {
    const id = this.nextMsgId++;
    this.client.send(node, { ...body, msg_id: id } as Body);
    return id;
  }

  reply(id: number): Body | undefined {
    return this.replies.get(id);
  }

  /** Send, run until the reply (or `timeoutMs` of virtual time), return it. */
  request(node: string, body: Omit<Body, 'msg_id'>, timeoutMs = 2000): Body | undefined {
    const id = this.send(node, body);
    this.runUntil(() => this.replies.has(id), timeoutMs);
    return this.replies.get(id);
  }

  runForMs(ms: number): void {
    this.sim.run(this.sim.nowNs + ms * 1e6);
  }

  /** Run in 0.1 ms steps until `done()` (true) or `timeoutMs` passes (false). */
  runUntil(done: () => boolean, timeoutMs = 2000): boolean {
    const deadlineNs = this.sim.nowNs + timeoutMs * 1e6;
    while (!done()) {
      if (this.sim.nowNs >= deadlineNs) return false;
      this.sim.run(this.sim.nowNs + 1e5);
    }
    return true;
  }

  shard(
    node: string,
  ):
    | { inDoubt: number[]; states: Record<number, string>; lockedKeys: number; data: Record<string, unknown> }
    | undefined {
    const n = this.sim.nodeObject(node);
    return n instanceof TwoPcNode || n instanceof ThreePcNode ? n.inspect() : undefined;
  }

  metrics(): Record<string, number> {
    return this.sim.systemMetrics();
  }
}
