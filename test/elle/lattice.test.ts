/**
 * Elle's consistency-model lattice (elle.consistency-model) as the reference:
 * every model against every anomaly, Elle's own expectations (from its test
 * suite) for the boundary and the prohibited sets, and the checker's verdict
 * on real anomalies under every model.
 */
import { describe, expect, it } from 'vitest';
import { prohibitedAnomalyTypes } from '../../checkers/elle/check.js';
import { checkListAppend } from '../../checkers/elle/index.js';
import {
  ALL_ANOMALIES,
  ALL_MODELS,
  allImpliedAnomalies,
  anomaliesProhibitedBy,
  BEYOND_ELLE_ANOMALIES,
  boundary,
  canonicalModelName,
  friendlyModelName,
  impossibleModels,
  latticeModels,
} from '../../checkers/elle/models.js';
import { hist, par, seq, t } from './helpers.js';

const friendly = (ms: Iterable<string>) => [...new Set([...ms].map(friendlyModelName))].sort();

describe("Elle's lattice: every model × every anomaly", () => {
  it('a model prohibits an anomaly exactly when the anomaly rules the model out', () => {
    let pairs = 0;
    for (const m of ALL_MODELS) {
      const prohibited = anomaliesProhibitedBy([m]);
      for (const a of ALL_ANOMALIES) {
        pairs++;
        expect(prohibited.has(a), `${m} × ${a}`).toBe(impossibleModels([a]).has(canonicalModelName(m)));
      }
    }
    expect(pairs).toBe(ALL_MODELS.length * ALL_ANOMALIES.length);
    expect(ALL_MODELS.length).toBeGreaterThan(40);
    expect(ALL_ANOMALIES.length).toBeGreaterThan(55);
  });

  it('a stronger model prohibits everything a weaker one does; an anomaly implying a prohibited one is prohibited', () => {
    for (const m of latticeModels()) {
      const p = anomaliesProhibitedBy([m]);
      for (const a of ALL_ANOMALIES) {
        if (!p.has(a)) continue;
        for (const b of ALL_ANOMALIES)
          if (allImpliedAnomalies([b]).has(a)) expect(p.has(b), `${m}: ${b} ⇒ ${a}`).toBe(true);
      }
    }
    // strict-serializable implies serializable, which implies repeatable-read, …
    for (const [strong, weak] of [
      ['strict-serializable', 'serializable'],
      ['serializable', 'repeatable-read'],
      ['serializable', 'snapshot-isolation'],
      ['repeatable-read', 'read-committed'],
      ['read-committed', 'read-uncommitted'],
      ['parallel-snapshot-isolation', 'update-atomic'],
      ['update-atomic', 'read-atomic'],
    ]) {
      const s = anomaliesProhibitedBy([strong]);
      for (const a of anomaliesProhibitedBy([weak])) expect(s.has(a), `${strong} ⊇ ${weak}: ${a}`).toBe(true);
    }
  });

  it("matches Elle's own expectations (elle.consistency-model-test)", () => {
    expect(
      [...anomaliesProhibitedBy(['read-committed'])].filter((a) => !BEYOND_ELLE_ANOMALIES.includes(a)).sort(),
    ).toEqual(
      [
        'G0',
        'G1',
        'G1a',
        'G1b',
        'G1c',
        'PL-1-cycle-exists',
        'PL-2-cycle-exists',
        'cyclic-versions',
        'dirty-update',
        'duplicate-elements',
        'future-read',
        'incompatible-order',
      ].sort(),
    );
    // Elle prints PL-SS as strong-serializable; faultline as strict-serializable (both names are accepted).
    const elleName = (m: string) => (m === 'strict-serializable' ? 'strong-serializable' : m);
    const impossible = (a: string) =>
      friendly(impossibleModels([a]))
        .map(elleName)
        .sort();
    expect(impossible('G-single')).toEqual(
      [
        'consistent-view',
        'forward-consistent-view',
        'strong-serializable',
        'serializable',
        'snapshot-isolation',
        'strong-session-serializable',
        'strong-session-snapshot-isolation',
        'strong-snapshot-isolation',
        'update-serializable',
      ].sort(),
    );
    expect(impossible('internal')).toEqual(
      [
        'causal-cerone',
        'parallel-snapshot-isolation',
        'prefix',
        'read-atomic',
        'update-atomic',
        'serializable',
        'snapshot-isolation',
        'strong-serializable',
        'strong-session-serializable',
        'strong-session-snapshot-isolation',
        'strong-snapshot-isolation',
      ].sort(),
    );
    expect(boundary(['cyclic-versions']).not).toEqual(['read-uncommitted']);
    expect(boundary(['internal']).not).toEqual(['read-atomic']);
    expect(boundary(['G1a']).not).toEqual(['read-committed']);
    expect(boundary(['G-single']).not).toEqual(['consistent-view']);
    expect(boundary(['G2', 'internal']).not).toEqual(['read-atomic']);
    expect(boundary(['lost-update']).not).toEqual(['cursor-stability', 'update-atomic']);
    expect(boundary(['G-single-realtime'])).toEqual({
      not: ['strong-snapshot-isolation'],
      alsoNot: ['strict-serializable'],
    });
    // elle.list-append-test: item-level cycles.
    expect(boundary(['G-single-item']).not).toEqual(['consistent-view', 'repeatable-read']);
    expect(boundary(['G2-item']).not).toEqual(['repeatable-read']);
    expect(boundary(['G-single-item-realtime']).not).toEqual(['strong-snapshot-isolation']);
    expect(boundary(['G-single-item-process']).not).toEqual(['strong-session-snapshot-isolation']);
    expect(boundary(['G-nonadjacent-item-process']).not).toEqual(['strong-session-snapshot-isolation']);
    expect(boundary(['G0']).not).toEqual(['read-uncommitted']);
  });

  it("knows Elle's model names and aliases, and refuses others", () => {
    for (const m of [
      'update-atomic',
      'read-atomic',
      'PL-2.99',
      'PL-SS',
      'strong-serializable',
      'conflict-serializable',
      'consistent-view',
      'PL-2+',
      'strong-session-read-committed',
      'causal-cerone',
      'linearizable',
    ])
      expect(ALL_MODELS).toContain(m);
    expect(ALL_MODELS).not.toContain('ROLA');
    expect(canonicalModelName('repeatable-read')).toBe('PL-2.99');
    expect(() => prohibitedAnomalyTypes({ consistencyModels: ['strict-snappshot-isolation'] })).toThrow(
      /unknown consistency model strict-snappshot-isolation/,
    );
  });
});

/** Histories, each with one kind of anomaly Elle names. */
const CASES: [string, ReturnType<typeof hist>][] = [
  [
    'G0',
    hist(
      seq(
        t(0, [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ]),
        t(1, [
          ['append', 'x', 2],
          ['append', 'y', 2],
        ]),
        t(2, [
          ['r', 'x', [1, 2]],
          ['r', 'y', [2, 1]],
        ]),
      ),
    ),
  ],
  [
    'G1a',
    hist(
      seq(
        t(0, [['append', 'x', 1]], 'fail'),
        t(1, [['r', 'x', [1]]]),
        t(1, [['append', 'x', 2]]),
        t(2, [['r', 'x', [1, 2]]]),
      ),
    ),
  ],
  [
    'read skew',
    hist(
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
    ),
  ],
  [
    'write skew',
    hist(
      par(
        t(0, [
          ['r', 'x', []],
          ['append', 'y', 1],
        ]),
        t(1, [
          ['r', 'y', []],
          ['append', 'x', 1],
        ]),
      ),
      seq(
        t(2, [
          ['r', 'x', [1]],
          ['r', 'y', [1]],
        ]),
      ),
    ),
  ],
  ['stale read', hist(seq(t(0, [['append', 'x', 1]]), t(1, [['r', 'x', []]]), t(2, [['r', 'x', [1]]])))],
];

describe('the checker judges every model as the lattice says', () => {
  it('each anomaly history, under every model: invalid exactly when the model prohibits what was found', async () => {
    for (const [name, h] of CASES) {
      const all = await checkListAppend(h, { consistencyModels: ['strict-serializable'] });
      expect(all.valid, name).toBe(false);
      const found = (all['anomaly-types'] ?? []).filter((a) => a !== 'empty-transaction-graph');
      expect(found.length, name).toBeGreaterThan(0);
      for (const m of ALL_MODELS) {
        const r = await checkListAppend(h, { consistencyModels: [m] });
        const prohibited = prohibitedAnomalyTypes({ consistencyModels: [m] });
        const shouldFail = found.some((a) => prohibited.has(a));
        if (shouldFail) expect(r.valid, `${name} under ${m}`).toBe(false);
        else expect(r.valid, `${name} under ${m}`).not.toBe(false);
      }
    }
  });

  it('read skew is not repeatable-read (its item-level G-single is G2-item too)', async () => {
    const r = await checkListAppend(CASES[2][1], { consistencyModels: ['repeatable-read'] });
    expect(r.valid).toBe(false);
    expect(r['anomaly-types']).toEqual(['G-single-item']);
    expect(r.not).toEqual(['consistent-view', 'repeatable-read']);
  });

  it('--anomalies alone (no models) fails on exactly the anomalies that imply those named', async () => {
    for (const [name, h] of CASES) {
      const found = (
        (await checkListAppend(h, { consistencyModels: ['strict-serializable'] }))['anomaly-types'] ?? []
      ).filter((a) => a !== 'empty-transaction-graph');
      for (const a of ALL_ANOMALIES) {
        // A cycle-exists anomaly is searched for itself (the SCC of its subgraph), not implied by a named cycle.
        if (a === 'empty-transaction-graph' || a === 'cycle-search-timeout' || a.endsWith('-cycle-exists'))
          continue;
        const r = await checkListAppend(h, { consistencyModels: [], anomalies: [a] });
        const shouldFail = found.some((f) => allImpliedAnomalies([f]).has(a));
        if (shouldFail) expect(r.valid, `${name} with --anomalies ${a}`).toBe(false);
        else expect(r.valid, `${name} with --anomalies ${a}`).not.toBe(false);
      }
    }
  });
});
