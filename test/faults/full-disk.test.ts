import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from '../helpers/cli.js';
import { smallDisk, unmountAll } from '../helpers/faults.js';
import { ETCD_DIR } from '../helpers/paths.js';

/**
 * A full disk (ENOSPC) during a run: the history ends on a whole line,
 * results.json says `incomplete` with the error and what is known, latest
 * points at the run, and the process says so in one line (exit 254).
 */

afterAll(unmountAll);
const LONG_RUN = ['run', '--system', 'raft', '--workload', 'list-append', '--nemesis', 'partition,kill'];

describe('ENOSPC', () => {
  it('mid-run: whole lines, results.json incomplete with the error, latest at the run, exit 254', () => {
    const disk = smallDisk(96 * 1024);
    const store = join(disk.dir, 'store');
    const r = runBin([...LONG_RUN, '--seed', '7', '--time-limit', '60', '--store', store], {
      nodeArgs: disk.nodeArgs,
      env: disk.env,
    });
    expect(r.code, `${disk.how}: ${r.stderr}`).toBe(254);
    expect(r.stderr).toMatch(/^faultline: .*: no space left on device(; .*)?\n$/);
    expect(r.stdout).toMatch(/stopped: .*no space left on device/);
    const run = realpathSync(join(store, 'latest'));
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ valid: 'unknown', incomplete: true, phase: 'simulation' });
    expect(results.error).toContain('no space left on device');
    const history = readFileSync(join(run, 'history.jsonl'), 'utf8');
    expect(history === '' || history.endsWith('\n')).toBe(true);
    const lines = history.split('\n').slice(0, -1);
    for (const line of lines) JSON.parse(line);
    expect(results.opsWritten).toBe(lines.length);
    expect(lines.length).toBeGreaterThan(0);
    expect(readdirSync(run).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('before the run: a full store is refused, and no half-made run directory is left', () => {
    const disk = smallDisk(16 * 1024);
    const store = join(disk.dir, 'store');
    // Fill the disk (through the same limits the child sees, for the preloaded fallback).
    const filler = join(disk.dir, 'filler');
    if (disk.how === 'tmpfs') {
      try {
        writeFileSync(filler, Buffer.alloc(64 * 1024));
      } catch {
        // full: what we wanted
      }
    }
    const env = disk.how === 'tmpfs' ? disk.env : { ...disk.env, FAULTLINE_TEST_ENOSPC_BYTES: '0' };
    const r = runBin(['run', '--seed', '1', '--time-limit', '1', '--store', store], {
      nodeArgs: disk.nodeArgs,
      env,
    });
    expect(r.code, `${disk.how}: ${r.stderr}`).toBe(254);
    expect(r.stderr).toBe(
      `faultline: --store ${store}: cannot write the run there: no space left on device\n`,
    );
    const left = readdirSync(disk.dir).filter((f) => f !== 'filler');
    // The store directory itself may exist; no run directory in it.
    for (const d of left)
      expect(readdirSync(join(disk.dir, d)).flatMap((t) => readdirSync(join(disk.dir, d, t)))).toEqual([]);
  });

  it('check --out on a full disk: the verdict, then the error, exit 254', () => {
    const disk = smallDisk(16 * 1024);
    if (disk.how === 'tmpfs') {
      try {
        writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(64 * 1024));
      } catch {
        // full: what we wanted
      }
    }
    const env = disk.how === 'tmpfs' ? disk.env : { ...disk.env, FAULTLINE_TEST_ENOSPC_BYTES: '0' };
    const history = join(ETCD_DIR, 'etcd_000.log');
    const out = join(disk.dir, 'explanations');
    const r = runBin(
      ['check', history, '--checker', 'linearizable', '--model', 'cas-register', '--out', out],
      {
        nodeArgs: disk.nodeArgs,
        env,
      },
    );
    expect(r.code, `${disk.how}: ${r.stderr}`).toBe(254);
    expect(r.stdout).toMatch(new RegExp(`^${history}\tINVALID\tnot linearizable`));
    expect(r.stderr).toMatch(
      new RegExp(`^--out ${out}: cannot write the explanations.*: no space left on device\n$`),
    );
  });

  it('stdout on a full disk (/dev/full): one line, exit 254, no stack trace', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [
        ['convert', join(ETCD_DIR, 'etcd_000.log'), '--to', 'edn'],
        ['check', ETCD_DIR, '--checker', 'linearizable', '--model', 'cas-register', '--json'],
      ]) {
        const r = spawnSync(process.execPath, [BIN, ...args], {
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
        });
        expect(r.status, args[0]).toBe(254);
        expect(r.stderr).toBe('faultline: cannot write the output (stdout): no space left on device\n');
      }
    } finally {
      closeSync(full);
    }
  });
});
