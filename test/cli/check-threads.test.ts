/**
 * `faultline check` of several files on threads (`--threads`, or by itself
 * when the files are big enough): the same lines in the same order, the same
 * exit code, as one file after another — bad input included.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { KV_DIR } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-check-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const malformed = join(dir, 'malformed.jsonl');
writeFileSync(
  malformed,
  '{"type":"invoke","f":"get","process":0,"key":"1","value":null}\n{"type":"ok","f":"get",\n',
);
const files = [
  join(KV_DIR, 'c01-ok.txt'),
  join(KV_DIR, 'c10-bad.txt'),
  malformed,
  join(KV_DIR, 'c10-ok.txt'),
  join(KV_DIR, 'c01-bad.txt'),
];
const args = ['check', ...files, '--checker', 'linearizable', '--model', 'kv-append'];
/** Times differ from run to run; nothing else may. */
const untimed = (s: string) => s.replace(/"timeMs":[0-9.e+-]+/g, '"timeMs":0');

describe('faultline check --threads', () => {
  it('prints what one thread prints, in the order given, with the same exit code', async () => {
    for (const extra of [[], ['--json']]) {
      const one = await runCli([...args, ...extra, '--threads', '1']);
      const three = await runCli([...args, ...extra, '--threads', '3']);
      expect(one.code).toBe(254); // the malformed file outranks the verdicts
      expect(three.code).toBe(one.code);
      expect(untimed(three.stdout)).toBe(untimed(one.stdout));
      expect(three.stderr).toBe(one.stderr);
      expect(one.stderr).toContain(`${malformed}:2:`);
    }
    const plain = (await runCli([...args, '--threads', '2'])).stdout.split('\n');
    expect(plain.filter((l) => l.startsWith('/')).map((l) => l.split('\t')[0])).toEqual(
      files.filter((f) => f !== malformed),
    );
    expect(plain).toContain('5 files: 2 valid, 2 INVALID, 0 unknown, 1 not checked');
  }, 60_000);

  it('runs from the built CLI (its bundle finds the worker beside it)', () => {
    const one = runBin([...args, '--json', '--threads', '1']);
    const two = runBin([...args, '--json', '--threads', '2']);
    expect(two.code).toBe(254);
    expect(untimed(two.stdout)).toBe(untimed(one.stdout));
    expect(two.stderr).toBe(one.stderr);
  }, 60_000);

  it('refuses a thread count that is not a positive integer, before reading any file', async () => {
    for (const bad of ['0', '1.5', 'many']) {
      const r = await runCli([...args, '--threads', bad]);
      expect(r.code).toBe(254);
      expect(r.stderr).toMatch(/--threads: /);
      expect(r.stdout).toBe('');
    }
  });
});
