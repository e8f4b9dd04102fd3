import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../src/sim/clone.js';
import { ERROR_CODES, isDefiniteError } from '../../src/sim/maelstrom.js';
import { listAppendWorkload } from '../../workloads/list-append/index.js';
import { registerWorkload } from '../../workloads/register/index.js';

describe('message bodies', () => {
  it('cloneJson gives what a JSON round trip gives, and shares nothing with the original', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = cloneJson(v);
        expect(c).toEqual(JSON.parse(JSON.stringify(v)));
        if (typeof v === 'object' && v !== null) expect(c).not.toBe(v);
      }),
    );
    const odd = { a: undefined, b: [undefined, Number.NaN, () => 1], c: { toJSON: () => 'x' }, d: -0 };
    expect(cloneJson(odd)).toEqual(JSON.parse(JSON.stringify(odd)));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => cloneJson(cyclic)).toThrow(/deeper than/);
  });
});

describe("Maelstrom's error codes", () => {
  it('definite codes fail, indefinite ones and unknown codes are info', () => {
    for (const c of [1, 10, 11, 12, 14, 20, 21, 22, 30]) expect(isDefiniteError(c)).toBe(true);
    for (const c of [0, 13, 999, 1000]) expect(isDefiniteError(c)).toBe(false);
  });

  it('register: writes and cas map errors by definiteness; reads never stay indefinite; a missing key reads as nil', () => {
    const w = registerWorkload;
    const write = { f: 'write', value: 3, key: 1 };
    const cas = { f: 'cas', value: [1, 2], key: 1 };
    const read = { f: 'read', value: null, key: 1 };
    expect(w.completeFromReply(write, { type: 'error', code: ERROR_CODES.crash })).toMatchObject({
      type: 'info',
    });
    expect(
      w.completeFromReply(write, { type: 'error', code: ERROR_CODES.temporarilyUnavailable }),
    ).toMatchObject({ type: 'fail' });
    expect(w.completeFromReply(cas, { type: 'error', code: ERROR_CODES.preconditionFailed })).toMatchObject({
      type: 'fail',
      error: { code: 22, name: 'precondition-failed' },
    });
    expect(w.completeFromReply(cas, { type: 'error', code: ERROR_CODES.timeout })).toMatchObject({
      type: 'info',
    });
    expect(w.completeFromReply(read, { type: 'error', code: ERROR_CODES.crash })).toMatchObject({
      type: 'fail',
    });
    expect(w.completeFromReply(read, { type: 'error', code: ERROR_CODES.keyDoesNotExist })).toEqual({
      type: 'ok',
      value: null,
    });
    expect(w.completeFromReply(read, { type: 'read_ok', value: 4 })).toEqual({ type: 'ok', value: 4 });
    expect(w.completeFromReply(write, { type: 'write_ok' })).toEqual({ type: 'ok', value: 3 });
    expect(w.completeFromReply(write, { type: 'surprise' })).toMatchObject({ type: 'info' });
    expect(w.clientRequest(cas)).toEqual({ type: 'cas', key: 1, from: 1, to: 2 });
  });

  it('txn: read-only transactions fail on indefinite errors, others are info', () => {
    const w = listAppendWorkload;
    const ro = { f: 'txn', value: [['r', 1, null]] };
    const rw = {
      f: 'txn',
      value: [
        ['append', 1, 5],
        ['r', 1, null],
      ],
    };
    expect(w.completeFromReply(ro, { type: 'error', code: ERROR_CODES.crash })).toMatchObject({
      type: 'fail',
    });
    expect(w.completeFromReply(rw, { type: 'error', code: ERROR_CODES.crash })).toMatchObject({
      type: 'info',
    });
    expect(w.completeFromReply(rw, { type: 'error', code: ERROR_CODES.txnConflict })).toMatchObject({
      type: 'fail',
    });
    const reply = {
      type: 'txn_ok',
      txn: [
        ['append', 1, 5],
        ['r', 1, [5]],
      ],
    };
    expect(w.completeFromReply(rw, reply)).toEqual({ type: 'ok', value: reply.txn });
  });
});
