import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, defineModel, linearizable, replay, run, search, shrink } from '../../src/index.js';
import { FaultlineSearchError, simulate } from '../../src/vitest/index.js';
import delayedRegister from './fixtures/delayed-register.js';

const MODULE = './test/api/fixtures/delayed-register.ts';
const tmp = () => mkdtempSync(join(tmpdir(), 'faultline-api-'));

describe('the code API', () => {
  it('run: a system given as an object, stored and checked as `faultline run` does', async () => {
    const store = tmp();
    const r = await run(
      { system: delayedRegister, bugs: ['late-apply'], seed: 1, timeLimitS: 3, nemesis: [] },
      { storeDir: store },
    );
    expect(r.valid).toBe(false);
    expect(r.status).toBe('complete');
    expect(r.dir.startsWith(store)).toBe(true);
    expect(readdirSync(r.dir)).toContain('history.jsonl');
    expect(r.replay).toContain('--system delayed-register');
  });

  it('search + shrink + replay from code, the system by module path (the replay commands name it)', async () => {
    const saveDir = tmp();
    const s = await search(
      { system: MODULE, bugs: ['late-apply'], timeLimitS: 3, nodes: 1 },
      { seeds: 3, saveDir, shrink: { timeLimitMs: 10_000 } },
    );
    expect(s.counts.invalid).toBe(1);
    const f = s.failures[0];
    expect(f.replay).toContain(`--system ${MODULE}`);
    expect(f.shrunk?.opsAfter).toBeLessThan(f.shrunk?.opsBefore ?? 0);
    const replayed = await replay(saveDir);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ ok: true, actual: { valid: false } });
    const again = await shrink({ config: f.config }, { timeLimitMs: 5_000 });
    expect(again?.after.ops).toBeLessThan(again?.before.ops ?? 0);
    expect(await shrink({ config: { ...f.config, bugs: [] } })).toBeUndefined();
  }, 120_000);

  it('check: a history file with a bundled checker, and ops with a model of your own', async () => {
    const file = join('test', 'api', 'fixtures', 'register-history.jsonl');
    const byName = await check(file, 'linearizable', { model: 'register' });
    expect(byName.valid).toBe(false);
    const model = defineModel<unknown>({
      name: 'any-register',
      init: () => null,
      step: (state, op, output) => (op.f === 'write' ? [op.value] : output === undefined || output === state),
    });
    const ops = [
      { index: 0, time: 0, type: 'invoke' as const, process: 0, f: 'write', value: 1 },
      { index: 1, time: 1, type: 'ok' as const, process: 0, f: 'write', value: 1 },
      { index: 2, time: 2, type: 'invoke' as const, process: 1, f: 'read', value: null },
      { index: 3, time: 3, type: 'ok' as const, process: 1, f: 'read', value: 1 },
    ];
    expect((await check(ops, linearizable(model))).valid).toBe(true);
    await expect(check(ops, 'nope')).rejects.toThrow(/unknown checker 'nope'; choices: .*linearizable/);
  });
});

describe('simulate (faultline/vitest)', () => {
  it('fails with the seed, the anomaly, the shrunk scenario and the replay commands', async () => {
    const err = await simulate({
      system: MODULE,
      bugs: ['late-apply'],
      seeds: 5,
      timeLimitS: 3,
      storeDir: tmp(),
      shrinkTimeMs: 10_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaultlineSearchError);
    const m = (err as Error).message;
    expect(m).toMatch(/^faultline search failed after \d+ seeds?\n {2}seed: \d+\n {2}anomaly: \S+/);
    expect(m).toContain(`replay: npx faultline run --system ${MODULE}`);
    expect(m).toMatch(/shrunk: \d+ → \d+ ops/);
    expect(m).toMatch(/replay shrunk: npx faultline replay .*seed-\d+\.json/);
  }, 120_000);

  it('passes when every seed does (a system given as an object)', async () => {
    const s = await simulate({ system: delayedRegister, nodes: 1, seeds: 5, timeLimitS: 3, storeDir: null });
    expect(s.counts).toMatchObject({ seeds: 5, invalid: 0 });
  }, 120_000);
});
