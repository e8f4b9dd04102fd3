import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { RegisteredAdapter } from '../../systems/adapters/registry.js';
import { findBinary, missingPackagesMessage } from '../../systems/adapters/requirements.js';
import type { Adapter, ClusterInfo, NodeInfo } from '../../systems/adapters/types.js';
import type { Workload } from '../../workloads/types.js';
import type { RunConfig } from '../runner/config.js';
import type { Environment } from '../runner/environment.js';
import type { HistorySink, OpCounts } from '../runner/recorder.js';
import { startTest } from '../runner/runner.js';
import { RandomStreams } from '../sim/random.js';
import type { NodeId } from '../sim/types.js';
import { AdapterTransport } from './adapter-transport.js';
import { Cleanup, interceptStopSignals, type StopSignal } from './cleanup.js';
import { FaketimeClock, findFaketimeLibrary } from './clock-skew.js';
import { LocalRuntime, type Runtime } from './local-runtime.js';
import { anyHoldsSocket, socketInode } from './proc.js';
import { CLIENTS_ACTOR, LinkFaults, type ProxyStats, TcpProxy } from './proxy.js';
import { RealFaults, RealNode } from './real-faults.js';
import { canTraverse, isRoot, lookupUser } from './users.js';
import { WallClock } from './wall-clock.js';

/** Setting up the real cluster failed for a reason the user can act on (a missing package, no Docker engine). */
export class RealSetupError extends Error {
  override name = 'RealSetupError';
}

/** A stop signal arrived; the nodes were stopped and the history so far is on disk. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
  }
}

export interface RealRunSinks {
  history: HistorySink;
  /** Node log lines (the database's own output and the harness's notes) with the time since the start, ns. */
  nodeLog: (node: NodeId, timeNs: number, line: string) => void;
}

export interface RealRunOptions {
  /** The run directory: nodes' data go under `DIR/nodes/` (removed at the end). */
  runDir: string;
  /** How long a node may take to serve clients after a start, ms. */
  readyTimeoutMs?: number;
  /** Keep the nodes' data directories (default: removed with everything else). */
  keepData?: boolean;
  /** Stop signals are handled by the run (default true): the nodes are stopped, then RunInterruptedError. */
  handleSignals?: boolean;
}

export interface RealNodeSummary {
  id: NodeId;
  ports: Record<string, number>;
  proxyPorts: Record<string, number>;
  restarts: number;
}

export interface RealRunSummary {
  mode: 'real';
  runtime: string;
  opCount: number;
  counts: OpCounts;
  /** Wall-clock time from the first op to the last, ns. */
  wallNs: number;
  /** Wall-clock time to set the cluster up, ms. */
  setupMs: number;
  nodes: RealNodeSummary[];
  proxies: ProxyStats;
  /** Problems met while cleaning up (empty when everything stopped). */
  cleanupProblems: string[];
}

/** A free TCP port on 127.0.0.1 (bound and released; the node binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Run a setup command, as `user` when root; resolves with its output, rejects naming it on failure. */
export function execCommand(
  command: string,
  args: readonly string[],
  opts: { user?: string; env?: Record<string, string>; cwd?: string },
): Promise<string> {
  const user = opts.user !== undefined && isRoot() ? lookupUser(opts.user) : undefined;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${out.trim().slice(-2000)}`,
          ),
        );
    });
  });
}

/** Before a run directory is made: every package the adapter needs is installed, and Docker is reachable if asked for. */
export async function preflight(real: { adapter: RegisteredAdapter; config: RunConfig }): Promise<void> {
  const missing = missingPackagesMessage(real.adapter);
  if (missing !== undefined) throw new RealSetupError(missing);
  if (real.config.runtime === 'docker')
    await (await import('./docker-runtime.js')).DockerRuntime.connect('preflight');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run one test against a real database: set up and start the nodes
 * (local processes or containers) behind a proxy per port, run the one
 * runner (`startTest`) on the wall clock with the adapter's clients, then
 * stop and remove everything — also when the run fails or a stop signal
 * arrives.
 */
export async function runReal(
  config: RunConfig,
  registered: RegisteredAdapter,
  workload: Workload,
  sinks: RealRunSinks,
  opts: RealRunOptions,
): Promise<RealRunSummary> {
  const missing = missingPackagesMessage(registered);
  if (missing !== undefined) throw new RealSetupError(missing);
  // Absolute: nodes run in their own directories, where a relative store path means something else.
  opts = { ...opts, runDir: resolve(opts.runDir) };
  const adapter: Adapter = await registered.load();
  const cleanup = new Cleanup();
  const clock = new WallClock((err) => fail(err));
  const setupStartNs = clock.nowNs;
  let interrupted: StopSignal | undefined;
  let failRun: (err: unknown) => void = () => {};
  let finishRun: () => void = () => {};
  const fail = (err: unknown) => failRun(err);
  const uninstall =
    opts.handleSignals === false
      ? () => {}
      : interceptStopSignals((sig) => {
          if (interrupted !== undefined) return;
          interrupted = sig;
          failRun(new RunInterruptedError(sig));
        });
  const interruptedPromise = new Promise<never>((_, reject) => {
    failRun = reject;
  });
  // Setup steps race the interruption, so Ctrl-C during setup stops at once (and cleans up).
  const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, interruptedPromise]);
  interruptedPromise.catch(() => {});

  const nodeLog = (id: NodeId, line: string) => sinks.nodeLog(id, clock.nowNs, line);
  const options = config.adapterOptions ?? {};
  const nodeIds = Array.from({ length: config.nodes }, (_, i) => `n${i + 1}`);
  const clientIds = Array.from({ length: config.concurrency }, (_, i) => `c${i + 1}`);
  const random = new RandomStreams(config.seed);
  const links = new LinkFaults({
    clientIds,
    rng: random.stream('proxy'),
    latencyMs: config.network.latencyMeanMs,
    lossProbability: config.network.lossProbability,
  });
  const proxies: TcpProxy[] = [];
  const realNodes: RealNode[] = [];
  let runtime: Runtime | undefined;

  try {
    // Node directories: under the run directory, unless the nodes' user cannot reach it there.
    const nodeUserName = adapter.nodeUser;
    const nodeUser = nodeUserName !== undefined && isRoot() ? lookupUser(nodeUserName) : undefined;
    let nodesRoot = join(opts.runDir, 'nodes');
    mkdirSync(nodesRoot, { recursive: true });
    if (nodeUser && !canTraverse(nodesRoot, nodeUser)) {
      nodesRoot = mkdtempSync(join(tmpdir(), 'faultline-nodes-'));
      chownSync(nodesRoot, nodeUser.uid, nodeUser.gid);
      nodeLog(nodeIds[0], `*** user ${nodeUser.name} cannot reach ${opts.runDir}; node data in ${nodesRoot}`);
    }
    const root = nodesRoot;
    // Registered before the runtime, so it runs after every node has stopped.
    if (!opts.keepData) cleanup.add('node data', () => rmSync(root, { recursive: true, force: true }));
    runtime =
      config.runtime === 'docker'
        ? await step((await import('./docker-runtime.js')).DockerRuntime.connect(basename(opts.runDir)))
        : new LocalRuntime();
    const rt = runtime;
    cleanup.add('runtime', () => rt.close());

    // Identify who opened a connection to a proxy: a node (its process group holds the socket) or a client.
    const identify = async (remotePort: number, proxyPort: number): Promise<string> => {
      const inode = await socketInode(remotePort, proxyPort);
      if (inode === undefined || (await anyHoldsSocket([process.pid], inode))) return CLIENTS_ACTOR;
      for (const n of realNodes) {
        if (await anyHoldsSocket(await n.proc.pids(), inode)) return n.info.id;
      }
      return CLIENTS_ACTOR;
    };

    const infos: NodeInfo[] = [];
    for (const [index, id] of nodeIds.entries()) {
      const dir = join(root, id);
      mkdirSync(dir, { recursive: true });
      if (nodeUser) chownSync(dir, nodeUser.uid, nodeUser.gid);
      const ports: Record<string, number> = {};
      const proxyPorts: Record<string, number> = {};
      for (const name of adapter.db.ports) {
        ports[name] = await freePort();
        const proxy = new TcpProxy({
          node: id,
          targetPort: ports[name],
          faults: links,
          identify,
          log: (line) => nodeLog(id, line),
        });
        proxyPorts[name] = await proxy.listen();
        proxies.push(proxy);
        cleanup.add(`proxy ${id}/${name}`, () => proxy.close());
      }
      infos.push({ id, index, dir, ports, proxyPorts });
    }

    // Where everything listens, for whoever looks at the run (and the clean-up tests).
    writeFileSync(
      join(opts.runDir, 'nodes.json'),
      `${JSON.stringify({ runtime: runtime.name, nodes: infos.map(({ id, dir, ports, proxyPorts }) => ({ id, dir, ports, proxyPorts })) }, null, 2)}\n`,
    );
    const cluster: ClusterInfo = {
      nodes: infos,
      options,
      workload: workload.name,
      nodeUser: nodeUser?.name,
      exec: (command, args, o) => step(execCommand(command, args, { user: o?.user, env: o?.env })),
      log: nodeLog,
      binary: (name) => {
        const req = adapter.requires.find((r) => r.binaries.some((b) => b.split('/').pop() === name));
        const path = req ? findBinary(req) : undefined;
        if (path === undefined) throw new Error(`${adapter.name}: no binary ${name} among its requirements`);
        return path;
      },
    };

    const faketime = config.nemesis.includes('clock') ? findFaketimeLibrary() : undefined;
    for (const info of infos) {
      const log = (line: string) => nodeLog(info.id, line);
      const fclock = faketime
        ? new FaketimeClock(join(info.dir, 'faketime.rc'), faketime, () => clock.nowNs / 1e6)
        : undefined;
      if (fclock) cleanup.add(`clock ${info.id}`, () => fclock.close());
      const command = () => {
        const c = { user: adapter.nodeUser, ...adapter.db.start(info, cluster) };
        return fclock
          ? {
              ...c,
              env: { ...c.env, ...fclock.env() },
              readOnlyPaths: [...(c.readOnlyPaths ?? []), fclock.library],
            }
          : c;
      };
      realNodes.push(new RealNode(info, rt.node(info, log), command, log, fclock));
    }
    await step(rt.prepare(realNodes.map((n) => n.command())));

    const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
    const waitReady = async (n: RealNode): Promise<void> => {
      const deadline = performance.now() + readyTimeoutMs;
      let last: unknown;
      for (;;) {
        if (interrupted !== undefined) throw new RunInterruptedError(interrupted);
        if (!n.proc.running && n.wantUp) throw new Error(`${n.info.id} exited while starting; see its log`);
        try {
          await adapter.db.ready(n.info, cluster);
          return;
        } catch (err) {
          last = err;
        }
        if (performance.now() > deadline)
          throw new Error(
            `${n.info.id} did not serve clients within ${readyTimeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`,
          );
        await sleep(100);
      }
    };

    for (const n of realNodes) {
      await step(adapter.db.setup?.(n.info, cluster) ?? Promise.resolve());
      await step(n.proc.start(n.command()));
      if (adapter.db.readyInOrder) await step(waitReady(n));
    }
    await step(Promise.all(realNodes.map((n) => waitReady(n))));
    await step(adapter.db.initialize?.(cluster) ?? Promise.resolve());
    const setupMs = (clock.nowNs - setupStartNs) / 1e6;

    // The run itself: the one runner, on the wall clock. History times count from here (Jepsen's
    // relative time starts once the database is set up); node logs count from the start of setup.
    const testClock = new WallClock((err) => fail(err));
    cleanup.add('test clock', () => testClock.stop());
    const startNs = clock.nowNs;
    for (const n of realNodes)
      n.log(`*** test starts: history time 0 = ${(startNs / 1e6).toFixed(3)} in this log`);
    const transport = new AdapterTransport(adapter, cluster, workload);
    cleanup.add('clients', () => transport.closeAll());
    const faults = new RealFaults(
      realNodes,
      clientIds,
      links,
      () => testClock.nowNs,
      adapter.db,
      cluster,
      waitReady,
    );
    const clientNodes = adapter.clientNodes?.(cluster) ?? nodeIds;
    const env: Environment = {
      time: testClock,
      random,
      nodeIds: clientNodes,
      clients: transport,
      clientNode: (worker) => clientNodes[worker % clientNodes.length],
      faults,
      start: () => {},
    };
    const finished = new Promise<void>((resolve) => {
      finishRun = resolve;
    });
    const test = startTest(env, config, workload, sinks.history, () => finishRun());
    const limitMs = (config.timeLimitS * 1000 + config.recoveryMs) * 2 + 20 * config.clientTimeoutMs + 60_000;
    let limitTimer: NodeJS.Timeout | undefined;
    const overdue = new Promise<never>((_, reject) => {
      limitTimer = setTimeout(
        () =>
          reject(
            new Error(`the run did not finish within ${(limitMs / 1000).toFixed(0)} s of wall-clock time`),
          ),
        limitMs,
      );
    });
    try {
      await Promise.race([finished, interruptedPromise, overdue]);
    } finally {
      clearTimeout(limitTimer);
      testClock.stop();
    }
    const wallNs = clock.nowNs - startNs;
    await faults.settled();
    const problems = await cleanup.run();
    for (const p of problems) nodeLog(nodeIds[0], `*** clean-up: ${p}`);
    const stats: ProxyStats = { connections: 0, bytes: 0, lostChunks: 0 };
    for (const p of proxies) {
      stats.connections += p.stats.connections;
      stats.bytes += p.stats.bytes;
      stats.lostChunks += p.stats.lostChunks;
    }
    return {
      mode: 'real',
      runtime: rt.name,
      opCount: test.recorder.size,
      counts: { ...test.recorder.counts },
      wallNs,
      setupMs,
      nodes: realNodes.map((n) => ({
        id: n.info.id,
        ports: { ...n.info.ports },
        proxyPorts: { ...n.info.proxyPorts },
        restarts: n.restarts,
      })),
      proxies: stats,
      cleanupProblems: problems,
    };
  } catch (err) {
    clock.stop();
    const problems = await cleanup.run();
    for (const p of problems) nodeLog(nodeIds[0], `*** clean-up: ${p}`);
    if (interrupted !== undefined) throw new RunInterruptedError(interrupted);
    throw err;
  } finally {
    uninstall();
  }
}
