import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatOpEdn } from '../../src/history/edn-history.js';
import { formatOpJsonl } from '../../src/history/jsonl.js';
import type { Op } from '../../src/history/op.js';
import { parseHistory, readHistoryFileSync } from '../../src/history/read.js';
import { ETCD_DIR } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-read-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function write(content: string | Buffer, ext = 'jsonl'): string {
  const path = join(dir, `h${files++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/** The file read in pieces must give what parsing its whole text gives, errors included. */
function expectSameAsWholeText(path: string, text: string, format?: 'jsonl'): void {
  let whole: unknown;
  try {
    whole = parseHistory(text, path, { format });
  } catch (err) {
    whole = err;
  }
  let read: unknown;
  try {
    read = readHistoryFileSync(path, { format });
  } catch (err) {
    read = err;
  }
  expect(read).toEqual(whole);
  if (whole instanceof Error) expect((read as Error).message).toBe(whole.message);
}

const op = (i: number, value: unknown, extra: Record<string, unknown> = {}): Op => ({
  index: i,
  time: i * 1000,
  type: i % 2 === 0 ? 'invoke' : 'ok',
  process: i % 7,
  f: 'txn',
  value,
  ...extra,
});

describe('readHistoryFileSync reads JSONL in pieces', () => {
  it('same ops and line numbers as the whole text, across many 64 KiB pieces (fast-check)', () => {
    // Lines of varied length (some longer than a piece), multi-byte UTF-8, CRLF, blank lines.
    const lineArb = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({ n: fc.nat(40), s: fc.string({ unit: 'grapheme', maxLength: 30 }) }),
      },
      { weight: 1, arbitrary: fc.constantFrom('', '   ', '\r') },
      { weight: 1, arbitrary: fc.record({ n: fc.constant(-1), s: fc.constant('x'.repeat(70_000)) }) },
    );
    const sizes: number[] = [];
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 1500, size: 'max' }),
        fc.boolean(),
        fc.boolean(),
        (lines, crlf, trailingNewline) => {
          let i = 0;
          const text =
            lines
              .map((l) =>
                typeof l === 'string'
                  ? l
                  : `${formatOpJsonl(
                      op(
                        i++,
                        Array.from({ length: Math.max(l.n, 0) }, (_, k) => ['append', k, k]),
                        { note: `é€𝄞 ${l.s}` },
                      ),
                    )}${crlf ? '\r' : ''}`,
              )
              .join('\n') + (trailingNewline ? '\n' : '');
          expectSameAsWholeText(write(text), text);
          sizes.push(text.length);
        },
      ),
      { numRuns: 8 },
    );
    expect(Math.max(...sizes)).toBeGreaterThan(2 * 64 * 1024);
  });

  it('a bad line far into the file is reported at its line, as from the whole text', () => {
    const good = Array.from({ length: 5000 }, (_, i) => formatOpJsonl(op(i, [['r', 1, [1, 2, 3]]])));
    for (const bad of ['{"index": 1, "time"', '{"index":1,"time":2,"type":"nope","process":0,"f":"x"}']) {
      const text = [...good.slice(0, 4321), bad, ...good.slice(4321)].join('\n');
      const path = write(text);
      expect(() => readHistoryFileSync(path)).toThrow(`${path}:4322: `);
      expectSameAsWholeText(path, text);
      expectSameAsWholeText(path, text, 'jsonl');
    }
  });

  it('short files and empty files read as their whole text does', () => {
    for (const text of ['', '\n', `${formatOpJsonl(op(0, null))}`, `\n\n${formatOpJsonl(op(0, 'x'))}\n`]) {
      expectSameAsWholeText(write(text), text);
    }
  });

  it('bytes that are not UTF-8 are refused with their line, never replaced', () => {
    const good = Buffer.from(`${formatOpJsonl(op(0, 'v'))}\n`);
    const lines = Array.from({ length: 3000 }, () => good);
    // A cut-off € (0xe2 0x82) inside a string on line 2501, far past the first 64 KiB piece.
    const bad = Buffer.from(formatOpJsonl(op(1, 'a')).replace('"a"', '"a\u0000"'));
    const at = bad.indexOf(0);
    const badLine = Buffer.concat([
      bad.subarray(0, at),
      Buffer.from([0xe2, 0x82]),
      bad.subarray(at + 1),
      Buffer.from('\n'),
    ]);
    const bytes = Buffer.concat([...lines.slice(0, 2500), badLine, ...lines.slice(2500)]);
    const path = write(bytes);
    expect(() => readHistoryFileSync(path)).toThrow(`${path}:2501: not UTF-8: byte 0xe2`);
    for (const format of ['jsonl', 'edn', 'jepsen-log'] as const)
      expect(() => readHistoryFileSync(path, { format })).toThrow(`${path}:2501: not UTF-8`);
    // "\xff" where "\xfe" was written must never compare equal after reading: both are refused.
    expect(() => readHistoryFileSync(write(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d])))).toThrow(
      ':1: not UTF-8: byte 0xff',
    );
  });

  it('other formats are still detected and read whole', () => {
    const ops = Array.from({ length: 2000 }, (_, i) => op(i, [['append', 'x', i]]));
    const edn = `${ops.map(formatOpEdn).join('\n')}\n`;
    const path = write(edn, 'edn');
    expect(readHistoryFileSync(path).format).toBe('edn');
    expect(readHistoryFileSync(path).ops).toHaveLength(2000);
    expectSameAsWholeText(path, edn);
    // Past the first 64 KiB piece the rest is read on (never the file again): a byte order mark
    // at the start is still no content, and a byte that is not UTF-8 far in is named by its line.
    const bom = write(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(edn)]), 'edn');
    expect(readHistoryFileSync(bom).ops).toEqual(readHistoryFileSync(path).ops);
    const lines = edn.split('\n');
    const bad = Buffer.concat([
      Buffer.from(`${lines.slice(0, 1800).join('\n')}\n{:process 1, :type :ok, :f :read, :value "`),
      Buffer.from([0xff]),
      Buffer.from(`"}\n${lines.slice(1800).join('\n')}`),
    ]);
    expect(bad.length).toBeGreaterThan(2 * 65536);
    expect(() => readHistoryFileSync(write(bad, 'edn'))).toThrow(':1801: not UTF-8: byte 0xff');
    // Decided from the first 4096 characters, as for the whole text: a log line there wins over a JSON first line.
    const log = readFileSync(join(ETCD_DIR, 'etcd_000.log'), 'utf8');
    const mixed = `{"note": "${'n'.repeat(3000)}"}\n${log}`;
    const mixedPath = write(mixed, 'log');
    expect(readHistoryFileSync(mixedPath).format).toBe('jepsen-log');
    expectSameAsWholeText(mixedPath, mixed);
  });

  it('unreadable paths are a line-0 error', () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    expect(() => readHistoryFileSync(sub)).toThrow(`${sub}: cannot read: is a directory`);
    expect(() => readHistoryFileSync(join(dir, 'missing.jsonl'))).toThrow('cannot read: no such file');
  });
});
