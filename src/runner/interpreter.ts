import type { Completion, Workload } from '../../workloads/types.js';
import type { GenContext, Generator, OpSpec } from '../generator/generator.js';
import type { Nemesis } from '../nemesis/nemesis.js';
import type { Rng } from '../sim/random.js';
import type { NodeId } from '../sim/types.js';
import type { ClientConnection, ClientTransport, Scheduler } from './environment.js';
import type { HistoryRecorder } from './recorder.js';

/**
 * Jepsen's interpreter, in the environment's time (virtual or wall clock):
 * N client workers `c1…cN` ask the generator for operations, start them
 * through the environment's transport (Maelstrom messages on the simulated
 * network, or an adapter's client), and record invocations and completions.
 * An operation with no completion before the timeout completes as `info`
 * (`fail` if it was read-only); after an `info` the worker takes a fresh
 * process number (old + concurrency), as Jepsen does, and its connection
 * is abandoned (a real client reconnects).
 */

interface Pending {
  /** Which of this worker's operations it is: a timeout or completion of an older one is ignored. */
  seq: number;
  spec: OpSpec;
  node: NodeId;
}

interface Worker {
  index: number;
  process: number;
  connection: ClientConnection;
  /** Reserved by a scheduled invocation, or waiting for a completion. */
  busy: boolean;
  pending: Pending | undefined;
  nextSeq: number;
}

export interface ClientInterpreterOptions {
  concurrency: number;
  timeoutMs: number;
  /** Which node a worker's operation goes to; default `nodeIds[process % nodeIds.length]`. */
  nodeFor?: (worker: number, process: number) => NodeId;
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
    private readonly time: Scheduler,
    private readonly nodeIds: readonly NodeId[],
    transport: ClientTransport,
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
      this.workers.push({
        index: i,
        process: i,
        connection: transport.connect(`c${i + 1}`),
        busy: false,
        pending: undefined,
        nextSeq: 1,
      });
    }
  }

  get isFinished(): boolean {
    return this.finished;
  }

  start(): void {
    this.time.schedule(0, () => this.pump());
  }

  /** Ask the generator again now (it waited on something other than an operation: the heal). */
  poke(): void {
    this.time.schedule(0, () => this.pump());
  }

  private context(w: Worker): GenContext {
    return {
      timeNs: this.time.nowNs,
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
            if (step.atNs <= this.time.nowNs) this.invoke(w, spec);
            else this.time.scheduleAt(step.atNs, () => this.invoke(w, spec));
          }
        }
        if (!this.generatorDone && wakeNs < this.wakeAtNs) {
          const at = Math.max(wakeNs, this.time.nowNs);
          this.wakeAtNs = at;
          this.time.scheduleAt(at, () => {
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
    const nodes = this.nodeIds;
    const node = this.opts.nodeFor ? this.opts.nodeFor(w.index, w.process) : nodes[w.process % nodes.length];
    this.recorder.record('invoke', w.process, spec.f, spec.value, spec.key, node, undefined, spec.final);
    const seq = w.nextSeq++;
    w.pending = { seq, spec, node };
    w.connection.invoke(spec, node, (c) => {
      if (w.pending?.seq === seq) this.complete(w, c);
    });
    this.time.schedule(this.timeoutNs, () => {
      if (w.pending?.seq !== seq) return;
      w.connection.abandon();
      const readOnly = this.workload.isReadOnly(spec);
      this.complete(w, {
        type: readOnly ? 'fail' : 'info',
        value: spec.value,
        error: { code: 0, name: 'timeout', text: `no reply within ${this.opts.timeoutMs} ms` },
      });
    });
  }

  private complete(w: Worker, c: Completion): void {
    const p = w.pending!;
    w.pending = undefined;
    this.recorder.record(c.type, w.process, p.spec.f, c.value, p.spec.key, p.node, c.error, p.spec.final);
    if (c.type === 'info') {
      w.connection.abandon();
      w.process += this.workers.length;
    }
    w.busy = false;
    this.busyCount--;
    this.pump();
  }
}

/** Runs the nemesis's generator: one worker, each op carried out (and recorded) at its time. */
export class NemesisInterpreter {
  private finished = false;

  constructor(
    private readonly time: Scheduler,
    private readonly nemesis: Nemesis,
    private readonly gen: Generator,
    private readonly rng: Rng,
    private readonly onFinished: () => void,
  ) {}

  get isFinished(): boolean {
    return this.finished;
  }

  start(): void {
    this.time.schedule(0, () => this.step());
  }

  private step(): void {
    const s = this.gen.next({
      timeNs: this.time.nowNs,
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
      this.time.scheduleAt(s.untilNs, () => this.step());
      return;
    }
    const spec = s.op;
    this.time.scheduleAt(s.atNs, () => {
      this.nemesis.execute(spec);
      this.step();
    });
  }
}
