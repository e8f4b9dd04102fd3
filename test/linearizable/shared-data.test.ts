/**
 * The real Jepsen histories of ../shared/data get their known verdicts:
 * jepsen-etcd with cas-register, kv with kv-append (split per key, and c01 /
 * c10 also as one object).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../checkers/linearizable/index.js';
import { findChecker } from '../../checkers/registry.js';
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
