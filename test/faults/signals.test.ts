import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTest } from '../../src/runner/run-test.js';
import { BIN } from '../helpers/cli.js';

/**
 * SIGINT/SIGTERM at random points of a run: whatever the moment, the run
 * stops, the history ends on a whole line, node logs are on disk, and
 * results.json says what the run is (interrupted, with the phase), or the
 * signal came before the run began and nothing was made. The process then
 * ends by the signal, as a shell expects. A handful of points by default,
 * more with FAULTLINE_SLOW=1; every point is printed with its seed.
 */

const POINTS = process.env.FAULTLINE_SLOW === '1' ? 24 : 4;
const SEED = Number(process.env.FAULTLINE_SIGNAL_SEED ?? 20261202);

/** A small seeded generator (mulberry32), so a failing point can be replayed with FAULTLINE_SIGNAL_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runAndSignal(args: string[], afterMs: number, signal: NodeJS.Signals): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill(signal), afterMs);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

/** What every run directory must say, however it was stopped. */
function expectWholeRun(runDir: string): Record<string, unknown> {
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8');
  expect(history === '' || history.endsWith('\n')).toBe(true);
  const lines = history.split('\n').slice(0, -1);
  for (const line of lines) JSON.parse(line);
  if (results.interrupted !== undefined && results.phase === 'simulation')
    expect(results.opsWritten).toBe(lines.length);
  for (const log of readdirSync(runDir).filter((f) => /^n\d+\.log$/.test(f))) {
    const text = readFileSync(join(runDir, log), 'utf8');
    // Every node logs its start at once: a log left at 0 bytes was never flushed.
    expect(text.length, log).toBeGreaterThan(0);
    expect(text.endsWith('\n'), log).toBe(true);
  }
  expect(readdirSync(runDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  return results;
}

describe('signals at random points of a run', () => {
  const next = rng(SEED);
  for (let i = 0; i < POINTS; i++) {
    const afterMs = Math.round(150 + next() * 2500);
    const signal: NodeJS.Signals = next() < 0.5 ? 'SIGINT' : 'SIGTERM';
    it(`${signal} after ${afterMs} ms (FAULTLINE_SIGNAL_SEED=${SEED}, point ${i})`, async () => {
      const store = mkdtempSync(join(tmpdir(), 'faultline-signal-'));
      const args = ['run', '--system', 'raft', '--workload', 'list-append', '--nemesis', 'partition,kill'];
      const r = await runAndSignal(
        [...args, '--rate', '500', '--seed', String(i + 1), '--time-limit', '600', '--store', store],
        afterMs,
        signal,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (!existsSync(join(store, 'latest'))) {
        // The signal came before the run began: it ended the process, and nothing half-made is left.
        expect(r.signal).toBe(signal);
        expect(readdirSync(store).flatMap((t) => readdirSync(join(store, t)))).toEqual([]);
        return;
      }
      const results = expectWholeRun(realpathSync(join(store, 'latest')));
      if (results.interrupted === undefined) {
        // It finished first: a verdict and its exit code (or the signal came as it was exiting).
        expect([0, 1, 2].includes(r.code ?? -1) || r.signal === signal).toBe(true);
        return;
      }
      expect(r.signal).toBe(signal);
      expect(results).toMatchObject({ valid: 'unknown', incomplete: true, interrupted: signal });
      expect(['simulation', 'check']).toContain(results.phase);
      expect(r.stderr).toContain(`faultline: interrupted by ${signal} during the ${results.phase}`);
    });
  }
});

describe('an interrupt during the check', () => {
  it('stops the checker worker; results.json says interrupted in the check phase, the history whole', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-signal-check-'));
    const interrupt = new AbortController();
    const run = await runTest(
      { system: 'lww-register', workload: 'register', nemesis: ['partition'], seed: 3, timeLimitS: 5 },
      {
        storeDir: store,
        startedAtIso: new Date(0).toISOString(),
        checkInWorker: true,
        signal: interrupt.signal,
        onPhaseDone: (phase) => {
          if (phase === 'simulation') interrupt.abort('SIGINT');
        },
      },
    );
    expect(run).toMatchObject({ status: 'interrupted', stoppedIn: 'check', interruptedBy: 'SIGINT' });
    const results = expectWholeRun(run.dir);
    expect(results).toMatchObject({
      valid: 'unknown',
      incomplete: true,
      interrupted: 'SIGINT',
      phase: 'check',
    });
    expect(results.historySha256).toBe(run.historySha256);
  });
});
