import type { GenContext, Generator, GenStep, OpSpec } from '../generator/generator.js';
import type { FaultTarget } from '../runner/environment.js';
import type { CrashMode } from '../sim/disk.js';
import type { Rng } from '../sim/random.js';
import type { NodeId } from '../sim/types.js';

/**
 * The nemesis: faults as operations. Each enabled kind runs its own cycle
 * (wait, start a fault, hold it, stop it) on the nemesis's own random
 * stream; every start and stop enters the history as an invoke + info pair
 * with `process: 'nemesis'`. At the end of the main phase `heal` stops
 * everything still active.
 */

export const NEMESIS_KINDS = ['partition', 'kill', 'pause', 'clock', 'loss', 'duplication', 'disk'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

export const NEMESIS_DESCRIPTIONS: Readonly<Record<NemesisKind, string>> = {
  partition:
    'network partitions: random halves, isolate one node, majority ring, bridge, one-way isolation, replies to clients lost',
  kill: 'crash nodes (memory and unsynced writes lost) and restart them',
  pause: 'pause nodes (nothing delivered, timers frozen) and resume them',
  clock: 'skew node clocks (jumps of up to ±5 s) and make them drift (up to ±2%)',
  loss: 'bursts of random message loss (10–50%)',
  duplication: 'bursts of message duplication (10–50%)',
  disk: 'power loss on a node: unsynced writes lost or the last write torn, then restart',
};

/** The partition shapes drawn from by default. */
export const PARTITION_MODES = [
  'random-halves',
  'isolate-one',
  'majority-ring',
  'bridge',
  'one-way',
  'client-replies',
] as const;

/**
 * Every partition shape, the default ones and those chosen only on request:
 * `isolate-primary` cuts off the node that leads the newest term (Jepsen's
 * `:primaries` target; a plain `isolate-one` when no node claims to lead).
 */
export const ALL_PARTITION_MODES = [...PARTITION_MODES, 'isolate-primary'] as const;
export type PartitionMode = (typeof ALL_PARTITION_MODES)[number];

export const PARTITION_MODE_DESCRIPTIONS: Readonly<Record<PartitionMode, string>> = {
  'random-halves': 'the nodes split into two halves at random',
  'isolate-one': 'one random node cut off from the others',
  'majority-ring': 'each node sees a majority, no two the same one',
  bridge: 'two halves that only one node connects',
  'one-way': 'one node hears nothing from the others but still sends',
  'client-replies': "one node's replies to clients are lost",
  'isolate-primary': 'the node leading the newest term cut off (needs a system that reports its leader)',
};

/** Parse `isolate-primary,random-halves` into modes; unknown names throw with the choices. */
export function parsePartitionModes(spec: string): PartitionMode[] {
  const out: PartitionMode[] = [];
  for (const raw of spec.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(ALL_PARTITION_MODES as readonly string[]).includes(name))
      throw new RangeError(`unknown partition mode '${name}'; choices: ${ALL_PARTITION_MODES.join(', ')}`);
    if (!out.includes(name as PartitionMode)) out.push(name as PartitionMode);
  }
  if (out.length === 0)
    throw new RangeError(`no partition mode given; choices: ${ALL_PARTITION_MODES.join(', ')}`);
  return out;
}

export interface NemesisOptions {
  kinds: readonly NemesisKind[];
  /** Mean quiet time between two faults of one kind, ms (drawn uniformly in [0.5, 1.5] × mean). */
  intervalMs?: number;
  /** Mean time a fault is held before it is stopped, ms (same spread). */
  durationMs?: number;
  /** Partition shapes to draw from (default PARTITION_MODES). */
  partitionModes?: readonly PartitionMode[];
}

/** Parse `partition,clock` or `all` into kinds; unknown names throw with the choices. */
export function parseNemesisKinds(spec: string): NemesisKind[] {
  const names = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const out: NemesisKind[] = [];
  for (const n of names) {
    if (n === 'all') {
      for (const k of NEMESIS_KINDS) if (!out.includes(k)) out.push(k);
    } else if (n === 'none') {
      // no faults
    } else if ((NEMESIS_KINDS as readonly string[]).includes(n)) {
      if (!out.includes(n as NemesisKind)) out.push(n as NemesisKind);
    } else {
      throw new RangeError(
        `unknown nemesis '${n}'; choices: ${[...NEMESIS_KINDS, 'all', 'none'].join(', ')}`,
      );
    }
  }
  return out;
}

/** Records one nemesis op (invoke or info) into the history. */
export type NemesisRecorder = (type: 'invoke' | 'info', f: string, value: unknown) => void;

interface Schedule {
  kind: NemesisKind;
  active: boolean;
  nextNs: number;
}

export class Nemesis {
  private readonly schedules: Schedule[];
  private readonly intervalNs: number;
  private readonly durationNs: number;
  /** Nodes this nemesis brought down or paused, per kind, so stop undoes exactly that. */
  private readonly crashedBy = new Map<NemesisKind, NodeId[]>();
  private readonly pausedBy: NodeId[] = [];
  private clockTouched: NodeId[] = [];
  private readonly partitionModes: readonly PartitionMode[];

  constructor(
    /** The simulation, or a real environment's processes and proxies. */
    private readonly sim: FaultTarget,
    private readonly rng: Rng,
    private readonly record: NemesisRecorder,
    opts: NemesisOptions,
  ) {
    this.intervalNs = Math.round((opts.intervalMs ?? 3000) * 1e6);
    this.durationNs = Math.round((opts.durationMs ?? 3000) * 1e6);
    this.partitionModes = opts.partitionModes ?? PARTITION_MODES;
    this.schedules = opts.kinds.map((kind) => ({
      kind,
      active: false,
      nextNs: this.spread(this.intervalNs),
    }));
  }

  /**
   * The fault schedule as a generator for the nemesis's single worker: the
   * next start or stop of whichever kind is due first.
   */
  generator(): Generator {
    return {
      next: (ctx: GenContext): GenStep => {
        if (this.schedules.length === 0) return { kind: 'done' };
        let due = this.schedules[0];
        for (const s of this.schedules) if (s.nextNs < due.nextNs) due = s;
        const f = `${due.active ? 'stop' : 'start'}-${due.kind}`;
        return { kind: 'op', op: { f, value: null }, atNs: Math.max(ctx.timeNs, due.nextNs) };
      },
    };
  }

  /** Generator of the single `heal` operation that ends every fault. */
  healGenerator(): Generator {
    let used = false;
    return {
      next: (ctx) => {
        if (used) return { kind: 'done' };
        used = true;
        return { kind: 'op', op: { f: 'heal', value: null }, atNs: ctx.timeNs };
      },
    };
  }

  /** Carry out a nemesis op, recording it. */
  execute(spec: OpSpec): void {
    if (spec.f === 'heal') {
      this.healAll();
      return;
    }
    const m = /^(start|stop)-(.+)$/.exec(spec.f);
    const kind = m?.[2] as NemesisKind | undefined;
    const s = this.schedules.find((x) => x.kind === kind);
    if (!m || !s) throw new Error(`nemesis: unknown op ${spec.f}`);
    if (m[1] === 'start') {
      this.record('invoke', spec.f, spec.value);
      const value = this.start(s.kind);
      this.record('info', spec.f, value);
      s.active = true;
      s.nextNs = this.sim.nowNs + this.spread(this.durationNs);
    } else {
      this.stopKind(s);
      s.nextNs = this.sim.nowNs + this.spread(this.intervalNs);
    }
  }

  /** Stop every active fault (each recorded as its own stop op), then make sure the world is whole. */
  healAll(): void {
    for (const s of this.schedules) if (s.active) this.stopKind(s);
    // Nothing of ours may outlive the heal; a fresh schedule never restarts (the generator is done).
    for (const s of this.schedules) s.nextNs = Number.POSITIVE_INFINITY;
  }

  get activeKinds(): NemesisKind[] {
    return this.schedules.filter((s) => s.active).map((s) => s.kind);
  }

  private stopKind(s: Schedule): void {
    const f = `stop-${s.kind}`;
    this.record('invoke', f, null);
    const value = this.stop(s.kind);
    this.record('info', f, value);
    s.active = false;
  }

  private spread(meanNs: number): number {
    return Math.round(meanNs * (0.5 + this.rng.next()));
  }

  /** Nodes neither down nor paused by any fault: candidates for a new crash or pause. */
  private healthyNodes(): NodeId[] {
    return this.sim.nodeIds.filter((n) => this.sim.isUp(n) && !this.sim.isPaused(n));
  }

  /** One node (most of the time) or a minority of them. */
  private pickTargets(from: NodeId[]): NodeId[] {
    if (from.length === 0) return [];
    const minority = Math.max(1, Math.floor((this.sim.nodeIds.length - 1) / 2));
    const count = this.rng.chance(0.7) ? 1 : 1 + this.rng.int(Math.min(minority, from.length));
    return this.rng.shuffle(from).slice(0, count).sort();
  }

  private start(kind: NemesisKind): unknown {
    const sim = this.sim;
    switch (kind) {
      case 'partition':
        return this.startPartition();
      case 'kill':
      case 'disk': {
        const targets = this.pickTargets(this.healthyNodes());
        const mode: CrashMode =
          kind === 'kill' ? 'lose-unsynced' : this.rng.chance(0.5) ? 'torn-last-write' : 'lose-unsynced';
        for (const n of targets) sim.crash(n, mode);
        this.crashedBy.set(kind, targets);
        return kind === 'kill' ? { nodes: targets } : { nodes: targets, mode };
      }
      case 'pause': {
        const targets = this.pickTargets(this.healthyNodes());
        for (const n of targets) sim.pause(n);
        this.pausedBy.push(...targets);
        return { nodes: targets };
      }
      case 'clock': {
        const targets = this.rng
          .shuffle(sim.nodeIds)
          .slice(0, 1 + this.rng.int(sim.nodeIds.length))
          .sort();
        const out: Record<string, { skewMs: number; rate: number }> = {};
        for (const n of targets) {
          const skewMs = Math.round((this.rng.next() * 2 - 1) * 5000);
          const rate = Math.round((1 + (this.rng.next() * 2 - 1) * 0.02) * 1e6) / 1e6;
          sim.skewClock(n, skewMs);
          sim.driftClock(n, rate);
          out[n] = { skewMs, rate };
        }
        this.clockTouched = [...new Set([...this.clockTouched, ...targets])].sort();
        return out;
      }
      case 'loss': {
        const p = Math.round(this.rng.between(0.1, 0.5) * 1000) / 1000;
        sim.network.lossOverride = p;
        return { probability: p };
      }
      case 'duplication': {
        const p = Math.round(this.rng.between(0.1, 0.5) * 1000) / 1000;
        sim.network.duplicateOverride = p;
        return { probability: p };
      }
    }
  }

  private stop(kind: NemesisKind): unknown {
    const sim = this.sim;
    switch (kind) {
      case 'partition':
        sim.network.heal();
        return 'network healed';
      case 'kill':
      case 'disk': {
        const nodes = this.crashedBy.get(kind) ?? [];
        for (const n of nodes) sim.restart(n);
        this.crashedBy.delete(kind);
        return { restarted: nodes };
      }
      case 'pause': {
        const nodes = this.pausedBy.splice(0).sort();
        for (const n of nodes) sim.resume(n);
        return { resumed: nodes };
      }
      case 'clock': {
        const nodes = this.clockTouched;
        for (const n of nodes) sim.resetClock(n);
        this.clockTouched = [];
        return { reset: nodes };
      }
      case 'loss':
        sim.network.lossOverride = undefined;
        return 'loss stopped';
      case 'duplication':
        sim.network.duplicateOverride = undefined;
        return 'duplication stopped';
    }
  }

  private startPartition(): unknown {
    const nodes = this.sim.nodeIds;
    const net = this.sim.network;
    const n = nodes.length;
    let mode = this.rng.pick(this.partitionModes);
    if (n < 3 && (mode === 'majority-ring' || mode === 'bridge')) mode = 'isolate-one';
    // A single node can still be cut off from its clients.
    if (n < 2) mode = 'client-replies';
    const shuffled = this.rng.shuffle(nodes);
    switch (mode) {
      case 'isolate-primary': {
        const primary = this.sim.primaries()[0];
        const target = primary ?? shuffled[0];
        const groups = [[target], nodes.filter((x) => x !== target).sort()];
        net.partition(groups);
        return primary === undefined ? { mode, groups, primary: null } : { mode, groups, primary };
      }
      case 'random-halves': {
        const cut = Math.floor(n / 2);
        const groups = [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()];
        net.partition(groups);
        return { mode, groups };
      }
      case 'isolate-one': {
        const groups = [[shuffled[0]], shuffled.slice(1).sort()];
        net.partition(groups);
        return { mode, groups };
      }
      case 'one-way': {
        // The isolated node still sends, but hears nothing from the other nodes.
        const target = shuffled[0];
        const others = shuffled.slice(1).sort();
        net.cutOneWay(others, [target]);
        return { mode, deaf: target, from: others };
      }
      case 'client-replies': {
        // Requests still arrive and take effect, but the node's answers to clients are lost: indeterminate ops.
        const target = shuffled[0];
        const clients = [...this.sim.clientIds];
        net.cutOneWay([target], clients);
        return { mode, node: target, cut: `${target} -> ${clients.join(',')}` };
      }
      case 'bridge': {
        // Two sides that only the bridge node connects.
        const half = Math.floor((n - 1) / 2);
        const bridge = shuffled[0];
        const a = shuffled.slice(1, 1 + half).sort();
        const b = shuffled.slice(1 + half).sort();
        net.cutOneWay(a, b);
        net.cutOneWay(b, a);
        return { mode, bridge, groups: [a, b] };
      }
      case 'majority-ring': {
        // Each node sees a majority (itself and its ring neighbours), but no two see the same one.
        const majority = Math.floor(n / 2) + 1;
        const reach = Math.ceil((majority - 1) / 2);
        const cut: string[] = [];
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) {
            const d = Math.min(j - i, n - (j - i));
            if (d > reach) {
              net.cutOneWay([shuffled[i]], [shuffled[j]]);
              net.cutOneWay([shuffled[j]], [shuffled[i]]);
              cut.push([shuffled[i], shuffled[j]].sort().join('<->'));
            }
          }
        }
        return { mode, ring: shuffled, cut: cut.sort() };
      }
    }
  }
}
