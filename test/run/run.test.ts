import { existsSync, mkdtempSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { findChecker } from '../../checkers/registry.js';
import { parseJsonl } from '../../src/history/jsonl.js';
import type { RunConfig } from '../../src/runner/config.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { RunCrashedError, runTest } from '../../src/runner/run-test.js';
import { simulate } from '../../src/runner/simulate.js';
import type { NodeContext } from '../../src/sim/types.js';
import { singleRegister } from '../../systems/single-register/index.js';
import { runCli } from '../helpers/cli.js';

const ISO = '2026-11-22T05:30:00.000Z';

function tmpStore(): string {
  return mkdtempSync(join(tmpdir(), 'faultline-run-'));
}

const lwwScenario = (seed: number): Partial<RunConfig> & { seed: number } => ({
  system: 'lww-register',
  workload: 'register',
  nemesis: ['partition', 'clock'],
  seed,
  timeLimitS: 20,
});

describe('faultline run (in-process)', () => {
  it('seed 3 twice gives byte-identical history.jsonl; seed 4 a different one; nemesis events are in it', async () => {
    const a = tmpStore();
    const first = await runTest(lwwScenario(3), { storeDir: a, startedAtIso: ISO });
    const h1 = readFileSync(join(a, 'latest', 'history.jsonl'));
    const second = await runTest(lwwScenario(3), { storeDir: a, startedAtIso: ISO });
    const h2 = readFileSync(join(a, 'latest', 'history.jsonl'));
    expect(second.dir).not.toBe(first.dir); // same instant → a suffixed directory, never overwritten
    expect(h2.equals(h1)).toBe(true);
    expect(second.historySha256).toBe(first.historySha256);

    await runTest(lwwScenario(4), { storeDir: a, startedAtIso: ISO });
    const h3 = readFileSync(join(a, 'latest', 'history.jsonl'));
    expect(h3.equals(h1)).toBe(false);

    const ops = parseJsonl(h1.toString('utf8'), 'history.jsonl').ops;
    const nemesis = ops.filter((o) => o.process === 'nemesis');
    expect(nemesis.some((o) => o.f === 'start-partition' && o.type === 'info')).toBe(true);
    expect(nemesis.some((o) => o.f === 'start-clock' && o.type === 'info')).toBe(true);
    // Field order on disk: index, time, type, process, f, value, then the rest.
    expect(h1.toString('utf8').split('\n')[0]).toMatch(
      /^\{"index":0,"time":0,"type":"invoke","process":0,"f":"\w+","value":/,
    );
  });

  it('writes test.json (enough to re-run), results.json, node logs, and points latest at the run', async () => {
    const store = tmpStore();
    const run = await runTest(lwwScenario(7), { storeDir: store, startedAtIso: ISO });
    expect(realpathSync(join(store, 'latest'))).toBe(realpathSync(run.dir));
    expect(readlinkSync(join(store, 'latest'))).toBe(join('lww-register-register', '20261122T053000.000Z'));
    const test = JSON.parse(readFileSync(join(run.dir, 'test.json'), 'utf8'));
    expect(test.config.seed).toBe(7);
    expect(test.replay).toContain('--seed 7');
    // Re-running from test.json alone reproduces the history.
    const again = await runTest(test.config, { storeDir: store, startedAtIso: ISO });
    expect(again.historySha256).toBe(run.historySha256);
    const results = JSON.parse(readFileSync(join(run.dir, 'results.json'), 'utf8'));
    expect(results.valid).toBe(run.valid);
    expect(results.historySha256).toBe(run.historySha256);
    for (const n of ['n1', 'n2', 'n3']) expect(existsSync(join(run.dir, `${n}.log`))).toBe(true);
    expect(readFileSync(join(run.dir, 'n1.log'), 'utf8')).toMatch(/^0\.000 \*\*\* started/);
  });

  it('a failing run writes its explanations beside results.json: linear.svg/html, or Elle SVGs', async () => {
    // lww-register seed 3 is not linearizable (README's first example).
    const lin = await runTest(lwwScenario(3), { storeDir: tmpStore(), startedAtIso: ISO });
    expect(lin.valid).toBe(false);
    for (const f of ['linear.svg', 'linear.html']) {
      const text = readFileSync(join(lin.dir, f), 'utf8');
      expect(text).toMatch(f.endsWith('svg') ? /^<svg[\s\S]*<\/svg>\s*$/ : /<html[\s\S]*<svg/);
    }
    // Raft with no-truncate under its mix: divergent logs, cycles for Elle.
    const elle = await runTest(
      {
        system: 'raft',
        bugs: ['no-truncate'],
        workload: 'list-append',
        nemesis: ['partition', 'kill'],
        partitionModes: ['isolate-primary'],
        rateOpsPerS: 200,
        concurrency: 10,
        nemesisIntervalMs: 300,
        nemesisDurationMs: 1000,
        seed: 1,
        timeLimitS: 10,
      },
      { storeDir: tmpStore(), startedAtIso: ISO },
    );
    expect(elle.valid).toBe(false);
    const results = JSON.parse(readFileSync(join(elle.dir, 'results.json'), 'utf8'));
    const cycleTypes = (results.result['anomaly-types'] as string[]).filter((t) => /^G/.test(t));
    expect(cycleTypes.length).toBeGreaterThan(0);
    for (const t of cycleTypes) {
      expect(readFileSync(join(elle.dir, 'elle', `${t}-1.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    }
  });

  it('never reports valid: true without the real checker', async () => {
    const run = await runTest(
      { system: 'single-register', workload: 'register', nemesis: ['kill'], seed: 1, timeLimitS: 5 },
      { storeDir: tmpStore(), startedAtIso: ISO },
    );
    if (!findChecker('linearizable')) {
      expect(run.checker).toBe('fallback:reads-were-written');
      expect(run.valid).toBe('unknown');
    } else {
      expect(run.valid).toBe(true);
    }
  });

  it('a client cut off by a partition completes as info and continues as a new process (old + concurrency)', () => {
    const sink = new MemoryHistorySink();
    simulate(
      {
        system: 'single-register',
        workload: 'register',
        nemesis: ['partition'],
        seed: 2,
        timeLimitS: 20,
        nodes: 3,
        concurrency: 3,
      },
      { history: sink },
    );
    const ops = sink.ops;
    const infos = ops.filter((o) => o.type === 'info' && o.process !== 'nemesis');
    expect(infos.length).toBeGreaterThan(0);
    for (const info of infos) {
      const p = info.process as number;
      // The same worker's next invocation uses process p + 3, never p again.
      const later = ops.filter((o) => o.index > info.index && o.type === 'invoke');
      expect(later.some((o) => o.process === p)).toBe(false);
      const next = later.find((o) => typeof o.process === 'number' && o.process % 3 === p % 3);
      if (next) expect(next.process).toBe(p + 3);
      expect(info.error).toMatchObject({ name: 'timeout' });
    }
  });

  it.runIf(findChecker('linearizable') !== undefined)(
    'lww-register under partition,clock is caught by the linearizability checker',
    async () => {
      const store = tmpStore();
      let caught: number | undefined;
      for (let seed = 1; seed <= 10 && caught === undefined; seed++) {
        const run = await runTest(
          { ...lwwScenario(seed), timeLimitS: 10 },
          { storeDir: store, startedAtIso: ISO },
        );
        if (run.valid === false) caught = seed;
      }
      expect(caught, 'no seed in 1..10 found lww-register non-linearizable').toBeDefined();
    },
  );

  it.runIf(findChecker('linearizable') !== undefined)(
    'single-register is linearizable under every fault; its no-fsync bug is caught under kill',
    async () => {
      const store = tmpStore();
      for (const seed of [1, 2]) {
        const ok = await runTest(
          {
            system: 'single-register',
            workload: 'register',
            nemesis: ['kill', 'pause', 'partition', 'clock', 'loss', 'duplication', 'disk'],
            seed,
            timeLimitS: 10,
            nodes: 3,
          },
          { storeDir: store, startedAtIso: ISO },
        );
        expect(ok.valid, `seed ${seed}: ${JSON.stringify(ok.result).slice(0, 500)}`).toBe(true);
      }
      let caught = false;
      for (let seed = 1; seed <= 10 && !caught; seed++) {
        const bad = await runTest(
          {
            system: 'single-register',
            workload: 'register',
            nemesis: ['kill'],
            bugs: ['no-fsync'],
            seed,
            timeLimitS: 10,
            nemesisIntervalMs: 1000,
          },
          { storeDir: store, startedAtIso: ISO },
        );
        caught = bad.valid === false;
      }
      expect(caught).toBe(true);
    },
  );

  it('a crash mid-run leaves the history so far on disk, results.json says crashed, and the CLI exits 255', async () => {
    const original = singleRegister.createNode.bind(singleRegister);
    let handled = 0;
    const spy = vi.spyOn(singleRegister, 'createNode').mockImplementation((ctx: NodeContext, opts) => {
      const node = original(ctx, opts);
      return {
        onMessage(msg) {
          if (++handled === 300) throw new Error('boom (injected by the test)');
          node.onMessage(msg);
        },
      };
    });
    try {
      const store = tmpStore();
      const err = await runTest(
        { system: 'single-register', seed: 1, timeLimitS: 30, nemesis: [] },
        { storeDir: store, startedAtIso: ISO },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunCrashedError);
      expect((err as Error).message).toMatch(/node n1 threw while handling .* boom/);
      const ops = parseJsonl(readFileSync(join(store, 'latest', 'history.jsonl'), 'utf8'), 'h').ops;
      expect(ops.length).toBeGreaterThan(250);
      expect(JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8'))).toMatchObject({
        valid: 'unknown',
        crashed: true,
      });
      // The report of a crashed run shows the history written until then.
      expect(readFileSync(join(store, 'latest', 'report.html'), 'utf8')).toContain(
        'The run crashed: node n1 threw',
      );

      handled = 0;
      const cli = await runCli([
        'run',
        '--system',
        'single-register',
        '--nemesis',
        'none',
        '--seed',
        '1',
        '--store',
        tmpStore(),
      ]);
      expect(cli.code).toBe(255);
      expect(cli.stderr).toMatch(/the run crashed: node n1 threw/);
      expect(cli.stderr).toContain('replay: npx faultline run --system single-register');
    } finally {
      spy.mockRestore();
    }
  });
});
