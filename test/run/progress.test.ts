/** `run` on a terminal: the header first, progress from the simulation's virtual time, colour, --quiet, pure --json. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTest } from '../../src/runner/run-test.js';
import type { SimulationSummary } from '../../src/runner/simulate.js';
import { runCli } from '../helpers/cli.js';

const stores: string[] = [];
function store(): string {
  const d = mkdtempSync(join(tmpdir(), 'faultline-progress-'));
  stores.push(d);
  return d;
}
afterEach(() => {
  for (const d of stores.splice(0)) rmSync(d, { recursive: true, force: true });
  delete process.env.FORCE_COLOR;
  delete process.env.NO_COLOR;
});

const ARGS = ['run', '--system', 'lww-register', '--workload', 'register', '--nemesis', 'partition,clock'];
const ISO = '2026-11-22T05:30:00.000Z';

describe('run progress and output', () => {
  it('the simulation reports its virtual time as it goes, and the history is the same with or without listening', async () => {
    const seen: [number, number][] = [];
    const cfg = {
      system: 'lww-register',
      workload: 'register',
      nemesis: ['partition' as const],
      seed: 9,
      timeLimitS: 30,
      rateOpsPerS: 300,
    };
    const a = await runTest(cfg, {
      storeDir: store(),
      startedAtIso: ISO,
      onSimulationProgress: (ns, total) => seen.push([ns, total]),
    });
    const b = await runTest(cfg, { storeDir: store(), startedAtIso: ISO });
    expect(a.historySha256).toBe(b.historySha256);
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
    expect(seen[0][1]).toBe(33e9); // 30 s of operations + 3 s of recovery
    // A simulated run's summary (TestRun.summary is a real run's in real mode).
    expect(seen[seen.length - 1][0]).toBeLessThanOrEqual((a.summary as SimulationSummary).simulatedNs);
  });
  it('prints the header line first, the verdict coloured only when colour is on', async () => {
    process.env.FORCE_COLOR = '1';
    const r = await runCli([...ARGS, '--seed', '3', '--time-limit', '20', '--store', store()]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('lww-register / register / nemesis partition,clock / seed 3');
    expect(r.stdout).toContain('\x1b[1m\x1b[31mINVALID');
    process.env.NO_COLOR = '1';
    const plain = await runCli([...ARGS, '--seed', '3', '--time-limit', '20', '--store', store()]);
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toMatch(/: INVALID — not linearizable/);
    expect(plain.stdout).toMatch(/^ {2}report: .*report\.html$/m);
  });
  it('--quiet prints nothing at all; --json prints one JSON object and nothing else', async () => {
    process.env.FORCE_COLOR = '1';
    const q = await runCli([...ARGS, '--seed', '3', '--time-limit', '20', '--store', store(), '--quiet']);
    expect(q).toEqual({ code: 1, stdout: '', stderr: '' });
    const s = store();
    const j = await runCli([...ARGS, '--seed', '3', '--time-limit', '20', '--store', s, '--json']);
    expect(j.code).toBe(1);
    expect(j.stderr).toBe('');
    const lines = j.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(out.valid).toBe(false);
    expect(readFileSync(out.report, 'utf8')).toMatch(/^<!doctype html>/);
  });
});
