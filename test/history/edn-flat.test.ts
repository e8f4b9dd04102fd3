import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEdnHistory } from '../../src/history/edn-history.js';
import { HistoryParseError } from '../../src/history/errors.js';

/** What parsing gives: the ops and their lines, or the error's line and problem. */
function outcome(text: string): unknown {
  try {
    const h = parseEdnHistory(text, 'h.edn');
    return { ops: h.ops, lines: h.lines };
  } catch (err) {
    if (err instanceof HistoryParseError) return { line: err.line, problem: err.problem };
    throw err;
  }
}

/**
 * Lines of op maps one per line are read by regular expressions where they are
 * flat (edn-history.ts readFlatLines), by the reader otherwise. Inside a
 * vector, every line is the reader's: the two must read alike, line numbers,
 * errors and all.
 */
describe('EDN histories, one flat op map per line', () => {
  const value = fc.oneof(
    fc.constantFrom(
      'nil',
      'true',
      'false',
      ':ok',
      ':a/b',
      ':x.y-z?',
      'sym',
      'nilly',
      '1.5',
      '2.0',
      '1e3',
      '7N',
    ),
    fc.constantFrom(
      '0',
      '-0',
      '+3',
      '12',
      '-12',
      '123456789012345',
      '1234567890123456',
      '99999999999999999999',
    ),
    fc.constantFrom(
      '"x 1 0 y"',
      '""',
      '"a\\"b"',
      '"a\\nb"',
      '"multi\nline"',
      '[1 2]',
      '[:r 1 nil]',
      '{:a 1}',
    ),
    fc.constantFrom('01', '12abc', ':', '"unterminated', '#_ 5 6', '#{1}', '(1 2)'),
  );
  const key = fc.constantFrom(
    ':process',
    ':type',
    ':f',
    ':value',
    ':key',
    ':index',
    ':time',
    ':__proto__',
    '"s"',
  );
  const sep = fc.constantFrom(' ', ', ', ',', '\t', '  ');
  const map = fc
    .tuple(
      fc.array(fc.tuple(key, sep, value), { maxLength: 6 }),
      fc.constantFrom('', ' ', ','),
      fc.constantFrom('', ' ', ' ; note', ' {:process 1, :type :invoke, :f :read}', '\r', ','),
    )
    .map(([fields, before, after]) => {
      const inner = fields.map(([k, s, v]) => `${k}${s}${v}`).join(', ');
      return `{${before}${inner}}${after}`;
    });
  const op = fc
    .tuple(
      fc.nat(9),
      fc.constantFrom(':invoke', ':ok', ':info', ':fail'),
      fc.constantFrom(':read', ':write', ':cas', ':append'),
      fc.constantFrom('nil', '1', '"x 1 0 y"', '[1 2]', '1.5'),
    )
    .map(([p, t, f, v]) => `{:process ${p}, :type ${t}, :f ${f}, :value ${v}}`);
  const line = fc.oneof(
    { weight: 6, arbitrary: op },
    { weight: 3, arbitrary: map },
    { weight: 1, arbitrary: fc.constantFrom('', '   ', ',', '; comment', '#_ {:a 1}', '#_', '\r') },
  );

  it('reads as the reader does inside a vector (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (ls) => {
        const text = ls.join('\n');
        // A vector opened on the first line and closed on a line of its own: the same line numbers.
        const wrapped = outcome(`[${text}\n]`);
        const flat = outcome(text);
        if ((wrapped as { line?: number }).line !== undefined) {
          // An error: the flat reading refuses too (the wrapped text may say it of the vector).
          expect((flat as { line?: number }).line).toBeDefined();
          return;
        }
        // A history whose first form is not a map (a comment first) is read the same either way.
        expect(flat).toEqual(wrapped);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a Porcupine kv file line by line, keywords and strings kept apart', () => {
    const text =
      '{:process 6, :type :invoke, :f :append, :key "0", :value "x 6 0 y"}\n\n{:process 6, :type :ok, :f :append, :key "0", :value "x 6 0 y"}\n';
    const h = parseEdnHistory(text, 'kv.txt');
    expect(h.lines).toEqual([1, 3]);
    expect(h.ops.map((o) => [o.process, o.type, o.f, o.key, o.value])).toEqual([
      [6, 'invoke', 'append', '0', 'x 6 0 y'],
      [6, 'ok', 'append', '0', 'x 6 0 y'],
    ]);
  });
});
