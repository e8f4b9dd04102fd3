import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';

/**
 * Deep and huge inputs through the real binary: whatever the readers'
 * limits, the answer is one short line naming the file, exit 254, never a
 * stack trace or an internal error (255).
 */

const tmp = mkdtempSync(join(tmpdir(), 'faultline-hostile-'));
const STACK = /\n\s+at /;

function deepJsonlOp(depth: number): string {
  return `{"index":0,"time":0,"type":"invoke","process":0,"f":"write","value":${'['.repeat(depth)}${']'.repeat(depth)}}\n`;
}

function expectOneShortLine(stderr: string, file: string): void {
  expect(stderr).not.toMatch(STACK);
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(file)).toBe(true);
  expect(lines[0].length).toBeLessThan(1100);
}

describe('deep nesting', () => {
  it('validate of EDN nested 6,000 deep', () => {
    const file = join(tmp, 'deep.edn');
    writeFileSync(file, `${'['.repeat(6000)}${']'.repeat(6000)}\n`);
    const r = runBin(['validate', file]);
    expect(r.code).toBe(254);
    expect(r.stdout).toMatch(new RegExp(`^${file}:1: .*nested deeper than 1000 levels`));
    expect(r.stdout + r.stderr).not.toMatch(STACK);
  });

  it('convert --to edn of JSONL nested 3,000 deep', () => {
    const file = join(tmp, 'deep.jsonl');
    writeFileSync(file, deepJsonlOp(3000));
    const r = runBin(['convert', file, '--to', 'edn']);
    expect(r.code).toBe(254);
    expectOneShortLine(r.stderr, file);
    expect(r.stderr).toContain('nested deeper than 1000 levels');
    expect(r.stdout).toBe('');
  });

  it('check of a deeply nested value: one line naming the file, the line and the limit', () => {
    const file = join(tmp, 'deep-check.jsonl');
    writeFileSync(
      file,
      `${deepJsonlOp(5000)}${deepJsonlOp(5000).replace('"invoke"', '"ok"').replace('"index":0,"time":0', '"index":1,"time":1')}`,
    );
    const r = runBin(['check', file, '--checker', 'linearizable', '--model', 'register']);
    expect(r.code).toBe(254);
    expectOneShortLine(r.stderr, file);
    expect(r.stderr).toMatch(new RegExp(`^${file}:1: .*nested deeper than 1000 levels`));
  });
});

describe('huge tokens', () => {
  it('`{` then 16 MiB of `a`: exit 254 with an excerpt, not the token echoed whole', () => {
    const file = join(tmp, 'huge.edn');
    writeFileSync(file, `{${'a'.repeat(16 * 1024 * 1024)}`);
    for (const args of [
      ['validate', file],
      ['check', file, '--checker', 'linearizable', '--model', 'register'],
    ]) {
      const r = runBin(args);
      expect(r.code).toBe(254);
      const out = args[0] === 'validate' ? r.stdout.split('\n')[0] : r.stderr.trimEnd();
      expect(out.startsWith(`${file}:`)).toBe(true);
      expect(out.length).toBeLessThan(1100);
      expect(r.stdout.length + r.stderr.length).toBeLessThan(4000);
    }
  });
});

describe('endless input', () => {
  // /dev/zero never ends and holds no newline: the readers stop at their limits instead of buffering it all.
  it.runIf(process.platform === 'linux')(
    '/dev/zero: exit 254 naming the limit, for JSONL and for formats read whole',
    () => {
      for (const args of [
        ['check', '/dev/zero', '--checker', 'linearizable', '--model', 'register'],
        ['validate', '/dev/zero'],
        ['check', '/dev/zero', '--format', 'edn', '--checker', 'linearizable', '--model', 'register'],
      ]) {
        const r = runBin(args);
        expect(r.code).toBe(254);
        const out = (args[0] === 'validate' ? r.stdout.split('\n')[0] : r.stderr).trimEnd();
        expect(out).not.toMatch(STACK);
        expect(out).toMatch(
          args.includes('edn')
            ? /^\/dev\/zero: larger than \d+ MiB/
            : /^\/dev\/zero:1: no newline in the first 64 MiB/,
        );
      }
    },
    60_000,
  );
});
