/**
 * The linearizable bench's generated history: a kv store of cas-registers
 * (`--model kv`) that is linearizable by construction, written with the
 * store's history writer so it is a history `faultline check` reads like any
 * run's.
 */
import type { Op } from '../src/history/op.js';
import { HistoryFileWriter } from '../src/store/history-writer.js';

/** xorshift32: the generator's own seeded stream. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** What happens next: a client starts an op, the op takes effect, or it completes. */
const START = 0;
const EFFECT = 1;
const COMPLETE = 2;

interface Event {
  t: number;
  kind: typeof START | typeof EFFECT | typeof COMPLETE;
  client: number;
  /** Tie-break: events at the same time happen in the order they were scheduled. */
  seq: number;
}

/** A binary min-heap of events by (time, seq). */
class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(t: number, kind: Event['kind'], client: number): void {
    const heap = this.heap;
    heap.push({ t, kind, client, seq: this.seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  }
  pop(): Event {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Event;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Event, b: Event): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

interface Running {
  f: 'read' | 'write' | 'cas';
  key: string;
  value: unknown;
  out: unknown;
  type: Op['type'];
}

/**
 * A linearizable kv history by construction: `clients` clients run read /
 * write / cas on `keys` keys of an atomic store, one op at a time each; an op
 * takes effect at a random instant between its invocation and its
 * completion. 1% of ops time out (`info`: half of those took effect, half
 * did not; the process is then replaced by a fresh one, as Jepsen does); a
 * cas whose `from` does not match fails. Events come out in time order
 * (`time` in nanoseconds, never going back) and the history passes
 * `validateHistory`.
 */
export function generateKvHistory(opCount: number, keys: number, clients: number, seed = 1): Op[] {
  const random = rng(seed);
  const queue = new EventQueue();
  const store = new Map<string, number | null>();
  const history: Op[] = [];
  const proc = Array.from({ length: clients }, (_, i) => i);
  let nextProc = clients;
  let nextValue = 1;
  let started = 0;
  const running: (Running | null)[] = new Array(clients).fill(null);
  const emit = (type: Op['type'], client: number, op: Running, value: unknown, t: number) =>
    history.push({
      index: history.length,
      time: t * 1000,
      type,
      process: proc[client],
      f: op.f,
      value,
      key: op.key,
    });
  const start = (client: number, t: number) => {
    if (started >= opCount) return;
    started++;
    const key = `k${Math.floor(random() * keys)}`;
    const r = random();
    const f = r < 0.5 ? 'read' : r < 0.8 ? 'write' : 'cas';
    const now = store.get(key) ?? null;
    const value =
      f === 'read' ? null : f === 'write' ? nextValue++ : [random() < 0.6 ? now : nextValue - 1, nextValue++];
    const end = t + 1 + Math.floor(random() * 100);
    const op: Running = { f, key, value, out: null, type: 'ok' };
    running[client] = op;
    emit('invoke', client, op, value, t);
    queue.push(t + Math.floor(random() * (end - t)), EFFECT, client);
    queue.push(end, COMPLETE, client);
  };
  for (let c = 0; c < clients; c++) queue.push(Math.floor(random() * 10), START, c);
  while (queue.size > 0) {
    const e = queue.pop();
    if (e.kind === START) {
      start(e.client, e.t);
      continue;
    }
    const op = running[e.client] as Running;
    if (e.kind === EFFECT) {
      // The op takes effect now (a timed-out one only half of the time).
      const timedOut = random() < 0.01;
      if (timedOut) op.type = 'info';
      if (timedOut && random() < 0.5) continue;
      const now = store.get(op.key) ?? null;
      if (op.f === 'read') op.out = now;
      else if (op.f === 'write') store.set(op.key, op.value as number);
      else {
        const [from, to] = op.value as [number | null, number];
        if (from === now) store.set(op.key, to);
        else if (op.type !== 'info') op.type = 'fail';
      }
      continue;
    }
    const value = op.f === 'read' && op.type === 'ok' ? op.out : op.type === 'info' ? 'timed-out' : op.value;
    emit(op.type, e.client, op, value, e.t);
    if (op.type === 'info') proc[e.client] = nextProc++;
    running[e.client] = null;
    queue.push(e.t + 1, START, e.client);
  }
  return history;
}

/** Generate the history and write it to `path` with the store's writer (JSONL); answers the op count. */
export function writeKvHistory(
  path: string,
  opCount: number,
  keys: number,
  clients: number,
  seed = 1,
): number {
  const writer = new HistoryFileWriter(path);
  const history = generateKvHistory(opCount, keys, clients, seed);
  try {
    for (const op of history) writer.write(op);
  } finally {
    writer.close();
  }
  return history.length;
}
