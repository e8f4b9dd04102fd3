import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { attachServices, SERVICE_IDS } from '../../src/maelstrom/services.js';
import { ERROR_CODES } from '../../src/sim/maelstrom.js';
import { RandomStreams } from '../../src/sim/random.js';
import type { Body, Message } from '../../src/sim/types.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The demo nodes run as real processes, spoken to over stdin/stdout exactly
 * as a harness would: a tiny router here delivers node-to-node messages
 * (dropping those a test's partition blocks), answers service requests with
 * faultline's services, and matches replies to the test's client requests.
 */
const BIN = join(REPO_ROOT, 'examples/maelstrom/bin');
const PYTHON_DIR = join(REPO_ROOT, 'examples/maelstrom/python');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const CLIENT = 'c1';

interface Proc {
  id: string;
  child: ChildProcess;
  stderr: string[];
  exited: Promise<number | null>;
}

const running: Cluster[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

class Cluster {
  readonly procs = new Map<string, Proc>();
  /** Problems the router saw (non-JSON lines, messages to nobody): a test asserts there are none. */
  readonly problems: string[] = [];
  /** Return true to drop a node-to-node message. */
  blocked: (src: string, dest: string) => boolean = () => false;
  private nextMsgId = 1;
  private readonly waiting = new Map<number, (body: Body) => void>();
  private readonly services = new Map<string, (msg: Message) => void>();

  constructor(
    command: string,
    readonly ids: string[],
    options: { seed?: number; args?: string[] } = {},
  ) {
    running.push(this);
    attachServices(
      {
        addClient: (id, onMessage) => {
          this.services.set(id, onMessage);
          return { id, send: (dest, body) => this.deliver({ src: id, dest, body }) };
        },
      },
      new RandomStreams(options.seed ?? 1),
    );
    for (const id of ids) {
      // Any working directory must do: run each node from the system's temporary directory.
      const child = spawn(command, options.args ?? [], { cwd: tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
      const proc: Proc = {
        id,
        child,
        stderr: [],
        exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
      };
      child.on('error', (err) => this.problems.push(`${id}: ${err.message}`));
      createInterface({ input: child.stdout! }).on('line', (line) => this.fromNode(id, line));
      createInterface({ input: child.stderr! }).on('line', (line) => proc.stderr.push(line));
      this.procs.set(id, proc);
    }
  }

  /** Send `init` to every node and wait for every `init_ok`. */
  async init(): Promise<void> {
    const replies = await Promise.all(
      this.ids.map((id) => this.request(id, { type: 'init', node_id: id, node_ids: this.ids }, 10_000)),
    );
    for (const r of replies) expect(r.type).toBe('init_ok');
  }

  /** A client request to `node`; resolves with the reply body. */
  request(node: string, body: Omit<Body, 'msg_id'>, timeoutMs = 5000): Promise<Body> {
    const msgId = this.nextMsgId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(msgId);
        reject(new Error(`${node} did not answer ${JSON.stringify(body)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(msgId, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.write(node, { src: CLIENT, dest: node, body: { ...body, msg_id: msgId } as Body });
    });
  }

  write(node: string, msg: Message | string): void {
    const line = typeof msg === 'string' ? msg : JSON.stringify(msg);
    this.procs.get(node)!.child.stdin!.write(`${line}\n`);
  }

  /** Ask `read` of every node until `done` holds for all their replies (or time runs out). */
  async eventually(
    ids: string[],
    body: Omit<Body, 'msg_id'>,
    done: (reply: Body) => boolean,
    timeoutMs = 8000,
  ) {
    const deadline = Date.now() + timeoutMs;
    let replies: Body[] = [];
    while (Date.now() < deadline) {
      replies = await Promise.all(ids.map((id) => this.request(id, body)));
      if (replies.every(done)) return replies;
      await sleep(100);
    }
    throw new Error(`not converged: ${JSON.stringify(replies)}`);
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.procs.values()].map(async (p) => {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await p.exited;
      }),
    );
  }

  private fromNode(id: string, line: string): void {
    let msg: Message;
    try {
      msg = JSON.parse(line) as Message;
    } catch {
      this.problems.push(`${id} printed a line that is not JSON: ${line}`);
      return;
    }
    if (msg.src !== id) this.problems.push(`${id} sent a message with src ${msg.src}`);
    this.deliver(msg);
  }

  private deliver(msg: Message): void {
    if (msg.dest === CLIENT) {
      const waiter = msg.body.in_reply_to === undefined ? undefined : this.waiting.get(msg.body.in_reply_to);
      if (waiter === undefined)
        this.problems.push(`unexpected message to the client: ${JSON.stringify(msg)}`);
      else {
        this.waiting.delete(msg.body.in_reply_to!);
        waiter(msg.body);
      }
      return;
    }
    const service = this.services.get(msg.dest);
    if (service !== undefined) {
      service(msg);
      return;
    }
    if (!this.procs.has(msg.dest)) {
      this.problems.push(`message to unknown node: ${JSON.stringify(msg)}`);
      return;
    }
    if (this.procs.has(msg.src) && this.blocked(msg.src, msg.dest)) return;
    const proc = this.procs.get(msg.dest)!;
    if (proc.child.exitCode === null && proc.child.stdin!.writable) this.write(msg.dest, msg);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A partition into two sides: messages cross only within a side. */
function split(side: string[]): (src: string, dest: string) => boolean {
  return (src, dest) => side.includes(src) !== side.includes(dest);
}

const sorted = (values: unknown): unknown[] =>
  [...(values as unknown[])].sort((a, b) => Number(a) - Number(b));

describe('demo node launchers', () => {
  const listing = spawnSync('git', ['ls-files', '-s', 'examples/maelstrom'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  it.skipIf(listing.status !== 0)('are executable in git, so a fresh checkout can run them', () => {
    const modes = new Map(
      listing.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [meta, path] = line.split('\t');
          return [path, meta.split(' ')[0]] as const;
        }),
    );
    const launchers = ['echo', 'g-set', 'broadcast', 'lin-kv', 'lin-kv-wrong'].map(
      (n) => `examples/maelstrom/bin/${n}`,
    );
    for (const path of [
      ...launchers,
      'examples/maelstrom/python/g_counter.py',
      'examples/maelstrom/python/broadcast.py',
    ]) {
      expect(modes.get(path), path).toBe('100755');
    }
  });
});

describe('demo node: echo', () => {
  it('answers init and echoes any payload, from any working directory; survives junk; exits when stdin closes', async () => {
    const startNs = process.hrtime.bigint();
    const cluster = new Cluster(join(BIN, 'echo'), ['n1']);
    await cluster.init();
    const startupMs = Number(process.hrtime.bigint() - startNs) / 1e6;
    // Start-up (process, tsx, first init_ok) stays well under a second on an idle machine.
    console.log(`echo demo node answered init_ok after ${startupMs.toFixed(0)} ms`);
    expect(startupMs).toBeLessThan(5000);

    const payload = { a: [1, 'two', null, { three: true }], b: 'ünïcode' };
    expect(await cluster.request('n1', { type: 'echo', echo: payload })).toMatchObject({
      type: 'echo_ok',
      echo: payload,
    });
    cluster.write('n1', 'this is not JSON');
    expect(await cluster.request('n1', { type: 'frob' })).toMatchObject({
      type: 'error',
      code: ERROR_CODES.notSupported,
    });
    expect(await cluster.request('n1', { type: 'echo', echo: 7 })).toMatchObject({
      type: 'echo_ok',
      echo: 7,
    });
    const proc = cluster.procs.get('n1')!;
    expect(proc.stderr.join('\n')).toMatch(/n1 initialized/);
    expect(proc.stderr.join('\n')).toMatch(/not JSON/);
    proc.child.stdin!.end();
    expect(await proc.exited).toBe(0);
    expect(cluster.problems).toEqual([]);
  });
});

describe('demo node: g-set', () => {
  it('gossips its set: a partitioned node misses adds, and every node converges once the partition heals', async () => {
    const cluster = new Cluster(join(BIN, 'g-set'), ['n1', 'n2', 'n3']);
    await cluster.init();
    cluster.blocked = split(['n3']);
    for (let i = 0; i < 5; i++) {
      expect(await cluster.request('n1', { type: 'add', element: i })).toMatchObject({ type: 'add_ok' });
      expect(await cluster.request('n3', { type: 'add', element: 100 + i })).toMatchObject({
        type: 'add_ok',
      });
    }
    await cluster.eventually(['n1', 'n2'], { type: 'read' }, (r) => sorted(r.value).join() === '0,1,2,3,4');
    await sleep(500);
    // Across the partition nothing arrives: n3 has only its own adds.
    expect(sorted((await cluster.request('n3', { type: 'read' })).value)).toEqual([100, 101, 102, 103, 104]);
    expect(sorted((await cluster.request('n2', { type: 'read' })).value)).toEqual([0, 1, 2, 3, 4]);
    cluster.blocked = () => false;
    const all = [0, 1, 2, 3, 4, 100, 101, 102, 103, 104].join();
    await cluster.eventually(cluster.ids, { type: 'read' }, (r) => sorted(r.value).join() === all);
    expect(cluster.problems).toEqual([]);
  });
});

/** Broadcast over a line of five nodes: n3 cut off, then healed, a third of all gossip lost throughout. */
async function broadcastScenario(command: string): Promise<void> {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const cluster = new Cluster(command, ids);
  await cluster.init();
  const topology = { n1: ['n2'], n2: ['n1', 'n3'], n3: ['n2', 'n4'], n4: ['n3', 'n5'], n5: ['n4'] };
  for (const id of ids) {
    expect(await cluster.request(id, { type: 'topology', topology })).toMatchObject({
      type: 'topology_ok',
    });
  }
  // Off the line, nothing is sent: count messages between non-neighbours.
  const offTopology: string[] = [];
  let drop = 0;
  cluster.blocked = (src, dest) => {
    if (!(topology as Record<string, string[]>)[src].includes(dest)) offTopology.push(`${src}->${dest}`);
    // n3 cut off from both sides, and a third of all other messages lost.
    if (src === 'n3' || dest === 'n3') return true;
    return drop++ % 3 === 0;
  };
  for (let i = 0; i < 6; i++) {
    expect(await cluster.request('n1', { type: 'broadcast', message: i })).toMatchObject({
      type: 'broadcast_ok',
    });
    expect(await cluster.request('n5', { type: 'broadcast', message: 10 + i })).toMatchObject({
      type: 'broadcast_ok',
    });
  }
  await cluster.eventually(
    ['n1', 'n2'],
    { type: 'read' },
    (r) => sorted(r.messages).join() === '0,1,2,3,4,5',
  );
  await sleep(300);
  const n2 = await cluster.request('n2', { type: 'read' });
  expect(sorted(n2.messages)).toEqual([0, 1, 2, 3, 4, 5]);
  cluster.blocked = (src, dest) => {
    if (!(topology as Record<string, string[]>)[src].includes(dest)) offTopology.push(`${src}->${dest}`);
    return drop++ % 3 === 0;
  };
  const all = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15].join();
  await cluster.eventually(ids, { type: 'read' }, (r) => sorted(r.messages).join() === all);
  expect(offTopology).toEqual([]);
  expect(cluster.problems).toEqual([]);
}

describe('demo node: broadcast', () => {
  it('honours the topology and retries gossip: messages cross a healed partition and a lossy line', async () => {
    await broadcastScenario(join(BIN, 'broadcast'));
  });
});

describe.skipIf(!hasPython)('demo node in Python: broadcast', () => {
  it('honours the topology and retries gossip, like the TypeScript one', async () => {
    await broadcastScenario(join(PYTHON_DIR, 'broadcast.py'));
  });
});

describe('demo nodes: lin-kv and the deliberately wrong lin-kv', () => {
  /** The same requests against two nodes: what the second node reads after the first one's writes. */
  async function scenario(bin: string): Promise<{ cluster: Cluster; staleRead: Body }> {
    const cluster = new Cluster(join(BIN, bin), ['n1', 'n2']);
    await cluster.init();
    expect(await cluster.request('n1', { type: 'read', key: 'k' })).toMatchObject({
      type: 'error',
      code: ERROR_CODES.keyDoesNotExist,
    });
    expect(await cluster.request('n1', { type: 'write', key: 'k', value: 1 })).toMatchObject({
      type: 'write_ok',
    });
    expect(await cluster.request('n1', { type: 'read', key: 'k' })).toMatchObject({
      type: 'read_ok',
      value: 1,
    });
    expect(await cluster.request('n2', { type: 'read', key: 'k' })).toMatchObject({
      type: 'read_ok',
      value: 1,
    });
    expect(await cluster.request('n2', { type: 'write', key: 'k', value: 2 })).toMatchObject({
      type: 'write_ok',
    });
    expect(await cluster.request('n2', { type: 'cas', key: 'k', from: 1, to: 3 })).toMatchObject({
      type: 'error',
      code: ERROR_CODES.preconditionFailed,
    });
    expect(await cluster.request('n2', { type: 'cas', key: 'k', from: 2, to: 3 })).toMatchObject({
      type: 'cas_ok',
    });
    expect(await cluster.request('n2', { type: 'cas', key: 'j', from: 0, to: 1 })).toMatchObject({
      code: ERROR_CODES.keyDoesNotExist,
    });
    expect(
      await cluster.request('n2', { type: 'cas', key: 'j', from: 0, to: 1, create_if_not_exists: true }),
    ).toMatchObject({ type: 'cas_ok' });
    // The question: does n1 see n2's cas?
    const staleRead = await cluster.request('n1', { type: 'read', key: 'k' });
    return { cluster, staleRead };
  }

  it('lin-kv proxies every request to the lin-kv service: one node sees the other’s writes', async () => {
    const { cluster, staleRead } = await scenario('lin-kv');
    expect(staleRead).toMatchObject({ type: 'read_ok', value: 3 });
    expect(cluster.problems).toEqual([]);
  });

  it('lin-kv-wrong answers reads from its cache: it misses the other node’s write', async () => {
    const { cluster, staleRead } = await scenario('lin-kv-wrong');
    expect(staleRead).toMatchObject({ type: 'read_ok', value: 1 });
    expect(cluster.problems).toEqual([]);
  });

  it('lin-kv answers a timeout (indefinite) when the service does not answer', async () => {
    const cluster = new Cluster(join(BIN, 'lin-kv'), ['n1']);
    await cluster.init();
    // Swallow the node's requests to the service.
    const services = (cluster as unknown as { services: Map<string, unknown> }).services;
    for (const id of SERVICE_IDS) services.set(id, () => {});
    const reply = await cluster.request('n1', { type: 'write', key: 'k', value: 1 });
    expect(reply).toMatchObject({ type: 'error', code: ERROR_CODES.timeout });
  });
});

describe.skipIf(!hasPython)('demo node in Python: g-counter on seq-kv', () => {
  it('counts every acknowledged add, from either node, despite seq-kv’s stale reads', async () => {
    const cluster = new Cluster(join(PYTHON_DIR, 'g_counter.py'), ['n1', 'n2', 'n3'], { seed: 5 });
    await cluster.init();
    expect(await cluster.request('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', value: 0 });
    const adds: Promise<Body>[] = [];
    let total = 0;
    for (let i = 1; i <= 15; i++) {
      total += i;
      adds.push(cluster.request(cluster.ids[i % 3], { type: 'add', delta: i }));
    }
    for (const reply of await Promise.all(adds)) expect(reply).toMatchObject({ type: 'add_ok' });
    for (const id of cluster.ids) {
      expect(await cluster.request(id, { type: 'read' })).toMatchObject({ type: 'read_ok', value: total });
    }
    expect(await cluster.request('n2', { type: 'frob' })).toMatchObject({ code: ERROR_CODES.notSupported });
    expect(cluster.problems).toEqual([]);
  });
});
