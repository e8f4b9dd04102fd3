/**
 * A history as the report's timeline draws it: every client operation an
 * invocation paired with its completion (column arrays, compact in JSON for
 * 100,000 operations), and the nemesis's faults as intervals.
 */
import type { Op } from '../history/op.js';

/** Outcome codes of the timeline's `type` column. */
export const OUTCOME = { ok: 0, fail: 1, info: 2, pending: 3 } as const;
export const OUTCOME_NAMES = ['ok', 'fail', 'info', 'pending'] as const;

/** Longest value text kept per event; the whole op is in the history file. */
export const VALUE_MAX_CHARS = 160;

/**
 * Client operations, one entry per column per operation, sorted by invocation.
 * Times are in `timeUnitNs` units since the earliest event of the history.
 */
export interface TimelineOps {
  /** Lane labels: each process's name. */
  processes: string[];
  lane: number[];
  /** Invocation time. */
  start: number[];
  /** Completion time; -1 when the operation never completed. */
  end: number[];
  /** OUTCOME code of the completion. */
  type: number[];
  fs: string[];
  f: number[];
  /** `index` of the invocation and of the completion (-1: none). */
  invokeIndex: number[];
  completeIndex: number[];
  /** The invocation's value (JSON text, clipped to VALUE_MAX_CHARS). */
  value: string[];
  /** The completion's value when it differs from the invocation's; null when the same (or none). */
  result: (string | null)[];
  /** The completion's error, if any. */
  error: (string | null)[];
  /** The node the client talked to, when the history says. */
  node: (string | null)[];
  /** The op's `key` field (kv histories), JSON text; null when it has none. */
  key: (string | null)[];
}

/** A fault the nemesis held from `start` to `end` (times as in TimelineOps). */
export interface NemesisBand {
  kind: string;
  start: number;
  /** -1: never stopped before the history ended. */
  end: number;
  startIndex: number;
  endIndex: number;
  /** What the start did (its completion's value) and what the stop did. */
  startValue: string;
  endValue: string | null;
}

/** A nemesis event (for the history table; the timeline marks those outside any band, such as a heal). */
export interface NemesisEvent {
  f: string;
  time: number;
  index: number;
  type: string;
  value: string;
  /** The band it starts or stops (an index into `bands`); -1 for an event of its own. */
  band: number;
}

export interface Timeline {
  ops: TimelineOps;
  bands: NemesisBand[];
  nemesisEvents: NemesisEvent[];
  /** Nanoseconds per time unit (1000: µs for histories longer than a second). */
  timeUnitNs: number;
  /** `time` of the earliest event, ns: the timeline's 0. */
  originNs: number;
  /** Last time of any event (units). */
  endTime: number;
  /** Events in the history (client and nemesis, invocations and completions). */
  eventCount: number;
  /** The history has no times (a Jepsen console log): `time` is each event's position. */
  positional: boolean;
}

export function valueText(v: unknown, max = VALUE_MAX_CHARS): string {
  // The common cases without JSON.stringify (a 100,000-op history has 200,000 of them).
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s: string;
  try {
    s = JSON.stringify(v) ?? 'null';
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `start-partition`/`stop-partition` → partition; Jepsen's bare `start`/`stop` → nemesis; kill/restart, pause/resume. */
function faultOf(f: string): { kind: string; edge: 'start' | 'stop' } | undefined {
  const m = /^(start|stop)-(.+)$/.exec(f);
  if (m) return { kind: m[2], edge: m[1] as 'start' | 'stop' };
  if (f === 'start') return { kind: 'nemesis', edge: 'start' };
  if (f === 'stop') return { kind: 'nemesis', edge: 'stop' };
  if (f === 'kill') return { kind: 'kill', edge: 'start' };
  if (f === 'restart') return { kind: 'kill', edge: 'stop' };
  if (f === 'pause') return { kind: 'pause', edge: 'start' };
  if (f === 'resume') return { kind: 'pause', edge: 'stop' };
  return undefined;
}

export function buildTimeline(history: readonly Op[], opts: { positional?: boolean } = {}): Timeline {
  let minNs = Number.POSITIVE_INFINITY;
  let maxNs = Number.NEGATIVE_INFINITY;
  for (const o of history) {
    if (o.time < minNs) minNs = o.time;
    if (o.time > maxNs) maxNs = o.time;
  }
  if (history.length === 0) {
    minNs = 0;
    maxNs = 0;
  }
  const timeUnitNs = maxNs - minNs >= 1e9 ? 1000 : 1;
  const t = (ns: number) => Math.round((ns - minNs) / timeUnitNs);

  const ops: TimelineOps = {
    processes: [],
    lane: [],
    start: [],
    end: [],
    type: [],
    fs: [],
    f: [],
    invokeIndex: [],
    completeIndex: [],
    value: [],
    result: [],
    error: [],
    node: [],
    key: [],
  };
  const laneOf = new Map<string, number>();
  const fOf = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const bands: NemesisBand[] = [];
  const openBands = new Map<string, NemesisBand>();
  const nemesisEvents: NemesisEvent[] = [];

  for (const o of history) {
    if (o.process === 'nemesis') {
      // An op may have no f (Elle's histories): it shows as ''.
      const event: NemesisEvent = {
        f: o.f ?? '',
        time: t(o.time),
        index: o.index,
        type: o.type,
        value: valueText(o.value),
        band: -1,
      };
      nemesisEvents.push(event);
      const fault = faultOf(o.f ?? '');
      if (!fault) continue;
      const running = openBands.get(fault.kind);
      if (fault.edge === 'start') {
        if (!running) {
          const b: NemesisBand = {
            kind: fault.kind,
            start: t(o.time),
            end: -1,
            startIndex: o.index,
            endIndex: -1,
            startValue: o.type === 'invoke' ? '' : event.value,
            endValue: null,
          };
          bands.push(b);
          openBands.set(fault.kind, b);
          event.band = bands.length - 1;
        } else {
          // The start's completion (or a repeated start, which the running fault absorbs).
          if (o.type !== 'invoke') running.startValue = event.value;
          event.band = bands.indexOf(running);
        }
      } else if (running) {
        // The fault lasts until the stop completes.
        running.end = t(o.time);
        running.endIndex = o.index;
        event.band = bands.indexOf(running);
        if (o.type !== 'invoke') {
          running.endValue = event.value;
          openBands.delete(fault.kind);
        }
      }
      continue;
    }
    const proc = String(o.process);
    if (o.type === 'invoke') {
      let lane = laneOf.get(proc);
      if (lane === undefined) {
        lane = ops.processes.length;
        ops.processes.push(proc);
        laneOf.set(proc, lane);
      }
      const fName = o.f ?? '';
      let f = fOf.get(fName);
      if (f === undefined) {
        f = ops.fs.length;
        ops.fs.push(fName);
        fOf.set(fName, f);
      }
      const i = ops.lane.length;
      ops.lane.push(lane);
      ops.start.push(t(o.time));
      ops.end.push(-1);
      ops.type.push(OUTCOME.pending);
      ops.f.push(f);
      ops.invokeIndex.push(o.index);
      ops.completeIndex.push(-1);
      ops.value.push(valueText(o.value));
      ops.result.push(null);
      ops.error.push(null);
      ops.node.push(typeof o.node === 'string' ? o.node : null);
      ops.key.push(o.key === undefined ? null : valueText(o.key, 40));
      inFlight.set(proc, i);
      continue;
    }
    const i = inFlight.get(proc);
    if (i === undefined) continue; // a completion with no invocation: validate's business, not the picture's
    inFlight.delete(proc);
    ops.end[i] = t(o.time);
    ops.type[i] = OUTCOME[o.type];
    ops.completeIndex[i] = o.index;
    const v = valueText(o.value);
    ops.result[i] = v === ops.value[i] ? null : v;
    ops.error[i] = o.error === undefined ? null : valueText(o.error);
  }
  return {
    ops,
    bands,
    nemesisEvents,
    timeUnitNs,
    originNs: minNs,
    endTime: t(maxNs),
    eventCount: history.length,
    positional: opts.positional === true,
  };
}

/** A column of strings as a table of distinct strings and an index into it per row (-1: null). */
export interface InternedColumn {
  dict: string[];
  ix: number[];
}

/**
 * TimelineOps as report.html carries it: numbers as small deltas and strings
 * interned, so a 100,000-operation history stays a few MB. The page
 * unpacks it into TimelineOps again (`unpackOps` does the same here).
 */
export interface PackedOps {
  processes: string[];
  fs: string[];
  lane: number[];
  type: number[];
  f: number[];
  /** The first start, then each start minus the one before (ops are in invocation order). */
  startDelta: number[];
  /** end − start; -1 when never completed. */
  latency: number[];
  /** invokeIndex minus the one before. */
  invokeDelta: number[];
  /** completeIndex − invokeIndex; -1 when none. */
  completeOffset: number[];
  value: InternedColumn;
  result: InternedColumn;
  error: InternedColumn;
  node: InternedColumn;
  key: InternedColumn;
}

function intern(col: readonly (string | null)[]): InternedColumn {
  const at = new Map<string, number>();
  const dict: string[] = [];
  const ix = col.map((s) => {
    if (s === null) return -1;
    let i = at.get(s);
    if (i === undefined) {
      i = dict.length;
      dict.push(s);
      at.set(s, i);
    }
    return i;
  });
  return { dict, ix };
}

export function packOps(o: TimelineOps): PackedOps {
  return {
    processes: o.processes,
    fs: o.fs,
    lane: o.lane,
    type: o.type,
    f: o.f,
    startDelta: o.start.map((s, i) => (i === 0 ? s : s - o.start[i - 1])),
    latency: o.end.map((e, i) => (e < 0 ? -1 : e - o.start[i])),
    invokeDelta: o.invokeIndex.map((x, i) => (i === 0 ? x : x - o.invokeIndex[i - 1])),
    completeOffset: o.completeIndex.map((c, i) => (c < 0 ? -1 : c - o.invokeIndex[i])),
    value: intern(o.value),
    result: intern(o.result),
    error: intern(o.error),
    node: intern(o.node),
    key: intern(o.key),
  };
}

/** The inverse of packOps (the page script does the same in the browser). */
export function unpackOps(p: PackedOps): TimelineOps {
  const start: number[] = [];
  const invokeIndex: number[] = [];
  let s = 0;
  let x = 0;
  for (let i = 0; i < p.startDelta.length; i++) {
    s = i === 0 ? p.startDelta[0] : s + p.startDelta[i];
    x = i === 0 ? p.invokeDelta[0] : x + p.invokeDelta[i];
    start.push(s);
    invokeIndex.push(x);
  }
  const strings = (c: InternedColumn) => c.ix.map((i) => (i < 0 ? null : c.dict[i]));
  return {
    processes: p.processes,
    lane: p.lane,
    start,
    end: p.latency.map((l, i) => (l < 0 ? -1 : start[i] + l)),
    type: p.type,
    fs: p.fs,
    f: p.f,
    invokeIndex,
    completeIndex: p.completeOffset.map((c, i) => (c < 0 ? -1 : invokeIndex[i] + c)),
    value: strings(p.value) as string[],
    result: strings(p.result),
    error: strings(p.error),
    node: strings(p.node),
    key: strings(p.key),
  };
}
