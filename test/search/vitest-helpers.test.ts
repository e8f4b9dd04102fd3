import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultlineSearchError, searchSeeds } from '../../src/vitest/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

describe('faultline/vitest', () => {
  it('searchSeeds fails with the seed, the anomaly, the shrunk scenario and the replay commands', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-vitest-'));
    const err = await searchSeeds({
      system: 'lww-register',
      seeds: 5,
      storeDir: store,
      shrinkTimeMs: 10_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaultlineSearchError);
    const e = err as FaultlineSearchError;
    expect(e.message).toMatch(/^faultline search failed after \d+ seeds?\n {2}seed: \d+\n {2}anomaly: \S+/);
    expect(e.message).toContain(`replay: npx faultline run --system lww-register`);
    expect(e.message).toMatch(/shrunk: \d+ → \d+ ops/);
    expect(e.message).toMatch(/replay shrunk: npx faultline replay .*seed-\d+\.json/);
    expect(e.failure.seed).toBe(e.summary.failures[0].seed);
  }, 120_000);

  it('searchSeeds resolves with the summary when no seed fails', async () => {
    const s = await searchSeeds({ system: 'raft', seeds: 2, fixed: { timeLimitS: 2 }, storeDir: null });
    expect(s.counts).toMatchObject({ seeds: 2, invalid: 0 });
  }, 120_000);

  it('works from outside the package: a project importing faultline/vitest through its exports', () => {
    // A project of its own, with faultline installed as a dependency (a link, as `npm install ../faultline` makes).
    const project = mkdtempSync(join(tmpdir(), 'faultline-user-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(REPO_ROOT, join(project, 'node_modules', 'faultline'));
    symlinkSync(join(REPO_ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
    writeFileSync(join(project, 'package.json'), '{"name":"user-project","type":"module","private":true}\n');
    // The `faultline:source` export condition maps faultline/vitest to its TypeScript source, so this needs no
    // build; .ci/run does the same with the packed tarball and the compiled dist/.
    writeFileSync(
      join(project, 'vitest.config.mjs'),
      `import { defineConfig } from 'vitest/config';
export default defineConfig({
  resolve: { conditions: ['faultline:source'] },
  ssr: { resolve: { conditions: ['faultline:source'] } },
  test: { server: { deps: { inline: ['faultline'] } }, testTimeout: 120000 },
});
`,
    );
    writeFileSync(
      join(project, 'faultline.test.mjs'),
      `import { expect, it } from 'vitest';
import { replayRegressions, searchSeeds } from 'faultline/vitest';

replayRegressions(${JSON.stringify(join(REPO_ROOT, 'regressions'))});

it('finds the weak register', async () => {
  await expect(searchSeeds({ system: 'lww-register', seeds: 5, storeDir: null, shrink: false })).rejects.toThrow(/seed: \\d+/);
});
`,
    );
    const r = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--root',
        project,
        '--reporter',
        'verbose',
      ],
      {
        cwd: project,
        encoding: 'utf8',
        timeout: 170_000,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      },
    );
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/✓ .*finds the weak register/);
    expect(out).toMatch(/✓ .*faultline regressions in .*raft/);
  }, 180_000);
});
