import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/history/jsonl.js';
import type { MaelstromRunSummary } from '../../src/maelstrom/run-maelstrom.js';
import type { RunConfig } from '../../src/runner/config.js';
import { runTest, type TestRun } from '../../src/runner/run-test.js';
import { findWorkload } from '../../workloads/registry.js';
import { runCli } from '../helpers/cli.js';
import { alive, killNodes, nodePids } from '../helpers/maelstrom.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The demo nodes of examples/maelstrom/ as `faultline run --system
 * maelstrom` runs them: real processes, the simulated network and nemesis,
 * Maelstrom's services, the workload's checker.
 */

const BIN = join(REPO_ROOT, 'examples', 'maelstrom', 'bin');
const store = mkdtempSync(join(tmpdir(), 'faultline-maelstrom-demos-'));
const hasPython = spawnSync('python3', ['--version']).status === 0;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) killNodes(dir);
});

afterAll(() => rmSync(store, { recursive: true, force: true }));

async function run(
  bin: string,
  partial: Partial<RunConfig>,
): Promise<TestRun & { summary: MaelstromRunSummary }> {
  const r = await runTest(
    {
      system: 'maelstrom',
      seed: 11,
      timeLimitS: 2.5,
      rateOpsPerS: 20,
      recoveryMs: 1500,
      nemesisIntervalMs: 600,
      nemesisDurationMs: 500,
      ...partial,
      maelstrom: { bin, args: [], initTimeoutMs: 20_000 },
    },
    { storeDir: store, startedAtIso: new Date().toISOString() },
  );
  dirs.push(r.dir);
  expect(r.status).toBe('complete');
  expect(nodePids(r.dir).filter(alive)).toEqual([]);
  return r as TestRun & { summary: MaelstromRunSummary };
}

describe('the demo nodes under faultline run --system maelstrom', () => {
  it('echo: valid; every message is a client message', async () => {
    const r = await run(join(BIN, 'echo'), { workload: 'echo', nodes: 1, nemesis: [] });
    expect(r.valid).toBe(true);
    expect(r.summary.maelstrom.net.servers.sendCount).toBe(0);
    expect(r.summary.maelstrom.availability.okFraction).toBe(1);
  }, 30_000);

  it('echo on 3 nodes under partitions: valid (a cut reply is an indefinite op, never a wrong echo)', async () => {
    const r = await run(join(BIN, 'echo'), { workload: 'echo', nodes: 3, nemesis: ['partition'] });
    expect(r.valid).toBe(true);
    expect(r.summary.faults.took.partition).toBeGreaterThan(0);
  }, 30_000);

  it('g-set under partitions: converges once they heal, nothing lost', async () => {
    const r = await run(join(BIN, 'g-set'), { workload: 'g-set', nodes: 3, nemesis: ['partition'] });
    expect(r.valid).toBe(true);
    expect(r.summary.faults.took.partition).toBeGreaterThan(0);
    expect(r.result.lostCount).toBe(0);
    expect(r.result.stableCount).toBeGreaterThan(0);
  }, 30_000);

  it('lin-kv through the lin-kv service, under partitions: linearizable', async () => {
    const r = await run(join(BIN, 'lin-kv'), { workload: 'lin-kv', nodes: 3, nemesis: ['partition'] });
    expect(r.valid).toBe(true);
    expect(r.summary.faults.took.partition).toBeGreaterThan(0);
    // Every operation is a round trip to the service: server messages (node <-> lin-kv) per op.
    expect(r.summary.maelstrom.net.servers.msgsPerOp).toBeGreaterThan(1);
  }, 30_000);

  it('the wrong lin-kv (reads from a local cache) is caught', async () => {
    const r = await run(join(BIN, 'lin-kv-wrong'), { workload: 'lin-kv', nodes: 3, nemesis: [] });
    expect(r.valid).toBe(false);
  }, 30_000);

  it('broadcast on a grid under partitions: every value stable, none lost; stable latencies carried', async () => {
    const r = await run(join(BIN, 'broadcast'), {
      workload: 'broadcast',
      nodes: 5,
      nemesis: ['partition'],
      workloadOptions: { topology: 'grid' },
    });
    expect(r.valid).toBe(true);
    expect(r.result.lostCount).toBe(0);
    expect(r.result.stableLatencies).toBeDefined();
    // The topology message reached every node (its log says whom it gossips with).
    for (const n of ['n1', 'n2', 'n3', 'n4', 'n5'])
      expect(readFileSync(join(r.dir, `${n}.log`), 'utf8')).toContain('neighbors:');
    // Final reads as Maelstrom writes them: `read`s with `final?: true`, one per worker, on both ops.
    const ops = parseJsonl(readFileSync(join(r.dir, 'history.jsonl'), 'utf8'), 'history').ops;
    const finals = ops.filter((o) => o['final?'] === true);
    const finalInvokes = finals.filter((o) => o.type === 'invoke');
    expect(finals.every((o) => o.f === 'read')).toBe(true);
    // The default 5 workers: process mod 5 is the worker.
    expect(new Set(finalInvokes.map((o) => Number(o.process) % 5)).size).toBe(5);
    expect(finalInvokes).toHaveLength(5);
    expect(finals.filter((o) => o.type !== 'invoke')).toHaveLength(5);
    expect(ops.find((o) => o.f === 'final-read')).toBeUndefined();
    expect(ops.filter((o) => o.f === 'read' && o['final?'] === undefined).length).toBeGreaterThan(0);
    // And the statistics count them as reads, as Maelstrom's :stats :by-f does.
    expect(Object.keys(r.summary.maelstrom.stats.byF)).toEqual(['broadcast', 'read']);
  }, 30_000);

  it.skipIf(!hasPython || findWorkload('g-counter') === undefined)(
    'a Python node written for Maelstrom runs unchanged: g-counter on seq-kv',
    async () => {
      const r = await run(join(REPO_ROOT, 'examples', 'maelstrom', 'python', 'g_counter.py'), {
        workload: 'g-counter',
        nodes: 3,
        nemesis: ['partition'],
      });
      expect(r.valid).toBe(true);
      // Judged by its final reads (`read`s with `final?: true`).
      expect(r.result.finalReadCount).toBeGreaterThan(0);
    },
    30_000,
  );

  it.skipIf(!hasPython)(
    "the README's command on a Python broadcast node: valid, Maelstrom's statistics printed",
    async () => {
      const r = await runCli([
        'run',
        '--system',
        'maelstrom',
        '--bin',
        join(REPO_ROOT, 'examples', 'maelstrom', 'python', 'broadcast.py'),
        '--workload',
        'broadcast',
        '--topology',
        'tree3',
        '--nodes',
        '5',
        '--nemesis',
        'partition',
        '--time-limit',
        '2.5',
        '--rate',
        '20',
        '--seed',
        '3',
        '--store',
        store,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(':net {:all {:send-count');
      expect(r.stdout).toMatch(/:servers \{:send-count [1-9]/);
      expect(r.stdout).toContain(':stable-latencies {0 ');
      expect(r.stdout).toContain(':lost-count 0');
      const dir = /store: (\S+)/.exec(r.stdout)?.[1];
      if (dir) dirs.push(dir);
    },
    60_000,
  );
});
