import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attachServices,
  canonicalJson,
  createService,
  SEQ_KV_HISTORY_STATES,
  SERVICE_IDS,
  type ServiceHost,
} from '../../src/maelstrom/services.js';
import { ERROR_CODES } from '../../src/sim/maelstrom.js';
import { RandomStreams } from '../../src/sim/random.js';
import type { Body, Message } from '../../src/sim/types.js';

/** A host that records what each service sends, and lets a test call a service directly. */
class FakeHost implements ServiceHost {
  readonly handlers = new Map<string, (msg: Message) => void>();
  readonly sent: Message[] = [];
  private nextMsgId = 1;

  addClient(id: string, onMessage: (msg: Message) => void) {
    if (this.handlers.has(id)) throw new Error(`duplicate ${id}`);
    this.handlers.set(id, onMessage);
    return { id, send: (dest: string, body: Body) => this.sent.push({ src: id, dest, body }) };
  }

  /** Send `body` from `src` to service `dest`; returns its reply, or undefined if it sent none. */
  call(src: string, dest: string, body: Omit<Body, 'msg_id'> & { msg_id?: number }): Body | undefined {
    const msgId = body.msg_id ?? this.nextMsgId++;
    const before = this.sent.length;
    this.handlers.get(dest)!({ src, dest, body: { ...body, msg_id: msgId } as Body });
    expect(this.sent.length - before).toBeLessThanOrEqual(1);
    const reply = this.sent[before];
    if (reply === undefined) return undefined;
    expect(reply.src).toBe(dest);
    expect(reply.dest).toBe(src);
    expect(reply.body.in_reply_to).toBe(msgId);
    return reply.body;
  }
}

function hostWithServices(seed: number | string = 1): FakeHost {
  const host = new FakeHost();
  attachServices(host, new RandomStreams(seed));
  return host;
}

describe('attachServices', () => {
  it('registers exactly the four services of Maelstrom', () => {
    const host = hostWithServices();
    expect([...host.handlers.keys()].sort()).toEqual([...SERVICE_IDS].sort());
    expect(SERVICE_IDS).toEqual(['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso']);
  });

  it('answers unknown types with not-supported, malformed requests with malformed-request, and ignores replies', () => {
    const host = hostWithServices();
    for (const id of SERVICE_IDS) {
      expect(host.call('n1', id, { type: 'frobnicate' })).toMatchObject({
        type: 'error',
        code: ERROR_CODES.notSupported,
      });
      expect(host.call('n1', id, { type: 'read_ok', value: 1, in_reply_to: 7 })).toBeUndefined();
      expect(host.call('n1', id, { type: 42 } as unknown as Body)).toMatchObject({
        code: ERROR_CODES.malformedRequest,
      });
    }
    for (const id of ['lin-kv', 'seq-kv', 'lww-kv']) {
      const malformed = [
        { type: 'read' },
        { type: 'write', key: 'k' },
        { type: 'write', value: 1 },
        { type: 'cas', key: 'k', to: 2 },
        { type: 'cas', key: 'k', from: 1 },
        { type: 'cas', key: 'k', from: 1, to: 2, create_if_not_exists: 'yes' },
      ];
      for (const body of malformed) {
        expect(host.call('n1', id, body), `${id} ${JSON.stringify(body)}`).toMatchObject({
          type: 'error',
          code: ERROR_CODES.malformedRequest,
        });
      }
    }
    expect(host.call('n1', 'lin-tso', { type: 'read', key: 1 })).toMatchObject({
      code: ERROR_CODES.notSupported,
    });
  });
});

describe('lin-kv', () => {
  it('read, write and cas as Maelstrom defines them', () => {
    const host = hostWithServices();
    const call = (body: Body | Omit<Body, 'msg_id'>) => host.call('n1', 'lin-kv', body);
    expect(call({ type: 'read', key: 'x' })).toMatchObject({
      type: 'error',
      code: ERROR_CODES.keyDoesNotExist,
    });
    expect(call({ type: 'cas', key: 'x', from: 1, to: 2 })).toMatchObject({
      code: ERROR_CODES.keyDoesNotExist,
    });
    expect(call({ type: 'cas', key: 'x', from: 1, to: 2, create_if_not_exists: true })).toEqual({
      type: 'cas_ok',
      in_reply_to: expect.any(Number),
    });
    expect(call({ type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 2 });
    expect(call({ type: 'cas', key: 'x', from: 1, to: 3 })).toMatchObject({
      type: 'error',
      code: ERROR_CODES.preconditionFailed,
    });
    // create_if_not_exists does not matter once the key exists.
    expect(call({ type: 'cas', key: 'x', from: 1, to: 3, create_if_not_exists: true })).toMatchObject({
      code: ERROR_CODES.preconditionFailed,
    });
    expect(call({ type: 'cas', key: 'x', from: 2, to: 3 })).toMatchObject({ type: 'cas_ok' });
    expect(call({ type: 'write', key: 'x', value: [1, { a: null }] })).toMatchObject({ type: 'write_ok' });
    expect(call({ type: 'read', key: 'x' })).toMatchObject({ value: [1, { a: null }] });
    // null is a value like any other.
    expect(call({ type: 'write', key: 'y', value: null })).toMatchObject({ type: 'write_ok' });
    expect(call({ type: 'read', key: 'y' })).toMatchObject({ type: 'read_ok', value: null });
  });

  it('keys and cas values are any JSON, compared structurally', () => {
    const host = hostWithServices();
    const call = (body: Omit<Body, 'msg_id'>) => host.call('n2', 'lin-kv', body);
    call({ type: 'write', key: { a: 1, b: [2, 3] }, value: { p: 1, q: 2 } });
    expect(call({ type: 'read', key: { b: [2, 3], a: 1 } })).toMatchObject({ value: { p: 1, q: 2 } });
    expect(call({ type: 'read', key: { a: 1, b: [3, 2] } })).toMatchObject({
      code: ERROR_CODES.keyDoesNotExist,
    });
    // The number 1 and the string "1" are different keys.
    call({ type: 'write', key: 1, value: 'number' });
    call({ type: 'write', key: '1', value: 'string' });
    expect(call({ type: 'read', key: 1 })).toMatchObject({ value: 'number' });
    expect(call({ type: 'read', key: '1' })).toMatchObject({ value: 'string' });
    expect(call({ type: 'cas', key: { a: 1, b: [2, 3] }, from: { q: 2, p: 1 }, to: 0 })).toMatchObject({
      type: 'cas_ok',
    });
    expect(call({ type: 'read', key: { a: 1, b: [2, 3] } })).toMatchObject({ value: 0 });
  });

  it('canonicalJson equates exactly the structurally equal values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
        expect(canonicalJson(a) === canonicalJson(b)).toBe(sameStructure(roundTrip(a), roundTrip(b)));
        expect(canonicalJson(a)).toBe(canonicalJson(roundTrip(a)));
      }),
    );
  });

  it('answers a random sequence of requests exactly as a Map model does', () => {
    // Keys from a pool; two spellings of the same object key map to one model key.
    const keyPool: { key: unknown; modelKey: number }[] = [
      { key: 0, modelKey: 0 },
      { key: '0', modelKey: 1 },
      { key: { x: 1, y: [2] }, modelKey: 2 },
      { key: { y: [2], x: 1 }, modelKey: 2 },
      { key: [1, 'a'], modelKey: 3 },
      { key: null, modelKey: 4 },
    ];
    const value = fc.integer({ min: 0, max: 3 });
    const request = fc.oneof(
      fc.record({ type: fc.constant('read'), k: fc.nat(keyPool.length - 1) }),
      fc.record({ type: fc.constant('write'), k: fc.nat(keyPool.length - 1), value }),
      fc.record({
        type: fc.constant('cas'),
        k: fc.nat(keyPool.length - 1),
        from: value,
        to: value,
        create: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('n1', 'n2', 'n3'), request), { maxLength: 60 }),
        (reqs) => {
          const host = hostWithServices(7);
          const model = new Map<number, number>();
          for (const [src, r] of reqs) {
            const { key, modelKey } = keyPool[r.k];
            const current = model.get(modelKey);
            let expected: Record<string, unknown>;
            let body: Omit<Body, 'msg_id'>;
            if (r.type === 'read') {
              body = { type: 'read', key };
              expected =
                current === undefined ? { type: 'error', code: 20 } : { type: 'read_ok', value: current };
            } else if (r.type === 'write') {
              body = { type: 'write', key, value: r.value };
              model.set(modelKey, r.value!);
              expected = { type: 'write_ok' };
            } else {
              body = { type: 'cas', key, from: r.from, to: r.to, create_if_not_exists: r.create };
              if (current === undefined && !r.create) expected = { type: 'error', code: 20 };
              else if (current !== undefined && current !== r.from) expected = { type: 'error', code: 22 };
              else {
                model.set(modelKey, r.to!);
                expected = { type: 'cas_ok' };
              }
            }
            expect(host.call(src, 'lin-kv', body)).toMatchObject(expected);
          }
        },
      ),
    );
  });
});

describe('lin-tso', () => {
  it('hands out strictly increasing timestamps from 0, to every client', () => {
    const host = hostWithServices();
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const reply = host.call(`n${i % 3}`, 'lin-tso', { type: 'ts' });
      expect(reply?.type).toBe('ts_ok');
      seen.push(reply!.ts as number);
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('seq-kv', () => {
  it("reads another client's writes stale sometimes, but never go back in time and always see one's own writes", () => {
    let staleReads = 0;
    let freshReads = 0;
    for (let seed = 0; seed < 20; seed++) {
      const host = hostWithServices(seed);
      let lastSeenByReader = -1;
      for (let i = 0; i < 100; i++) {
        expect(host.call('writer', 'seq-kv', { type: 'write', key: 'k', value: i })).toMatchObject({
          type: 'write_ok',
        });
        // The writer always sees its own write.
        expect(host.call('writer', 'seq-kv', { type: 'read', key: 'k' })).toMatchObject({ value: i });
        const reply = host.call('reader', 'seq-kv', { type: 'read', key: 'k' })!;
        const seen = reply.type === 'read_ok' ? (reply.value as number) : -1;
        if (reply.type !== 'read_ok') expect(reply.code).toBe(ERROR_CODES.keyDoesNotExist);
        expect(seen).toBeGreaterThanOrEqual(lastSeenByReader);
        // Staleness is bounded by the history Maelstrom keeps.
        expect(seen).toBeGreaterThan(i - SEQ_KV_HISTORY_STATES);
        lastSeenByReader = seen;
        if (seen < i) staleReads++;
        else freshReads++;
      }
    }
    expect(staleReads).toBeGreaterThan(50);
    expect(freshReads).toBeGreaterThan(50);
  });

  it("a client's own write moves it to the newest state: it then sees every earlier write", () => {
    for (let seed = 0; seed < 20; seed++) {
      const host = hostWithServices(seed);
      for (let i = 0; i < 10; i++) host.call('a', 'seq-kv', { type: 'write', key: 'x', value: i });
      host.call('b', 'seq-kv', { type: 'write', key: 'y', value: 'b' });
      expect(host.call('b', 'seq-kv', { type: 'read', key: 'x' })).toMatchObject({ value: 9 });
    }
  });

  it('a cas that succeeds runs on the newest state, so counters built on cas lose nothing', () => {
    for (let seed = 0; seed < 10; seed++) {
      const host = hostWithServices(seed);
      host.call('n0', 'seq-kv', { type: 'write', key: 'c', value: 0 });
      let committed = 0;
      let preconditionFailures = 0;
      for (let i = 0; i < 200; i++) {
        const src = `n${i % 3}`;
        const read = host.call(src, 'seq-kv', { type: 'read', key: 'c' })!;
        // A client that has seen nothing yet may read the state before the first write.
        if (read.type !== 'read_ok') continue;
        const v = read.value as number;
        const cas = host.call(src, 'seq-kv', { type: 'cas', key: 'c', from: v, to: v + 1 })!;
        if (cas.type === 'cas_ok') committed++;
        else {
          expect(cas.code).toBe(ERROR_CODES.preconditionFailed);
          preconditionFailures++;
        }
      }
      // Stale reads make some cas fail; every one that succeeded counts once.
      expect(preconditionFailures).toBeGreaterThan(0);
      host.call('n0', 'seq-kv', { type: 'write', key: 'other', value: 1 });
      expect(host.call('n0', 'seq-kv', { type: 'read', key: 'c' })).toMatchObject({ value: committed });
    }
  });
});

describe('lww-kv', () => {
  it('reads may be stale, even for the writer, but replicas merge: reads converge', () => {
    let staleOwnReads = 0;
    let convergedOnLast = 0;
    for (let seed = 0; seed < 20; seed++) {
      const host = hostWithServices(seed);
      for (let i = 0; i < 30; i++) {
        host.call('n1', 'lww-kv', { type: 'write', key: 'k', value: i });
        const r = host.call('n1', 'lww-kv', { type: 'read', key: 'k' })!;
        if (r.type !== 'read_ok' || r.value !== i) staleOwnReads++;
        if (r.type === 'read_ok') expect(r.value as number).toBeLessThanOrEqual(i);
      }
      // With no more writes, merges carry the winning write to every replica. It need not be the
      // last one: a write on a replica whose Lamport clock lags loses to an earlier one.
      const reads: unknown[] = [];
      for (let j = 0; j < 60; j++) reads.push(host.call('n2', 'lww-kv', { type: 'read', key: 'k' })?.value);
      const tail = new Set(reads.slice(-20));
      expect(tail.size).toBe(1);
      const final = [...tail][0] as number;
      expect(final).toBeGreaterThanOrEqual(0);
      if (final === 29) convergedOnLast++;
    }
    expect(staleOwnReads).toBeGreaterThan(0);
    expect(convergedOnLast).toBeGreaterThan(0);
  });
});

describe('determinism', () => {
  const script = (seed: string): unknown[] => {
    const host = hostWithServices(seed);
    const out: unknown[] = [];
    for (let i = 0; i < 200; i++) {
      const src = `n${i % 4}`;
      const key = i % 3;
      for (const svc of ['seq-kv', 'lww-kv']) {
        if (i % 2 === 0) out.push(host.call(src, svc, { type: 'write', key, value: i }));
        else out.push(host.call(src, svc, { type: 'read', key }));
      }
    }
    return out;
  };

  it('the same seed gives the same answers; another seed, other answers', () => {
    expect(script('a')).toEqual(script('a'));
    expect(script('a')).not.toEqual(script('b'));
  });

  it('createService draws only from the stream it is given', () => {
    const a = createService('seq-kv', new RandomStreams(3).stream('service:seq-kv'));
    const host = hostWithServices(3);
    for (let i = 0; i < 50; i++) {
      const body =
        i % 2 ? { type: 'read', key: 0, msg_id: i } : { type: 'write', key: 0, value: i, msg_id: i };
      const direct = a({ src: `n${i % 3}`, dest: 'seq-kv', body });
      expect(host.call(`n${i % 3}`, 'seq-kv', body)).toEqual({ ...direct, in_reply_to: i });
    }
  });
});

function sameStructure(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameStructure(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).sort();
  const kb = Object.keys(rb).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameStructure(ra[k], rb[k]));
}
