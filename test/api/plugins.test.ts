import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

// The real binary (dist/) loading users' TypeScript and JavaScript modules, as a user runs it.
const SYSTEM = './test/api/fixtures/delayed-register.ts';
const bin = (args: string[]) => runBin(args, { cwd: REPO_ROOT, timeoutMs: 120_000 });

describe('plug-ins on the command line', () => {
  it('run --system ./module.ts runs a system of your own, and its replay command names the module', () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-plugin-'));
    const args = ['run', '--system', SYSTEM, '--bug', 'late-apply', '--seed', '1', '--time-limit', '3'];
    const r = bin([...args, '--store', store]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^delayed-register \(bugs: late-apply\) \/ register/);
    expect(r.stdout).toContain(`replay: npx faultline run --system ${SYSTEM} --workload register`);
    // The replay command gives the same run again.
    const replay = r.stdout.match(/replay: npx faultline (run .*)/)![1].split(' ');
    const again = bin([...replay, '--store', store]);
    expect(again.code).toBe(1);
    expect(again.stdout.match(/\d+ ops: .*/)?.[0]).toBe(r.stdout.match(/\d+ ops: .*/)?.[0]);
  });

  it('without the bug the same system passes', () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-plugin-'));
    const r = bin(['run', '--system', SYSTEM, '--seed', '1', '--time-limit', '3', '--store', store]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('search --system ./module.ts on worker threads, saving a regression that replay re-runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-plugin-'));
    const s = bin([
      'search',
      '--system',
      SYSTEM,
      '--bug',
      'late-apply',
      '--seeds',
      '1..4',
      '--workers',
      '2',
      '--time-limit',
      '3',
      '--save',
      dir,
    ]);
    expect(s.code, s.stdout + s.stderr).toBe(1);
    expect(s.stdout).toMatch(/INVALID seed \d+/);
    const saved = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(saved.length).toBe(1);
    const r = bin(['replay', join(dir, saved[0])]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok .*INVALID .* as expected, same history/m);
  });

  it('a module that exports no system: one line naming what it must export and what it does', () => {
    const r = bin(['run', '--system', './test/api/fixtures/not-a-system.ts', '--seed', '1']);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      'faultline: --system ./test/api/fixtures/not-a-system.ts: the module must export a system: `export default defineSystem({',
    );
    expect(r.stderr).toContain('it exports `createNode`, `nodes`');
    const missing = bin(['run', '--system', './test/api/fixtures/nope.ts']);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toMatch(/^faultline: --system \.\/test\/api\/fixtures\/nope\.ts: no such module/);
  });

  it('check --model ./model.mjs and --checker ./checker.ts', () => {
    const history = join(REPO_ROOT, 'test', 'api', 'fixtures', 'register-history.jsonl');
    const ok = bin(['check', history, '--model', './test/api/fixtures/register-model.mjs']);
    expect(ok.stdout).toContain('INVALID');
    expect(ok.code).toBe(1);
    const c = bin(['check', history, '--checker', './test/api/fixtures/reads-checker.ts']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/valid\t2 reads/);
    const wrong = bin(['check', history, '--checker', './test/api/fixtures/register-model.mjs']);
    expect(wrong.code).toBe(254);
    expect(wrong.stderr).toMatch(/--checker .*register-model\.mjs: the module must export a checker/);
  });

  it("check of a plug-in run's directory loads the run's modules: the checker its workload names is found", () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-plugin-'));
    const system = './test/api/fixtures/register-with-checker.ts';
    const run = bin([
      'run',
      '--system',
      system,
      '--workload',
      'register-counted',
      '--seed',
      '2',
      '--time-limit',
      '2',
      '--store',
      store,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/checker count-reads .*valid — \d+ reads/);
    const c = bin(['check', join(store, 'latest')]);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/valid\t\d+ reads/);
  });
});
