import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real faults for the fault-injection suite, the most honest way the
 * machine allows: a tmpfs of a few KiB really fills up (ENOSPC from the
 * kernel) and a read-only mount really refuses writes (EROFS). Where mount
 * is not permitted (a container without CAP_SYS_ADMIN), a read-only
 * directory is one the test's child process may not write to (chmod 555,
 * and the child runs as nobody when we are root, since root ignores modes);
 * a full disk is a preloaded module that makes the kernel's answer
 * (ENOSPC on write, after a byte budget) for files under one directory.
 */

let mountWorks: boolean | undefined;
const mounted: string[] = [];

export function canMount(): boolean {
  if (mountWorks !== undefined) return mountWorks;
  // FAULTLINE_TEST_NO_MOUNT=1 runs the fallbacks on a machine where mount works.
  if (process.env.FAULTLINE_TEST_NO_MOUNT === '1') {
    mountWorks = false;
    return false;
  }
  const dir = mkdtempSync(join(tmpdir(), 'faultline-mount-probe-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  mountWorks = r.status === 0;
  if (mountWorks) spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
  return mountWorks;
}

/** Unmount everything these helpers mounted (call from afterAll). */
export function unmountAll(): void {
  for (const dir of mounted.splice(0)) spawnSync('umount', ['-l', dir]);
}

function mountTmpfs(options: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -t tmpfs -o ${options}: ${r.stderr}`);
  mounted.push(dir);
  return dir;
}

/** How a child process is run so that `dir` is read-only to it. */
export interface ReadOnlyDir {
  dir: string;
  /** Spawn options for the child (uid/gid of nobody when root relies on file modes). */
  spawn: { uid?: number; gid?: number };
  how: 'read-only tmpfs' | 'chmod 555 (child as nobody)' | 'chmod 555';
}

export function readOnlyDir(): ReadOnlyDir {
  if (canMount()) return { dir: mountTmpfs('ro,size=64k'), spawn: {}, how: 'read-only tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'faultline-ro-'));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o555);
  if (process.getuid?.() === 0)
    return { dir, spawn: { uid: 65534, gid: 65534 }, how: 'chmod 555 (child as nobody)' };
  return { dir, spawn: {}, how: 'chmod 555' };
}

/** A directory that holds about `bytes` and then answers ENOSPC, and how to run a child against it. */
export interface FullDisk {
  dir: string;
  /** Extra node arguments and environment for the child. */
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  how: 'tmpfs' | 'preloaded ENOSPC';
}

export function smallDisk(bytes: number): FullDisk {
  if (canMount()) {
    return {
      dir: mountTmpfs(`size=${Math.ceil(bytes / 4096) * 4}k`),
      nodeArgs: [],
      env: process.env,
      how: 'tmpfs',
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'faultline-enospc-'));
  return {
    dir,
    nodeArgs: ['--import', new URL('./enospc-preload.mjs', import.meta.url).href],
    env: { ...process.env, FAULTLINE_TEST_ENOSPC_DIR: dir, FAULTLINE_TEST_ENOSPC_BYTES: String(bytes) },
    how: 'preloaded ENOSPC',
  };
}
