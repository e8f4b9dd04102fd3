import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkListAppend, checkRwRegister, type ElleResult } from '../../checkers/elle/index.js';
import { hist, par, seq, t } from './helpers.js';

const SER = { consistencyModels: ['serializable'] };

// T1 and T2 each read the other's append: G1c.
const g1c = () =>
  hist(
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

// Read skew: T2 saw T1's append to y but not its append to x.
const gSingle = () =>
  hist(
    par(
      t(0, [
        ['append', 'x', 3],
        ['append', 'y', 5],
      ]),
      t(1, [
        ['r', 'x', []],
        ['r', 'y', [5]],
      ]),
    ),
  );

// Write skew plus a read of an aborted append: G2-item and G1a.
const skewAndAborted = () =>
  hist(
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
      t(2, [['append', 'z', 9]], 'fail'),
      t(3, [
        ['r', 'x', [1]],
        ['r', 'y', [1]],
        ['r', 'z', [9]],
      ]),
    ),
  );

function cases(r: ElleResult): number {
  return Object.values(r.anomalies ?? {}).reduce((n, c) => n + c.length, 0);
}

describe('elle: plain-word report', () => {
  it('G1c: one line naming the anomaly, the transactions and why each precedes the other', async () => {
    const r = await checkListAppend(g1c(), SER);
    expect(r['anomaly-types']).toEqual(['G1c']);
    expect(r.report).toEqual([
      'G1c (T1 = operation 2, T2 = operation 3): T1 < T2 because T2 observed T1\'s append of 1 to key "x"; ' +
        'T2 < T1 because T1 observed T2\'s append of 1 to key "y": a contradiction',
    ]);
    // The same step texts as the multi-line explanation: one wording, not two.
    const ex = r.anomalies!.G1c[0].explanation;
    expect(ex).toContain('T1 < T2, because T2 observed T1\'s append of 1 to key "x".');
  });

  it('G-single: the rw step says what the reader did not see', async () => {
    const r = await checkListAppend(gSingle(), SER);
    expect(r['anomaly-types']).toEqual(['G-single-item']);
    expect(r.report).toHaveLength(1);
    const line = r.report![0];
    expect(line).toMatch(/^G-single-item \(T1 = operation \d+, T2 = operation \d+\): T1 < T2 because /);
    expect(line).toContain('observed the initial (empty) state of "x", which T2 changed by appending 3');
    expect(line).toContain('T2 < T1 because T1 observed T2\'s append of 5 to key "y"');
    expect(line).toMatch(/: a contradiction$/);
    expect(line).not.toContain('\n');
  });

  it('rw-register G-single reads the same way', async () => {
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
    expect(r.report).toHaveLength(1);
    expect(r.report![0]).toMatch(
      /^G-single-item \(T1 = operation \d+, T2 = operation \d+\): T1 < T2 because .*every key starts as nil/,
    );
  });

  it('cycles come before non-cyclic anomalies, whatever the alphabet says', async () => {
    const r = await checkListAppend(skewAndAborted(), SER);
    expect(r['anomaly-types']).toEqual(['G1a', 'G2-item']);
    expect(r.report).toHaveLength(2);
    expect(r.report![0]).toMatch(/^G2-item \(T1 = operation \d+, T2 = operation \d+\): /);
    expect(r.report![1]).toBe(
      'G1a: operation 7 read key "z" = [9], including 9, which was appended by operation 5, a transaction that failed (aborted)',
    );
  });

  it('a valid result has no report; every result that is not valid has one', async () => {
    const valid = await checkListAppend(hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', [1]]]))));
    expect(valid.valid).toBe(true);
    expect(valid.report).toBeUndefined();

    const notValid: [string, ElleResult][] = [
      ['G1c', await checkListAppend(g1c(), SER)],
      ['G-single-item', await checkListAppend(gSingle(), SER)],
      ['G2-item and G1a', await checkListAppend(skewAndAborted(), SER)],
      ['empty', await checkListAppend([])],
      ['memory', await checkListAppend(g1c(), { memoryLimitBytes: 1024 })],
      ['timeout', await checkListAppend(gSingle(), { ...SER, timeLimitMs: 0 })],
      ['micro-ops', await checkListAppend(hist(seq(t(0, [['w', 'x', 1]]))))],
      [
        'duplicates',
        await checkListAppend(hist(seq(t(0, [['append', 'x', 1]]), t(1, [['append', 'x', 1]])))),
      ],
      ['rw G1a', await checkRwRegister(hist(seq(t(0, [['w', 'x', 1]], 'fail'), t(1, [['r', 'x', 1]]))))],
    ];
    for (const [name, r] of notValid) {
      expect(r.valid, name).not.toBe(true);
      expect(r.report?.length, name).toBeGreaterThan(0);
      if (r.anomalies) expect(r.report, name).toHaveLength(cases(r));
      for (const line of r.report!) expect(line, name).not.toContain('\n');
    }
  });

  it('unknown: says what could not be finished and why', async () => {
    const timeout = await checkListAppend(gSingle(), { ...SER, timeLimitMs: 0 });
    expect(timeout.valid).toBe('unknown');
    expect(timeout.report).toEqual([
      'cycle-search-timeout: the time limit ran out before the cycle search reached 1 strongly connected component of 2 transactions in all; anomalies there may be missing',
    ]);
    const perComponent = await checkListAppend(gSingle(), { ...SER, cycleSearchTimeoutMs: 0 });
    const line = perComponent.report!.find((l) => l.startsWith('cycle-search-timeout'));
    expect(line).toMatch(
      /^cycle-search-timeout: the per-component budget ran out while searching a strongly connected component of 2 transactions for G\S* cycles/,
    );
    const empty = await checkListAppend([]);
    expect(empty.report).toEqual([
      'empty-transaction-graph: the history holds no transactions, so there is nothing to check',
    ]);
    const memory = await checkListAppend(g1c(), { memoryLimitBytes: 1024 });
    expect(memory.report![0]).toMatch(
      /^could not check the history \(memory-limit\): checking 4 operations needs/,
    );
    const dup = await checkListAppend(hist(seq(t(0, [['append', 'x', 1]]), t(1, [['append', 'x', 1]]))));
    expect(dup.report![0]).toMatch(/^could not check the history \(duplicate-appends\): value 1 appended/);
  });

  it('many cases: at most 100 lines per type, then how many more', async () => {
    const steps = [];
    for (let i = 0; i < 105; i++) steps.push(seq(t(0, [['append', i, 1]], 'fail'), t(1, [['r', i, [1]]])));
    const r = await checkListAppend(hist(...steps), SER);
    expect(r.anomalies!.G1a).toHaveLength(105);
    // Nothing depends on anything here (Elle's empty-transaction-graph), besides the 105 G1a cases.
    const g1a = r.report!.filter((l) => l.startsWith('G1a'));
    expect(g1a).toHaveLength(101);
    expect(g1a[99]).toMatch(/^G1a: operation \d+ read key 99 /);
    expect(g1a[100]).toBe('G1a: 5 more cases, each explained under anomalies["G1a"]');
    expect(r.report).toHaveLength(102);
  });
});

describe('elle: text files per anomaly type', () => {
  it('elle/<type>.txt holds every case with its explanation and transactions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-txt-'));
    const r = await checkListAppend(skewAndAborted(), { ...SER, outDir: dir });
    const files = readdirSync(join(dir, 'elle')).sort();
    expect(files).toEqual(['G1a.txt', 'G2-item-1.svg', 'G2-item.txt']);

    const cycle = readFileSync(join(dir, 'elle', 'G2-item.txt'), 'utf8');
    expect(cycle.startsWith('G2-item: 1 case\n\nG2-item #1\nLet:\n  T1 = {index ')).toBe(true);
    expect(cycle).toContain(r.anomalies!['G2-item'][0].explanation);
    expect(cycle).toContain('a contradiction!');

    const g1a = readFileSync(join(dir, 'elle', 'G1a.txt'), 'utf8');
    expect(g1a).toBe(
      [
        'G1a: 1 case',
        '',
        'G1a #1',
        r.anomalies!.G1a[0].explanation,
        '',
        'Transactions:',
        '  {index 7, process 3, ok: [["r","x",[1]], ["r","y",[1]], ["r","z",[9]]]}',
        '  {index 5, process 2, fail: [["append","z",9]]}',
        '',
      ].join('\n'),
    );
  });

  it('a cycle-exists case lists the transactions of its component', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-txt-'));
    // The per-component budget runs out, so only the cycle-exists fallback names the cycle.
    const r = await checkListAppend(g1c(), { ...SER, outDir: dir, cycleSearchTimeoutMs: 0 });
    expect(r['anomaly-types']).toEqual(['PL-2-cycle-exists', 'cycle-search-timeout']);
    expect(r.report![0]).toMatch(/^PL-2-cycle-exists: a cycle of ww \/ wr dependencies exists among the 2 /);
    const txt = readFileSync(join(dir, 'elle', 'PL-2-cycle-exists.txt'), 'utf8');
    expect(txt).toContain(
      'Transactions:\n  {index 2, process 0, ok: [["append","x",1], ["r","y",[1]]]}\n  {index 3, process 1, ok: [["append","y",1], ["r","x",[1]]]}\n',
    );
  });

  it('at most 100 cases per file, and the number left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-txt-'));
    const steps = [];
    for (let i = 0; i < 103; i++) steps.push(seq(t(0, [['append', i, 1]], 'fail'), t(1, [['r', i, [1]]])));
    await checkListAppend(hist(...steps), { ...SER, outDir: dir });
    const txt = readFileSync(join(dir, 'elle', 'G1a.txt'), 'utf8');
    expect(txt.startsWith('G1a: 103 cases\n')).toBe(true);
    expect(txt).toContain('\nG1a #100\n');
    expect(txt).not.toContain('G1a #101');
    expect(
      txt
        .trimEnd()
        .endsWith(
          '… 3 more G1a cases not written here (at most 100 per type); the result\'s anomalies["G1a"] holds them all',
        ),
    ).toBe(true);
  });

  it('nothing is written for a valid history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-txt-'));
    const r = await checkListAppend(hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', [1]]]))), {
      outDir: dir,
    });
    expect(r.valid).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
