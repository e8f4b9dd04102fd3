import { describe, expect, it } from 'vitest';
import { EdnSyntaxError, parseEdn, writeEdn } from '../../src/history/edn.js';
import {
  BigDecimal,
  Char,
  double,
  EdnList,
  EdnMap,
  EdnSet,
  EdnSymbol,
  kw,
  Ratio,
  Tagged,
  valueEquals,
} from '../../src/history/values.js';

describe('EDN reader', () => {
  it('reads Jepsen shapes, keeping keywords as keywords', () => {
    expect(parseEdn('[[:append :x 1] [:r :y [1 2]] [:r :z nil]]')).toEqual([
      [kw('append'), kw('x'), 1],
      [kw('r'), kw('y'), [1, 2]],
      [kw('r'), kw('z'), null],
    ]);
    expect(parseEdn('{:process 9, :key "0"}')).toEqual(
      new EdnMap([
        [kw('process'), 9],
        [kw('key'), '0'],
      ]),
    );
  });

  it('reads numbers, chars, sets, lists, tags, comments and discards as their own types', () => {
    const v = parseEdn('[1 -2 +3 1.5 2e3 7N 1.25M 1/4 \\a \\newline true false nil sym ##Inf]') as unknown[];
    expect(v.slice(0, 4)).toEqual([1, -2, 3, 1.5]);
    expect(v[4]).toEqual(double(2000));
    expect(v[5]).toBe(7);
    expect(v[6]).toEqual(new BigDecimal('1.25'));
    expect(v[7]).toEqual(Ratio.of(1n, 4n));
    expect(v[8]).toBe(Char.of('a'));
    expect(v[9]).toBe(Char.of('\n'));
    expect(v.slice(10, 13)).toEqual([true, false, null]);
    expect(v[13]).toBe(EdnSymbol.of('sym'));
    expect(v[14]).toBe(Number.POSITIVE_INFINITY);
    expect(parseEdn('#{1 2} ')).toEqual(new EdnSet([1, 2]));
    expect(parseEdn('(1 #_ 2 3) ; trailing comment')).toEqual(EdnList.ofItems([1, 3]));
    expect(parseEdn('#inst "2020-01-01T00:00:00Z"')).toEqual(new Tagged('inst', '2020-01-01T00:00:00Z'));
    expect(parseEdn('"a\\"b\\n\\u0041"')).toBe('a"b\nA');
    expect(valueEquals(parseEdn('{[1 2] :x}'), new EdnMap([[[1, 2], kw('x')]]))).toBe(true);
    expect(parseEdn('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
  });

  it('names the line of a syntax error, quoting at most a short excerpt', () => {
    const cases: [string, RegExp][] = [
      ['{:a 1\n :b [1 2}', /line 2: expected '\]' to close the vector opened on line 2, found '}'/],
      ['{:a 1\n\n :b', /line 3: unterminated map opened on line 1/],
      ['{:a 1 :b}', /line 1: map opened on line 1 has a key \(:b\) without a value/],
      ['[1 2', /line 1: unterminated vector opened on line 1/],
      ['"abc', /unterminated string/],
      ['12abc', /malformed number '12abc'/],
      ['012', /leading zero/],
      ['}', /unexpected '}'/],
      ['1 2', /unexpected content after the form/],
      ['#{1 1}', /holds 1 twice/],
      ['{:a 1 :a 2}', /has the key :a twice/],
      ['#foo', /tag #foo has no value/],
      ['##Nope', /unknown symbolic value/],
    ];
    for (const [text, re] of cases) {
      expect(() => parseEdn(text), text).toThrow(EdnSyntaxError);
      expect(() => parseEdn(text), text).toThrow(re);
    }
  });

  it('refuses nesting past its limit without overflowing the stack', () => {
    for (const [open, close] of [
      ['[', ']'],
      ['(', ')'],
      ['{:a ', '}'],
      ['#{', '}'],
      ['#t ', ''],
    ]) {
      const deep = `${open.repeat(5000)}1${close.repeat(5000)}`;
      expect(() => parseEdn(deep), open).toThrow(/nested deeper than 1000 levels|more than 1000 nested/);
    }
    const ok = `${'['.repeat(999)}1${']'.repeat(999)}`;
    expect(writeEdn(parseEdn(ok))).toBe(ok);
  });

  it('quotes a huge token by excerpt, in linear time', () => {
    const huge = `{${'a'.repeat(20_000_000)}`;
    const t0 = Date.now();
    let message = '';
    try {
      parseEdn(huge);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/unterminated map opened on line 1/);
    expect(message.length).toBeLessThan(200);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(() => parseEdn(`{:k ${'b'.repeat(1_000_000)}`)).toThrow(/unterminated map/);
    let m2 = '';
    try {
      parseEdn(`{${'c'.repeat(1_000_000)}}`);
    } catch (e) {
      m2 = (e as Error).message;
    }
    expect(m2).toMatch(/has a key \(c{40}… \(1000000 characters\)\) without a value/);
  });

  it('writes values that read back the same', () => {
    const v = { a: [1, 'two', null, true, { 'not a keyword': 2.5, nil: 'x' }], 'b/c': '"quoted"\n' };
    expect(parseEdn(writeEdn(v))).toEqual(v);
    expect(writeEdn(parseEdn('[:a "a" a \\a 1 1.0 1/2 1.5M #{1} (1) #inst "x"]'))).toBe(
      '[:a "a" a \\a 1 1.0 1/2 1.5M #{1} (1) #inst "x"]',
    );
  });
});
