import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/history/errors.js';
import { parseHistory } from '../../src/history/read.js';
import { validateHistory } from '../../src/history/validate.js';

const inv = (i: number, p: number | string, f = 'read', value: unknown = null) =>
  JSON.stringify({ index: i, time: i, type: 'invoke', process: p, f, value });
const done = (i: number, p: number, type: string, f = 'read', value: unknown = 1) =>
  JSON.stringify({ index: i, time: i, type, process: p, f, value });

/** All problems of a text, as the CLI prints them. */
function problems(text: string, source = 'h.jsonl', strict = false): string[] {
  try {
    const h = parseHistory(text, source);
    return validateHistory(h, { strict }).map((p) => formatProblem(source, p));
  } catch (err) {
    return [(err as Error).message];
  }
}

describe('malformed histories get precise messages', () => {
  it('truncated JSON line', () => {
    expect(problems(`${inv(0, 0)}\n{"index":1,"time":1,"type":"ok","pro\n`)).toEqual([
      expect.stringMatching(/^h\.jsonl:2: invalid JSON: /),
    ]);
  });

  it('bad EDN', () => {
    expect(
      problems(
        '{:process 0, :type :invoke, :f :read}\n{:process 0 :type :ok, :f :read, :value [1}\n',
        'h.edn',
      ),
    ).toEqual(["h.edn:2: bad EDN: expected ']' to close the vector opened on line 2, found '}'"]);
    expect(problems('{:process 0, :type :invoke, :f :read}\n\n{:process 0, :type :ok\n', 'h.edn')).toEqual([
      "h.edn:4: bad EDN: unterminated map opened on line 3: expected '}'",
    ]);
  });

  it('a field of the wrong kind', () => {
    expect(problems(`${inv(0, 0)}\n{"index":1,"time":1,"type":"done","process":0,"f":"read"}\n`)).toEqual([
      'h.jsonl:2: "type" must be one of invoke, ok, fail, info; found "done"',
    ]);
    expect(problems('{"index":0,"time":0,"type":"invoke","f":"read"}\n')).toEqual([
      'h.jsonl:1: operation has no "process"',
    ]);
  });

  it('completion without invocation', () => {
    expect(problems(`${inv(0, 0)}\n${done(1, 1, 'ok')}\n`)).toEqual([
      'h.jsonl:2: warning: ok read by process 1 has no earlier invocation by that process',
    ]);
    // --strict turns every warning into an error.
    expect(problems(`${inv(0, 0)}\n${done(1, 1, 'ok')}\n`, 'h.jsonl', true)).toEqual([
      'h.jsonl:2: ok read by process 1 has no earlier invocation by that process',
    ]);
  });

  it('two operations in flight for one process', () => {
    expect(problems(`${inv(0, 3)}\n${inv(1, 3, 'write', 2)}\n`)).toEqual([
      'h.jsonl:2: warning: process 3 invokes write while its read from line 1 is still outstanding',
    ]);
  });

  it('an operation after info', () => {
    expect(problems(`${inv(0, 2, 'write', 1)}\n${done(1, 2, 'info', 'write')}\n${inv(2, 2)}\n`)).toEqual([
      'h.jsonl:3: warning: process 2 invokes read after its info on line 2; a process that got info must not issue another operation (use a fresh process number)',
    ]);
  });

  it('time that goes back is a warning (Jepsen times are per thread); an error with --strict', () => {
    const a = JSON.stringify({ type: 'invoke', process: 0, f: 'read', value: null, time: 100 });
    const b = JSON.stringify({ type: 'invoke', process: 1, f: 'read', value: null, time: 50 });
    expect(problems(`${a}\n${b}\n`)).toEqual([
      "h.jsonl:2: warning: time 50 goes back (the op on line 1 has time 100); the file's order is the history's order",
    ]);
    expect(problems(`${a}\n${b}\n`, 'h.jsonl', true)).toEqual([
      "h.jsonl:2: time 50 goes back (the op on line 1 has time 100); the file's order is the history's order",
    ]);
  });

  it('ops out of :index order are read in :index order; a repeated index is an error', () => {
    const a = JSON.stringify({ index: 5, time: 100, type: 'invoke', process: 0, f: 'read', value: null });
    const b = JSON.stringify({ index: 4, time: 50, type: 'invoke', process: 1, f: 'read', value: null });
    const h = parseHistory(`${a}\n${b}\n`, 'h.jsonl');
    expect(h.ops.map((o) => o.index)).toEqual([4, 5]);
    expect(h.lines).toEqual([2, 1]);
    expect(problems(`${a}\n${b}\n`)).toEqual([
      'h.jsonl: warning: the ops are not listed in :index order; they are read in :index order (Jepsen history order)',
    ]);
    expect(problems(`${a}\n${a.replace('"process":0', '"process":1')}\n`)).toEqual([
      'h.jsonl:2: index 5 was already used by the op on line 1',
    ]);
  });

  it('a completion whose f differs from its invocation', () => {
    expect(problems(`${inv(0, 0)}\n${done(1, 0, 'ok', 'write')}\n`)).toEqual([
      'h.jsonl:2: warning: ok write by process 0 completes its invocation of read on line 1 (f differs)',
    ]);
  });

  it('the nemesis may overlap itself; a well-formed history has no problems', () => {
    const text = [
      inv(0, 'nemesis', 'start-partition'),
      inv(1, 0),
      JSON.stringify({
        index: 2,
        time: 2,
        type: 'info',
        process: 'nemesis',
        f: 'start-partition',
        value: 'halves',
      }),
      done(3, 0, 'ok'),
    ].join('\n');
    expect(problems(text)).toEqual([]);
  });
});
