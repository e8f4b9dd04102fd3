import { NodeClock } from './clock.js';
import { approxJsonBytes, cloneJson } from './clone.js';
import { type CrashMode, SimDisk } from './disk.js';
import { EventQueue } from './event-queue.js';
import { Network, type NetworkOptions } from './network.js';
import { RandomStreams, type Rng } from './random.js';
import type { Body, Message, NodeContext, NodeId, SimNode, SystemDefinition, TimerId } from './types.js';

/** Sender id of the simulator's own `init` messages (Maelstrom's controller client). */
export const CONTROLLER_ID = 'c0';

export const NS_PER_MS = 1_000_000;

/** Events allowed at one virtual instant before the run is declared livelocked. */
const MAX_EVENTS_PER_INSTANT = 1_000_000;

export interface SimulationOptions {
  seed: number | string;
  system: SystemDefinition;
  nodeCount: number;
  bugs?: ReadonlySet<string>;
  /** System options turned on (each must be one of the system's `options`). */
  systemOptions?: ReadonlySet<string>;
  network?: Partial<NetworkOptions>;
  /** Node log lines, with the virtual time they were written at. */
  onNodeLog?: (node: NodeId, timeNs: number, line: string) => void;
  /** Messages buffered for a paused node beyond this are dropped. */
  pausedInboxLimit?: number;
  /** Bytes (as JSON, about) buffered for a paused node beyond this are dropped (default 64 MiB). */
  pausedInboxBytesLimit?: number;
  /**
   * Messages in flight on the whole network beyond this are lost, as from a
   * switch whose buffers are full (default 1,000,000): a system that floods
   * the network loses messages instead of the simulator running out of memory.
   */
  maxMessagesInFlight?: number;
  /** Safety bound on events processed by one `run` call. */
  maxEvents?: number;
  /**
   * Told the virtual time every `progressEveryEvents` events (default 4096),
   * for a progress display. The simulator passes virtual time only; whatever
   * the callback does with real time is outside the simulation and cannot
   * change it.
   */
  onProgress?: (virtualNs: number) => void;
  progressEveryEvents?: number;
  /**
   * Told of every message sent (`send`, once per `send` call, before the
   * network decides its fate) and every message handed to its receiver
   * (`recv`), for message statistics. It must not change the simulation.
   */
  onMessageEvent?: (event: 'send' | 'recv', src: string, dest: string, body: Body) => void;
}

/** Options of a client actor. */
export interface ClientOptions {
  /**
   * A client worker (the default): listed in `clientIds`, which faults aimed
   * at clients (client-replies) reach. Maelstrom's services (`lin-kv` …) and
   * the harness's setup client are not workers: no fault reaches them, and
   * partitions, which list nodes, never cut them off.
   */
  worker?: boolean;
}

/** A client actor's handle on the network. */
export interface ClientEndpoint {
  readonly id: string;
  send(dest: NodeId, body: Body): void;
}

type NodeStatus = 'up' | 'down';

interface TimerRec {
  fireAtNs: number;
  fn: () => void;
  /** Remaining time when frozen by a pause. */
  remainingNs: number;
}

/** A message in flight, with actor indexes resolved once at send time. */
class Delivery {
  constructor(
    readonly src: string,
    readonly dest: string,
    readonly srcIndex: number,
    readonly destIndex: number,
    /** A private copy made at send time: receivers never share objects with senders (or with a duplicate). */
    readonly body: Body,
  ) {}
}

type Event = Delivery | (() => void);

/** Everything the simulator keeps about one node across its incarnations. */
class NodeHost {
  status: NodeStatus = 'down';
  paused = false;
  incarnation = 0;
  node: SimNode | undefined;
  readonly disk = new SimDisk();
  readonly clock = new NodeClock();
  readonly timers = new Map<TimerId, TimerRec>();
  nextTimerId = 1;
  /** Bumped on pause and crash: queued timer events of an older epoch are ignored. */
  timerEpoch = 0;
  pausedInbox: Message[] = [];
  /** About how many bytes the paused inbox holds (approxJsonBytes of its bodies). */
  pausedInboxBytes = 0;
  crashes = 0;

  constructor(
    readonly id: NodeId,
    readonly index: number,
    readonly rng: Rng,
    /** Draws of the disk's fault model (how much of a torn write survives), apart from the node's own stream. */
    readonly diskRng: Rng,
  ) {}
}

export interface SimulationStats {
  events: number;
  deliveries: number;
  timersFired: number;
  crashes: number;
  restarts: number;
  pauses: number;
}

/**
 * The deterministic simulator: virtual time, an event queue ordered by
 * (time, insertion sequence), a network, and nodes as actors. It never reads
 * real time or real randomness; one seed decides everything.
 */
/** Every name must be one of the system's bugs (or options): a RangeError naming the rest otherwise. */
function requireKnown(
  system: string,
  what: 'bug' | 'option',
  names: Iterable<string>,
  known: readonly { name: string }[],
): void {
  for (const n of names) {
    if (!known.some((k) => k.name === n)) {
      throw new RangeError(
        `system ${system} has no ${what} '${n}'; ${what}s: ${known.map((k) => k.name).join(', ') || '(none)'}`,
      );
    }
  }
}

export class Simulation {
  readonly random: RandomStreams;
  readonly network: Network;
  readonly nodeIds: readonly NodeId[];
  readonly stats: SimulationStats = {
    events: 0,
    deliveries: 0,
    timersFired: 0,
    crashes: 0,
    restarts: 0,
    pauses: 0,
  };
  private readonly queue = new EventQueue<Event>(4096);
  private readonly hosts = new Map<NodeId, NodeHost>();
  private readonly hostByIndex: (NodeHost | undefined)[] = [];
  private readonly clients: ((msg: Message) => void)[] = [];
  private readonly clientIdList: string[] = [];
  private readonly latencyScratch = new Float64Array(2);
  private nowNsValue = 0;
  private stopped = false;
  private started = false;
  /** Events in a row at one virtual instant (livelock guard), kept across slices of a run. */
  private sameInstantEvents = 0;
  /** Events of the current run, over its slices (the `maxEvents` bound). */
  private eventsThisRun = 0;
  private initMsgId = 0;
  /** What nodes reported through `ctx.metrics`: counters summed, maxima kept, over all nodes and incarnations. */
  private readonly metricValues = new Map<string, number>();
  private readonly bugs: ReadonlySet<string>;
  private readonly systemOptions: ReadonlySet<string>;
  private readonly pausedInboxLimit: number;
  private readonly pausedInboxBytesLimit: number;
  private readonly maxMessagesInFlight: number;
  /** Deliveries in the event queue. */
  private messagesInFlight = 0;
  private readonly maxEvents: number;
  private readonly progressMask: number;

  constructor(private readonly options: SimulationOptions) {
    if (!Number.isInteger(options.nodeCount) || options.nodeCount < 1 || options.nodeCount > 1000) {
      throw new RangeError(`nodeCount must be an integer in [1, 1000], got ${options.nodeCount}`);
    }
    this.random = new RandomStreams(options.seed);
    this.network = new Network(this.random.stream('network'), options.network);
    this.bugs = options.bugs ?? new Set();
    requireKnown(options.system.name, 'bug', this.bugs, options.system.bugs);
    this.systemOptions = options.systemOptions ?? new Set();
    requireKnown(options.system.name, 'option', this.systemOptions, options.system.options ?? []);
    this.pausedInboxLimit = options.pausedInboxLimit ?? 10_000;
    this.pausedInboxBytesLimit = options.pausedInboxBytesLimit ?? 64 * 1024 * 1024;
    this.maxMessagesInFlight = options.maxMessagesInFlight ?? 1_000_000;
    this.maxEvents = options.maxEvents ?? 2_000_000_000;
    // A power of two, so the check in the event loop is one AND.
    this.progressMask = 2 ** Math.max(0, Math.round(Math.log2(options.progressEveryEvents ?? 4096))) - 1;
    const ids: NodeId[] = [];
    for (let i = 1; i <= options.nodeCount; i++) ids.push(`n${i}`);
    this.nodeIds = ids;
    for (const id of ids) {
      const index = this.network.addActor(id);
      const host = new NodeHost(id, index, this.random.stream(id), this.random.stream(`${id}/disk`));
      this.hosts.set(id, host);
      this.hostByIndex[index] = host;
    }
    const c0 = this.network.addActor(CONTROLLER_ID);
    this.clients[c0] = () => {};
  }

  /** Virtual time in ns since the start of the simulation. */
  get nowNs(): number {
    return this.nowNsValue;
  }

  get nowMs(): number {
    return this.nowNsValue / NS_PER_MS;
  }

  /** Register a client actor (`c1`…) on the network; its messages arrive at `onMessage`. */
  addClient(id: string, onMessage: (msg: Message) => void, opts: ClientOptions = {}): ClientEndpoint {
    if (this.hosts.has(id)) throw new Error(`client id ${id} collides with a node id`);
    if (this.network.indexOf(id) !== -1) throw new Error(`actor ${id} is already registered`);
    const index = this.network.addActor(id);
    this.clients[index] = onMessage;
    if (opts.worker !== false) this.clientIdList.push(id);
    return {
      id,
      send: (dest, body) => this.transmit(id, index, dest, body),
    };
  }

  /** Create every node and send each its `init`. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const id of this.nodeIds) this.bootNode(this.hosts.get(id)!);
  }

  /** Run `fn` at virtual time now + delayNs (after everything already queued for that instant). */
  schedule(delayNs: number, fn: () => void): void {
    if (!(delayNs >= 0)) throw new RangeError(`schedule: delay must be >= 0, got ${delayNs}`);
    this.queue.push(this.nowNsValue + Math.round(delayNs), fn);
  }

  scheduleAt(timeNs: number, fn: () => void): void {
    this.queue.push(Math.max(this.nowNsValue, Math.round(timeNs)), fn);
  }

  /** Stop the current `run` after the event being processed. */
  stop(): void {
    this.stopped = true;
  }

  /** Client actors added with `addClient`, in order. */
  get clientIds(): readonly string[] {
    return this.clientIdList;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  /** Virtual time of the next queued event, or undefined when none is (a wall-clock driver sleeps until then). */
  get nextEventNs(): number | undefined {
    return this.queue.size > 0 ? this.queue.peekTimeNs() : undefined;
  }

  /**
   * Process events in (time, sequence) order until `stop()` is called, the
   * queue is empty, the next event lies beyond `untilNs`, or `maxEventsNow`
   * events have run (then time stays at the last event, and another call
   * goes on exactly where this one stopped: a run in slices is the same run).
   * Returns the number of events processed.
   */
  run(untilNs = Number.POSITIVE_INFINITY, maxEventsNow = Number.POSITIVE_INFINITY): number {
    this.start();
    this.stopped = false;
    const q = this.queue;
    let n = 0;
    while (!this.stopped && n < maxEventsNow && q.size > 0 && q.peekTimeNs() <= untilNs) {
      const ev = q.pop()!;
      const t = q.lastPoppedTimeNs;
      // Time that stops advancing (a zero-delay timer loop) would spin forever: refuse it.
      if (t === this.nowNsValue) {
        if (++this.sameInstantEvents > MAX_EVENTS_PER_INSTANT) {
          throw new Error(
            `livelock: more than ${MAX_EVENTS_PER_INSTANT} events at virtual time ${(t / NS_PER_MS).toFixed(3)} ms (seed ${this.options.seed}); a zero-delay timer or message loop?`,
          );
        }
      } else {
        this.sameInstantEvents = 0;
      }
      this.nowNsValue = t;
      if (typeof ev === 'function') ev();
      else this.deliver(ev);
      if (++this.eventsThisRun >= this.maxEvents)
        throw new Error(`simulation exceeded ${this.maxEvents} events in one run`);
      n++;
      if ((this.eventsThisRun & this.progressMask) === 0 && this.options.onProgress)
        this.options.onProgress(t);
    }
    const sliceEnded = n >= maxEventsNow && q.size > 0 && q.peekTimeNs() <= untilNs;
    if (!this.stopped && !sliceEnded && untilNs !== Number.POSITIVE_INFINITY && untilNs > this.nowNsValue)
      this.nowNsValue = untilNs;
    if (!sliceEnded) this.eventsThisRun = 0;
    this.stats.events += n;
    return n;
  }

  // ---- faults -------------------------------------------------------------

  isUp(id: NodeId): boolean {
    return this.host(id).status === 'up';
  }

  isPaused(id: NodeId): boolean {
    return this.host(id).paused;
  }

  /** The system's nodes report whether they lead (SystemDefinition.hasPrimary). */
  get hasPrimary(): boolean {
    return this.options.system.hasPrimary === true;
  }

  /** Up nodes that believe they are the primary, newest term first (ties by id). */
  primaries(): NodeId[] {
    const found: { id: NodeId; term: number }[] = [];
    for (const id of this.nodeIds) {
      const h = this.host(id);
      const term = h.status === 'up' ? h.node?.primaryTerm?.() : null;
      if (term !== null && term !== undefined) found.push({ id, term });
    }
    found.sort((a, b) => b.term - a.term || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return found.map((p) => p.id);
  }

  /** Kill a node: memory and timers lost, unsynced disk writes lost (or torn). */
  crash(id: NodeId, mode: CrashMode = 'lose-unsynced'): void {
    const h = this.host(id);
    if (h.status === 'down') return;
    h.node?.onCrash?.();
    h.status = 'down';
    h.node = undefined;
    h.incarnation++;
    h.timerEpoch++;
    h.timers.clear();
    h.pausedInbox = [];
    h.pausedInboxBytes = 0;
    h.paused = false;
    h.crashes++;
    this.stats.crashes++;
    const lost = h.disk.crash(mode, mode === 'torn-last-write' ? h.diskRng.next() : 0);
    this.nodeLog(h, `*** crashed (${mode}): ${lost}`);
  }

  /** Start a crashed node again: the system's `createNode` over the surviving disk, then `init`. */
  restart(id: NodeId): void {
    const h = this.host(id);
    if (h.status === 'up') return;
    this.stats.restarts++;
    this.bootNode(h);
  }

  /** Freeze a node: nothing is delivered (messages wait) and its timers stop. */
  pause(id: NodeId): void {
    const h = this.host(id);
    if (h.status === 'down' || h.paused) return;
    h.node?.onPause?.();
    h.paused = true;
    h.timerEpoch++;
    for (const t of h.timers.values()) t.remainingNs = Math.max(0, t.fireAtNs - this.nowNsValue);
    this.stats.pauses++;
    this.nodeLog(h, '*** paused');
  }

  /** Unfreeze: timers resume with the time they had left, then buffered messages arrive in order. */
  resume(id: NodeId): void {
    const h = this.host(id);
    if (!h.paused) return;
    h.paused = false;
    h.node?.onResume?.();
    this.nodeLog(h, '*** resumed');
    const epoch = h.timerEpoch;
    for (const [tid, t] of h.timers) {
      t.fireAtNs = this.nowNsValue + t.remainingNs;
      this.queue.push(t.fireAtNs, () => this.fireTimer(h, tid, epoch));
    }
    const inbox = h.pausedInbox;
    h.pausedInbox = [];
    h.pausedInboxBytes = 0;
    const inc = h.incarnation;
    for (const msg of inbox) this.queue.push(this.nowNsValue, () => this.handOver(h, inc, msg));
  }

  /** Jump a node's clock by `deltaMs`. */
  skewClock(id: NodeId, deltaMs: number): void {
    this.host(id).clock.skew(this.nowMs, deltaMs);
  }

  /** Make a node's clock run at `rate` × true speed. */
  driftClock(id: NodeId, rate: number): void {
    this.host(id).clock.drift(this.nowMs, rate);
  }

  resetClock(id: NodeId): void {
    this.host(id).clock.reset(this.nowMs);
  }

  /** The node's clock reading minus true time, ms. */
  clockOffsetMs(id: NodeId): number {
    return this.host(id).clock.offsetMs(this.nowMs);
  }

  /** The metrics nodes reported (`NodeContext.metrics`), by name in sorted order; empty if none did. */
  systemMetrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.metricValues.keys()].sort()) out[name] = this.metricValues.get(name)!;
    return out;
  }

  disk(id: NodeId): SimDisk {
    return this.host(id).disk;
  }

  /** The live node object (for tests and debugging); undefined while down. */
  nodeObject(id: NodeId): SimNode | undefined {
    return this.host(id).node;
  }

  // ---- internals ----------------------------------------------------------

  private host(id: NodeId): NodeHost {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`unknown node '${id}'; nodes: ${this.nodeIds.join(', ')}`);
    return h;
  }

  private nodeLog(h: NodeHost, line: string): void {
    this.options.onNodeLog?.(h.id, this.nowNsValue, line);
  }

  private bootNode(h: NodeHost): void {
    h.status = 'up';
    h.paused = false;
    h.incarnation++;
    h.timerEpoch++;
    h.timers.clear();
    this.nodeLog(h, `*** ${h.crashes === 0 ? 'started' : 'restarted'} (boot ${h.crashes + 1})`);
    const ctx = this.makeContext(h, h.incarnation);
    const node = this.options.system.createNode(ctx, { bugs: this.bugs, options: this.systemOptions });
    if (h.incarnation !== ctx.incarnation) return; // crashed from inside createNode (not expected)
    h.node = node;
    const init: Body = { type: 'init', msg_id: ++this.initMsgId, node_id: h.id, node_ids: [...this.nodeIds] };
    this.options.onMessageEvent?.('send', CONTROLLER_ID, h.id, init);
    this.callNode(h, { src: CONTROLLER_ID, dest: h.id, body: init });
  }

  private makeContext(h: NodeHost, incarnation: number): NodeContext & { readonly incarnation: number } {
    const sim = this;
    const live = () => h.incarnation === incarnation && h.status === 'up';
    return {
      id: h.id,
      nodeIds: sim.nodeIds,
      incarnation,
      now: () => h.clock.nowMs(sim.nowNsValue / NS_PER_MS),
      monotonicNow: () => h.clock.monotonicMs(sim.nowNsValue / NS_PER_MS),
      random: () => h.rng.next(),
      send(dest: NodeId, body: Body): void {
        if (!live()) return;
        sim.transmit(h.id, h.index, dest, body);
      },
      setTimer(ms: number, fn: () => void): TimerId {
        if (!(ms >= 0) || !Number.isFinite(ms))
          throw new RangeError(`${h.id}: setTimer(${ms}): ms must be finite and >= 0`);
        const tid = h.nextTimerId++;
        if (!live()) return tid;
        const delayNs = Math.round(ms * NS_PER_MS);
        const rec: TimerRec = { fireAtNs: sim.nowNsValue + delayNs, fn, remainingNs: delayNs };
        h.timers.set(tid, rec);
        if (!h.paused) {
          const epoch = h.timerEpoch;
          sim.queue.push(rec.fireAtNs, () => sim.fireTimer(h, tid, epoch));
        }
        return tid;
      },
      clearTimer(id: TimerId): void {
        if (h.incarnation === incarnation) h.timers.delete(id);
      },
      disk: h.disk,
      log(line: string): void {
        if (h.incarnation === incarnation) sim.nodeLog(h, line);
      },
      metrics: {
        add(name: string, amount: number): void {
          if (live()) sim.metricValues.set(name, (sim.metricValues.get(name) ?? 0) + amount);
        },
        max(name: string, value: number): void {
          if (live()) sim.metricValues.set(name, Math.max(sim.metricValues.get(name) ?? value, value));
        },
      },
    };
  }

  private fireTimer(h: NodeHost, tid: TimerId, epoch: number): void {
    if (h.timerEpoch !== epoch || h.paused || h.status !== 'up') return;
    const rec = h.timers.get(tid);
    if (!rec) return;
    h.timers.delete(tid);
    this.stats.timersFired++;
    try {
      rec.fn();
    } catch (err) {
      throw this.nodeFailure(h, 'a timer', err);
    }
  }

  private transmit(src: string, srcIndex: number, dest: string, body: Body): void {
    this.options.onMessageEvent?.('send', src, dest, body);
    const destIndex = this.network.indexOf(dest);
    if (destIndex === -1) {
      const h = this.hosts.get(src);
      if (h) this.nodeLog(h, `send to unknown destination '${dest}' dropped`);
      return;
    }
    const out = this.latencyScratch;
    const copies = this.network.route(srcIndex, destIndex, out);
    for (let i = 0; i < copies; i++) {
      // Checked after the latency draws, so the random streams go on exactly as without the bound.
      if (this.messagesInFlight >= this.maxMessagesInFlight) {
        this.network.stats.lost++;
        continue;
      }
      this.messagesInFlight++;
      this.queue.push(
        this.nowNsValue + out[i],
        new Delivery(src, dest, srcIndex, destIndex, cloneJson(body)),
      );
    }
  }

  private deliver(d: Delivery): void {
    this.messagesInFlight--;
    // A partition that began while the message was in flight still drops it.
    if (this.network.isCut(d.srcIndex, d.destIndex)) {
      this.network.stats.cut++;
      return;
    }
    const h = this.hostByIndex[d.destIndex];
    const msg: Message = { src: d.src, dest: d.dest, body: d.body };
    if (h === undefined) {
      this.network.stats.delivered++;
      this.stats.deliveries++;
      this.options.onMessageEvent?.('recv', msg.src, msg.dest, msg.body);
      this.clients[d.destIndex]?.(msg);
      return;
    }
    if (h.status === 'down') {
      this.network.stats.deadLetters++;
      return;
    }
    if (h.paused) {
      // A paused node's inbox is bounded by count and by size, as a real socket buffer is: beyond, messages drop.
      const bytes = approxJsonBytes(msg.body);
      if (
        h.pausedInbox.length < this.pausedInboxLimit &&
        h.pausedInboxBytes + bytes <= this.pausedInboxBytesLimit
      ) {
        h.pausedInbox.push(msg);
        h.pausedInboxBytes += bytes;
      } else this.network.stats.lost++;
      return;
    }
    this.network.stats.delivered++;
    this.stats.deliveries++;
    this.callNode(h, msg);
  }

  /** Deliver a message that waited in a paused node's inbox. */
  private handOver(h: NodeHost, incarnation: number, msg: Message): void {
    if (h.status !== 'up' || h.incarnation !== incarnation) return;
    if (h.paused) {
      h.pausedInbox.push(msg);
      h.pausedInboxBytes += approxJsonBytes(msg.body);
      return;
    }
    this.network.stats.delivered++;
    this.stats.deliveries++;
    this.callNode(h, msg);
  }

  private callNode(h: NodeHost, msg: Message): void {
    this.options.onMessageEvent?.('recv', msg.src, msg.dest, msg.body);
    try {
      h.node!.onMessage(msg);
    } catch (err) {
      throw this.nodeFailure(h, `message ${msg.body.type} from ${msg.src}`, err);
    }
  }

  private nodeFailure(h: NodeHost, what: string, err: unknown): Error {
    const why = err instanceof Error ? err.message : String(err);
    const e = new Error(
      `node ${h.id} threw while handling ${what} at virtual time ${(this.nowNsValue / NS_PER_MS).toFixed(3)} ms (seed ${this.options.seed}): ${why}`,
    );
    if (err instanceof Error && err.stack) e.stack = `${e.message}\n${err.stack}`;
    return e;
  }
}
