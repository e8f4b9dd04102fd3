import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryParseError } from '../../src/history/errors.js';
import { JsonlReader, orderByIndex, parseJsonl } from '../../src/history/jsonl.js';
import { hasOwnIndex, toOp } from '../../src/history/normalize.js';
import type { Op } from '../../src/history/op.js';
import { parseTypedJson } from '../../src/history/typed-json.js';

/** Each line by the typed parser alone: what JSONL means, without any fast path. */
function lineByLine(text: string): unknown {
  const ops: Op[] = [];
  const at: number[] = [];
  let allIndexed = true;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let raw: unknown;
    try {
      raw = parseTypedJson(lines[i], true);
    } catch {
      return { errorLine: i + 1 };
    }
    if (!hasOwnIndex(raw)) allIndexed = false;
    const op = toOp(raw, ops.length);
    if (typeof op === 'string') return { errorLine: i + 1 };
    ops.push(op);
    at.push(i + 1);
  }
  const h = orderByIndex({ source: 'h.jsonl', format: 'jsonl', ops, lines: at }, allIndexed);
  return { ops: h.ops, lines: h.lines };
}

function read(text: string): unknown {
  const reader = new JsonlReader('h.jsonl');
  try {
    reader.push(text);
  } catch (err) {
    if (err instanceof HistoryParseError) return { errorLine: err.line };
    throw err;
  }
  const h = reader.history();
  return { ops: h.ops, lines: h.lines };
}

/**
 * A piece of JSONL is read by one JSON.parse of all its lines when that reads
 * each line as its own (JsonlReader.pushAtOnce): lines that would read
 * otherwise alone (two objects on a line, an object cut over lines, a number
 * JSON.parse rounds) must send the piece line by line.
 */
describe('JSONL pieces read at once', () => {
  const op = fc
    .tuple(
      fc.nat(5),
      fc.constantFrom('invoke', 'ok', 'info'),
      fc.constantFrom('"v"', '1', 'null', '[1,2]', '"},{"'),
    )
    .map(
      ([p, t, v]) => `{"index":${p},"time":${p * 10},"type":"${t}","process":${p},"f":"read","value":${v}}`,
    );
  const odd = fc.constantFrom(
    '{"index":1,"time":1,"type":"ok","process":1,"f":"w","value":1}, {"a":2}',
    '{"index":1,"time":1,"type":"ok","process":1,"f":"w","value":1}, 5, {"a":2}',
    '{"index":1,"time":1,"type":"ok","process":1,"f":"w","value":[{}',
    '{}]}',
    '{"k":[{}',
    '{"index":2,"time":2,"type":"ok","process":2,"f":"w","value":12345678901234567}',
    '{"index":2,"time":2,"type":"ok","process":2,"f":"w","value":2.0}',
    '{"index":2,"time":2,"type":"ok","process":2,"f":"w","value":{"$kw":"x"}}',
    '{"process":3,"type":"invoke","f":"read","value":null}',
    '{"index":4,"time":4,"type":"bogus","process":1,"f":"r"}',
    '',
    '  ',
    '[1]',
    '5',
    'null',
    '{"index":5,"time":5,"type":"ok","process":1,"f":"r","value":1}\r',
  );
  const line = fc.oneof({ weight: 4, arbitrary: op }, { weight: 2, arbitrary: odd });

  it('reads as the typed parser does line by line (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), (ls) => {
        const text = ls.join('\n');
        expect(read(text)).toEqual(lineByLine(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("a whole file's text, its last line ended by a newline (or several), reads as line by line (fast-check)", () => {
    const whole = (text: string): unknown => {
      try {
        const h = parseJsonl(text, 'h.jsonl');
        return { ops: h.ops, lines: h.lines };
      } catch (err) {
        if (err instanceof HistoryParseError) return { errorLine: err.line };
        throw err;
      }
    };
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 10 }),
        fc.constantFrom('\n', '\n\n', '\r\n', ''),
        (ls, end) => {
          const text = ls.join('\n') + end;
          expect(whole(text)).toEqual(lineByLine(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an object cut over lines with two objects on a third is refused, never read as three', () => {
    const op0 = (rest: string) => `{"index":0,"time":0,"type":"invoke","process":0,"f":"w","value":${rest}`;
    const text = [op0('[{}'), '{}]}', `${op0('1}')},${op0('2}')}`].join('\n');
    expect(read(text)).toEqual({ errorLine: 1 });
    // A number between two objects on one line, and two objects cut over lines: as many values as lines.
    const op = (i: number) =>
      `{"index":${i},"time":${i},"type":"invoke","process":${i},"f":"read","value":null}`;
    const mixed = [`${op(0)}, 5, ${op(1)}`, '{"k":[{}', '{}]}', '{"m":[{}', '{}]}'].join('\n');
    expect(read(mixed)).toEqual({ errorLine: 1 });
  });
});
