import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkListAppend, checkRwRegister, type ElleResult } from '../../checkers/elle/index.js';
import { findChecker } from '../../checkers/registry.js';
import { done, hist, inv, oks, par, seq, t } from './helpers.js';

const SER = { consistencyModels: ['serializable'] };

function types(r: ElleResult): string[] {
  return r['anomaly-types'] ?? [];
}

describe('elle list-append: one history per anomaly', () => {
  it('G0: write cycle', async () => {
    const h = hist(
      par(
        t(0, [
          ['append', 'x', 1],
          ['append', 'y', 2],
        ]),
        t(1, [
          ['append', 'x', 2],
          ['append', 'y', 1],
        ]),
      ),
      seq(
        t(2, [
          ['r', 'x', [1, 2]],
          ['r', 'y', [1, 2]],
        ]),
      ),
    );
    const r = await checkListAppend(h, SER);
    expect(r.valid).toBe(false);
    expect(types(r)).toEqual(['G0']);
    expect(r.not).toEqual(['read-uncommitted']);
    const ex = r.anomalies!.G0[0].explanation;
    expect(ex).toContain('appended 2 after');
    expect(ex).toContain('a contradiction');
  });

  it('G1a: aborted read', async () => {
    const h = hist(seq(t(0, [['append', 'x', 1]], 'fail'), t(1, [['r', 'x', [1]]])));
    const r = await checkListAppend(h, SER);
    expect(r.valid).toBe(false);
    expect(types(r)).toEqual(['G1a', 'empty-transaction-graph']);
    expect(r.not).toEqual(['read-committed']);
    expect(r.anomalies!.G1a[0].explanation).toMatch(/failed \(aborted\)/);
  });

  it('G1b: intermediate read', async () => {
    const h = hist(
      seq(
        t(0, [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ]),
        t(1, [['r', 'x', [1]]]),
      ),
    );
    const r = await checkListAppend(h, SER);
    expect(r.valid).toBe(false);
    // Elle finds G-single too: the unread append of 2 came after 1, the last element T2 read,
    // so T2 rw-precedes the txn it read from (Elle's previously-appended-element).
    expect(types(r)).toEqual(['G-single-item', 'G1b']);
    expect(r.not).toEqual(['read-committed']);
  });

  it('G1c: circular information flow', async () => {
    const h = hist(
      par(
        t(0, [
          ['append', 'x', 1],
          ['r', 'y', [1]],
        ]),
        t(1, [
          ['append', 'y', 1],
          ['r', 'x', [1]],
        ]),
      ),
    );
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['G1c']);
    expect(r.not).toEqual(['read-committed']);
    expect(r.anomalies!.G1c[0].explanation).toContain('observed T');
  });

  it('G-single: read skew', async () => {
    const h = hist(
      par(
        t(0, [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ]),
        t(1, [
          ['r', 'x', []],
          ['r', 'y', [1]],
        ]),
      ),
      seq(
        t(2, [
          ['r', 'x', [1]],
          ['r', 'y', [1]],
        ]),
      ),
    );
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['G-single-item']);
    expect(r.not).toEqual(['consistent-view', 'repeatable-read']);
    expect(r['also-not']).toContain('serializable');
    expect(r['also-not']).toContain('snapshot-isolation');
  });

  it('G-nonadjacent: two rw edges, never adjacent', async () => {
    const h = hist(
      par(
        t(0, [
          ['r', 'a', []],
          ['r', 'd', [1]],
        ]),
        t(1, [
          ['append', 'a', 1],
          ['append', 'b', 1],
        ]),
        t(2, [
          ['r', 'b', [1]],
          ['r', 'c', []],
        ]),
        t(3, [
          ['append', 'c', 1],
          ['append', 'd', 1],
        ]),
      ),
    );
    const r = await checkListAppend(h, { consistencyModels: ['snapshot-isolation'] });
    expect(r.valid).toBe(false);
    expect(types(r)).toEqual(['G-nonadjacent-item']);
    expect(r.not).toEqual(['repeatable-read', 'snapshot-isolation']);
  });

  it('G2-item: write skew', async () => {
    const h = hist(
      par(
        t(0, [
          ['r', 'x', []],
          ['r', 'y', []],
          ['append', 'x', 1],
        ]),
        t(1, [
          ['r', 'x', []],
          ['r', 'y', []],
          ['append', 'y', 1],
        ]),
      ),
      seq(
        t(2, [
          ['r', 'x', [1]],
          ['r', 'y', [1]],
        ]),
      ),
    );
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['G2-item']);
    expect(r.not).toEqual(['repeatable-read']);
    // Snapshot isolation allows write skew.
    expect((await checkListAppend(h, { consistencyModels: ['snapshot-isolation'] })).valid).toBe(true);
  });

  it('G0-process and G0-realtime', async () => {
    const same = hist(
      seq(t(0, [['append', 'x', 1]]), t(0, [['append', 'x', 2]]), t(1, [['r', 'x', [2, 1]]])),
    );
    const r = await checkListAppend(same, { consistencyModels: ['strong-session-serializable'] });
    expect(types(r)).toEqual(['G0-process']);
    expect(r.not).toEqual(['strong-session-read-uncommitted']);
    expect((await checkListAppend(same, SER)).valid).toBe(true);
    const other = hist(
      seq(t(0, [['append', 'x', 1]]), t(1, [['append', 'x', 2]]), t(2, [['r', 'x', [2, 1]]])),
    );
    const s = await checkListAppend(other);
    expect(types(s)).toEqual(['G0-realtime']);
    expect(s.not).toEqual(['strong-read-uncommitted']);
  });

  it('G1c-process and G1c-realtime: a read from the future', async () => {
    const same = hist(seq(t(0, [['r', 'x', [1]]]), t(0, [['append', 'x', 1]])));
    const r = await checkListAppend(same);
    expect(types(r)).toEqual(['G1c-process']);
    expect(r.not).toEqual(['strong-session-read-committed']);
    const other = hist(seq(t(0, [['r', 'x', [1]]]), t(1, [['append', 'x', 1]])));
    const s = await checkListAppend(other);
    expect(types(s)).toEqual(['G1c-realtime']);
    expect(s.not).toEqual(['strong-read-committed']);
  });

  it('G-single-process and G-single-realtime: a stale read', async () => {
    const same = hist(seq(t(0, [['append', 'x', 1]]), t(0, [['r', 'x', []]]), t(1, [['r', 'x', [1]]])));
    const r = await checkListAppend(same);
    expect(types(r)).toEqual(['G-single-item-process']);
    expect(r.not).toEqual(['strong-session-snapshot-isolation']);
    expect(r.anomalies!['G-single-item-process'][0].explanation).toContain('ran on process 0');
    expect((await checkListAppend(same, SER)).valid).toBe(true);
    const other = hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', []]]), t(2, [['r', 'x', [1]]])));
    const s = await checkListAppend(other);
    expect(types(s)).toEqual(['G-single-item-realtime']);
    // Elle's lattice: G-single-realtime rules out strong snapshot isolation and everything above it.
    expect(s.not).toEqual(['strong-snapshot-isolation']);
    expect(s['also-not']).toContain('strict-serializable');
    expect(s.anomalies!['G-single-item-realtime'][0].explanation).toMatch(
      /completed \(operation \d+\) before T\d began/,
    );
  });

  it('G2-item-process and G2-item-realtime', async () => {
    // T1 -rw-> T2 -rw-> T3 -process/realtime-> T1, T2 concurrent with both.
    const mk = (p1: number) => {
      const t2 = t(1, [
        ['append', 'a', 1],
        ['r', 'b', []],
      ]);
      const t3 = t(0, [['append', 'b', 1]]);
      const t1 = t(p1, [['r', 'a', []]]);
      return hist(
        inv(t2),
        seq(t3, t1),
        done(t2),
        seq(
          t(5, [
            ['r', 'a', [1]],
            ['r', 'b', [1]],
          ]),
        ),
      );
    };
    const r = await checkListAppend(mk(0));
    expect(types(r)).toEqual(['G2-item-process']);
    expect(r.not).toEqual(['strong-session-serializable']);
    const s = await checkListAppend(mk(3));
    expect(types(s)).toEqual(['G2-item-realtime']);
    expect(s.not).toEqual(['strict-serializable']);
    expect((await checkListAppend(mk(0), SER)).valid).toBe(true);
  });

  it('internal inconsistency', async () => {
    const h = hist(
      seq(
        t(0, [
          ['append', 'x', 1],
          ['r', 'x', []],
        ]),
      ),
    );
    const r = await checkListAppend(h);
    expect(types(r)).toEqual(['empty-transaction-graph', 'internal']);
    expect(r.not).toEqual(['read-atomic']);
    expect(r.anomalies!.internal[0].explanation).toContain('its own earlier micro-ops');
  });

  it('future read', async () => {
    const h = hist(
      seq(
        t(0, [
          ['r', 'x', [1]],
          ['append', 'x', 1],
        ]),
      ),
    );
    const r = await checkListAppend(h);
    expect(types(r)).toEqual(['empty-transaction-graph', 'future-read']);
    expect(r.not).toEqual(['read-committed']);
    expect(r.anomalies!['future-read'][0].explanation).toContain('before appending 1 itself');
  });

  it('dirty update', async () => {
    const h = hist(
      seq(t(0, [['append', 'x', 1]], 'fail'), t(1, [['append', 'x', 2]]), t(2, [['r', 'x', [1, 2]]])),
    );
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['G1a', 'dirty-update']);
    expect(r.not).toEqual(['read-committed']);
    expect(r.anomalies!['dirty-update'][0].explanation).toContain('failed (aborted)');
  });

  it('duplicate elements', async () => {
    const h = hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', [1, 1]]])));
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['duplicate-elements']);
    expect(r.not).toEqual(['read-uncommitted']);
  });

  it('garbage read', async () => {
    const h = hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', [1, 5]]])));
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['empty-transaction-graph', 'garbage-read']);
    expect(r.not).toEqual(['read-committed']);
    expect(r.anomalies!['garbage-read'][0].explanation).toContain('no transaction ever appended');
  });

  it('incompatible orders', async () => {
    const h = hist(
      par(t(0, [['append', 'x', 1]]), t(1, [['append', 'x', 2]])),
      par(t(2, [['r', 'x', [1, 2]]]), t(3, [['r', 'x', [2, 1]]])),
    );
    const r = await checkListAppend(h, SER);
    expect(types(r)).toEqual(['incompatible-order']);
    expect(r.not).toEqual(['read-committed']);
    expect(r.valid).toBe(false);
  });

  it('lost update', async () => {
    const h = hist(
      par(
        t(0, [
          ['r', 'x', []],
          ['append', 'x', 1],
        ]),
        t(1, [
          ['r', 'x', []],
          ['append', 'x', 2],
        ]),
      ),
      seq(t(2, [['r', 'x', [1, 2]]])),
    );
    const r = await checkListAppend(h, SER);
    // Elle finds G-single too: T2 read the initial state T1's append changed, and appended after it.
    expect(types(r)).toEqual(['G-single-item', 'lost-update']);
    expect(r.not).toEqual(['cursor-stability', 'update-atomic']);
  });
});

describe('elle list-append: valid histories', () => {
  it('concurrent serializable history with an aborted and two info txns', async () => {
    const h = hist(
      seq(
        t(0, [
          ['append', 'x', 1],
          ['r', 'y', []],
        ]),
      ),
      par(
        t(1, [
          ['r', 'x', [1]],
          ['append', 'y', 1],
        ]),
        t(2, [['append', 'z', 9]], 'fail'),
        t(3, [['r', 'z', []]]),
      ),
      // An info txn whose append was seen, and one never seen.
      par(
        t(
          4,
          [
            ['append', 'x', 2],
            ['r', 'y', null],
          ],
          'info',
        ),
        t(5, [['append', 'q', 7]], 'info'),
      ),
      seq(
        t(6, [
          ['r', 'x', [1, 2]],
          ['r', 'y', [1]],
          ['r', 'z', []],
        ]),
      ),
      seq({ process: 'nemesis', value: [], type: 'info', f: 'start-partition' }),
      seq(
        t(7, [
          ['append', 'x', 3],
          ['r', 'x', [1, 2, 3]],
        ]),
      ),
    );
    const r = await checkListAppend(h);
    expect(r).toEqual({ valid: true, summary: 'no anomalies found' });
  });

  it('completions only, in order', async () => {
    const h = oks(
      t(0, [['append', 'x', 1]]),
      t(1, [
        ['r', 'x', [1]],
        ['append', 'x', 2],
      ]),
      t(0, [['r', 'x', [1, 2]]]),
    );
    expect((await checkListAppend(h)).valid).toBe(true);
  });

  it('stale read is serializable but not strict-serializable', async () => {
    const h = hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', []]])));
    expect((await checkListAppend(h, SER)).valid).toBe(true);
    expect((await checkListAppend(h, { consistencyModels: ['strict-serializable'] })).valid).toBe(false);
  });

  it('an empty history is unknown, never valid', async () => {
    const r = await checkListAppend([]);
    expect(r.valid).toBe('unknown');
    expect(types(r)).toEqual(['empty-transaction-graph']);
  });
});

describe('elle: budgets, options, errors', () => {
  it('out of time → unknown, never true', async () => {
    const h = hist(
      par(
        t(0, [
          ['r', 'a', []],
          ['r', 'd', [1]],
        ]),
        t(1, [
          ['append', 'a', 1],
          ['append', 'b', 1],
        ]),
        t(2, [
          ['r', 'b', [1]],
          ['r', 'c', []],
        ]),
        t(3, [
          ['append', 'c', 1],
          ['append', 'd', 1],
        ]),
      ),
    );
    const r = await checkListAppend(h, { consistencyModels: ['snapshot-isolation'], timeLimitMs: 0 });
    expect(r.valid).toBe('unknown');
    expect(types(r)).toEqual(['cycle-search-timeout']);
  });

  it('a memory limit too small → unknown, never true', async () => {
    const h = hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', [1]]])));
    const r = await checkListAppend(h, { memoryLimitBytes: 1024 });
    expect(r.valid).toBe('unknown');
    expect((await checkListAppend(h, { memoryLimitBytes: 64 * 2 ** 20 })).valid).toBe(true);
  });

  it('unknown model names are refused', async () => {
    await expect(checkListAppend([], { consistencyModels: ['serialisable'] })).rejects.toThrow(
      /unknown consistency model/,
    );
  });

  it('unexpected micro-ops make the result unknown', async () => {
    const h = hist(seq(t(0, [['w', 'x', 1]])));
    const r = await checkListAppend(h);
    expect(r.valid).toBe('unknown');
  });

  it('duplicate appends make the result unknown', async () => {
    const h = hist(seq(t(0, [['append', 'x', 1]]), t(1, [['append', 'x', 1]])));
    expect((await checkListAppend(h)).valid).toBe('unknown');
  });

  it('results are JSON-serialisable and SVGs are written per cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-'));
    const h = hist(
      par(
        t(0, [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ]),
        t(1, [
          ['r', 'x', []],
          ['r', 'y', [1]],
        ]),
      ),
    );
    const r = await checkListAppend(h, { outDir: dir });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    const files = readdirSync(join(dir, 'elle')).filter((f) => f.endsWith('.svg'));
    expect(files).toEqual(['G-single-item-1.svg']);
    const svg = readFileSync(join(dir, 'elle', files[0]), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('rw');
    expect(svg).toContain('append');
  });

  it('one SVG per cycle, numbered per anomaly type, with boxes and labelled edges', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-'));
    const skew = (a: string, b: string, p: number) =>
      par(
        t(p, [
          ['append', a, 1],
          ['append', b, 1],
        ]),
        t(p + 1, [
          ['r', a, []],
          ['r', b, [1]],
        ]),
      );
    const r = await checkListAppend(hist(skew('x', 'y', 0), skew('u', 'v', 2)), { ...SER, outDir: dir });
    expect(r.anomalies!['G-single-item']).toHaveLength(2);
    const files = readdirSync(join(dir, 'elle'))
      .filter((f) => f.endsWith('.svg'))
      .sort();
    expect(files).toEqual(['G-single-item-1.svg', 'G-single-item-2.svg']);
    for (const f of files) {
      const svg = readFileSync(join(dir, 'elle', f), 'utf8');
      expect(svg.match(/<text/g)?.length).toBe(svg.match(/<\/text>/g)?.length);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
      expect(svg.match(/<path d="M[-\d.]+,[-\d.]+ Q/g)?.length).toBe(2); // two curved edges
      expect(svg).toMatch(/T1 {2}\(op \d+, process \d+, ok\)/);
    }
  });

  it('extra anomalies can be prohibited beyond the models', async () => {
    const h = hist(
      par(
        t(0, [
          ['r', 'x', []],
          ['r', 'y', []],
          ['append', 'x', 1],
        ]),
        t(1, [
          ['r', 'x', []],
          ['r', 'y', []],
          ['append', 'y', 1],
        ]),
      ),
    );
    expect((await checkListAppend(h, { consistencyModels: ['read-committed'] })).valid).toBe(true);
    const r = await checkListAppend(h, { consistencyModels: ['read-committed'], anomalies: ['G2-item'] });
    expect(r.valid).toBe(false);
    expect(types(r)).toEqual(['G2-item']);
  });

  it('registry exposes both checkers', async () => {
    const la = findChecker('elle-list-append');
    const rw = findChecker('elle-rw-register');
    expect(la && rw).toBeTruthy();
    const h = hist(seq(t(0, [['append', 'x', 1]], 'fail'), t(1, [['r', 'x', [1]]])));
    expect((await la!.check(h, {})).valid).toBe(false);
  });
});

describe('elle rw-register', () => {
  it('valid history', async () => {
    const h = hist(
      seq(t(0, [['w', 'x', 1]])),
      par(
        t(1, [
          ['r', 'x', 1],
          ['w', 'y', 2],
        ]),
        t(2, [['w', 'z', 3]], 'fail'),
      ),
      seq(
        t(3, [
          ['r', 'y', 2],
          ['r', 'z', null],
        ]),
        t(4, [['w', 'x', 4]], 'info'),
      ),
    );
    expect(await checkRwRegister(h, { wfrKeys: true, sequentialKeys: true, linearizableKeys: true })).toEqual(
      {
        valid: true,
        summary: 'no anomalies found',
      },
    );
  });

  it('ignores nemesis ops; info writes may be read, info reads are unknown', async () => {
    const h = hist(
      seq(
        t(
          0,
          [
            ['w', 'x', 1],
            ['r', 'y', 7],
          ],
          'info',
        ),
      ),
      seq({ process: 'nemesis', value: [], type: 'info', f: 'kill' }),
      seq(t(1, [['r', 'x', 1]])),
    );
    // The info txn's read of y (7) is unknown, not a garbage read; its write was read, so it happened.
    expect(await checkRwRegister(h)).toEqual({ valid: true, summary: 'no anomalies found' });
  });

  it('G1a, G1b, internal, garbage', async () => {
    const h = hist(
      seq(
        t(0, [['w', 'x', 1]], 'fail'),
        t(1, [
          ['w', 'y', 1],
          ['w', 'y', 2],
        ]),
        t(2, [
          ['r', 'x', 1],
          ['r', 'y', 1],
        ]),
        t(3, [
          ['w', 'z', 5],
          ['r', 'z', 6],
        ]),
        t(4, [['r', 'q', 42]]),
      ),
    );
    const r = await checkRwRegister(h, SER);
    expect(types(r)).toEqual(['G1a', 'G1b', 'empty-transaction-graph', 'garbage-read', 'internal']);
    expect(r.not).toEqual(['read-committed']);
  });

  it('G1c', async () => {
    const h = hist(
      par(
        t(0, [
          ['w', 'x', 1],
          ['r', 'y', 1],
        ]),
        t(1, [
          ['w', 'y', 1],
          ['r', 'x', 1],
        ]),
      ),
    );
    const r = await checkRwRegister(h, SER);
    expect(types(r)).toEqual(['G1c']);
    expect(r.not).toEqual(['read-committed']);
  });

  it('G-single from the initial state', async () => {
    const h = hist(
      par(
        t(0, [
          ['w', 'x', 1],
          ['w', 'y', 1],
        ]),
        t(1, [
          ['r', 'x', null],
          ['r', 'y', 1],
        ]),
      ),
    );
    const r = await checkRwRegister(h, SER);
    expect(types(r)).toEqual(['G-single-item']);
    expect(r.not).toEqual(['consistent-view', 'repeatable-read']);
    expect(r.anomalies!['G-single-item'][0].explanation).toContain('every key starts as nil');
  });

  it('G2-item and lost update', async () => {
    const skew = hist(
      par(
        t(0, [
          ['r', 'x', null],
          ['r', 'y', null],
          ['w', 'x', 1],
        ]),
        t(1, [
          ['r', 'x', null],
          ['r', 'y', null],
          ['w', 'y', 1],
        ]),
      ),
    );
    const r = await checkRwRegister(skew, SER);
    expect(types(r)).toEqual(['G2-item']);
    expect(r.not).toEqual(['repeatable-read']);
    const lost = hist(
      par(
        t(0, [
          ['r', 'x', null],
          ['w', 'x', 1],
        ]),
        t(1, [
          ['r', 'x', null],
          ['w', 'x', 2],
        ]),
      ),
    );
    const s = await checkRwRegister(lost, SER);
    // Elle finds G2-item too: both read the initial nil, which each other's write overwrote.
    expect(types(s)).toEqual(['G2-item', 'lost-update']);
    expect(s.not).toEqual(['cursor-stability', 'update-atomic']);
  });

  it('G0 from versions ordered by process order (sequential keys)', async () => {
    // Process 2 saw x go 1 → 2; process 3 saw y go 2 → 1: T1 and T2 each overwrote the other.
    const h = hist(
      par(
        t(0, [
          ['w', 'x', 1],
          ['w', 'y', 1],
        ]),
        t(1, [
          ['w', 'x', 2],
          ['w', 'y', 2],
        ]),
      ),
      seq(t(2, [['r', 'x', 1]]), t(3, [['r', 'y', 2]]), t(2, [['r', 'x', 2]]), t(3, [['r', 'y', 1]])),
    );
    expect((await checkRwRegister(h, SER)).valid).toBe(true);
    const r = await checkRwRegister(h, { ...SER, sequentialKeys: true });
    // Elle finds G-single too, in the same component: process 2's read of x = 1 rw-precedes
    // T2 (x = 2 came next), T2 ww-precedes T1 on y, and T1 wrote the x = 1 it read.
    expect(types(r)).toEqual(['G-single-item', 'G0']);
    expect(r.not).toEqual(['read-uncommitted']);
    expect(r.anomalies!.G0[0].explanation).toContain('sequentially consistent');
  });

  it('G-single-realtime with linearizable keys', async () => {
    const h = hist(seq(t(0, [['w', 'x', 1]]), t(1, [['r', 'x', null]])));
    const q = await checkRwRegister(h);
    expect(types(q)).toEqual(['G-single-item-realtime']);
    expect(q.not).toEqual(['strong-snapshot-isolation']);
    // Assuming x linearizable orders 1 before nil, which contradicts the initial state.
    const r = await checkRwRegister(h, { linearizableKeys: true });
    expect(types(r)).toEqual(['G-single-item-realtime', 'cyclic-versions']);
    expect(r.not).toEqual(['read-uncommitted']);
  });

  it('cyclic versions', async () => {
    // T1 read 1 then wrote 2; T2 read 2 then wrote 1: by writes-follow-reads 1 < 2 < 1.
    const h = hist(
      par(
        t(0, [
          ['r', 'x', 1],
          ['w', 'x', 2],
        ]),
        t(1, [
          ['r', 'x', 2],
          ['w', 'x', 1],
        ]),
      ),
    );
    const r = await checkRwRegister(h, { ...SER, wfrKeys: true });
    expect(types(r)).toEqual(['G1c', 'cyclic-versions']);
    expect(r.not).toEqual(['read-uncommitted']);
    expect(r.anomalies!['cyclic-versions'][0].explanation).toContain('wfr-keys');
  });
});
