/**
 * src/jit.ts: a `faultline check` process starts with V8's optimising
 * compiler off and turns it on once it has used its CPU time (or at once for
 * a big input). If it never came back on, long searches would run ~30×
 * slower; if the deferral did nothing, short checks would pay TurboFan's
 * compile time and memory. Observed with V8's own optimisation status.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KV_DIR, REPO_ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-jit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = join(dir, 'probe.mjs');
writeFileSync(
  script,
  `import { deferOptimiser, optimiseIfDue, optimiseNow } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src', 'jit.ts')).href)};
function hot(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + Math.imul(i, 7)) | 0; return s; }
const optimised = () => (%GetOptimizationStatus(hot) & 16) !== 0;
const [mode, cpuMs] = process.argv.slice(2);
deferOptimiser(Number(cpuMs));
for (let i = 0; i < 3000; i++) hot(1000);
const before = optimised();
if (mode === 'now') optimiseNow();
const c0 = process.cpuUsage().user;
while (!optimised() && process.cpuUsage().user - c0 < 300_000) {
  for (let i = 0; i < 64; i++) optimiseIfDue();
  hot(1000);
}
process.stdout.write(JSON.stringify({ before, after: optimised() }));
`,
);

const youngScript = join(dir, 'young.mjs');
writeFileSync(
  youngScript,
  `import { getHeapSpaceStatistics } from 'node:v8';
import { deferOptimiser, optimiseNow } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src', 'jit.ts')).href)};
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const keep = [];
const grow = () => { for (let i = 0; i < 300_000; i++) keep.push({ i, s: 'x' + i }); };
if (process.argv[2] === 'defer') deferOptimiser(10_000_000);
grow();
const deferred = young();
optimiseNow();
grow();
grow();
process.stdout.write(JSON.stringify({ deferred, after: young() }));
`,
);

const longSearchScript = join(dir, 'long-search.mjs');
writeFileSync(
  longSearchScript,
  `import { deferOptimiser } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src', 'jit.ts')).href)};
import { findChecker } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'checkers', 'registry.ts')).href)};
import { readHistoryFileSync } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src', 'history', 'read.ts')).href)};
deferOptimiser(10_000_000);
const ops = readHistoryFileSync(process.argv[2]).ops;
const r = await findChecker('linearizable').check(ops, { model: 'kv-append', split: false, workers: 0 });
const deferred = globalThis[Symbol.for('faultline.optimiseAfterCpuMicros')] !== undefined;
process.stdout.write(JSON.stringify({ steps: r.stats.steps, deferred }));
`,
);

/** One kv file checked as one object in a process that defers TurboFan far ahead: its steps, and whether it is still deferred. */
function longSearch(file: string): { steps: number; deferred: boolean } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', longSearchScript, join(KV_DIR, file)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

/** The young generation's size (bytes) after keeping many small objects, deferred or not, and after optimiseNow. */
function young(mode: 'defer' | 'none'): { deferred: number; after: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', youngScript, mode], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

function probe(mode: 'due' | 'now', cpuMs: number): { before: boolean; after: boolean } {
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', script, mode, String(cpuMs)],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('the deferred optimising compiler', () => {
  it('deferred: not optimised until the CPU time is used, then optimised', () => {
    expect(probe('due', 0)).toEqual({ before: false, after: true });
  });
  it('deferred: the young generation stays small (short checks keep less memory), and grows again with optimiseNow', () => {
    const deferred = young('defer');
    const plain = young('none');
    expect(deferred.deferred).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(plain.deferred).toBeGreaterThan(4 * deferred.deferred);
    expect(deferred.after).toBeGreaterThan(4 * deferred.deferred);
  });
  it('deferred far ahead: stays unoptimised, until optimiseNow', () => {
    expect(probe('now', 10_000_000)).toEqual({ before: false, after: true });
    expect(probe('due', 10_000_000)).toEqual({ before: false, after: false });
  });
  it('one long search turns it on (16,384 steps), however far ahead the CPU deadline; a short one leaves it off', () => {
    const long = longSearch('c10-bad.txt');
    expect(long.steps).toBeGreaterThan(16_384);
    expect(long.deferred).toBe(false);
    const short = longSearch('c01-ok.txt');
    expect(short.steps).toBeLessThan(16_384);
    expect(short.deferred).toBe(true);
  });
});
