import { describe, expect, it } from 'vitest';
import { checkKafka } from '../../checkers/maelstrom/kafka.js';
import { findChecker } from '../../checkers/registry.js';
import type { Op } from '../../src/history/op.js';
import { Keyword } from '../../src/history/values.js';
import { HistoryBuilder } from './helpers.js';

type Msgs = Record<string, [number, number][]>;

class KafkaHistory extends HistoryBuilder {
  send(process: number, key: string, msg: number, offset: number | null, type: Op['type'] = 'ok'): void {
    this.add('invoke', process, 'send', msg, undefined, { key });
    this.add(type, process, 'send', type === 'ok' ? [offset, msg] : msg, undefined, { key });
  }
  poll(process: number, asked: Record<string, number>, msgs: Msgs): void {
    this.add('invoke', process, 'poll', asked);
    this.add('ok', process, 'poll', msgs);
  }
}

function types(h: KafkaHistory): string[] {
  return checkKafka(h.ops).errorTypes as string[];
}

describe('kafka checker', () => {
  it('is valid when every acknowledged send is polled in order', () => {
    const h = new KafkaHistory();
    h.send(0, 'a', 1, 0);
    h.send(0, 'a', 2, 1);
    h.send(1, 'b', 3, 0);
    h.poll(2, { a: 0, b: 0 }, { a: [[0, 1]], b: [[0, 3]] });
    h.poll(2, { a: 1, b: 1 }, { a: [[1, 2]] });
    const r = checkKafka(h.ops);
    expect(r).toMatchObject({ valid: true, sendOkCount: 3, pollOkCount: 2, keyCount: 2, errorTypes: [] });
  });

  it('refuses a process with two invocations open at once (the first send was silently dropped before)', () => {
    const h = new KafkaHistory();
    h.add('invoke', 0, 'send', 1, undefined, { key: 'a' });
    h.send(0, 'a', 2, 0);
    const r = checkKafka(h.ops);
    expect(r.valid).toBe('unknown');
    expect(r.inputErrorIndex).toBe(1);
    expect(r.inputError).toMatch(/process 0 invokes send while its send \(op index 0\) has not completed/);
  });

  it('lost-write: acknowledged below an offset a poll read past, never polled', () => {
    const h = new KafkaHistory();
    h.send(0, 'a', 1, 0);
    h.send(0, 'a', 2, 1);
    h.send(0, 'a', 3, 2);
    h.poll(1, { a: 0 }, { a: [[0, 1]] });
    h.poll(2, { a: 2 }, { a: [[2, 3]] });
    const r = checkKafka(h.ops);
    expect(r.valid).toBe(false);
    expect(r.errorTypes).toEqual(['lost-write']);
    const lost = (r.errors as Record<string, { count: number; examples: { text: string; ops: number[] }[] }>)[
      'lost-write'
    ];
    expect(lost.count).toBe(1);
    expect(lost.examples[0].ops).toEqual([3, 9]);
    expect((r.report as string[])[0]).toMatch(
      /^lost-write: key "a": op 3 .* acknowledged at offset 1.*op 9 .*offset 2/,
    );
  });

  it('unobserved: acknowledged past every poll, never polled', () => {
    const h = new KafkaHistory();
    h.send(0, 'a', 1, 0);
    h.send(0, 'a', 2, 1);
    h.poll(1, { a: 0 }, { a: [[0, 1]] });
    const r = checkKafka(h.ops);
    expect(r).toMatchObject({
      valid: false,
      errorTypes: ['unobserved'],
      unobserved: [{ key: 'a', count: 1, messages: [2] }],
    });
    // An indefinite send never polled is no anomaly.
    const i = new KafkaHistory();
    i.send(0, 'a', 1, 0);
    i.send(0, 'a', 2, null, 'info');
    i.poll(1, { a: 0 }, { a: [[0, 1]] });
    expect(checkKafka(i.ops).valid).toBe(true);
  });

  it('nonmonotonic and skipping polls, within a poll and from the asked offset', () => {
    const base = () => {
      const h = new KafkaHistory();
      for (let i = 0; i < 4; i++) h.send(0, 'a', 10 + i, i);
      return h;
    };
    const all: Msgs = {
      a: [
        [0, 10],
        [1, 11],
        [2, 12],
        [3, 13],
      ],
    };
    const h1 = base();
    h1.poll(
      1,
      { a: 0 },
      {
        a: [
          [0, 10],
          [2, 12],
          [1, 11],
          [3, 13],
        ],
      },
    );
    expect(types(h1)).toEqual(['int-nonmonotonic-poll', 'int-poll-skip']);
    const h2 = base();
    h2.poll(1, { a: 0 }, all);
    h2.poll(1, { a: 4 }, { a: [[2, 12]] });
    expect(types(h2)).toEqual(['nonmonotonic-poll']);
    const h3 = base();
    h3.poll(
      1,
      { a: 0 },
      {
        a: [
          [0, 10],
          [1, 11],
        ],
      },
    );
    h3.poll(1, { a: 2 }, { a: [[3, 13]] });
    h3.poll(2, { a: 0 }, all);
    const r3 = checkKafka(h3.ops);
    expect(r3.errorTypes).toEqual(['poll-skip']);
    expect((r3.report as string[])[0]).toMatch(
      /asked key "a" from offset 2, got offset 3 first, skipping 2:12/,
    );
    // Sparse offsets are fine when nothing known lies in the gap.
    const h4 = new KafkaHistory();
    h4.send(0, 'a', 1, 0);
    h4.send(0, 'a', 2, 5);
    h4.poll(
      1,
      { a: 0 },
      {
        a: [
          [0, 1],
          [5, 2],
        ],
      },
    );
    h4.poll(1, { a: 6 }, {});
    expect(checkKafka(h4.ops).valid).toBe(true);
  });

  it('duplicate and inconsistent offsets', () => {
    const d = new KafkaHistory();
    d.send(0, 'a', 1, 0);
    d.poll(
      1,
      { a: 0 },
      {
        a: [
          [0, 1],
          [1, 1],
        ],
      },
    );
    expect(types(d)).toEqual(['duplicate']);
    const c = new KafkaHistory();
    c.send(0, 'a', 1, 0);
    c.send(1, 'a', 2, 0);
    c.poll(2, { a: 0 }, { a: [[0, 1]] });
    const r = checkKafka(c.ops);
    expect(r.errorTypes).toContain('inconsistent-offsets');
    expect((r.report as string[]).find((l) => l.startsWith('inconsistent-offsets'))).toMatch(
      /key "a" offset 0 holds 2 messages: 1, 2/,
    );
  });

  it('nonmonotonic-send, G1a and unexpected messages', () => {
    const s = new KafkaHistory();
    s.send(0, 'a', 1, 3);
    s.send(0, 'a', 2, 2);
    s.poll(
      1,
      { a: 0 },
      {
        a: [
          [2, 2],
          [3, 1],
        ],
      },
    );
    expect(types(s)).toEqual(['nonmonotonic-send']);
    const g = new KafkaHistory();
    g.send(0, 'a', 1, null, 'fail');
    g.poll(1, { a: 0 }, { a: [[0, 1]] });
    expect(types(g)).toEqual(['G1a']);
    const u = new KafkaHistory();
    u.poll(1, { a: 0 }, { a: [[0, 99]] });
    expect(types(u)).toEqual(['unexpected']);
  });

  it("reads Jepsen's histories (Maelstrom's store): one-micro-op sends and polls, judged between polls per process", () => {
    const send = Keyword.of('send');
    const poll = Keyword.of('poll');
    const h = new HistoryBuilder();
    for (let i = 0; i < 4; i++) h.call(0, 'send', [[send, '7', 10 + i]], 'ok', [[send, '7', [i, 10 + i]]]);
    h.call(1, 'assign', ['7'], 'ok', ['7']);
    h.call(1, 'poll', [[poll]], 'ok', [
      [
        poll,
        {
          7: [
            [0, 10],
            [1, 11],
          ],
        },
      ],
    ]);
    h.call(1, 'poll', [[poll]], 'ok', [
      [
        poll,
        {
          7: [
            [2, 12],
            [3, 13],
          ],
        },
      ],
    ]);
    expect(checkKafka(h.ops)).toMatchObject({ valid: true, sendOkCount: 4, pollOkCount: 2 });
    const back = new HistoryBuilder();
    back.ops.push(...h.ops.map((o) => ({ ...o })));
    back.call(1, 'poll', [[poll]], 'ok', [[poll, { 7: [[1, 11]] }]]);
    expect(checkKafka(back.ops).errorTypes).toEqual(['nonmonotonic-poll']);
    // After an assign of the key, the process may start over.
    const reassigned = new HistoryBuilder();
    reassigned.ops.push(...h.ops.map((o) => ({ ...o })));
    reassigned.call(1, 'assign', ['8'], 'ok', ['8']);
    reassigned.call(1, 'assign', ['7'], 'ok', ['7']);
    reassigned.call(1, 'poll', [[poll]], 'ok', [[poll, { 7: [[0, 10]] }]]);
    expect(checkKafka(reassigned.ops).valid).toBe(true);
    const skip = new HistoryBuilder();
    for (let i = 0; i < 3; i++) skip.call(0, 'send', [[send, '7', 10 + i]], 'ok', [[send, '7', [i, 10 + i]]]);
    skip.call(1, 'poll', [[poll]], 'ok', [[poll, { 7: [[0, 10]] }]]);
    skip.call(1, 'poll', [[poll]], 'ok', [[poll, { 7: [[2, 12]] }]]);
    skip.call(2, 'poll', [[poll]], 'ok', [[poll, { 7: [[1, 11]] }]]);
    expect(checkKafka(skip.ops).errorTypes).toEqual(['poll-skip']);
    const txn = new HistoryBuilder();
    txn.call(
      0,
      'send',
      [
        [send, '7', 1],
        [send, '7', 2],
      ],
      'ok',
      [
        [send, '7', [0, 1]],
        [send, '7', [1, 2]],
      ],
    );
    expect(checkKafka(txn.ops).inputError).toMatch(/2 micro-ops/);
  });

  it('nothing to judge → unknown; a malformed poll is an input error', async () => {
    expect(checkKafka([]).valid).toBe('unknown');
    expect((await findChecker('kafka')!.check([], {})).valid).toBe('unknown');
    const h = new KafkaHistory();
    h.add('invoke', 0, 'poll', { a: 0 });
    h.add('ok', 0, 'poll', { a: [[0]] });
    expect(checkKafka(h.ops).inputError).toMatch(/op 1 .*\[\[offset, message\]/);
  });
});
