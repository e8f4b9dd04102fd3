/**
 * The real Jepsen histories of ../shared/data get their known verdicts:
 * jepsen-etcd with cas-register (also wrapped as Jepsen independent
 * histories), kv with kv-append (split per key, and c01 / c10 also as one
 * object).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../checkers/linearizable/index.js';
import { findChecker } from '../../checkers/registry.js';
import type { Op } from '../../src/history/op.js';
import { readHistoryFile } from '../../src/history/read.js';
import { ETCD_DIR, KV_DIR } from '../helpers/paths.js';

function labels(dir: string): [string, boolean][] {
  const rows = readFileSync(join(dir, 'expected.tsv'), 'utf8').trim().split('\n').slice(1);
  const out: [string, boolean][] = [];
  for (const row of rows) {
    const [file, verdict] = row.split('\t');
    if (verdict === 'true' || verdict === 'false') out.push([file, verdict === 'true']);
  }
  return out;
}

describe('jepsen-etcd (cas-register)', () => {
  const expected = labels(ETCD_DIR);
  it('has the labelled files', () => {
    const logs = readdirSync(ETCD_DIR).filter((f) => f.endsWith('.log'));
    expect(expected.length).toBe(102);
    expect(logs.length).toBe(103); // etcd_095.log carries no label
  });
  it('every labelled history gets its verdict', async () => {
    const wrong: string[] = [];
    let invalid = 0;
    for (const [file, linearizable] of expected) {
      const h = await readHistoryFile(join(ETCD_DIR, file));
      const r = await checkLinearizable(h.ops, 'cas-register', { minimise: false, timeLimitMs: 20_000 });
      if (r.valid !== linearizable)
        wrong.push(`${file}: expected ${linearizable}, got ${r.valid} (${r.summary})`);
      if (r.valid === false) {
        invalid++;
        expect(r.failure).toBeDefined();
      }
    }
    expect(wrong).toEqual([]);
    expect(invalid).toBeGreaterThan(50);
  });
  it('through the registry, as the CLI calls it', async () => {
    const checker = findChecker('linearizable')!;
    expect(checker.models).toContain('cas-register');
    const h = await readHistoryFile(join(ETCD_DIR, 'etcd_000.log'));
    const r = await checker.check(h.ops, { model: 'cas-register' });
    expect(r.valid).toBe(false);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('jepsen-etcd as Jepsen independent histories', () => {
  const expected = labels(ETCD_DIR);
  /** The ops with every value wrapped as [key value] and processes moved apart per key. */
  const wrap = (ops: readonly Op[], key: number): Op[] =>
    ops.map((op) => ({
      ...op,
      process: op.process === 'nemesis' ? op.process : key * 1000 + op.process,
      value: [key, op.value],
    }));
  /** Round-robin interleaving: each key's ops keep their order. */
  const interleave = (histories: Op[][]): Op[] => {
    const out: Op[] = [];
    for (let i = 0; histories.some((h) => i < h.length); i++) {
      for (const h of histories) if (i < h.length) out.push({ ...h[i], index: out.length });
    }
    return out;
  };
  it('each file wrapped as one key gets its verdict; interleaved, the key that fails is named', async () => {
    const wrapped: [Op[], boolean][] = [];
    for (const [file, linearizable] of expected) {
      const h = await readHistoryFile(join(ETCD_DIR, file));
      const ops = wrap(h.ops, wrapped.length);
      const r = await checkLinearizable(ops, 'cas-register', { independent: true, minimise: false });
      expect(r.valid, file).toBe(linearizable);
      wrapped.push([ops, linearizable]);
    }
    const valid = wrapped.filter(([, v]) => v).map(([ops]) => ops);
    const r = await checkLinearizable(interleave(valid), 'cas-register', {
      independent: true,
      minimise: false,
    });
    expect(r.valid).toBe(true);
    expect(r.partitions).toBe(valid.length);
    const firstBad = wrapped.findIndex(([, v]) => !v);
    const mixed = [...valid.slice(0, 5), wrapped[firstBad][0]];
    const bad = await checkLinearizable(interleave(mixed), 'cas-register', { independent: true });
    expect(bad.valid).toBe(false);
    expect(bad.failure?.key).toBe(firstBad);
  });
});

describe('kv (kv-append)', () => {
  const expected = labels(KV_DIR);
  it('every history gets its verdict, split per key', async () => {
    expect(expected.length).toBe(6);
    for (const [file, linearizable] of expected) {
      const h = await readHistoryFile(join(KV_DIR, file));
      const r = await checkLinearizable(h.ops, 'kv-append', { timeLimitMs: 20_000 });
      expect(r.valid, `${file}: ${r.summary}`).toBe(linearizable);
      expect(r.partitions).toBeGreaterThan(5);
    }
  });
  it('c01 and c10 get their verdicts checked as one object', async () => {
    for (const [file, linearizable] of expected.filter(([f]) => !f.startsWith('c50'))) {
      const h = await readHistoryFile(join(KV_DIR, file));
      const r = await checkLinearizable(h.ops, 'kv-append', {
        split: false,
        minimise: false,
        timeLimitMs: 20_000,
      });
      expect(r.valid, `${file}: ${r.summary}`).toBe(linearizable);
      expect(r.partitions).toBe(1);
    }
  });
});
