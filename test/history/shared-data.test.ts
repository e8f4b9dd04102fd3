import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistoryFileSync } from '../../src/history/read.js';
import { validateHistory } from '../../src/history/validate.js';
import { ETCD_DIR, KV_DIR } from '../helpers/paths.js';

const files = [ETCD_DIR, KV_DIR].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.log') || f.endsWith('.txt'))
    .map((f) => join(dir, f)),
);

describe('the real Jepsen histories in ../shared/data', () => {
  it('are all there (103 etcd logs, 6 kv histories)', () => {
    expect(files.length).toBe(109);
  });

  it('read and validate', () => {
    for (const file of files) {
      const h = readHistoryFileSync(file);
      expect(validateHistory(h), file).toEqual([]);
      // etcd_095.log is empty (and unlabelled): no ops, and nothing wrong with that.
      if (file.endsWith('etcd_095.log')) continue;
      expect(h.ops.length, file).toBeGreaterThan(0);
      expect(h.format, file).toBe(file.endsWith('.log') ? 'jepsen-log' : 'edn');
    }
  });

  it('parses console-log values as EDN and keeps unknown fields such as :key', () => {
    const etcd = readHistoryFileSync(join(ETCD_DIR, 'etcd_000.log'));
    expect(etcd.ops[0]).toEqual({ index: 0, time: 0, type: 'invoke', process: 0, f: 'read', value: null });
    const cas = etcd.ops.find((op) => op.f === 'cas');
    expect(cas?.value).toEqual([expect.any(Number), expect.any(Number)]);
    const kv = readHistoryFileSync(join(KV_DIR, 'c01-ok.txt'));
    expect(kv.ops[0]).toEqual({
      index: 0,
      time: 0,
      type: 'invoke',
      process: 0,
      f: 'append',
      value: 'x 0 0 y',
      key: '0',
    });
  });
});
