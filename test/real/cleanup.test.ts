import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/history/op.js';
import { resolveRealConfig } from '../../src/real/config.js';
import { runReal } from '../../src/real/run-real.js';
import { runTest } from '../../src/runner/run-test.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { portInUse, processesMentioning, REAL_DB, tempStore } from './helpers.js';

/**
 * Nothing survives a real run: no process, no listening port (the
 * databases' own or the proxies'), no node directory or temporary
 * directory — after a normal run, a run that fails half-way, Ctrl-C and
 * SIGTERM. PostgreSQL is the hard case: a server with a child process per
 * connection.
 */

interface NodesFile {
  nodes: { id: string; dir: string; ports: Record<string, number>; proxyPorts: Record<string, number> }[];
}

function runDirOf(storeDir: string): string {
  const test = readdirSync(storeDir).find((e) => e !== 'latest')!;
  return realpathSync(join(storeDir, test, 'latest'));
}

const nodeTempDirs = () => new Set(readdirSync(tmpdir()).filter((e) => e.startsWith('faultline-nodes-')));

async function leftBehind(runDir: string, tempBefore: Set<string>): Promise<string[]> {
  const problems: string[] = [];
  for (const pid of processesMentioning(runDir))
    problems.push(`process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
  const nodes = JSON.parse(readFileSync(join(runDir, 'nodes.json'), 'utf8')) as NodesFile;
  for (const n of nodes.nodes) {
    for (const port of [...Object.values(n.ports), ...Object.values(n.proxyPorts)])
      if (await portInUse(port)) problems.push(`${n.id}: port ${port} still open`);
    if (existsSync(n.dir)) problems.push(`${n.dir} still exists`);
  }
  for (const d of nodeTempDirs()) if (!tempBefore.has(d)) problems.push(`temporary directory ${d} left`);
  return problems;
}

const config = {
  system: 'postgres',
  workload: 'list-append',
  nemesis: [] as [],
  seed: 3,
  concurrency: 5,
  rateOpsPerS: 100,
  clientTimeoutMs: 5000,
  recoveryMs: 200,
};

/** The CLI as its own process, stopped by `sig` once the test is under way. */
async function interruptedCli(
  sig: 'SIGINT' | 'SIGTERM',
): Promise<{ code: number | null; runDir: string; stderr: string }> {
  const storeDir = tempStore();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'test/helpers/cli-entry.mts'),
      'run',
      '--system',
      'postgres',
      '--workload',
      'list-append',
      '--nemesis',
      'pause',
      '--nemesis-interval',
      '500',
      '--time-limit',
      '60',
      '--concurrency',
      '5',
      '--seed',
      '4',
      '--store',
      storeDir,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Wait until operations are running (the node log says so), then stop it as a user would.
  for (let i = 0; ; i++) {
    await new Promise((r) => setTimeout(r, 250));
    try {
      const log = readFileSync(join(runDirOf(storeDir), 'n1.log'), 'utf8');
      if (log.includes('*** test starts') && log.includes('*** paused')) break;
    } catch {
      // not there yet
    }
    if (i > 240) {
      child.kill('SIGKILL');
      throw new Error(`the run never started: ${stderr}`);
    }
  }
  child.kill(sig);
  const code = await exited;
  return { code, runDir: runDirOf(storeDir), stderr };
}

describe.skipIf(!REAL_DB)('real mode leaves nothing behind', () => {
  it('after a run', async () => {
    const before = nodeTempDirs();
    const run = await runTest(
      { ...config, timeLimitS: 2 },
      { storeDir: tempStore(), startedAtIso: new Date().toISOString() },
    );
    expect(run.valid).toBe(true);
    expect(await leftBehind(run.dir, before)).toEqual([]);
  }, 120_000);

  it('after a run that fails half-way (the history cannot be written)', async () => {
    const before = nodeTempDirs();
    const storeDir = tempStore();
    const { config: c, adapter, workload } = resolveRealConfig({ ...config, timeLimitS: 30 });
    const runDir = join(storeDir, 'failing');
    let written = 0;
    const history = {
      write(_op: Op) {
        if (++written > 50) throw new Error('ENOSPC: no space left on device (simulated)');
      },
    };
    await expect(runReal(c, adapter, workload, { history, nodeLog: () => {} }, { runDir })).rejects.toThrow(
      /ENOSPC/,
    );
    expect(await leftBehind(runDir, before)).toEqual([]);
  }, 120_000);

  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`after ${sig === 'SIGINT' ? 'Ctrl-C (SIGINT)' : 'SIGTERM'}: exit ${code}, nodes stopped, the history so far kept`, async () => {
      const before = nodeTempDirs();
      const r = await interruptedCli(sig);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(`interrupted by ${sig}`);
      const results = JSON.parse(readFileSync(join(r.runDir, 'results.json'), 'utf8')) as {
        valid: unknown;
        interrupted: string;
      };
      expect(results).toMatchObject({ valid: 'unknown', interrupted: sig });
      expect(readFileSync(join(r.runDir, 'history.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(2);
      expect(await leftBehind(r.runDir, before)).toEqual([]);
    }, 180_000);
  }
});
