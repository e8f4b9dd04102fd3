import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCounter } from '../../checkers/maelstrom/counter.js';
import { formatOpEdn, parseEdnHistory } from '../../src/history/edn-history.js';
import { formatOpJsonl, parseJsonl } from '../../src/history/jsonl.js';
import { FINAL_FIELD, isFinalOp, type Op } from '../../src/history/op.js';
import { parseHistory } from '../../src/history/read.js';
import { HistoryRecorder, MemoryHistorySink } from '../../src/runner/recorder.js';
import { recording, type ScheduledOp, scripted } from '../../src/runner/schedule.js';
import { Rng } from '../../src/sim/random.js';
import { HistoryFileWriter } from '../../src/store/history-writer.js';
import { finalReads } from '../../workloads/maelstrom/common.js';

/**
 * Final reads as Jepsen and Maelstrom write them: `{:f :read, :final? true}`.
 * faultline's JSONL carries the field `"final?": true`, which the EDN writer
 * writes as the keyword `:final?` and every reader reads back as the same field.
 */

function recorded(): Op[] {
  const sink = new MemoryHistorySink();
  const rec = new HistoryRecorder({ nowNs: 5 }, sink);
  rec.record('invoke', 0, 'read', null, undefined, 'n1', undefined, true);
  rec.record('ok', 0, 'read', [1, 2], undefined, 'n1', undefined, true);
  rec.record('invoke', 1, 'read', null, undefined, 'n2');
  rec.record('ok', 1, 'read', [1], undefined, 'n2', undefined, false);
  return sink.ops;
}

describe('final reads', () => {
  it('the recorder writes final?: true into a final read, and nothing into any other op', () => {
    const ops = recorded();
    expect(ops.map(isFinalOp)).toEqual([true, true, false, false]);
    expect(formatOpJsonl(ops[0])).toBe(
      '{"index":0,"time":5,"type":"invoke","process":0,"f":"read","value":null,"node":"n1","final?":true}',
    );
    // Any other op: the bytes it had before final reads had a field.
    expect(formatOpJsonl(ops[3])).toBe(
      '{"index":3,"time":5,"type":"ok","process":1,"f":"read","value":[1],"node":"n2"}',
    );
    expect(FINAL_FIELD in ops[3] && ops[3][FINAL_FIELD] === undefined).toBe(true);
  });

  it("round-trips JSONL → EDN → JSONL as Jepsen's :final? true", () => {
    const ops = recorded();
    const edn = ops.map(formatOpEdn);
    expect(edn[0]).toBe(
      '{:index 0, :time 5, :type :invoke, :process 0, :f :read, :value nil, :node "n1", :final? true}',
    );
    expect(edn[2]).not.toContain('final');
    const back = parseEdnHistory(`${edn.join('\n')}\n`, 'h.edn').ops;
    expect(back.map(isFinalOp)).toEqual([true, true, false, false]);
    const jsonl = ops.map((o) => `${formatOpJsonl(o)}\n`).join('');
    expect(back.map((o) => `${formatOpJsonl(o)}\n`).join('')).toBe(jsonl);
    expect(parseJsonl(jsonl, 'h.jsonl').ops.map(isFinalOp)).toEqual([true, true, false, false]);
  });

  it('the store writer (its JSON.stringify fast path) writes the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-final-'));
    try {
      const writer = new HistoryFileWriter(join(dir, 'history.jsonl'));
      const ops = recorded();
      for (const op of ops) writer.write(op);
      writer.close();
      expect(readFileSync(join(dir, 'history.jsonl'), 'utf8')).toBe(
        ops.map((o) => `${formatOpJsonl(o)}\n`).join(''),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads a Jepsen history's final reads (flat lines, a vector, a record) and the counter judges them", () => {
    const lines = [
      '{:type :invoke, :f :add, :value 2, :process 0, :time 1, :index 0}',
      '{:type :ok, :f :add, :value 2, :process 0, :time 2, :index 1}',
      '{:type :invoke, :f :read, :final? true, :process 1, :time 3, :index 2}',
      '{:type :ok, :f :read, :value 1, :final? true, :process 1, :time 4, :index 3}',
    ];
    for (const text of [
      `${lines.join('\n')}\n`,
      `[${lines.join('\n')}]\n`,
      `${lines.map((l) => `#jepsen.history.Op${l}`).join('\n')}\n`,
    ]) {
      const h = parseHistory(text, 'history.edn');
      expect(h.ops.map(isFinalOp)).toEqual([false, false, true, true]);
      // A final read of 1 misses the definite add of 2.
      expect(checkCounter(h.ops)).toMatchObject({ valid: false, finalReadCount: 1 });
    }
  });

  it('finalReads gives one read per worker, marked final; a schedule keeps the mark', () => {
    const out: ScheduledOp[] = [];
    const gen = recording(finalReads(), out);
    const rng = new Rng('generator', 'final');
    for (let worker = 0; worker < 3; worker++) {
      const step = gen.next({ timeNs: 7, rng, worker, workerCount: 3, inFlight: 0 });
      expect(step).toEqual({ kind: 'op', op: { f: 'read', value: null, final: true }, atNs: 7 });
    }
    expect(out).toEqual(
      [0, 1, 2].map((worker) => ({ atNs: 7, worker, f: 'read', value: null, final: true })),
    );
    // Through JSON, as a saved schedule carries it, and back to ops.
    const replay = scripted(JSON.parse(JSON.stringify(out)) as ScheduledOp[], 3);
    for (let worker = 0; worker < 3; worker++) {
      const step = replay.next({ timeNs: 9, rng, worker, workerCount: 3, inFlight: 0 });
      expect(step).toEqual({ kind: 'op', op: { f: 'read', value: null, final: true }, atNs: 9 });
    }
    // An unmarked op stays unmarked (a saved schedule of a bundled system is unchanged).
    const plain: ScheduledOp[] = [];
    recording(scripted([{ atNs: 0, worker: 0, f: 'read', value: null }], 1), plain).next({
      timeNs: 0,
      rng,
      worker: 0,
      workerCount: 1,
      inFlight: 0,
    });
    expect(JSON.stringify(plain)).toBe('[{"atNs":0,"worker":0,"f":"read","value":null}]');
  });
});
