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

/**
 * Why a partition shape cannot apply to a cluster, or undefined when it can:
 * a shape that would cut nothing is never drawn, and refused by name when asked for.
 */
export function partitionModeProblem(
  mode: PartitionMode,
  cluster: { nodes: number; hasPrimary: boolean },
): string | undefined {
  const n = cluster.nodes;
  switch (mode) {
    case 'client-replies':
      return undefined;
    case 'majority-ring':
    case 'bridge':
      return n >= 3 ? undefined : `it needs at least 3 nodes, the cluster has ${n}`;
    case 'isolate-primary':
      if (!cluster.hasPrimary) return 'it needs a system whose nodes report their leader';
      return n >= 2 ? undefined : `it needs at least 2 nodes, the cluster has ${n}`;
    default:
      return n >= 2 ? undefined : `it needs at least 2 nodes, the cluster has ${n}`;
  }
}

/** The default partition shapes that can apply to a cluster (a single node: only client-replies). */
export function defaultPartitionModes(cluster: { nodes: number; hasPrimary: boolean }): PartitionMode[] {
  return PARTITION_MODES.filter((m) => partitionModeProblem(m, cluster) === undefined);
}

export interface NemesisOptions {
  kinds: readonly NemesisKind[];
  /** Mean quiet time between two faults of one kind, ms (drawn uniformly in [0.5, 1.5] × mean). */
  intervalMs?: number;
  /** Mean time a fault is held before it is stopped, ms (same spread). */
  durationMs?: number;
  /** Partition shapes to draw from (default PARTITION_MODES); each must apply to the cluster. */
  partitionModes?: readonly PartitionMode[];
  /**
   * No fault starts at or after this virtual time (ns); one already started
   * still lasts its drawn duration. Default: no limit.
   */
  timeLimitNs?: number;
  /** Carry out these faults instead of drawing them (an explicit schedule). */
  script?: readonly FaultEvent[];
}

/**
 * A fault as it was carried out, enough to carry it out again without
 * drawing anything: its kind, when it started and stopped, what the history
 * says it did (the start op's value), and for partitions the one-way links
 * it cut. Explicit schedules (src/runner/schedule.ts) are lists of these.
 */
export interface FaultEvent {
  kind: NemesisKind;
  startNs: number;
  stopNs: number;
  value: unknown;
  /** Partitions: every one-way link cut, as [from, to]. */
  cuts?: [string, string][];
  /** Order among nemesis ops at the same instant (start, stop). */
  seq: [number, number];
}

/** How many faults took effect, per kind, and how many found nothing to act on and were skipped. */
export interface FaultStats {
  took: Partial<Record<NemesisKind, number>>;
  total: number;
  skipped: number;
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

interface KindCycle {
  kind: NemesisKind;
  active: boolean;
  nextNs: number;
  /** The event being held (drawn mode), filled in when it stops. */
  current?: FaultEvent;
}

/** One nemesis op of an explicit schedule, in the order they are carried out. */
interface ScriptStep {
  atNs: number;
  start: boolean;
  event: FaultEvent;
  order: number;
}

export class Nemesis {
  private readonly cycles: KindCycle[];
  private readonly intervalNs: number;
  private readonly durationNs: number;
  private readonly timeLimitNs: number;
  /** Nodes this nemesis brought down or paused, per kind, so stop undoes exactly that. */
  private readonly crashedBy = new Map<NemesisKind, NodeId[]>();
  private readonly pausedBy: NodeId[] = [];
  private clockTouched: NodeId[] = [];
  private readonly partitionModes: readonly PartitionMode[];
  private readonly script: ScriptStep[] | undefined;
  private scriptAt = 0;
  private seq = 0;
  /** Every fault carried out so far, in start order (what an explicit schedule is made of). */
  readonly events: FaultEvent[] = [];
  readonly stats: FaultStats = { took: {}, total: 0, skipped: 0 };

  constructor(
    /** The simulation, or a real environment's processes and proxies. */
    private readonly sim: FaultTarget,
    private readonly rng: Rng,
    private readonly record: NemesisRecorder,
    opts: NemesisOptions,
  ) {
    this.intervalNs = Math.round((opts.intervalMs ?? 3000) * 1e6);
    this.durationNs = Math.round((opts.durationMs ?? 3000) * 1e6);
    this.timeLimitNs = opts.timeLimitNs ?? Number.POSITIVE_INFINITY;
    this.partitionModes = opts.partitionModes ?? PARTITION_MODES;
    if (opts.kinds.includes('partition') && !opts.script && sim.hasPrimary !== undefined) {
      const cluster = { nodes: sim.nodeIds.length, hasPrimary: sim.hasPrimary };
      for (const m of this.partitionModes) {
        const problem = partitionModeProblem(m, cluster);
        if (problem) throw new RangeError(`partition mode ${m} cannot apply: ${problem}`);
      }
    }
    this.script = opts.script ? scriptSteps(opts.script) : undefined;
    const kinds = opts.script ? [...new Set(opts.script.map((e) => e.kind))] : opts.kinds;
    this.cycles = kinds.map((kind) => ({
      kind,
      active: false,
      nextNs: opts.script ? Number.POSITIVE_INFINITY : this.spread(this.intervalNs),
    }));
  }

  /**
   * The fault schedule as a generator for the nemesis's single worker: the
   * next start or stop of whichever kind is due first. Starts come only
   * before the time limit; a stop always comes at its drawn time, so the
   * last fault lasts as long as the others.
   */
  generator(): Generator {
    if (this.script) return this.scriptGenerator(this.script);
    return {
      next: (ctx: GenContext): GenStep => {
        let due: KindCycle | undefined;
        for (const c of this.cycles) {
          if (!c.active && c.nextNs >= this.timeLimitNs) continue;
          if (due === undefined || c.nextNs < due.nextNs) due = c;
        }
        if (due === undefined) return { kind: 'done' };
        const f = `${due.active ? 'stop' : 'start'}-${due.kind}`;
        return { kind: 'op', op: { f, value: null }, atNs: Math.max(ctx.timeNs, due.nextNs) };
      },
    };
  }

  private scriptGenerator(steps: ScriptStep[]): Generator {
    return {
      next: (ctx: GenContext): GenStep => {
        const step = steps[this.scriptAt];
        if (step === undefined) return { kind: 'done' };
        const f = `${step.start ? 'start' : 'stop'}-${step.event.kind}`;
        return { kind: 'op', op: { f, value: null }, atNs: Math.max(ctx.timeNs, step.atNs) };
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
    const c = this.cycles.find((x) => x.kind === kind);
    if (!m || !c) throw new Error(`nemesis: unknown op ${spec.f}`);
    if (this.script) {
      const step = this.script[this.scriptAt++];
      if (step.start) {
        const value = this.applyScripted(step.event);
        if (value === undefined) {
          // Nothing left to act on (its nodes were shrunk away): neither it nor its stop happens.
          step.event.stopNs = Number.NaN;
          this.stats.skipped++;
          return;
        }
        this.begin(c, step.event.kind, value);
      } else if (c.active) {
        this.stopKind(c);
      }
      return;
    }
    if (m[1] === 'start') {
      const value = this.start(c.kind);
      if (value === undefined) {
        // Every candidate node is already down or paused: this fault would do nothing, so it is skipped.
        this.stats.skipped++;
        c.nextNs = this.sim.nowNs + this.spread(this.intervalNs);
        return;
      }
      this.begin(c, c.kind, value);
      c.nextNs = this.sim.nowNs + this.spread(this.durationNs);
    } else {
      this.stopKind(c);
      c.nextNs = this.sim.nowNs + this.spread(this.intervalNs);
    }
  }

  private begin(c: KindCycle, kind: NemesisKind, value: unknown): void {
    const f = `start-${kind}`;
    this.record('invoke', f, null);
    this.record('info', f, value);
    const event: FaultEvent = {
      kind,
      startNs: this.sim.nowNs,
      stopNs: Number.NaN,
      value,
      seq: [this.seq++, -1],
    };
    if (kind === 'partition') {
      const cuts = this.sim.network.describeCuts?.();
      if (cuts) event.cuts = cuts.map(splitLink);
    }
    this.events.push(event);
    c.current = event;
    c.active = true;
    this.stats.took[kind] = (this.stats.took[kind] ?? 0) + 1;
    this.stats.total++;
  }

  /** Stop every active fault (each recorded as its own stop op), then make sure the world is whole. */
  healAll(): void {
    for (const c of this.cycles) if (c.active) this.stopKind(c);
    // Nothing of ours may outlive the heal; a fresh schedule never restarts (the generator is done).
    for (const c of this.cycles) c.nextNs = Number.POSITIVE_INFINITY;
  }

  get activeKinds(): NemesisKind[] {
    return this.cycles.filter((c) => c.active).map((c) => c.kind);
  }

  private stopKind(c: KindCycle): void {
    const f = `stop-${c.kind}`;
    this.record('invoke', f, null);
    const value = this.stop(c.kind);
    this.record('info', f, value);
    c.active = false;
    if (c.current) {
      c.current.stopNs = this.sim.nowNs;
      c.current.seq[1] = this.seq++;
      c.current = undefined;
    }
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

  /** Draw a fault of this kind and carry it out; undefined when there is nothing it could act on. */
  private start(kind: NemesisKind): unknown {
    switch (kind) {
      case 'partition':
        return this.startPartition();
      case 'kill':
      case 'disk': {
        const targets = this.pickTargets(this.healthyNodes());
        if (targets.length === 0) return undefined;
        const mode: CrashMode =
          kind === 'kill' ? 'lose-unsynced' : this.rng.chance(0.5) ? 'torn-last-write' : 'lose-unsynced';
        return this.crash(kind, targets, mode);
      }
      case 'pause': {
        const targets = this.pickTargets(this.healthyNodes());
        if (targets.length === 0) return undefined;
        return this.pauseNodes(targets);
      }
      case 'clock': {
        const nodes = this.sim.nodeIds;
        const targets = this.rng
          .shuffle(nodes)
          .slice(0, 1 + this.rng.int(nodes.length))
          .sort();
        const out: Record<string, { skewMs: number; rate: number }> = {};
        for (const n of targets) {
          const skewMs = Math.round((this.rng.next() * 2 - 1) * 5000);
          const rate = Math.round((1 + (this.rng.next() * 2 - 1) * 0.02) * 1e6) / 1e6;
          out[n] = { skewMs, rate };
        }
        return this.skewClocks(out);
      }
      case 'loss':
      case 'duplication':
        return this.burst(kind, Math.round(this.rng.between(0.1, 0.5) * 1000) / 1000);
    }
  }

  private crash(kind: NemesisKind, targets: NodeId[], mode: CrashMode): unknown {
    for (const n of targets) this.sim.crash(n, mode);
    this.crashedBy.set(kind, targets);
    return kind === 'kill' ? { nodes: targets } : { nodes: targets, mode };
  }

  private pauseNodes(targets: NodeId[]): unknown {
    for (const n of targets) this.sim.pause(n);
    this.pausedBy.push(...targets);
    return { nodes: targets };
  }

  private skewClocks(out: Record<string, { skewMs: number; rate: number }>): unknown {
    const targets = Object.keys(out).sort();
    for (const n of targets) {
      this.sim.skewClock(n, out[n].skewMs);
      this.sim.driftClock(n, out[n].rate);
    }
    this.clockTouched = [...new Set([...this.clockTouched, ...targets])].sort();
    return out;
  }

  private burst(kind: 'loss' | 'duplication', p: number): unknown {
    if (kind === 'loss') this.sim.network.lossOverride = p;
    else this.sim.network.duplicateOverride = p;
    return { probability: p };
  }

  /**
   * Carry out a fault of an explicit schedule as written (nodes and links
   * that no longer exist dropped); isolate-primary is aimed at whoever leads
   * now. Undefined when nothing is left for it to act on.
   */
  private applyScripted(e: FaultEvent): unknown {
    const sim = this.sim;
    const known = (id: unknown): id is string =>
      typeof id === 'string' && (sim.nodeIds.includes(id) || sim.clientIds.includes(id));
    const v = (e.value ?? {}) as Record<string, unknown>;
    const nodesOf = (x: unknown) =>
      (Array.isArray(x) ? x : []).filter((n): n is string => known(n) && sim.nodeIds.includes(n));
    switch (e.kind) {
      case 'partition': {
        if (v.mode === 'isolate-primary') {
          const recorded = Array.isArray(v.groups) ? nodesOf(v.groups[0])[0] : undefined;
          const primary = sim.primaries()[0];
          const target = primary ?? recorded;
          if (target === undefined || sim.nodeIds.length < 2) return undefined;
          const groups = [[target], sim.nodeIds.filter((x) => x !== target).sort()];
          sim.network.partition(groups);
          return primary === undefined
            ? { mode: v.mode, groups, primary: null }
            : { mode: v.mode, groups, primary };
        }
        let cut = 0;
        for (const [a, b] of e.cuts ?? []) {
          if (!known(a) || !known(b)) continue;
          sim.network.cutOneWay([a], [b]);
          cut++;
        }
        return cut === 0 ? undefined : e.value;
      }
      case 'kill':
      case 'disk': {
        const targets = nodesOf(v.nodes);
        if (targets.length === 0) return undefined;
        const mode = (e.kind === 'disk' ? v.mode : 'lose-unsynced') as CrashMode;
        return this.crash(e.kind, targets, mode);
      }
      case 'pause': {
        const targets = nodesOf(v.nodes);
        return targets.length === 0 ? undefined : this.pauseNodes(targets);
      }
      case 'clock': {
        const out: Record<string, { skewMs: number; rate: number }> = {};
        for (const [n, c] of Object.entries(v))
          if (sim.nodeIds.includes(n)) out[n] = c as (typeof out)[string];
        return Object.keys(out).length === 0 ? undefined : this.skewClocks(out);
      }
      case 'loss':
      case 'duplication':
        return this.burst(e.kind, Number(v.probability));
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
    const mode = this.rng.pick(this.partitionModes);
    const shuffled = this.rng.shuffle(nodes);
    const before = net.cutLinkCount;
    const value = this.cut(mode, shuffled);
    // Every partition cuts something: a shape that cannot (a ring on two nodes) is refused before the run.
    if (before !== undefined && net.cutLinkCount === before)
      throw new Error(`nemesis: partition ${mode} on ${n} nodes cut no link`);
    return value;
  }

  private cut(mode: PartitionMode, shuffled: NodeId[]): unknown {
    const nodes = this.sim.nodeIds;
    const net = this.sim.network;
    const n = nodes.length;
    switch (mode) {
      case 'isolate-primary': {
        const primary = this.sim.primaries()[0];
        // Between leaders (an election under way) a random node is cut off instead.
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
        if (n === 3) {
          // Three nodes are all neighbours, so the ring is one-way: each node stops hearing its
          // successor and hears a majority of its own (itself and its predecessor), no two the same.
          for (let i = 0; i < n; i++) {
            const from = shuffled[(i + 1) % n];
            const to = shuffled[i];
            net.cutOneWay([from], [to]);
            cut.push(`${from}->${to}`);
          }
          return { mode, ring: shuffled, cut: cut.sort() };
        }
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

function splitLink(link: string): [string, string] {
  const i = link.indexOf('->');
  return [link.slice(0, i), link.slice(i + 2)];
}

/** The start and stop ops of an explicit schedule, in the order they happen (time, then original order). */
function scriptSteps(events: readonly FaultEvent[]): ScriptStep[] {
  const steps: ScriptStep[] = [];
  for (const event of events) {
    const e = { ...event, seq: [...event.seq] as [number, number] };
    steps.push({ atNs: e.startNs, start: true, event: e, order: e.seq[0] });
    steps.push({ atNs: e.stopNs, start: false, event: e, order: e.seq[1] });
  }
  steps.sort((a, b) => a.atNs - b.atNs || a.order - b.order);
  return steps;
}
