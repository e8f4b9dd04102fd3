import type { ClusterInfo, Db, NodeCommand, NodeInfo } from '../../systems/adapters/types.js';
import type { FaultTarget } from '../runner/environment.js';
import type { NodeId } from '../sim/types.js';
import type { FaketimeClock } from './clock-skew.js';
import type { NodeProcess } from './local-runtime.js';
import type { LinkFaults } from './proxy.js';

/** One real node: its process (or container), the command that starts it, and its fault state. */
export class RealNode {
  /** What the nemesis last asked for; the process follows, in order. */
  wantUp = true;
  paused = false;
  private queue: Promise<void> = Promise.resolve();
  restarts = 0;

  constructor(
    readonly info: NodeInfo,
    readonly proc: NodeProcess,
    readonly command: () => NodeCommand,
    readonly log: (line: string) => void,
    readonly clock: FaketimeClock | undefined,
  ) {}

  /** Carry out `step` after every earlier one; a failure is logged, never thrown into the run. */
  enqueue(what: string, step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((err: unknown) => {
      this.log(`*** ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Resolves when every queued step is done. */
  settled(): Promise<void> {
    return this.queue;
  }
}

/**
 * The nemesis's view of a real cluster: kill (SIGKILL) and restart, pause
 * (SIGSTOP) and resume (SIGCONT), clocks through libfaketime, the network
 * through the proxies. Each fault is issued at once (the history records
 * that moment) and carried out in order per node; the node's log says when
 * it was done and when a restarted node served clients again.
 */
export class RealFaults implements FaultTarget {
  readonly nodeIds: readonly NodeId[];
  private readonly byId: Map<NodeId, RealNode>;

  constructor(
    private readonly nodes: readonly RealNode[],
    readonly clientIds: readonly string[],
    readonly network: LinkFaults,
    private readonly clockNowNs: () => number,
    private readonly db: Db,
    private readonly cluster: ClusterInfo,
    private readonly waitReady: (node: RealNode) => Promise<void>,
  ) {
    this.nodeIds = nodes.map((n) => n.info.id);
    this.byId = new Map(nodes.map((n) => [n.info.id, n]));
  }

  get nowNs(): number {
    return this.clockNowNs();
  }

  private node(id: NodeId): RealNode {
    const n = this.byId.get(id);
    if (!n) throw new Error(`unknown node '${id}'; nodes: ${this.nodeIds.join(', ')}`);
    return n;
  }

  isUp(id: NodeId): boolean {
    return this.node(id).wantUp;
  }

  isPaused(id: NodeId): boolean {
    return this.node(id).paused;
  }

  primaries(): NodeId[] {
    const claimed = this.db.primaries?.(this.cluster) ?? [];
    return claimed.filter((id) => this.byId.get(id)?.wantUp === true);
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    if (!n.wantUp) return;
    n.wantUp = false;
    n.paused = false;
    n.enqueue('kill', async () => {
      await n.proc.kill();
      n.log('*** killed (SIGKILL)');
    });
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.wantUp) return;
    n.wantUp = true;
    n.restarts++;
    n.enqueue('restart', async () => {
      await n.proc.start(n.command());
      // Readiness is only logged: the run goes on while the node recovers, as after a simulated restart.
      void this.waitReady(n).then(
        () => n.log('*** serving clients again'),
        (err: unknown) =>
          n.log(`*** not ready after restart: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
  }

  pause(id: NodeId): void {
    const n = this.node(id);
    if (!n.wantUp || n.paused) return;
    n.paused = true;
    n.enqueue('pause', async () => {
      await n.proc.pause();
      n.log('*** paused (SIGSTOP)');
    });
  }

  resume(id: NodeId): void {
    const n = this.node(id);
    if (!n.paused) return;
    n.paused = false;
    n.enqueue('resume', async () => {
      await n.proc.resume();
      n.log('*** resumed (SIGCONT)');
    });
  }

  private clockOf(id: NodeId): FaketimeClock {
    const c = this.node(id).clock;
    if (!c)
      throw new Error(`${id} was not started under libfaketime: the clock nemesis is refused for this run`);
    return c;
  }

  skewClock(id: NodeId, deltaMs: number): void {
    this.clockOf(id).skew(deltaMs);
    this.node(id).log(`*** clock skewed by ${deltaMs} ms`);
  }

  driftClock(id: NodeId, rate: number): void {
    this.clockOf(id).drift(rate);
    this.node(id).log(`*** clock drifting at ${rate}`);
  }

  resetClock(id: NodeId): void {
    this.clockOf(id).reset();
    this.node(id).log('*** clock reset');
  }

  /** Every queued fault carried out. */
  async settled(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.settled()));
  }
}
