import { describe, expect, it } from 'vitest';
import { checkKafka } from '../../checkers/maelstrom/kafka.js';
import type { Generator } from '../../src/generator/generator.js';
import type { Op } from '../../src/history/op.js';
import { Rng } from '../../src/sim/random.js';
import type { Body } from '../../src/sim/types.js';
import { FINAL_POLLS, kafkaWorkload } from '../../workloads/kafka/index.js';

/** An in-memory Maelstrom kafka node; `hide(key, offset)` makes polls leave a message out (a bug). */
function kafkaServer(hide: (key: string, offset: number) => boolean = () => false) {
  const logs = new Map<string, [number, unknown][]>();
  const committed = new Map<string, number>();
  return (req: Body): Body => {
    switch (req.type) {
      case 'send': {
        const log = logs.get(req.key as string) ?? [];
        logs.set(req.key as string, log);
        const offset = log.length;
        log.push([offset, req.msg]);
        return { type: 'send_ok', offset };
      }
      case 'poll': {
        const msgs: Record<string, [number, unknown][]> = {};
        for (const [k, from] of Object.entries(req.offsets as Record<string, number>)) {
          const got = (logs.get(k) ?? []).filter(([o]) => o >= from && !hide(k, o)).slice(0, 3);
          if (got.length > 0) msgs[k] = got;
        }
        return { type: 'poll_ok', msgs };
      }
      case 'commit_offsets':
        for (const [k, o] of Object.entries(req.offsets as Record<string, number>))
          committed.set(k, Math.max(committed.get(k) ?? -1, o));
        return { type: 'commit_offsets_ok' };
      case 'list_committed_offsets': {
        const offsets: Record<string, number> = {};
        for (const k of req.keys as string[]) if (committed.has(k)) offsets[k] = committed.get(k)!;
        return { type: 'list_committed_offsets_ok', offsets };
      }
      default:
        return { type: 'error', code: 10 };
    }
  };
}

/** Runs the workload's generators against `server`, one op at a time round-robin over `workers`. */
function drive(server: (req: Body) => Body, mainOps: number, workers = 3): Op[] {
  const rng = new Rng('generator', 'kafka-test');
  const history: Op[] = [];
  const gens = kafkaWorkload.generator({});
  const run = (gen: Generator, limit: number) => {
    for (let i = 0; i < limit; i++) {
      const worker = i % workers;
      const step = gen.next({ timeNs: i, rng, worker, workerCount: workers, inFlight: 0 });
      if (step.kind === 'done') return;
      if (step.kind === 'wait') continue;
      const spec = step.op;
      history.push({
        index: history.length,
        time: history.length,
        type: 'invoke',
        process: worker,
        f: spec.f,
        value: spec.value,
        key: spec.key,
      });
      const c = kafkaWorkload.completeFromReply(spec, server(kafkaWorkload.clientRequest(spec)));
      history.push({
        index: history.length,
        time: history.length,
        type: c.type,
        process: worker,
        f: spec.f,
        value: c.value,
        key: spec.key,
      });
    }
  };
  run(gens.main, mainOps);
  run(gens.final!, workers * (FINAL_POLLS + 2));
  return history;
}

describe('kafka workload', () => {
  it("speaks Maelstrom's four RPCs", () => {
    expect(kafkaWorkload.clientRequest({ f: 'send', key: '1', value: 5 })).toEqual({
      type: 'send',
      key: '1',
      msg: 5,
    });
    expect(kafkaWorkload.clientRequest({ f: 'poll', value: { 1: 3 } })).toEqual({
      type: 'poll',
      offsets: { 1: 3 },
    });
    expect(kafkaWorkload.clientRequest({ f: 'commit_offsets', value: { 1: 3 } })).toEqual({
      type: 'commit_offsets',
      offsets: { 1: 3 },
    });
    expect(kafkaWorkload.clientRequest({ f: 'list_committed_offsets', value: ['1'] })).toEqual({
      type: 'list_committed_offsets',
      keys: ['1'],
    });
    const send = { f: 'send', key: '1', value: 5 };
    expect(kafkaWorkload.completeFromReply(send, { type: 'send_ok', offset: 7 })).toEqual({
      type: 'ok',
      value: [7, 5],
    });
    expect(kafkaWorkload.completeFromReply(send, { type: 'send_ok' }).type).toBe('info');
    expect(kafkaWorkload.completeFromReply(send, { type: 'error', code: 0 }).type).toBe('info');
    const poll = { f: 'poll', value: { 1: 0 } };
    expect(kafkaWorkload.completeFromReply(poll, { type: 'poll_ok', msgs: { 1: [[0, 5]] } })).toEqual({
      type: 'ok',
      value: { 1: [[0, 5]] },
    });
    expect(kafkaWorkload.completeFromReply(poll, { type: 'poll_ok', msgs: { 1: [5] } }).type).toBe('fail');
    expect(kafkaWorkload.completeFromReply(poll, { type: 'error', code: 0 }).type).toBe('fail');
    expect(kafkaWorkload.isReadOnly(poll)).toBe(true);
    expect(kafkaWorkload.isReadOnly(send)).toBe(false);
  });

  it('a correct log passes: consumers advance, commit after polls, and catch up in the final polls', () => {
    const h = drive(kafkaServer(), 600);
    const fs = new Set(h.map((o) => o.f));
    expect(fs).toEqual(new Set(['send', 'poll', 'commit_offsets', 'list_committed_offsets']));
    // Polls ask where the consumer left off: never the same offsets twice in a row with messages in between.
    const r = checkKafka(h);
    expect(r.errorTypes).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.sendOkCount as number).toBeGreaterThan(100);
  });

  it('a log that hides a message from polls is caught', () => {
    const r = checkKafka(
      drive(
        kafkaServer((k, o) => k === '2' && o === 3),
        600,
      ),
    );
    expect(r.valid).toBe(false);
    expect(r.errorTypes).toEqual(expect.arrayContaining(['lost-write']));
  });
});
