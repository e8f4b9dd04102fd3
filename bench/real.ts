/**
 * `npm run bench -- real [--seconds S] [--clients N]`: operations per second
 * against a real PostgreSQL (list-append transactions, serializable, 10
 * clients by default), so the harness is shown not to be the bottleneck:
 *
 * - harness alone: the one runner on the wall clock with a transport that
 *   completes every operation at once (the harness's own ceiling);
 * - PostgreSQL direct: N loops of the adapter's pg clients straight to the
 *   server's port, no harness, no proxy;
 * - PostgreSQL via proxy: the same loops through faultline's TCP proxy;
 * - faultline run: `runTest` in real mode (interpreter, recorder,
 *   history.jsonl, proxy, then the Elle check, not timed here).
 *
 * The ratio is faultline run ÷ direct, measured in the same invocation.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenContext } from '../src/generator/generator.js';
import { LocalRuntime } from '../src/real/local-runtime.js';
import { CLIENTS_ACTOR, LinkFaults, TcpProxy } from '../src/real/proxy.js';
import { execCommand, freePort, type RealRunSummary } from '../src/real/run-real.js';
import { isRoot, lookupUser } from '../src/real/users.js';
import { WallClock } from '../src/real/wall-clock.js';
import { resolveConfig } from '../src/runner/config.js';
import { MemoryHistorySink } from '../src/runner/recorder.js';
import { runTest } from '../src/runner/run-test.js';
import { startTest } from '../src/runner/runner.js';
import { RandomStreams } from '../src/sim/random.js';
import { postgres } from '../systems/adapters/postgres/index.js';
import { findBinary } from '../systems/adapters/requirements.js';
import type { AdapterClient, ClusterInfo, NodeInfo } from '../systems/adapters/types.js';
import { listAppendWorkload } from '../workloads/list-append/index.js';
import { fmt, printTable } from './_table.js';

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i === -1 ? dflt : Number(args[i + 1]);
}

/** The harness with nothing behind it: how many ops/s the runner itself can drive. */
async function harnessAlone(seconds: number, clients: number): Promise<number> {
  const { config, workload } = resolveConfig({
    seed: 1,
    system: 'single-register',
    workload: 'list-append',
    nemesis: [],
    timeLimitS: seconds,
    rateOpsPerS: 1e7,
    concurrency: clients,
    recoveryMs: 0,
  });
  const clock = new WallClock((e) => {
    throw e;
  });
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const test = startTest(
    {
      time: clock,
      random: new RandomStreams(1),
      nodeIds: ['n1'],
      start() {},
      clients: {
        connect: () => ({
          invoke: (op, _node, complete) => setImmediate(() => complete({ type: 'ok', value: op.value })),
          abandon() {},
        }),
      },
      faults: undefined as never,
    },
    config,
    workload,
    new MemoryHistorySink(),
    () => done(),
  );
  await finished;
  clock.stop();
  return test.recorder.counts.ok / seconds;
}

/** One PostgreSQL node started with the adapter's own setup, outside any run. */
async function startPostgres(dir: string) {
  const user = isRoot() ? lookupUser('postgres') : undefined;
  mkdirSync(join(dir, 'n1'), { recursive: true });
  if (user) chownSync(join(dir, 'n1'), user.uid, user.gid);
  const info: NodeInfo = {
    id: 'n1',
    index: 0,
    dir: join(dir, 'n1'),
    ports: { pg: await freePort() },
    proxyPorts: { pg: 0 },
  };
  const faults = new LinkFaults({ clientIds: [], rng: new RandomStreams(1).stream('proxy') });
  const proxy = new TcpProxy({
    node: 'n1',
    targetPort: info.ports.pg,
    faults,
    identify: async () => CLIENTS_ACTOR,
  });
  (info.proxyPorts as Record<string, number>).pg = await proxy.listen();
  const cluster: ClusterInfo = {
    nodes: [info],
    options: { isolation: 'serializable' },
    workload: 'list-append',
    nodeUser: user?.name,
    exec: (c, a, o) => execCommand(c, a, { user: o?.user }),
    log: () => {},
    binary: (name) => findBinary(postgres.requires.find((r) => r.binaries[0].endsWith(`/${name}`))!)!,
  };
  const runtime = new LocalRuntime();
  const proc = runtime.node(info, () => {});
  await postgres.db.setup!(info, cluster);
  await proc.start({ user: 'postgres', ...postgres.db.start(info, cluster) });
  for (let i = 0; ; i++) {
    try {
      await postgres.db.ready(info, cluster);
      break;
    } catch (err) {
      if (i > 300) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await postgres.db.initialize!(cluster);
  return {
    info,
    cluster,
    stop: async () => {
      await proxy.close();
      await runtime.close();
    },
  };
}

/** N loops of adapter clients issuing the workload's transactions back to back for `seconds`. */
async function loops(open: () => Promise<AdapterClient>, seconds: number, clients: number): Promise<number> {
  const gen = listAppendWorkload.generator({}).main;
  const rng = new RandomStreams(1).stream('generator');
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      let client = await open();
      while (performance.now() < deadline) {
        const ctx: GenContext = { timeNs: 0, rng, worker, workerCount: clients, inFlight: 0 };
        const step = gen.next(ctx);
        if (step.kind !== 'op') break;
        try {
          await client.invoke(step.op);
        } catch {
          // As the harness does: a fresh connection only when this one is broken.
          if (client.usable?.() !== true) {
            await client.close();
            client = await open();
          }
        }
        completed++;
      }
      await client.close();
    }),
  );
  return completed / seconds;
}

export default async function bench(args: string[]): Promise<void> {
  const seconds = arg(args, '--seconds', 10);
  const clients = arg(args, '--clients', 10);
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-real-'));
  chmodSync(dir, 0o755);
  const rows: (string | number)[][] = [];
  try {
    const alone = await harnessAlone(3, clients);
    rows.push(['harness alone (instant completions)', fmt.int(alone), '']);
    const pg = await startPostgres(join(dir, 'direct'));
    let direct: number;
    try {
      direct = await loops(
        () => postgres.openClient({ ...pg.info, proxyPorts: pg.info.ports }, pg.cluster),
        seconds,
        clients,
      );
      rows.push(['PostgreSQL direct (adapter clients, no harness)', fmt.int(direct), fmt.ratio(1)]);
      const viaProxy = await loops(() => postgres.openClient(pg.info, pg.cluster), seconds, clients);
      rows.push([
        'PostgreSQL via the TCP proxy (no harness)',
        fmt.int(viaProxy),
        fmt.ratio(viaProxy / direct),
      ]);
    } finally {
      await pg.stop();
    }
    const run = await runTest(
      {
        system: 'postgres',
        workload: 'list-append',
        nemesis: [],
        seed: 1,
        timeLimitS: seconds,
        rateOpsPerS: 1e6,
        concurrency: clients,
        recoveryMs: 0,
        clientTimeoutMs: 10_000,
        adapterOptions: { isolation: 'serializable' },
      },
      { storeDir: join(dir, 'store'), startedAtIso: new Date().toISOString() },
    );
    const s = run.summary as RealRunSummary;
    const perS = (s.counts.ok + s.counts.fail + s.counts.info) / (s.wallNs / 1e9);
    rows.push(['faultline run --system postgres (real mode)', fmt.int(perS), fmt.ratio(perS / direct)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    `PostgreSQL list-append, serializable, ${clients} clients, ${seconds} s each (completed transactions per second, ok + fail; machine shared: compare ratios)`,
    ['path', 'ops/s', 'vs direct'],
    rows,
  );
}
