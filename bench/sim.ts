/**
 * `npm run bench -- sim [quick]`: the simulator's speed and memory.
 *
 * 1. Raw event loop: message deliveries per wall second with nodes that
 *    forward every message they receive (target ≥ 1,000,000/s).
 * 2. Time compression: simulated seconds per wall second for a 5-node
 *    lww-register run under load (target ≥ 1,000×), with peak RSS.
 * 3. Flat memory: runs of 10,000 and 100,000 operations, history streamed
 *    to disk; peak RSS of the simulation must not grow with the history.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Op } from '../src/history/op.js';
import { type HistorySink, MemoryHistorySink } from '../src/runner/recorder.js';
import { simulate } from '../src/runner/simulate.js';
import { NS_PER_MS, Simulation } from '../src/sim/simulation.js';
import type { Message, NodeContext, SystemDefinition } from '../src/sim/types.js';
import { HistoryFileWriter } from '../src/store/history-writer.js';
import { fmt, median, printTable } from './_table.js';

// A full GC between measurements, so each run starts from the same heap (bench only).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Nodes that keep `inFlightPerNode` messages each in flight forever: every delivery sends one more. */
function floodSystem(inFlightPerNode: number): SystemDefinition {
  return {
    name: 'flood',
    description: 'bench: forwards every message to a random peer',
    bugs: [],
    defaultNodeCount: 5,
    workloads: [],
    createNode(ctx: NodeContext) {
      const peers = ctx.nodeIds.filter((n) => n !== ctx.id);
      return {
        onMessage(msg: Message) {
          if (msg.body.type === 'init') {
            for (let i = 0; i < inFlightPerNode; i++)
              ctx.send(peers[i % peers.length], { type: 'hop', n: 0 });
            return;
          }
          const n = msg.body.n as number;
          ctx.send(peers[Math.floor(ctx.random() * peers.length)], { type: 'hop', n: n + 1 });
        },
      };
    },
  };
}

function rawEventLoop(deliveries: number): { perSecond: number; simulatedS: number } {
  const sim = new Simulation({ seed: 1, system: floodSystem(100), nodeCount: 5 });
  sim.start();
  const t0 = performance.now();
  // Run in slices of virtual time until enough deliveries happened.
  let sliceNs = 10 * NS_PER_MS;
  while (sim.stats.deliveries < deliveries) {
    sim.run(sim.nowNs + sliceNs);
    sliceNs = Math.min(sliceNs * 2, 1000 * NS_PER_MS);
  }
  const wallS = (performance.now() - t0) / 1000;
  return { perSecond: sim.stats.deliveries / wallS, simulatedS: sim.nowNs / 1e9 };
}

/** Passes ops on and samples memory every few thousand ops (the simulation is synchronous: no timer could). */
class SamplingSink implements HistorySink {
  peakRss = process.memoryUsage.rss();
  peakHeap = process.memoryUsage().heapUsed;
  private n = 0;
  constructor(private readonly inner: HistorySink) {}
  write(op: Op): void {
    this.inner.write(op);
    if (++this.n % 2000 === 0) this.sample();
  }
  sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }
}

interface LoadResult {
  ops: number;
  simulatedS: number;
  wallS: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  historyMiB: number;
  deliveries: number;
}

function loadRun(opts: {
  timeLimitS: number;
  rate: number;
  concurrency: number;
  nemesis: ('partition' | 'clock' | 'kill')[];
  keepInMemory?: boolean;
}): LoadResult {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  const path = join(dir, 'history.jsonl');
  const writer = new HistoryFileWriter(path);
  const memory = new MemoryHistorySink();
  const sink = new SamplingSink(
    opts.keepInMemory
      ? {
          write(op) {
            memory.write(op);
            writer.write(op);
          },
        }
      : writer,
  );
  collectGarbage();
  sink.sample();
  const t0 = performance.now();
  const summary = simulate(
    {
      system: 'lww-register',
      workload: 'register',
      nodes: 5,
      seed: 1,
      nemesis: opts.nemesis,
      timeLimitS: opts.timeLimitS,
      rateOpsPerS: opts.rate,
      concurrency: opts.concurrency,
      recoveryMs: 1000,
    },
    { history: sink },
  );
  const wallS = (performance.now() - t0) / 1000;
  sink.sample();
  writer.close();
  const historyMiB = statSync(path).size / 1024 / 1024;
  rmSync(dir, { recursive: true, force: true });
  return {
    ops: summary.opCount,
    simulatedS: summary.simulatedNs / 1e9,
    wallS,
    peakRssMiB: sink.peakRss / 1024 / 1024,
    peakHeapMiB: sink.peakHeap / 1024 / 1024,
    historyMiB,
    deliveries: summary.network.delivered,
  };
}

export default async function main(args: string[]): Promise<void> {
  const quick = args.includes('quick');
  const reps = quick ? 1 : 3;
  process.stdout.write(
    `(machine load average now: ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores; numbers scale down with contention)\n`,
  );

  // 1. Raw event loop.
  const target = quick ? 300_000 : 3_000_000;
  rawEventLoop(500_000); // warm-up (JIT)
  const raws = Array.from({ length: reps }, () => {
    collectGarbage();
    return rawEventLoop(target);
  });
  const perSecond = median(raws.map((r) => r.perSecond));
  printTable(
    `raw event loop: 5 nodes, 500 messages in flight, ${fmt.int(target)} deliveries (bodies deep-copied), median of ${reps}`,
    ['measure', 'value', 'target', 'ratio'],
    [['deliveries / wall s', fmt.int(perSecond), '1,000,000', fmt.ratio(perSecond / 1e6)]],
  );

  // 2. Time compression under load (median of reps, after a warm-up run).
  loadRun({ timeLimitS: 60, rate: 200, concurrency: 10, nemesis: ['partition', 'clock'] });
  const loads = [
    { label: '5-node lww, 10 clients, 20 ops/s', timeLimitS: 300, rate: 20, concurrency: 10 },
    { label: '5-node lww, 10 clients, 100 ops/s', timeLimitS: 120, rate: 100, concurrency: 10 },
    { label: '5-node lww, 20 clients, 1000 ops/s', timeLimitS: 30, rate: 1000, concurrency: 20 },
  ];
  const rows: (string | number)[][] = [];
  for (const l of loads) {
    const runs = Array.from({ length: reps }, () =>
      loadRun({ ...l, timeLimitS: quick ? l.timeLimitS / 5 : l.timeLimitS, nemesis: ['partition', 'clock'] }),
    );
    const r = runs[0];
    const wallS = median(runs.map((x) => x.wallS));
    rows.push([
      l.label,
      fmt.int(r.ops),
      r.simulatedS.toFixed(0),
      fmt.s(wallS),
      `${fmt.int(r.simulatedS / wallS)}×`,
      fmt.int(r.deliveries / wallS),
      fmt.mib(Math.max(...runs.map((x) => x.peakRssMiB))),
    ]);
  }
  printTable(
    `time compression, nemesis partition+clock, history streamed to disk, median of ${reps} (target ≥ 1,000× simulated s per wall s)`,
    ['scenario', 'history ops', 'sim s', 'wall', 'compression', 'deliveries/s', 'peak RSS'],
    rows,
  );

  // 3. Flat memory: the same scenario at 10k and 100k history ops, then 100k with the history also kept in memory.
  const big = quick ? 30_000 : 100_000;
  const cases = [
    { label: 'streamed to history.jsonl', ops: 10_000, keepInMemory: false },
    { label: 'streamed to history.jsonl', ops: big, keepInMemory: false },
    { label: 'also kept in memory (contrast)', ops: big, keepInMemory: true },
  ];
  const memRows: (string | number)[][] = [];
  const streamedPeaks: number[] = [];
  for (const c of cases) {
    // ~2 history ops per client op at 1000 ops/s.
    const r = loadRun({
      timeLimitS: c.ops / 2 / 1000,
      rate: 1000,
      concurrency: 20,
      nemesis: ['partition', 'kill'],
      keepInMemory: c.keepInMemory,
    });
    if (!c.keepInMemory) streamedPeaks.push(r.peakHeapMiB);
    memRows.push([
      c.label,
      fmt.int(r.ops),
      r.historyMiB.toFixed(1),
      fmt.s(r.wallS),
      fmt.mib(r.peakHeapMiB),
      fmt.mib(r.peakRssMiB),
    ]);
  }
  printTable(
    'memory vs history length (5-node lww, 1000 ops/s, partition+kill)',
    ['history', 'ops', 'file MiB', 'wall', 'peak heap', 'peak RSS'],
    memRows,
  );
  const growth = streamedPeaks[streamedPeaks.length - 1] - streamedPeaks[0];
  process.stdout.write(
    `\nraw loop ≥ 1,000,000 deliveries/s: ${perSecond >= 1e6 ? 'met' : 'MISSED'}; ` +
      `peak heap growth from 10,000 to ${fmt.int(big)} streamed ops: ${growth.toFixed(0)} MiB\n`,
  );
}
