import { describe, expect, it } from 'vitest';
import { EdnSyntaxError, parseEdn, writeEdn } from '../../src/history/edn.js';

describe('EDN reader', () => {
  it('reads Jepsen shapes as JSON values', () => {
    expect(parseEdn('{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}')).toEqual({
      process: 9,
      type: 'invoke',
      f: 'append',
      key: '0',
      value: 'x 9 0 y',
    });
    expect(parseEdn('[[:append :x 1] [:r :y [1 2]] [:r :z nil]]')).toEqual([
      ['append', 'x', 1],
      ['r', 'y', [1, 2]],
      ['r', 'z', null],
    ]);
  });

  it('reads numbers, chars, sets, lists, tags, comments and discards', () => {
    expect(parseEdn('[1 -2 +3 1.5 2e3 7N 1.25M 1/4 \\a \\newline true false nil sym]')).toEqual([
      1,
      -2,
      3,
      1.5,
      2000,
      7,
      1.25,
      0.25,
      'a',
      '\n',
      true,
      false,
      null,
      'sym',
    ]);
    expect(parseEdn('#{1 2} ')).toEqual([1, 2]);
    expect(parseEdn('(1 #_ 2 3) ; trailing comment')).toEqual([1, 3]);
    expect(parseEdn('#jepsen.history.Op{:type :ok}')).toEqual({ type: 'ok' });
    expect(parseEdn('#inst "2020-01-01T00:00:00Z"')).toBe('2020-01-01T00:00:00Z');
    expect(parseEdn('"a\\"b\\n\\u0041"')).toBe('a"b\nA');
    expect(parseEdn('{[1 2] :x}')).toEqual({ '[1 2]': 'x' });
  });

  it('names the line of a syntax error', () => {
    const cases: [string, RegExp][] = [
      ['{:a 1\n :b [1 2}', /line 2: expected '\]' to close the vector opened on line 2, found '}'/],
      ['{:a 1\n\n :b', /line 3: map opened on line 1 has a key \("b"\) without a value/],
      ['[1 2', /line 1: unterminated vector opened on line 1/],
      ['"abc', /unterminated string/],
      ['12abc', /malformed number '12abc'/],
      ['}', /unexpected '}'/],
      ['1 2', /unexpected content after the form/],
    ];
    for (const [text, re] of cases) {
      expect(() => parseEdn(text), text).toThrow(EdnSyntaxError);
      expect(() => parseEdn(text), text).toThrow(re);
    }
  });

  it('writes values that read back the same', () => {
    const v = { a: [1, 'two', null, true, { 'not a keyword': 2.5, nil: 'x' }], 'b/c': '"quoted"\n' };
    expect(parseEdn(writeEdn(v))).toEqual(v);
  });
});
