import type { Completion, Workload } from '../../workloads/types.js';
import type { GenContext, Generator, OpSpec } from '../generator/generator.js';
import type { Nemesis } from '../nemesis/nemesis.js';
import type { Rng } from '../sim/random.js';
import type { ClientEndpoint, Simulation } from '../sim/simulation.js';
import type { Message, NodeId } from '../sim/types.js';
import type { HistoryRecorder } from './recorder.js';

/**
 * Jepsen's interpreter, in virtual time: N client workers (actors `c1…cN`
 * on the simulated network) ask the generator for operations, send them as
 * Maelstrom requests, and record invocations and completions. A request
 * with no reply before the timeout completes as `info` (`fail` if it was
 * read-only); after an `info` the worker takes a fresh process number
 * (old + concurrency), as Jepsen does.
 */

interface Pending {
  msgId: number;
  spec: OpSpec;
  node: NodeId;
}

interface Worker {
  index: number;
  process: number;
  endpoint: ClientEndpoint;
  /** Reserved by a scheduled invocation, or waiting for a reply. */
  busy: boolean;
  pending: Pending | undefined;
  nextMsgId: number;
}

export interface ClientInterpreterOptions {
  concurrency: number;
  timeoutMs: number;
  onFinished: () => void;
}

export class ClientInterpreter {
  private readonly workers: Worker[] = [];
  private busyCount = 0;
  private generatorDone = false;
  private finished = false;
  private pumping = false;
  private repump = false;
  private wakeAtNs = Number.POSITIVE_INFINITY;
  private readonly timeoutNs: number;

  constructor(
    private readonly sim: Simulation,
    private readonly workload: Workload,
    private readonly gen: Generator,
    private readonly rng: Rng,
    private readonly recorder: HistoryRecorder,
    private readonly opts: ClientInterpreterOptions,
  ) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
      throw new RangeError('concurrency must be >= 1');
    this.timeoutNs = Math.round(opts.timeoutMs * 1e6);
    for (let i = 0; i < opts.concurrency; i++) {
      const w: Worker = {
        index: i,
        process: i,
        endpoint: undefined as unknown as ClientEndpoint,
        busy: false,
        pending: undefined,
        nextMsgId: 1,
      };
      w.endpoint = sim.addClient(`c${i + 1}`, (msg) => this.onReply(w, msg));
      this.workers.push(w);
    }
  }

  get isFinished(): boolean {
    return this.finished;
  }

  start(): void {
    this.sim.schedule(0, () => this.pump());
  }

  private context(w: Worker): GenContext {
    return {
      timeNs: this.sim.nowNs,
      rng: this.rng,
      worker: w.index,
      workerCount: this.workers.length,
      inFlight: this.busyCount,
    };
  }

  private pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        let wakeNs = Number.POSITIVE_INFINITY;
        for (const w of this.workers) {
          if (this.generatorDone) break;
          if (w.busy) continue;
          const step = this.gen.next(this.context(w));
          if (step.kind === 'done') {
            this.generatorDone = true;
          } else if (step.kind === 'wait') {
            if (step.untilNs !== undefined && step.untilNs < wakeNs) wakeNs = step.untilNs;
          } else {
            w.busy = true;
            this.busyCount++;
            const spec = step.op;
            if (step.atNs <= this.sim.nowNs) this.invoke(w, spec);
            else this.sim.scheduleAt(step.atNs, () => this.invoke(w, spec));
          }
        }
        if (!this.generatorDone && wakeNs < this.wakeAtNs) {
          const at = Math.max(wakeNs, this.sim.nowNs);
          this.wakeAtNs = at;
          this.sim.scheduleAt(at, () => {
            if (this.wakeAtNs === at) this.wakeAtNs = Number.POSITIVE_INFINITY;
            this.pump();
          });
        }
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
    if (this.generatorDone && this.busyCount === 0 && !this.finished) {
      this.finished = true;
      this.opts.onFinished();
    }
  }

  private invoke(w: Worker, spec: OpSpec): void {
    const nodes = this.sim.nodeIds;
    const node = nodes[w.process % nodes.length];
    this.recorder.record('invoke', w.process, spec.f, spec.value, spec.key, node);
    const msgId = w.nextMsgId++;
    w.pending = { msgId, spec, node };
    const body = this.workload.clientRequest(spec);
    body.msg_id = msgId;
    w.endpoint.send(node, body);
    this.sim.schedule(this.timeoutNs, () => {
      if (w.pending?.msgId !== msgId) return;
      const readOnly = this.workload.isReadOnly(spec);
      this.complete(w, {
        type: readOnly ? 'fail' : 'info',
        value: spec.value,
        error: { code: 0, name: 'timeout', text: `no reply within ${this.opts.timeoutMs} ms` },
      });
    });
  }

  private onReply(w: Worker, msg: Message): void {
    const p = w.pending;
    // Late replies to requests that already timed out, and duplicates, are ignored.
    if (!p || msg.body.in_reply_to !== p.msgId || msg.src !== p.node) return;
    this.complete(w, this.workload.completeFromReply(p.spec, msg.body));
  }

  private complete(w: Worker, c: Completion): void {
    const p = w.pending!;
    w.pending = undefined;
    this.recorder.record(c.type, w.process, p.spec.f, c.value, p.spec.key, p.node, c.error);
    if (c.type === 'info') w.process += this.workers.length;
    w.busy = false;
    this.busyCount--;
    this.pump();
  }
}

/** Runs the nemesis's generator: one worker, each op carried out (and recorded) at its time. */
export class NemesisInterpreter {
  private finished = false;

  constructor(
    private readonly sim: Simulation,
    private readonly nemesis: Nemesis,
    private readonly gen: Generator,
    private readonly rng: Rng,
    private readonly onFinished: () => void,
  ) {}

  get isFinished(): boolean {
    return this.finished;
  }

  start(): void {
    this.sim.schedule(0, () => this.step());
  }

  private step(): void {
    const s = this.gen.next({
      timeNs: this.sim.nowNs,
      rng: this.rng,
      worker: 0,
      workerCount: 1,
      inFlight: 0,
    });
    if (s.kind === 'done') {
      this.finished = true;
      this.onFinished();
      return;
    }
    if (s.kind === 'wait') {
      if (s.untilNs === undefined) throw new Error('nemesis generator waited with no wake-up time');
      this.sim.scheduleAt(s.untilNs, () => this.step());
      return;
    }
    const spec = s.op;
    this.sim.scheduleAt(s.atNs, () => {
      this.nemesis.execute(spec);
      this.step();
    });
  }
}
