import type { Op } from '../history/op.js';
import type { HistorySink } from '../runner/recorder.js';

/**
 * The statistics Maelstrom prints at the end of a test, computed the way it
 * computes them (`maelstrom.net.journal` / `maelstrom.net.checker`, Jepsen's
 * stats checker, `maelstrom.checker/availability-checker`):
 *
 * - `net`: messages sent (`send-count`), received by their destination
 *   (`recv-count`) and distinct messages (`msg-count`: a duplicate the
 *   network made is one message), for all messages, those to or from a
 *   client (`clients`, the harness's actors: workers, the setup client and
 *   `c0`, which sends `init`), and the rest (`servers`: between nodes, and
 *   between nodes and services); `msgs-per-op` divides `msg-count` by the
 *   number of client operations invoked.
 * - `stats`: completions (ok, fail, info) overall and per `f`; valid when
 *   every `f` had at least one ok.
 * - `availability`: ok completions over client invocations.
 */

export interface NetCounts {
  sendCount: number;
  recvCount: number;
  msgCount: number;
  /** `all` and `servers` only, and only when an operation was invoked. */
  msgsPerOp?: number;
}

export interface NetStats {
  all: NetCounts;
  clients: NetCounts;
  servers: NetCounts;
}

export interface CompletionCounts {
  valid: boolean;
  count: number;
  okCount: number;
  failCount: number;
  infoCount: number;
}

export interface OpStats extends CompletionCounts {
  byF: Record<string, CompletionCounts>;
}

export interface MaelstromStats {
  net: NetStats;
  stats: OpStats;
  availability: { okFraction: number };
}

/** Counts the simulation's message events (Simulation's `onMessageEvent`) by Maelstrom's classes. */
export class NetStatsCollector {
  private readonly counts = {
    all: { send: 0, recv: 0 },
    clients: { send: 0, recv: 0 },
    servers: { send: 0, recv: 0 },
  };

  constructor(private readonly isClient: (actor: string) => boolean) {}

  onEvent(event: 'send' | 'recv', src: string, dest: string): void {
    const side = this.isClient(src) || this.isClient(dest) ? this.counts.clients : this.counts.servers;
    this.counts.all[event]++;
    side[event]++;
  }

  result(clientInvokes: number): NetStats {
    const make = (c: { send: number; recv: number }, perOp: boolean): NetCounts => ({
      sendCount: c.send,
      recvCount: c.recv,
      // Every send is one message; the network's duplicates are extra receives of it.
      msgCount: c.send,
      ...(perOp && clientInvokes > 0 ? { msgsPerOp: c.send / clientInvokes } : {}),
    });
    return {
      all: make(this.counts.all, true),
      clients: make(this.counts.clients, false),
      servers: make(this.counts.servers, true),
    };
  }
}

/** A history sink that counts client operations as they pass, for `stats` and `availability`. */
export class OpStatsSink implements HistorySink {
  private invokes = 0;
  private readonly total = { count: 0, ok: 0, fail: 0, info: 0 };
  private readonly byF = new Map<string, { count: number; ok: number; fail: number; info: number }>();

  constructor(private readonly inner: HistorySink) {}

  write(op: Op): void {
    this.inner.write(op);
    if (op.process === 'nemesis') return;
    if (op.type === 'invoke') {
      this.invokes++;
      return;
    }
    const name = op.f ?? '';
    let f = this.byF.get(name);
    if (f === undefined) {
      f = { count: 0, ok: 0, fail: 0, info: 0 };
      this.byF.set(name, f);
    }
    for (const c of [f, this.total]) {
      c.count++;
      c[op.type]++;
    }
  }

  get clientInvokes(): number {
    return this.invokes;
  }

  stats(): OpStats {
    const counts = (c: { count: number; ok: number; fail: number; info: number }) => ({
      valid: c.ok > 0,
      count: c.count,
      okCount: c.ok,
      failCount: c.fail,
      infoCount: c.info,
    });
    const byF: Record<string, CompletionCounts> = {};
    for (const f of [...this.byF.keys()].sort()) byF[f] = counts(this.byF.get(f)!);
    const all = Object.values(byF);
    return { ...counts(this.total), valid: all.every((c) => c.valid), byF };
  }

  availability(): { okFraction: number } {
    return { okFraction: this.invokes === 0 ? 1 : this.total.ok / this.invokes };
  }
}

// ---- printing, as Maelstrom prints its results map -------------------------

/** An EDN value to print: maps with keyword keys, numbers, booleans, strings, lists. */
export type Edn = number | boolean | string | null | { kw: string } | readonly Edn[] | EdnMap;
export interface EdnMap {
  readonly entries: readonly (readonly [string, Edn])[];
}

export const ednMap = (entries: readonly (readonly [string, Edn])[]): EdnMap => ({ entries });

/** A JVM float as Clojure prints it: integral values keep `.0`, seven significant digits. */
export function ednFloat(x: number): { kw: string } {
  if (!Number.isFinite(x)) return { kw: Number.isNaN(x) ? '##NaN' : x > 0 ? '##Inf' : '##-Inf' };
  if (Number.isInteger(x)) return { kw: `${x}.0` };
  return { kw: String(Number(Math.fround(x).toPrecision(7))) };
}

/** A key as Maelstrom prints it: a keyword, or a bare number (the quantiles of `:stable-latencies`). */
function ednKey(k: string): string {
  return /^-?\d+(\.\d+)?$/.test(k) ? k : `:${k}`;
}

function isMap(v: Edn): v is EdnMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'entries' in v;
}

function flat(v: Edn): string {
  if (v === null) return 'nil';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (isMap(v)) return `{${v.entries.map(([k, x]) => `${ednKey(k)} ${flat(x)}`).join(', ')}}`;
  if (Array.isArray(v)) return `(${v.map(flat).join(' ')})`;
  return (v as { kw: string }).kw;
}

/** Pretty-print as fipp does: a map that fits on the line stays on it; otherwise one key per line, aligned. */
export function printEdn(v: Edn, column = 0, width = 80): string {
  const one = flat(v);
  if (!isMap(v) || column + one.length <= width || v.entries.length === 0) return one;
  const pad = ' '.repeat(column + 1);
  const parts = v.entries.map(([k, x], i) => {
    const key = `${ednKey(k)} `;
    const body = printEdn(x, column + 1 + key.length, width);
    return `${i === 0 ? '' : pad}${key}${body}`;
  });
  return `{${parts.join(',\n')}}`;
}

function netCountsEdn(c: NetCounts): EdnMap {
  return ednMap([
    ['send-count', c.sendCount],
    ['recv-count', c.recvCount],
    ['msg-count', c.msgCount],
    ...(c.msgsPerOp !== undefined ? [['msgs-per-op', ednFloat(c.msgsPerOp)] as const] : []),
  ]);
}

function countsEdn(c: CompletionCounts): (readonly [string, Edn])[] {
  return [
    ['valid?', c.valid],
    ['count', c.count],
    ['ok-count', c.okCount],
    ['fail-count', c.failCount],
    ['info-count', c.infoCount],
  ];
}

/** `:stats`, `:availability` and `:net` entries of Maelstrom's results map. */
export function maelstromStatsEdn(s: MaelstromStats): (readonly [string, Edn])[] {
  return [
    [
      'stats',
      ednMap([
        ...countsEdn(s.stats),
        ['by-f', ednMap(Object.entries(s.stats.byF).map(([f, c]) => [f, ednMap(countsEdn(c))] as const))],
      ]),
    ],
    [
      'availability',
      ednMap([
        ['valid?', true],
        ['ok-fraction', ednFloat(s.availability.okFraction)],
      ]),
    ],
    [
      'net',
      ednMap([
        ['all', netCountsEdn(s.net.all)],
        ['clients', netCountsEdn(s.net.clients)],
        ['servers', netCountsEdn(s.net.servers)],
        ['valid?', true],
      ]),
    ],
  ];
}

/** A JSON value of a checker's result as EDN (camelCase keys as kebab-case keywords, `valid` as `valid?`). */
export function jsonToEdn(v: unknown): Edn {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? v : ednFloat(v);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(jsonToEdn);
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    // Numeric keys (quantiles) in numeric order, as a sorted Clojure map prints them.
    if (entries.length > 0 && entries.every(([k]) => /^-?\d+(\.\d+)?$/.test(k)))
      return ednMap(
        entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, x]) => [k, jsonToEdn(x)] as const),
      );
    return ednMap(
      entries.map(
        ([k, x]) =>
          [
            k === 'valid' ? 'valid?' : k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
            jsonToEdn(x),
          ] as const,
      ),
    );
  }
  return String(v);
}
