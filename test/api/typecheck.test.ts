import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

/** Type-check one user file against the public API, `faultline` resolved to src/index.ts as an install resolves it to its types. */
function tsc(file: string): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tsc-'));
  const config = join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
        baseUrl: REPO_ROOT,
        paths: { faultline: ['src/index.ts'] },
      },
      files: [file],
    }),
  );
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config, '--pretty', 'false'],
    {
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('type-checking a user file against the public API', () => {
  it('a node handler with the wrong signature is caught with a readable message', () => {
    const r = tsc(join(REPO_ROOT, 'test', 'api', 'fixtures', 'bad-handler.ts'));
    expect(r.code).toBe(2);
    // The line of the mistake, and what the handler must take.
    expect(r.out).toMatch(/bad-handler\.ts\(11,\d+\): error TS2322/);
    expect(r.out).toContain(
      "Type '(msg: string) => void' is not assignable to type '(msg: Message) => void'",
    );
    expect(r.out).toContain("Type 'Message' is not assignable to type 'string'");
  }, 120_000);

  it('a correct user file passes (no false alarm)', () => {
    const r = tsc(join(REPO_ROOT, 'test', 'api', 'fixtures', 'delayed-register.ts'));
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);
});
