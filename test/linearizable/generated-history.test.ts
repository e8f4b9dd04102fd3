/**
 * The linearizable bench's generated kv history (bench/_lin-gen.ts) is a
 * history like any run's: written with the store's writer, it passes
 * validation and `faultline check` finds it linearizable (it is, by
 * construction); the same seed gives the same bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKvHistory, writeKvHistory } from '../../bench/_lin-gen.js';
import { readHistoryFileSync } from '../../src/history/read.js';
import { validateHistory } from '../../src/history/validate.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-lin-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bench generated kv history', () => {
  const path = join(dir, 'history.jsonl');
  const events = writeKvHistory(path, 4_000, 50, 20, 7);

  it('is well-formed: every op paired, time never goes back', () => {
    const h = readHistoryFileSync(path);
    expect(h.ops.length).toBe(events);
    expect(h.ops.length).toBeGreaterThan(7_000);
    expect(validateHistory(h)).toEqual([]);
    const types = new Set(h.ops.map((o) => o.type));
    expect([...types].sort()).toEqual(['fail', 'info', 'invoke', 'ok']);
  });

  it('passes faultline check with the kv model', async () => {
    const r = await runCli(['check', path, '--checker', 'linearizable', '--model', 'kv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\tvalid\tlinearizable: \d+ operations in 50 independent parts/);
  });

  it('is the same for the same seed, and another for another', () => {
    const again = join(dir, 'again.jsonl');
    writeKvHistory(again, 4_000, 50, 20, 7);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(path, 'utf8'));
    expect(generateKvHistory(200, 5, 3, 8)).not.toEqual(generateKvHistory(200, 5, 3, 7));
  });
});
