import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';
import { readOnlyDir, unmountAll } from '../helpers/faults.js';
import { ETCD_DIR } from '../helpers/paths.js';

/** Stores and --out directories that cannot be written: one line naming the path, exit 254, nothing lost. */

const tmp = mkdtempSync(join(tmpdir(), 'faultline-faults-store-'));
const RUN = ['run', '--seed', '4', '--time-limit', '1'];
const INVALID_ETCD = join(ETCD_DIR, 'etcd_000.log');
const STACK = /\n\s+at /;
afterAll(unmountAll);

describe('a store that cannot be written is refused before the run starts', () => {
  it('--store naming a file (ENOTDIR)', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const r = runBin([...RUN, '--store', file]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(
      `faultline: --store ${file}: cannot write the run there: not a directory (or a parent of it is not)\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('a read-only store', () => {
    const ro = readOnlyDir();
    const store = join(ro.dir, 'store');
    const r = runBin([...RUN, '--store', store], { spawn: ro.spawn });
    expect(r.code, ro.how).toBe(254);
    expect(r.stderr).toMatch(
      new RegExp(
        `^faultline: --store ${store}: cannot write the run there: (read-only file system|permission denied)\\n$`,
      ),
    );
    expect(r.stdout + r.stderr).not.toMatch(STACK);
  });

  it('a store whose latest is a directory: refused by name, no stray latest.tmp-PID, no run directory', () => {
    const store = join(tmp, 'latest-is-dir');
    mkdirSync(join(store, 'latest'), { recursive: true });
    const r = runBin([...RUN, '--store', store]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(
      `faultline: --store ${store}: ${join(store, 'latest')}: is not a symbolic link, and faultline keeps this name for a link to the newest run; move it away\n`,
    );
    expect(readdirSync(store)).toEqual(['latest']);
  });

  it('runs into the same store point latest at a run whose results.json says what it is', () => {
    const store = join(tmp, 'twice');
    for (const seed of ['1', '2']) {
      const r = runBin(['run', '--seed', seed, '--time-limit', '1', '--store', store, '--json']);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('complete');
      const results = JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8'));
      expect(results.valid).toBe(out.valid);
      expect(readdirSync(store).filter((f) => f.includes('.tmp-'))).toEqual([]);
    }
  });
});

describe('check --out that cannot be written: the verdict first, then the error', () => {
  it('a read-only --out', () => {
    const ro = readOnlyDir();
    const out = join(ro.dir, 'explanations');
    const r = runBin(
      ['check', INVALID_ETCD, '--checker', 'linearizable', '--model', 'cas-register', '--out', out],
      {
        spawn: ro.spawn,
      },
    );
    expect(r.code, ro.how).toBe(254);
    expect(r.stdout).toMatch(new RegExp(`^${INVALID_ETCD}\tINVALID\t`));
    expect(r.stderr).toMatch(
      new RegExp(
        `^--out ${out}: cannot write the explanations: (read-only file system|permission denied)\\n$`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });
});
