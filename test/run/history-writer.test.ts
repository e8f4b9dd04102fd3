import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatOpJsonl } from '../../src/history/jsonl.js';
import type { Op } from '../../src/history/op.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { simulate } from '../../src/runner/simulate.js';
import { HistoryFileWriter, inCanonicalOrder } from '../../src/store/history-writer.js';

describe('HistoryFileWriter', () => {
  it("writes exactly formatOpJsonl's bytes, taking the fast path for recorder ops", () => {
    const sink = new MemoryHistorySink();
    simulate(
      {
        system: 'single-register',
        workload: 'list-append',
        nemesis: ['kill', 'partition'],
        seed: 3,
        timeLimitS: 3,
        nodes: 3,
      },
      { history: sink },
    );
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-hw-')), 'h.jsonl');
    const w = new HistoryFileWriter(path, 100);
    for (const op of sink.ops) {
      expect(inCanonicalOrder(op)).toBe(true);
      w.write(op);
    }
    w.close();
    expect(readFileSync(path, 'utf8')).toBe(sink.ops.map((op) => `${formatOpJsonl(op)}\n`).join(''));
  });

  it('falls back to formatOpJsonl for ops out of order or with undefined fields', () => {
    const odd = { type: 'ok', index: 0, time: 1, process: 0, f: 'read', value: 1 } as Op;
    const undef = {
      index: 0,
      time: 1,
      type: 'ok',
      process: 0,
      f: 'read',
      value: undefined,
      node: 'n1',
    } as Op;
    expect(inCanonicalOrder(odd)).toBe(false);
    expect(inCanonicalOrder(undef)).toBe(false);
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-hw-')), 'h.jsonl');
    const w = new HistoryFileWriter(path);
    w.write(odd);
    w.write(undef);
    w.close();
    expect(readFileSync(path, 'utf8')).toBe(`${formatOpJsonl(odd)}\n${formatOpJsonl(undef)}\n`);
  });
});
