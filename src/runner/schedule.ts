import { DONE, type GenContext, type Generator, type GenStep, type OpSpec } from '../generator/generator.js';
import type { FaultEvent } from '../nemesis/nemesis.js';

/**
 * An explicit schedule: the client operations and fault events of a run
 * written out instead of drawn. Replaying a run's own schedule (with its
 * configuration and seed) gives the same history byte for byte; a smaller
 * schedule is what shrinking searches for.
 */
export interface Schedule {
  /** Main-phase invocations, in the order they were handed out. */
  main: ScheduledOp[];
  /** The workload's final reads, after the heal and the recovery time. */
  final: ScheduledOp[];
  /** Faults, in start order. */
  faults: FaultEvent[];
}

export interface ScheduledOp {
  /** Virtual time the operation is invoked, ns (later if its worker is still busy). */
  atNs: number;
  /** Client worker (0-based; client c<worker+1>). */
  worker: number;
  f: string;
  value: unknown;
  key?: unknown;
  /** A final read (Jepsen's `:final? true`); absent otherwise. */
  final?: true;
}

/** Operations in a schedule (main and final), the size shrinking reports. */
export function scheduleOpCount(s: Schedule): number {
  return s.main.length + s.final.length;
}

/**
 * Records every operation `gen` hands out (time, worker, op) into `out`, so
 * a drawn run yields its explicit schedule.
 */
export function recording(gen: Generator, out: ScheduledOp[]): Generator {
  return {
    next(ctx: GenContext): GenStep {
      const step = gen.next(ctx);
      if (step.kind === 'op') {
        const op: ScheduledOp = { atNs: step.atNs, worker: ctx.worker, f: step.op.f, value: step.op.value };
        if (step.op.key !== undefined) op.key = step.op.key;
        if (step.op.final === true) op.final = true;
        out.push(op);
      }
      return step;
    },
  };
}

/**
 * The scheduled operations as a generator: each worker takes its own
 * operations in order, each at its time or as soon as the worker is free.
 * A worker with nothing left waits until every worker is done.
 */
export function scripted(ops: readonly ScheduledOp[], workerCount: number): Generator {
  const queues: ScheduledOp[][] = Array.from({ length: workerCount }, () => []);
  for (const op of ops) {
    if (!Number.isInteger(op.worker) || op.worker < 0 || op.worker >= workerCount)
      throw new RangeError(
        `schedule: operation for worker ${op.worker}, but there are ${workerCount} workers`,
      );
    queues[op.worker].push(op);
  }
  const heads = new Array<number>(workerCount).fill(0);
  let left = ops.length;
  return {
    next(ctx: GenContext): GenStep {
      if (left === 0) return DONE;
      const q = queues[ctx.worker];
      const i = heads[ctx.worker];
      if (q === undefined || i >= q.length) return { kind: 'wait' };
      heads[ctx.worker] = i + 1;
      left--;
      const op = q[i];
      const spec: OpSpec =
        op.key === undefined ? { f: op.f, value: op.value } : { f: op.f, value: op.value, key: op.key };
      if (op.final === true) spec.final = true;
      return { kind: 'op', op: spec, atNs: Math.max(ctx.timeNs, op.atNs) };
    },
  };
}
