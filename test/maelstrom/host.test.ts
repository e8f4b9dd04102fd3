import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveMaelstromConfig } from '../../src/maelstrom/config.js';
import { LineSplitter } from '../../src/maelstrom/processes.js';
import {
  ednMap,
  jsonToEdn,
  maelstromStatsEdn,
  NetStatsCollector,
  OpStatsSink,
  printEdn,
} from '../../src/maelstrom/stats.js';
import { Nemesis, PARTITION_MODES } from '../../src/nemesis/nemesis.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { runTest } from '../../src/runner/run-test.js';
import { Simulation } from '../../src/sim/simulation.js';
import { registerWorkload } from '../../workloads/register/index.js';
import { addPluginWorkload } from '../../workloads/registry.js';
import type { Workload } from '../../workloads/types.js';
import { BIN, runCli } from '../helpers/cli.js';
import { alive, killNodes, nodePids } from '../helpers/maelstrom.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * `faultline run --system maelstrom`: real node processes (plain `node`
 * running the fixtures of test/fixtures/maelstrom/) on the simulated
 * network, under the nemesis, in wall-clock time.
 */

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'maelstrom');
const fixture = (name: string) => join(FIXTURES, name);
const store = mkdtempSync(join(tmpdir(), 'faultline-maelstrom-host-'));
const children: ChildProcess[] = [];

function runDirs(): string[] {
  const out: string[] = [];
  for (const test of readdirSync(store)) {
    const p = join(store, test);
    if (test === 'latest' || !existsSync(p)) continue;
    for (const run of readdirSync(p)) if (run !== 'latest') out.push(join(p, run));
  }
  return out;
}

afterEach(() => {
  // Whatever a failed test left: every CLI it started, every node process any run started.
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const dir of runDirs()) killNodes(dir);
});

afterAll(() => rmSync(store, { recursive: true, force: true }));

const QUICK = ['--time-limit', '1', '--rate', '20', '--recovery', '100', '--store', store];

describe('faultline run --system maelstrom', () => {
  it('runs a fixture lin-kv node end to end: valid, statistics printed and in results.json, test.json says how to re-run', async () => {
    const r = await runCli([
      'run',
      '--system',
      'maelstrom',
      '--bin',
      fixture('lin-kv.mjs'),
      '--workload',
      'register',
      '--nemesis',
      'none',
      '--seed',
      '4',
      ...QUICK,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(':net {:all {:send-count');
    expect(r.stdout).toContain(':availability {:valid? true, :ok-fraction');
    expect(r.stdout).toMatch(/:stats \{:valid\? true,\n\s+:count \d+/);
    const dir = join(store, readlinkSync(join(store, 'latest')));
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.valid).toBe(true);
    const m = results.summary.maelstrom;
    const invokes = results.summary.counts.invoke;
    expect(invokes).toBeGreaterThan(5);
    // One node, no faults: every request answered; init and init_ok are client messages too (c0).
    expect(m.net.all.sendCount).toBe(2 * invokes + 2);
    expect(m.net.clients.sendCount).toBe(m.net.all.sendCount);
    expect(m.net.servers.sendCount).toBe(0);
    expect(m.net.all.msgsPerOp).toBeCloseTo((2 * invokes + 2) / invokes, 6);
    expect(m.stats.count).toBe(invokes);
    expect(m.stats.okCount + m.stats.failCount + m.stats.infoCount).toBe(invokes);
    expect(m.availability.okFraction).toBeCloseTo(m.stats.okCount / invokes, 9);
    expect(Object.keys(m.stats.byF).sort()).toEqual(['cas', 'read', 'write']);
    const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8'));
    expect(test.mode).toBe('maelstrom');
    expect(test.config.maelstrom).toEqual({
      bin: fixture('lin-kv.mjs'),
      args: [],
      initTimeoutMs: 10_000,
      cwd: process.cwd(),
    });
    expect(test.replay).toContain(`--system maelstrom`);
    expect(test.replay).toContain(`--bin ${fixture('lin-kv.mjs')}`);
    // The node's stderr is its log; its process is gone.
    expect(readFileSync(join(dir, 'n1.log'), 'utf8')).toContain('init as n1 of n1');
    expect(nodePids(dir).filter(alive)).toEqual([]);
  }, 30_000);

  it('runs a binary found on PATH with its arguments (--bin node --bin-arg FILE)', async () => {
    const r = await runCli([
      'run',
      '--system',
      'maelstrom',
      '--bin',
      'node',
      '--bin-arg',
      fixture('lin-kv.mjs'),
      '--nemesis',
      'none',
      '--seed',
      '5',
      '--json',
      ...QUICK,
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.maelstrom.bin).toMatch(/\/node$/);
    expect(out.summary.maelstrom.args).toEqual([fixture('lin-kv.mjs')]);
    expect(out.replay).toContain(`--bin-arg ${fixture('lin-kv.mjs')}`);
  }, 30_000);

  it('kills and restarts, pauses and partitions real processes, and leaves none running', async () => {
    const run = await runTest(
      {
        system: 'maelstrom',
        workload: 'register',
        seed: 2,
        nodes: 3,
        nemesis: ['kill', 'pause', 'partition'],
        nemesisIntervalMs: 250,
        nemesisDurationMs: 250,
        timeLimitS: 2.5,
        rateOpsPerS: 30,
        recoveryMs: 200,
        clientTimeoutMs: 300,
        maelstrom: { bin: fixture('lin-kv.mjs'), args: [], initTimeoutMs: 10_000 },
      },
      { storeDir: store, startedAtIso: new Date().toISOString() },
    );
    expect(run.status).toBe('complete');
    const s = run.summary as {
      faults: { took: Record<string, number> };
      maelstrom: { processesStarted: number };
    };
    expect(s.faults.took.kill).toBeGreaterThan(0);
    expect(s.faults.took.pause).toBeGreaterThan(0);
    expect(s.faults.took.partition).toBeGreaterThan(0);
    // A restart is a new process.
    expect(s.maelstrom.processesStarted).toBeGreaterThan(3);
    const pids = nodePids(run.dir);
    expect(pids.length).toBe(s.maelstrom.processesStarted);
    expect(pids.filter(alive)).toEqual([]);
    const logs = readdirSync(run.dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(join(run.dir, f), 'utf8'))
      .join('\n');
    expect(logs).toContain('(SIGKILL)');
    expect(logs).toContain('*** paused');
    expect(logs).toContain('*** resumed');
    // A restarted node got init again: its new process said so on stderr (one killed at once may not have).
    expect(logs.match(/init as n\d of n1,n2,n3/g)?.length).toBeGreaterThan(3);
  }, 30_000);

  it("Maelstrom's txn workloads reach a node as txn messages and Elle checks them", async () => {
    for (const workload of ['txn-list-append', 'txn-rw-register']) {
      const run = await runTest(
        {
          system: 'maelstrom',
          workload,
          seed: 8,
          nemesis: [],
          timeLimitS: 1,
          rateOpsPerS: 30,
          recoveryMs: 100,
          maelstrom: { bin: fixture('txn.mjs'), args: [], initTimeoutMs: 10_000 },
        },
        { storeDir: store, startedAtIso: new Date().toISOString() },
      );
      expect(run.checker).toMatch(/^elle-/);
      expect(run.valid).toBe(true);
      expect(run.summary.counts.ok).toBeGreaterThan(10);
    }
  }, 30_000);

  it('sends the workload setup messages after init and before the first operation, awaiting each reply', async () => {
    const withSetup: Workload = {
      ...registerWorkload,
      name: 'register-with-setup',
      setupMessages: (nodeIds) =>
        nodeIds.map((dest) => ({
          dest,
          body: { type: 'topology', topology: { [dest]: [] } },
          replyType: 'topology_ok',
        })),
    };
    addPluginWorkload(withSetup);
    const run = await runTest(
      {
        system: 'maelstrom',
        workload: 'register-with-setup',
        seed: 3,
        nodes: 2,
        nemesis: [],
        timeLimitS: 1,
        rateOpsPerS: 20,
        recoveryMs: 100,
        maelstrom: { bin: fixture('lin-kv.mjs'), args: ['--verbose'], initTimeoutMs: 10_000 },
      },
      { storeDir: store, startedAtIso: new Date().toISOString() },
    );
    expect(run.status).toBe('complete');
    for (const n of ['n1', 'n2']) {
      const log = readFileSync(join(run.dir, `${n}.log`), 'utf8');
      const topology = log.indexOf(`topology for ${n}: []`);
      expect(topology).toBeGreaterThan(-1);
      const firstRequest = log.search(/request (read|write|cas)/);
      if (firstRequest !== -1) expect(topology).toBeLessThan(firstRequest);
    }
    const history = readFileSync(join(run.dir, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history.length).toBeGreaterThan(0);
  }, 30_000);
});

describe('a Maelstrom binary that misbehaves is a one-line user error (exit 254)', () => {
  const run = (bin: string, extra: string[] = []) =>
    runCli([
      'run',
      '--system',
      'maelstrom',
      '--bin',
      bin,
      '--nemesis',
      'none',
      '--seed',
      '1',
      ...QUICK,
      ...extra,
    ]);

  it('a missing binary', async () => {
    const r = await run(fixture('no-such-node.mjs'));
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`--bin ${fixture('no-such-node.mjs')}: no such file`);
    const bare = await run('no-such-maelstrom-node');
    expect(bare.code).toBe(254);
    expect(bare.stderr).toContain('not found on PATH');
  });

  it('a file that is not executable', async () => {
    const r = await run(fixture('not-executable.mjs'));
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('not executable');
  });

  it('a node that exits early: named, with its exit code and last stderr line; the history so far stays', async () => {
    const r = await run(fixture('exits.mjs'));
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /node n1 exited early \(exit code 3\); its last stderr: panic: cannot handle (read|write|cas)/,
    );
    const dir = /history so far: (\S+)\)/.exec(r.stderr)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(join(dir!, 'history.jsonl'))).toBe(true);
    const results = JSON.parse(readFileSync(join(dir!, 'results.json'), 'utf8'));
    expect(results.valid).toBe('unknown');
    expect(results.error).toContain('exited early');
    expect(nodePids(dir!).filter(alive)).toEqual([]);
  }, 20_000);

  it('a node that prints a line that is not JSON on stdout: named and the line quoted', async () => {
    const r = await run(fixture('bad-json.mjs'));
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /node n1 printed a line on stdout that is not JSON: "got a (read|write|cas) request, handling it now"/,
    );
  }, 20_000);

  it('a last stdout line without a newline, then an exit: the line is still read, and named', async () => {
    // A reply: parsed and sent on (it is a message), then the early exit names it, and the
    // unterminated stderr line is among the node's last words.
    const r = await run(fixture('last-line.mjs'), ['--bin-arg', 'reply-exit']);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /node n1 exited early \(exit code 0\); its last stdout line had no newline: "\{\\"src\\":\\"n1\\",\\"dest\\":\\"c\d\\",\\"body\\":\{\\"type\\":\\"error\\",\\"code\\":11,.*"; its last stderr: leaving after one reply/,
    );
    const dir = /history so far: (\S+)\)/.exec(r.stderr)?.[1];
    expect(readFileSync(join(dir!, 'n1.log'), 'utf8')).toContain('leaving after one reply');
    expect(nodePids(dir!).filter(alive)).toEqual([]);
    // Not JSON: the non-JSON error names the node and the line.
    const text = await run(fixture('last-line.mjs'), ['--bin-arg', 'text-exit']);
    expect(text.code).toBe(254);
    expect(text.stderr.trim().split('\n')).toHaveLength(1);
    expect(text.stderr).toMatch(
      /node n1 printed a line on stdout that is not JSON: "handled (read|write|cas), bye" \(logs go to stderr\)/,
    );
  }, 30_000);

  it('a last stdout line without a newline from a node that stays up is routed: its init_ok counts', async () => {
    // init_ok with no newline, then stdout closed: init is answered, the run goes on (nothing else is
    // ever answered, so every operation times out), and the node keeps getting requests.
    const r = await run(fixture('last-line.mjs'), ['--bin-arg', 'init-close', '--json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.error).toBeUndefined();
    expect(out.summary.counts.invoke).toBeGreaterThan(0);
    expect(out.summary.counts.ok).toBe(0);
    const dir = out.dir as string;
    expect(readFileSync(join(dir, 'n1.log'), 'utf8')).toMatch(
      /request (read|write|cas) \(stdout is closed\)/,
    );
    expect(nodePids(dir).filter(alive)).toEqual([]);
  }, 30_000);

  it('a node that never answers init: named, with the timeout', async () => {
    const r = await run(fixture('silent.mjs'), ['--nodes', '2', '--init-timeout', '400']);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      'nodes n1, n2 did not answer init with init_ok within 400 ms (--init-timeout)',
    );
    const dir = /history so far: (\S+)\)/.exec(r.stderr)?.[1];
    expect(nodePids(dir!)).toHaveLength(2);
    expect(nodePids(dir!).filter(alive)).toEqual([]);
  }, 20_000);

  it('a restarted node that never answers its new init: named, with the timeout', async () => {
    const markerDir = mkdtempSync(join(tmpdir(), 'faultline-init-once-'));
    const marker = join(markerDir, 'marker');
    const r = await run(fixture('init-once.mjs'), [
      '--bin-arg',
      marker,
      '--nemesis',
      'kill',
      '--nemesis-interval',
      '150',
      '--nemesis-duration',
      '100',
      '--time-limit',
      '3',
      '--init-timeout',
      '300',
    ]);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      'node n1 did not answer init with init_ok within 300 ms of its restart (--init-timeout)',
    );
  }, 20_000);

  it('faults a process cannot take, and flags of other systems, are refused by name', async () => {
    const clock = await run(fixture('lin-kv.mjs'), ['--nemesis', 'clock,disk']);
    expect(clock.code).toBe(254);
    expect(clock.stderr).toContain('--system maelstrom cannot inject clock, disk');
    const noBin = await runCli(['run', '--system', 'maelstrom', '--store', store]);
    expect(noBin.code).toBe(254);
    expect(noBin.stderr).toContain('--system maelstrom needs --bin PATH');
    const wrongSystem = await runCli(['run', '--system', 'raft', '--bin', 'x', '--store', store]);
    expect(wrongSystem.code).toBe(254);
    expect(wrongSystem.stderr).toContain('are for --system maelstrom');
    const systems = await runCli(['systems']);
    expect(systems.stdout).toMatch(/^maelstrom\s+any Maelstrom node binary/m);
    expect(systems.stdout).toContain('refuses nemesis clock');
    const topology = await run(fixture('lin-kv.mjs'), ['--workload', 'broadcast', '--topology', 'star']);
    expect(topology.code).toBe(254);
    expect(topology.stderr).toContain('line, grid, tree2, tree3, tree4, total');
    const notBroadcast = await run(fixture('lin-kv.mjs'), ['--workload', 'lin-kv', '--topology', 'grid']);
    expect(notBroadcast.code).toBe(254);
    expect(notBroadcast.stderr).toContain('--topology is for the broadcast workload');
  });

  it('checks the configuration without a CLI too (resolveMaelstromConfig)', () => {
    expect(() => resolveMaelstromConfig({ seed: 1, system: 'maelstrom' })).toThrow(/needs --bin/);
    const { config } = resolveMaelstromConfig({
      seed: 1,
      system: 'maelstrom',
      maelstrom: { bin: fixture('lin-kv.mjs'), args: ['a'], initTimeoutMs: 50 },
    });
    expect(config.nodes).toBe(1);
    expect(config.partitionModes).toEqual(['client-replies']);
  });
});

describe('stop signals', () => {
  it('SIGTERM mid-run stops every node, keeps the history so far and ends by the signal', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--system',
        'maelstrom',
        '--bin',
        fixture('lin-kv.mjs'),
        '--nodes',
        '2',
        '--nemesis',
        'pause',
        '--nemesis-interval',
        '200',
        '--seed',
        '6',
        '--time-limit',
        '30',
        '--store',
        store,
        '--quiet',
      ],
      { stdio: 'ignore' },
    );
    children.push(child);
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
    );
    // Wait until both nodes run and operations flow.
    let dir: string | undefined;
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const dirs = runDirs().filter((d) => existsSync(join(d, 'history.jsonl')) && nodePids(d).length >= 2);
      dir = dirs.find((d) => readFileSync(join(d, 'test.json'), 'utf8').includes('"seed": 6'));
      if (dir && readFileSync(join(dir, 'history.jsonl'), 'utf8').split('\n').length > 10) break;
    }
    expect(dir).toBeDefined();
    child.kill('SIGTERM');
    // The CLI ends by the signal itself, as a shell expects.
    expect(await exited).toBe('SIGTERM');
    const results = JSON.parse(readFileSync(join(dir!, 'results.json'), 'utf8'));
    expect(results.interrupted).toBe('SIGTERM');
    expect(results.opsWritten).toBeGreaterThan(5);
    expect(nodePids(dir!).filter(alive)).toEqual([]);
  }, 30_000);
});

describe('pieces', () => {
  it('services are not client workers: faults aimed at clients never reach them', () => {
    const sim = new Simulation({
      seed: 1,
      nodeCount: 1,
      system: {
        name: 'x',
        description: '',
        bugs: [],
        defaultNodeCount: 1,
        workloads: [],
        createNode: () => ({ onMessage: () => {} }),
      },
    });
    sim.addClient('c1', () => {});
    sim.addClient('lin-kv', () => {}, { worker: false });
    expect(sim.clientIds).toEqual(['c1']);
  });

  it('no partition shape cuts a node off from a service', () => {
    for (const mode of PARTITION_MODES) {
      const sim = new Simulation({
        seed: 7,
        nodeCount: 5,
        system: {
          name: 'x',
          description: '',
          bugs: [],
          defaultNodeCount: 5,
          workloads: [],
          createNode: () => ({ onMessage: () => {} }),
        },
      });
      for (const c of ['c1', 'c2']) sim.addClient(c, () => {});
      const services = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'];
      for (const id of services) sim.addClient(id, () => {}, { worker: false });
      const nemesis = new Nemesis(sim, sim.random.stream('nemesis'), () => {}, {
        kinds: ['partition'],
        partitionModes: [mode],
      });
      for (let i = 0; i < 20; i++) {
        nemesis.execute({ f: 'start-partition', value: null });
        expect(sim.network.cutLinkCount).toBeGreaterThan(0);
        for (const n of sim.nodeIds)
          for (const svc of services) {
            const [a, b] = [sim.network.indexOf(n), sim.network.indexOf(svc)];
            expect(sim.network.isCut(a, b) || sim.network.isCut(b, a), `${mode}: ${n} <-> ${svc}`).toBe(
              false,
            );
          }
        nemesis.execute({ f: 'stop-partition', value: null });
      }
    }
  });

  it('splits a stream into lines: across chunks and UTF-8 characters, CRLF, and a last line without a newline', () => {
    const split = (chunks: Buffer[]) => {
      const lines: [string, boolean][] = [];
      const s = new LineSplitter((line, terminated) => lines.push([line, terminated]));
      for (const c of chunks) s.push(c);
      s.end();
      return lines;
    };
    const bytes = Buffer.from('a\r\n{"x":"é"}\n\nlast é');
    const whole = [
      ['a', true],
      ['{"x":"é"}', true],
      ['', true],
      ['last é', false],
    ];
    // Every way of cutting the bytes in two (some cut the two bytes of an é) gives the same lines.
    for (let i = 0; i <= bytes.length; i++)
      expect(split([bytes.subarray(0, i), bytes.subarray(i)]), `cut at ${i}`).toEqual(whole);
    expect(split([Buffer.from('done\n')])).toEqual([['done', true]]);
    expect(split([Buffer.from('done\r')])).toEqual([['done', false]]);
    expect(split([])).toEqual([]);
  });

  it('counts messages by Maelstrom classes and prints them as Maelstrom does', () => {
    const net = new NetStatsCollector((a) => a.startsWith('c'));
    net.onEvent('send', 'c1', 'n1');
    net.onEvent('recv', 'c1', 'n1');
    net.onEvent('send', 'n1', 'lin-kv');
    net.onEvent('send', 'n1', 'n2');
    net.onEvent('recv', 'n1', 'n2');
    const ops = new OpStatsSink(new MemoryHistorySink());
    const op = (type: 'invoke' | 'ok' | 'fail', f: string) =>
      ops.write({ index: 0, time: 0, type, process: 0, f, value: null });
    op('invoke', 'read');
    op('ok', 'read');
    op('invoke', 'write');
    op('fail', 'write');
    const stats = {
      net: net.result(ops.clientInvokes),
      stats: ops.stats(),
      availability: ops.availability(),
    };
    expect(stats.net.servers).toEqual({ sendCount: 2, recvCount: 1, msgCount: 2, msgsPerOp: 1 });
    expect(stats.net.clients).toEqual({ sendCount: 1, recvCount: 1, msgCount: 1 });
    expect(stats.stats.valid).toBe(false);
    expect(stats.availability.okFraction).toBe(0.5);
    const text = printEdn(ednMap(maelstromStatsEdn(stats)));
    expect(text).toContain(':availability {:valid? true, :ok-fraction 0.5}');
    expect(text).toContain(':servers {:send-count 2, :recv-count 1, :msg-count 2, :msgs-per-op 1.0}');
    expect(text).toContain(':by-f {:read {:valid? true,');
  });
});

describe('printing a checker result as Maelstrom does', () => {
  it('quantile maps keep numeric keys in order; camelCase keys become keywords', () => {
    const edn = jsonToEdn({
      valid: true,
      lostCount: 0,
      stableLatencies: { '0': 0, '1': 90, '0.5': 12, '0.95': 80 },
    });
    expect(printEdn(edn)).toBe(
      '{:valid? true, :lost-count 0, :stable-latencies {0 0, 0.5 12, 0.95 80, 1 90}}',
    );
  });
});
