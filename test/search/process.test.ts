import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from '../helpers/cli.js';

/**
 * `faultline search` runs in a child node with its own V8 flags
 * (bin/faultline.js): the child must do the work, pass its exit code on,
 * and stop when the launcher is told to.
 */

const tmp = mkdtempSync(join(tmpdir(), 'faultline-search-process-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The pids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  const tasks = join('/proc', String(pid), 'task');
  if (!existsSync(tasks)) return [];
  const text = readFileSync(join(tasks, String(pid), 'children'), 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('faultline search as a child process', () => {
  it('passes the exit code on: 1 when a seed fails, with the search summary on stdout', () => {
    const r = runBin([
      'search',
      '--system',
      'raft',
      '--bug',
      'stale-read',
      '--seeds',
      '8..8',
      '--workers',
      '1',
      '--no-shrink',
      '--json',
      '--store',
      join(tmp, 'store'),
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failures.map((f: { seed: number }) => f.seed)).toEqual([8]);
  });

  it('a bad flag is still one line and exit 254', () => {
    const r = runBin(['search', '--workers', 'many']);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('--workers');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('SIGTERM to the launcher stops the search process too, and the launcher ends by SIGTERM', async () => {
    const launcher = spawn(
      process.execPath,
      [
        BIN,
        'search',
        '--system',
        'raft',
        '--seeds',
        '1..100000',
        '--workers',
        '1',
        '--no-shrink',
        '--json',
        '--store',
        join(tmp, 'store2'),
      ],
      { stdio: 'ignore' },
    );
    const pid = launcher.pid as number;
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      launcher.on('exit', (code, signal) => done({ code, signal })),
    );
    let search: number | undefined;
    try {
      for (let i = 0; i < 200 && search === undefined; i++) {
        await new Promise((r) => setTimeout(r, 50));
        search = childrenOf(pid)[0];
      }
      expect(search, 'the launcher started a search process').toBeDefined();
      const cmdline = readFileSync(join('/proc', String(search), 'cmdline'), 'utf8').split('\0');
      expect(cmdline).toContain('--single-threaded-gc');
      expect(cmdline).toContain('--no-concurrent-recompilation');
      launcher.kill('SIGTERM');
      expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
      for (let i = 0; i < 100 && alive(search as number); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(search as number)).toBe(false);
    } finally {
      launcher.kill('SIGKILL');
      if (search !== undefined && alive(search)) process.kill(search, 'SIGKILL');
    }
  });
});
