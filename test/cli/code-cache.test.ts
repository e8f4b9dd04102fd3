import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';
import { KV_DIR, REPO_ROOT } from '../helpers/paths.js';

/**
 * `faultline check` runs from dist/bundle/check/main.cjs through node:vm with V8's code cache
 * (bin/faultline.js loadScript, scripts/code-cache.mjs): the build's cache is taken, and a cache
 * V8 refuses changes nothing a user sees.
 */
const CHECK = [
  join(KV_DIR, 'c01-ok.txt'),
  join(KV_DIR, 'c01-bad.txt'),
  '--checker',
  'linearizable',
  '--model',
  'kv-append',
];
const PROBE = { ...process.env, FAULTLINE_CODE_CACHE_PROBE: '1' };

describe('code cache of faultline check', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'faultline-code-cache-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the build wrote caches that V8 takes under the launcher’s flags: check’s and the other commands’', () => {
    for (const command of ['check', 'run', 'validate']) {
      const r = runBin([command, '--help'], { env: PROBE });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('faultline: code cache taken');
    }
    // search's child node runs under other V8 flags, and a bare listing reads main.js alone: no script.
    for (const argv of [['search', '--help'], ['--help']])
      expect(runBin(argv, { env: PROBE }).stderr).toBe('');
  });

  it('a cache V8 refuses, or one of another build, changes nothing a user sees', () => {
    // A copy of the launcher and the check bundle, whose cache and bundle the test damages.
    cpSync(join(REPO_ROOT, 'bin'), join(tmp, 'bin'), { recursive: true });
    cpSync(join(REPO_ROOT, 'dist', 'bundle', 'check'), join(tmp, 'dist', 'bundle', 'check'), {
      recursive: true,
    });
    cpSync(join(REPO_ROOT, 'package.json'), join(tmp, 'package.json'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(tmp, 'node_modules'));
    const dir = join(tmp, 'dist', 'bundle', 'check');
    const cache = readdirSync(dir).find((f) => /^main\.cjs\.[0-9a-f]+\.cache$/.test(f));
    expect(cache).toBeDefined();
    const runCopy = () =>
      spawnSync(process.execPath, [join(tmp, 'bin', 'faultline.js'), 'check', ...CHECK], {
        env: PROBE,
        encoding: 'utf8',
      });
    const real = runBin(['check', ...CHECK]);
    expect(real.code).toBe(1);
    expect(real.stdout).toMatch(/c01-ok\.txt\tvalid/);
    expect(real.stdout).toMatch(/c01-bad\.txt\tINVALID/);

    // Garbage where the cache should be: V8 refuses it.
    writeFileSync(join(dir, String(cache)), Buffer.alloc(4096, 7));
    const damaged = runCopy();
    expect(damaged.stderr).toContain('faultline: code cache rejected');
    expect(damaged.status).toBe(real.code);
    expect(damaged.stdout).toBe(real.stdout);

    // Another build of the bundle, its length unchanged (all V8 would compare): that cache is never offered.
    const bundle = readFileSync(join(dir, 'main.cjs'), 'utf8');
    writeFileSync(
      join(dir, 'main.cjs'),
      bundle.replace(/^\/\/ faultline-build [0-9a-f]{4}/, '// faultline-build 0000'),
    );
    const rebuilt = runCopy();
    expect(rebuilt.stderr).toMatch(/faultline: code cache absent .*main\.cjs\.0000[0-9a-f]+\.cache/);
    expect(rebuilt.status).toBe(real.code);
    expect(rebuilt.stdout).toBe(real.stdout);
  });
});
