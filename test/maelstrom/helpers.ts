import type { Op } from '../../src/history/op.js';

/** The extra field of a final read's invocation and completion. */
export const FINAL: Partial<Op> = { 'final?': true };

/** Builds histories by hand: each op gets the next index and a time of `index` ms unless given. */
export class HistoryBuilder {
  readonly ops: Op[] = [];
  add(
    type: Op['type'],
    process: number,
    f: string,
    value: unknown,
    timeMs?: number,
    extra: Partial<Op> = {},
  ): Op {
    const index = this.ops.length;
    const op: Op = { index, time: Math.round((timeMs ?? index) * 1e6), type, process, f, value, ...extra };
    this.ops.push(op);
    return op;
  }
  invoke(process: number, f: string, value: unknown = null, timeMs?: number): Op {
    return this.add('invoke', process, f, value, timeMs);
  }
  ok(process: number, f: string, value: unknown = null, timeMs?: number): Op {
    return this.add('ok', process, f, value, timeMs);
  }
  /** An invocation and its completion right after. */
  call(
    process: number,
    f: string,
    invoked: unknown,
    type: Op['type'],
    completed: unknown,
    timeMs?: number,
  ): void {
    this.add('invoke', process, f, invoked, timeMs);
    this.add(type, process, f, completed, timeMs === undefined ? undefined : timeMs + 1);
  }
  /** A final read (`read` with `final?: true` on both ops, as the recorder writes it) and its completion. */
  finalRead(process: number, type: Op['type'], completed: unknown, timeMs?: number): void {
    this.add('invoke', process, 'read', null, timeMs, FINAL);
    this.add(type, process, 'read', completed, timeMs === undefined ? undefined : timeMs + 1, FINAL);
  }
}
