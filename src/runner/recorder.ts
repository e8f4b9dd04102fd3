import { FINAL_FIELD, type Op, type OpType, type Process } from '../history/op.js';

/** Where ops go as they happen; the store's streaming JSONL writer is one. */
export interface HistorySink {
  write(op: Op): void;
}

/** Keeps ops in memory (tests, small runs). */
export class MemoryHistorySink implements HistorySink {
  readonly ops: Op[] = [];
  write(op: Op): void {
    this.ops.push(op);
  }
}

export interface OpCounts {
  invoke: number;
  ok: number;
  fail: number;
  info: number;
  nemesis: number;
}

/** Where the recorder reads the time: the environment's scheduler (virtual or wall clock). */
export interface RecorderClock {
  readonly nowNs: number;
}

/**
 * Stamps each op with its index and the environment's time and hands it to
 * the sink at once: the history is streamed, never held here.
 */
export class HistoryRecorder {
  private nextIndex = 0;
  readonly counts: OpCounts = { invoke: 0, ok: 0, fail: 0, info: 0, nemesis: 0 };

  constructor(
    private readonly clock: RecorderClock,
    private readonly sink: HistorySink,
  ) {}

  /**
   * Every op has the same shape (absent optional fields are undefined, which
   * JSON leaves out), so the hot path stays monomorphic and serialises fast.
   * `final`: a final read, recorded as Jepsen's `final?: true` field (absent otherwise).
   */
  record(
    type: OpType,
    process: Process,
    f: string,
    value: unknown,
    key?: unknown,
    node?: string,
    error?: unknown,
    final?: boolean,
  ): Op {
    const op: Op = {
      index: this.nextIndex++,
      time: this.clock.nowNs,
      type,
      process,
      f,
      value,
      key,
      node,
      error,
      [FINAL_FIELD]: final === true ? true : undefined,
    };
    if (process === 'nemesis') this.counts.nemesis++;
    else this.counts[type]++;
    this.sink.write(op);
    return op;
  }

  get size(): number {
    return this.nextIndex;
  }
}
