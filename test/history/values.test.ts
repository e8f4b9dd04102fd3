import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEdn, writeEdn } from '../../src/history/edn.js';
import { formatOpEdn, parseEdnHistory } from '../../src/history/edn-history.js';
import { formatOpJsonl, parseJsonl } from '../../src/history/jsonl.js';
import type { Op } from '../../src/history/op.js';
import { parseTypedJson, toTypedJson } from '../../src/history/typed-json.js';
import {
  BigDecimal,
  Char,
  double,
  EdnList,
  EdnMap,
  EdnSet,
  EdnSymbol,
  integer,
  Keyword,
  kw,
  Ratio,
  Tagged,
  type Value,
  valueEquals,
  valueKey,
} from '../../src/history/values.js';

const nameArb = fc.stringMatching(/^[a-z*!?<>=][a-z0-9*+!?<>=.-]{0,6}(\/[a-z][a-z0-9-]{0,4})?$/);

/** Every EDN atom, in its canonical in-memory form. */
const atomArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => integer(n)),
  fc.constantFrom(9007199254740993n, -9007199254740993n, 2n ** 63n, -(2n ** 63n) - 1n),
  fc.double({ noNaN: true }).map((x) => double(x)),
  fc.constantFrom(double(1), double(-0), double(1e300), Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc
    .tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: 1n, max: 1000n }))
    .map(([n, d]) => Ratio.of(n, d)),
  fc.stringMatching(/^-?(0|[1-9]\d{0,20})(\.\d{1,10})?$/).map((t) => new BigDecimal(t)),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', 'a', '__proto__', '$kw', ':a', 'nil', 'tab\there', '\u0000', '\ud800', 'é😀'),
  nameArb.map((n) => Keyword.of(n)),
  nameArb.filter((n) => !['nil', 'true', 'false'].includes(n)).map((n) => EdnSymbol.of(n)),
  fc
    .oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.constantFrom('\n', ' ', '(', '"', '\\'),
    )
    .filter((c) => c.length === 1)
    .map((c) => Char.of(c)),
);

function plainMap(entries: readonly (readonly [string, Value])[]): { [k: string]: Value } {
  const out: { [k: string]: Value } = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Any EDN value: atoms, vectors, lists, sets, maps (string-keyed and not), tagged literals. */
const { value: valueArb } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atomArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 4 }).map((xs) => EdnList.ofItems(xs)),
    fc.uniqueArray(tie('value'), { maxLength: 4, selector: valueKey }).map((xs) => new EdnSet(xs)),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__proto__')), tie('value')), {
        maxLength: 4,
        selector: ([k]) => k,
      })
      .map(plainMap),
    fc
      .uniqueArray(fc.tuple(tie('value'), tie('value')), {
        minLength: 1,
        maxLength: 4,
        selector: ([k]) => valueKey(k),
      })
      .map((es) =>
        es.every(([k]) => typeof k === 'string')
          ? plainMap(es as [string, Value][])
          : new EdnMap(es as [Value, Value][]),
      ),
    fc
      .tuple(fc.constantFrom('inst', 'uuid', 'my.ns/Rec', 'jepsen.history.Op'), tie('value'))
      .map(([t, v]) => new Tagged(t, v)),
  ),
}));

describe('history values: every EDN type kept exactly (fast-check)', () => {
  it('EDN text reads back as an equal value, written the same way', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        const text = writeEdn(v);
        const back = parseEdn(text);
        expect(valueEquals(back, v)).toBe(true);
        expect(valueKey(back)).toBe(valueKey(v));
        expect(writeEdn(back)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('typed JSON reads back as an equal value, written the same way', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        const text = toTypedJson(v);
        const back = parseTypedJson(text);
        expect(valueEquals(back, v)).toBe(true);
        expect(toTypedJson(back)).toBe(text);
        expect(writeEdn(back)).toBe(writeEdn(v));
      }),
      { numRuns: 500 },
    );
  });

  it('read EDN → JSONL → read → EDN gives the EDN history back, op for op', () => {
    const opArb = fc.record({
      type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
      process: fc.oneof(fc.nat(100), fc.constant('nemesis')),
      f: fc.constantFrom('read', 'write', 'cas', 'add'),
      value: valueArb,
      error: valueArb,
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 8 }), (raws) => {
        const ops = raws.map((r, i) => ({ index: i, time: i * 10, ...r }) as Op);
        const edn = ops.map((op) => `${formatOpEdn(op)}\n`).join('');
        const fromEdn = parseEdnHistory(edn, 'h.edn').ops;
        const jsonl = fromEdn.map((op) => `${formatOpJsonl(op)}\n`).join('');
        const fromJsonl = parseJsonl(jsonl, 'h.jsonl').ops;
        expect(fromJsonl.map((op) => `${formatOpEdn(op)}\n`).join('')).toBe(edn);
        for (let i = 0; i < ops.length; i++) {
          expect(valueEquals(fromJsonl[i].value, ops[i].value)).toBe(true);
          expect(valueEquals(fromJsonl[i].error, ops[i].error)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('valueEquals and valueKey agree, and valueEquals is symmetric', () => {
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        expect(valueEquals(a, b)).toBe(valueEquals(b, a));
        expect(valueEquals(a, b)).toBe(valueKey(a) === valueKey(b));
        expect(valueEquals(a, a)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("values compare as Clojure's = does", () => {
  const read = (s: string) => parseEdn(s);
  it('keywords, strings, symbols and characters are all different', () => {
    const forms = [read(':a'), read('"a"'), read('a'), read('\\a')];
    for (let i = 0; i < forms.length; i++)
      for (let j = 0; j < forms.length; j++) expect(valueEquals(forms[i], forms[j])).toBe(i === j);
    expect(read(':a')).toBe(kw('a'));
  });
  it('1 and 1.0, 1/2 and 0.5, #{1 2} and [1 2], #inst and its string differ; 1 and 1N, (1 2) and [1 2] do not', () => {
    expect(valueEquals(read('1'), read('1.0'))).toBe(false);
    expect(valueEquals(read('1/2'), read('0.5'))).toBe(false);
    expect(valueEquals(read('#{1 2}'), read('[1 2]'))).toBe(false);
    expect(valueEquals(read('#inst "2024-01-01T00:00:00Z"'), read('"2024-01-01T00:00:00Z"'))).toBe(false);
    expect(valueEquals(read('1'), read('1N'))).toBe(true);
    expect(valueEquals(read('(1 2)'), read('[1 2]'))).toBe(true);
    expect(valueEquals(read('#{1 2}'), read('#{2 1}'))).toBe(true);
    expect(valueEquals(read('{:a 1 :b 2}'), read('{:b 2 :a 1}'))).toBe(true);
    expect(valueEquals(read('{:a 1}'), read('{"a" 1}'))).toBe(false);
    expect(valueEquals(read('2/4'), read('1/2'))).toBe(true);
    expect(read('4/2')).toBe(2);
    expect(valueEquals(read('1.50M'), read('1.5M'))).toBe(true);
    expect(valueEquals(read('1.5M'), read('1.5'))).toBe(false);
  });
  it('integers past 2^53 are kept exactly, in EDN and in JSONL', () => {
    const big = read('9007199254740993');
    expect(big).toBe(9007199254740993n);
    expect(valueEquals(big, read('9007199254740992'))).toBe(false);
    expect(parseTypedJson('[9007199254740993, 9007199254740992]')).toEqual([
      9007199254740993n,
      9007199254740992n,
    ]);
    expect(toTypedJson([9007199254740993n])).toBe('[9007199254740993]');
    expect(parseTypedJson('[1.0, 1, 1e3, 0.5]')).toEqual([double(1), 1, double(1000), 0.5]);
  });
  it('a __proto__ key is data, not a prototype', () => {
    const m = read('{"__proto__" {"polluted" 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
    expect(Object.keys(m)).toEqual(['__proto__']);
    const j = parseTypedJson('{"v": {"__proto__": {"polluted": 1}}}') as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(j.v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
