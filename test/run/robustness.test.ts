import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearizableChecker } from '../../checkers/linearizable/index.js';
import { formatOpJsonl } from '../../src/history/jsonl.js';
import { readHistoryFileSync } from '../../src/history/read.js';
import { checkInWorker } from '../../src/host/check-in-worker.js';
import { defaultCheckBudget } from '../../src/host/turn.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { runTest } from '../../src/runner/run-test.js';
import { prepareSimulation, simulate } from '../../src/runner/simulate.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { Message, NodeContext, SimNode, SystemDefinition } from '../../src/sim/types.js';
import { HistoryFileWriter } from '../../src/store/history-writer.js';
import { KV_DIR } from '../helpers/paths.js';

const CONFIG = {
  system: 'raft',
  workload: 'list-append',
  nemesis: ['partition', 'kill', 'pause'] as const,
  seed: 11,
  timeLimitS: 3,
};

function historyBytes(sink: MemoryHistorySink): string {
  return sink.ops.map((op) => `${formatOpJsonl(op)}\n`).join('');
}

describe('a run in slices is the same run', () => {
  it('stepping a few events at a time gives the history of one whole run, byte for byte', () => {
    const whole = new MemoryHistorySink();
    simulate({ ...CONFIG, nemesis: [...CONFIG.nemesis] }, { history: whole });
    const sliced = new MemoryHistorySink();
    const run = prepareSimulation({ ...CONFIG, nemesis: [...CONFIG.nemesis] }, { history: sliced });
    let steps = 0;
    while (!run.step(97)) steps++;
    expect(steps).toBeGreaterThan(10);
    expect(historyBytes(sliced)).toBe(historyBytes(whole));
  });

  it("runTest's stored history (sliced, with turns of the event loop) is simulate()'s", async () => {
    const whole = new MemoryHistorySink();
    simulate({ ...CONFIG, nemesis: [...CONFIG.nemesis] }, { history: whole });
    const run = await runTest(
      { ...CONFIG, nemesis: [...CONFIG.nemesis] },
      { storeDir: mkdtempSync(join(tmpdir(), 'faultline-slices-')), startedAtIso: new Date(0).toISOString() },
    );
    expect(run.status).toBe('complete');
    expect(run.historySha256).toBe(createHash('sha256').update(historyBytes(whole)).digest('hex'));
    expect(run.opsWritten).toBe(whole.ops.length);
  });
});

describe("the check's budget", () => {
  it('is sized for the run and capped', () => {
    const GiB = 2 ** 30;
    expect(defaultCheckBudget(1000, 16 * GiB)).toEqual({ timeLimitMs: 31_000, memoryLimitMiB: 516 });
    expect(defaultCheckBudget(458_368, 16 * GiB)).toEqual({ timeLimitMs: 488_368, memoryLimitMiB: 2303 });
    expect(defaultCheckBudget(10_000_000, 16 * GiB)).toEqual({ timeLimitMs: 600_000, memoryLimitMiB: 4096 });
    expect(defaultCheckBudget(10_000_000, 2 * GiB)).toEqual({ timeLimitMs: 600_000, memoryLimitMiB: 1024 });
  });

  it('a run records the budget its check had', async () => {
    const run = await runTest(
      { system: 'lww-register', workload: 'register', nemesis: ['partition'], seed: 2, timeLimitS: 2 },
      { storeDir: mkdtempSync(join(tmpdir(), 'faultline-budget-')), startedAtIso: new Date(0).toISOString() },
    );
    expect(run.checkBudget).toEqual(defaultCheckBudget(run.summary.opCount));
  });

  it('out of the worker memory budget the verdict is unknown, naming that budget', async () => {
    // 150k register ops: parsing them alone takes more than a 16 MiB heap.
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-oom-')), 'history.jsonl');
    const w = new HistoryFileWriter(path);
    for (let i = 0; i < 75_000; i++) {
      const p = i % 10;
      w.write({ index: 2 * i, time: 2 * i, type: 'invoke', process: p, f: 'write', value: i });
      w.write({ index: 2 * i + 1, time: 2 * i + 1, type: 'ok', process: p, f: 'write', value: i });
    }
    w.close();
    const outcome = await checkInWorker(
      { checker: 'linearizable', options: { model: 'register' }, historyPath: path },
      { timeLimitMs: 60_000, memoryLimitMiB: 16 },
    );
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.result.valid).toBe('unknown');
    expect(outcome.result.summary).toBe("unknown: the check's memory budget of 16 MiB ran out");
  });

  it('a checker that overruns its deadline is stopped: unknown, naming the time budget', async () => {
    // A 10 ms grace is shorter than the worker takes to load the checker, so the deadline stops it
    // whatever the checker does: the hard stop, not the checker's own deadline check, gives the verdict.
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-deadline-')), 'history.jsonl');
    const w = new HistoryFileWriter(path);
    w.write({ index: 0, time: 0, type: 'invoke', process: 0, f: 'write', value: 1 });
    w.write({ index: 1, time: 1, type: 'ok', process: 0, f: 'write', value: 1 });
    w.close();
    const started = Date.now();
    const outcome = await checkInWorker(
      { checker: 'linearizable', options: { model: 'register' }, historyPath: path },
      { timeLimitMs: 1, memoryLimitMiB: 256, graceMs: 10 },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.result.valid).toBe('unknown');
    expect(outcome.result.summary).toBe(
      "unknown: the check's time budget of 0.001 s ran out (the checker was stopped)",
    );
  });
});

/** Nodes that answer every message with a 100 KiB one to n1, which the test pauses. */
function floodSystem(): SystemDefinition {
  return {
    name: 'flood',
    description: 'test: floods n1',
    bugs: [],
    defaultNodeCount: 2,
    workloads: [],
    createNode(ctx: NodeContext): SimNode {
      return {
        onMessage(msg: Message) {
          if (msg.body.type === 'go' && ctx.id === 'n2') {
            for (let i = 0; i < 2000; i++) ctx.send('n1', { type: 'big', blob: 'x'.repeat(100 * 1024) });
          }
        },
      };
    },
  };
}

describe('queued messages are bounded', () => {
  it("a paused node's inbox holds at most its byte budget; the rest is lost, as from a full socket buffer", () => {
    const sim = new Simulation({
      seed: 1,
      system: floodSystem(),
      nodeCount: 2,
      pausedInboxBytesLimit: 8 << 20,
    });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    sim.run(10e6);
    sim.pause('n1');
    c1.send('n2', { type: 'go' });
    sim.run(1e9);
    // 2000 messages of 100 KiB: only about 80 fit in 8 MiB.
    const held = 2000 - sim.network.stats.lost;
    expect(held).toBeGreaterThan(70);
    expect(held).toBeLessThanOrEqual(82);
  });
});

describe('budgets are named as they were set', () => {
  it('the linearizable search out of memory names its limit as set (16 KiB, not "0 MiB")', async () => {
    const ops = readHistoryFileSync(join(KV_DIR, 'c50-ok.txt')).ops;
    const small = await linearizableChecker.check(ops, { model: 'kv-append', memoryLimitBytes: 16 * 1024 });
    expect(small.valid).toBe('unknown');
    expect(small.summary).toMatch(
      /^unknown: the memory limit 16 KiB ran out with \d+ of 10 parts linearizable$/,
    );
  });
});

/** n1 answers each `ping` with ten: the messages in flight grow tenfold per hop until the bound. */
function amplifierSystem(): SystemDefinition {
  return {
    name: 'amplifier',
    description: 'test: floods the network',
    bugs: [],
    defaultNodeCount: 2,
    workloads: [],
    createNode(ctx: NodeContext): SimNode {
      const other = ctx.id === 'n1' ? 'n2' : 'n1';
      return {
        onMessage(msg: Message) {
          if (msg.body.type === 'ping') for (let i = 0; i < 10; i++) ctx.send(other, { type: 'ping' });
        },
      };
    },
  };
}

describe('messages in flight are bounded', () => {
  it('a system that floods the network loses messages beyond the bound, as from full switch buffers', () => {
    const sim = new Simulation({
      seed: 1,
      system: amplifierSystem(),
      nodeCount: 2,
      maxMessagesInFlight: 50_000,
    });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    c1.send('n1', { type: 'ping' });
    sim.run(Number.POSITIVE_INFINITY, 400_000);
    expect(sim.pendingEvents).toBeLessThanOrEqual(50_000 + 100);
    expect(sim.network.stats.lost).toBeGreaterThan(100_000);
  });
});
