import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeClock } from '../../src/sim/clock.js';
import { SimDisk } from '../../src/sim/disk.js';
import { EventQueue } from '../../src/sim/event-queue.js';
import { RandomStreams } from '../../src/sim/random.js';
import { NS_PER_MS, Simulation } from '../../src/sim/simulation.js';
import type { Message, NodeContext, SimNode, SystemDefinition } from '../../src/sim/types.js';

/** A test system: echoes `echo` requests, records what it saw, and can arm timers on request. */
interface Probe {
  seen: { node: string; atMs: number; type: string; src: string }[];
  timerFires: { node: string; atMs: number; tag: string }[];
  boots: { node: string; disk: string | undefined }[];
}

function probeSystem(probe: Probe): SystemDefinition {
  return {
    name: 'probe',
    description: 'test probe',
    bugs: [],
    defaultNodeCount: 3,
    workloads: [],
    createNode(ctx: NodeContext): SimNode {
      probe.boots.push({ node: ctx.id, disk: ctx.disk.read('data') });
      return {
        onMessage(msg: Message) {
          probe.seen.push({ node: ctx.id, atMs: ctx.now(), type: msg.body.type, src: msg.src });
          const b = msg.body;
          if (b.type === 'echo') ctx.send(msg.src, { type: 'echo_ok', in_reply_to: b.msg_id, echo: b.echo });
          if (b.type === 'timer') {
            ctx.setTimer(b.ms as number, () =>
              probe.timerFires.push({ node: ctx.id, atMs: ctx.now(), tag: String(b.tag) }),
            );
          }
          if (b.type === 'store') {
            ctx.disk.append('data', String(b.data));
            if (b.sync) ctx.disk.fsync();
          }
          if (b.type === 'gossip')
            for (const peer of ctx.nodeIds) if (peer !== ctx.id) ctx.send(peer, { type: 'hello' });
        },
      };
    },
  };
}

function newProbe(): Probe {
  return { seen: [], timerFires: [], boots: [] };
}

describe('EventQueue', () => {
  it('pops in (time, insertion sequence) order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const q = new EventQueue<number>(2);
        times.forEach((t, i) => {
          q.push(t, i);
        });
        const expected = times.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        const got: number[] = [];
        while (q.size > 0) got.push(q.pop()!);
        expect(got).toEqual(expected.map((e) => e[1]));
      }),
    );
  });
});

describe('RandomStreams', () => {
  it('streams are independent and reproducible', () => {
    const a = new RandomStreams(7);
    const b = new RandomStreams(7);
    // Drawing from the nemesis stream must not change the network stream.
    for (let i = 0; i < 100; i++) a.stream('nemesis').next();
    const na = Array.from({ length: 5 }, () => a.stream('network').next());
    const nb = Array.from({ length: 5 }, () => b.stream('network').next());
    expect(na).toEqual(nb);
    expect(new RandomStreams(8).stream('network').next()).not.toBe(nb[0]);
  });
});

describe('SimDisk', () => {
  it('keeps fsynced writes across a crash and loses the rest', () => {
    const d = new SimDisk();
    d.append('log', 'a;');
    d.fsync();
    d.append('log', 'b;');
    d.write('meta', 'x');
    expect(d.read('log')).toBe('a;b;');
    d.crash('lose-unsynced');
    expect(d.read('log')).toBe('a;');
    expect(d.read('meta')).toBeUndefined();
    expect(d.list()).toEqual(['log']);
  });

  it('a torn last write keeps a strict prefix of the last unsynced append', () => {
    const d = new SimDisk();
    d.append('log', 'a;');
    d.fsync();
    d.append('log', 'bbbb;');
    d.append('log', 'cccccccc;');
    d.crash('torn-last-write', 0.5);
    expect(d.read('log')).toBe('a;bbbb;cccc');
  });

  it('remove is undone by a crash before fsync', () => {
    const d = new SimDisk();
    d.write('f', '1');
    d.fsync();
    d.remove('f');
    expect(d.read('f')).toBeUndefined();
    d.crash('lose-unsynced');
    expect(d.read('f')).toBe('1');
  });
});

describe('NodeClock', () => {
  it('skews by jumps and drifts by rate without jumping', () => {
    const c = new NodeClock();
    expect(c.nowMs(100)).toBe(100);
    c.skew(100, 50);
    expect(c.nowMs(100)).toBe(150);
    c.drift(200, 2);
    expect(c.nowMs(200)).toBe(250);
    expect(c.nowMs(300)).toBe(450);
    c.reset(300);
    expect(c.nowMs(400)).toBe(400);
  });

  it('the monotonic clock drifts like the wall clock but never jumps', () => {
    const c = new NodeClock();
    c.skew(100, -5000);
    expect(c.nowMs(100)).toBe(-4900);
    expect(c.monotonicMs(100)).toBe(100);
    c.drift(200, 1.5);
    expect(c.monotonicMs(300)).toBe(350);
    c.reset(300); // an NTP step: the wall clock jumps back to true time, the monotonic one only stops drifting
    expect(c.nowMs(300)).toBe(300);
    expect(c.monotonicMs(300)).toBe(350);
    expect(c.monotonicMs(400)).toBe(450);
  });
});

describe('Simulation', () => {
  it('sends init to every node at start, and again after a restart', () => {
    const probe = newProbe();
    const sim = new Simulation({ seed: 1, system: probeSystem(probe), nodeCount: 3 });
    sim.run();
    expect(probe.seen.filter((s) => s.type === 'init').map((s) => s.node)).toEqual(['n1', 'n2', 'n3']);
    sim.crash('n2');
    sim.restart('n2');
    sim.run();
    expect(probe.seen.filter((s) => s.type === 'init').map((s) => s.node)).toEqual(['n1', 'n2', 'n3', 'n2']);
    expect(probe.boots.map((b) => b.node)).toEqual(['n1', 'n2', 'n3', 'n2']);
  });

  it('delivers client requests with latency and replies to the client', () => {
    const probe = newProbe();
    const sim = new Simulation({
      seed: 1,
      system: probeSystem(probe),
      nodeCount: 1,
      network: { latencyDistribution: 'constant', latencyMinMs: 5 },
    });
    const replies: { atNs: number; msg: Message }[] = [];
    const c1 = sim.addClient('c1', (msg) => replies.push({ atNs: sim.nowNs, msg }));
    sim.start();
    c1.send('n1', { type: 'echo', msg_id: 1, echo: 'hi' });
    sim.run();
    expect(replies).toHaveLength(1);
    expect(replies[0].atNs).toBe(10 * NS_PER_MS);
    expect(replies[0].msg.body).toEqual({ type: 'echo_ok', in_reply_to: 1, echo: 'hi' });
  });

  it('partitions cut links both ways, one-way cuts only one direction, and heal restores', () => {
    const probe = newProbe();
    const sim = new Simulation({ seed: 2, system: probeSystem(probe), nodeCount: 3 });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    sim.network.partition([['n1'], ['n2', 'n3']]);
    c1.send('n1', { type: 'gossip' });
    sim.run();
    expect(probe.seen.filter((s) => s.type === 'hello')).toHaveLength(0);
    sim.network.heal();
    sim.network.cutOneWay(['n1'], ['n2']);
    c1.send('n1', { type: 'gossip' });
    c1.send('n2', { type: 'gossip' });
    sim.run();
    const hellos = probe.seen
      .filter((s) => s.type === 'hello')
      .map((s) => `${s.src}->${s.node}`)
      .sort();
    expect(hellos).toEqual(['n1->n3', 'n2->n1', 'n2->n3']);
    // A partition can cut a client off too.
    sim.network.partition([['c1'], ['n1', 'n2', 'n3']]);
    const before = probe.seen.length;
    c1.send('n1', { type: 'echo', msg_id: 9 });
    sim.run();
    expect(probe.seen.length).toBe(before);
  });

  it('a paused node receives nothing and its timers freeze; resume delivers and fires with the time left', () => {
    const probe = newProbe();
    const sim = new Simulation({
      seed: 3,
      system: probeSystem(probe),
      nodeCount: 1,
      network: { latencyDistribution: 'constant', latencyMinMs: 1 },
    });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    c1.send('n1', { type: 'timer', ms: 100, tag: 't' }); // arrives at 1 ms → fires at 101 ms unless paused
    sim.run(50 * NS_PER_MS);
    sim.pause('n1');
    c1.send('n1', { type: 'echo', msg_id: 1 });
    sim.run(500 * NS_PER_MS);
    expect(probe.timerFires).toHaveLength(0);
    expect(probe.seen.filter((s) => s.type === 'echo')).toHaveLength(0);
    sim.resume('n1');
    sim.run();
    expect(probe.seen.filter((s) => s.type === 'echo').map((s) => s.atMs)).toEqual([500]);
    expect(probe.timerFires.map((t) => t.atMs)).toEqual([551]);
  });

  it('a crash drops timers and memory but keeps the fsynced disk', () => {
    const probe = newProbe();
    const sim = new Simulation({ seed: 4, system: probeSystem(probe), nodeCount: 1 });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    c1.send('n1', { type: 'store', data: 'durable;', sync: true });
    c1.send('n1', { type: 'timer', ms: 1000, tag: 'lost' });
    sim.run(100 * NS_PER_MS);
    c1.send('n1', { type: 'store', data: 'volatile;', sync: false });
    sim.run(200 * NS_PER_MS);
    expect(sim.disk('n1').read('data')).toBe('durable;volatile;');
    sim.crash('n1');
    expect(sim.isUp('n1')).toBe(false);
    c1.send('n1', { type: 'echo', msg_id: 5 });
    sim.run(300 * NS_PER_MS);
    sim.restart('n1');
    sim.run();
    expect(probe.timerFires).toHaveLength(0);
    expect(probe.boots.map((b) => b.disk)).toEqual([undefined, 'durable;']);
    expect(sim.network.stats.deadLetters).toBe(1);
  });

  it('node clocks carry skew and drift', () => {
    const probe = newProbe();
    const sim = new Simulation({
      seed: 5,
      system: probeSystem(probe),
      nodeCount: 2,
      network: { latencyDistribution: 'constant', latencyMinMs: 10 },
    });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    sim.skewClock('n2', -5000);
    c1.send('n1', { type: 'echo', msg_id: 1 });
    c1.send('n2', { type: 'echo', msg_id: 2 });
    sim.run();
    const at = Object.fromEntries(probe.seen.filter((s) => s.type === 'echo').map((s) => [s.node, s.atMs]));
    expect(at).toEqual({ n1: 10, n2: -4990 });
  });

  it('the same seed gives the same trace; another seed a different one', () => {
    const trace = (seed: number) => {
      const probe = newProbe();
      const sim = new Simulation({
        seed,
        system: probeSystem(probe),
        nodeCount: 5,
        network: { lossProbability: 0.1, duplicateProbability: 0.1, reorderProbability: 0.2 },
      });
      const c1 = sim.addClient('c1', () => {});
      sim.start();
      for (let i = 0; i < 20; i++)
        sim.schedule(i * NS_PER_MS, () => c1.send(`n${(i % 5) + 1}`, { type: 'gossip' }));
      sim.run();
      return JSON.stringify(probe.seen);
    };
    expect(trace(11)).toBe(trace(11));
    expect(trace(11)).not.toBe(trace(12));
  });

  it('refuses unknown bugs and node ids', () => {
    const sys = probeSystem(newProbe());
    expect(() => new Simulation({ seed: 1, system: sys, nodeCount: 1, bugs: new Set(['nope']) })).toThrow(
      /no bug 'nope'/,
    );
    const sim = new Simulation({ seed: 1, system: sys, nodeCount: 1 });
    expect(() => sim.crash('n9')).toThrow(/unknown node 'n9'/);
  });
});

describe('Simulation guards', () => {
  it('a zero-delay timer loop is reported as a livelock, not an endless run', () => {
    const spin: SystemDefinition = {
      name: 'spin',
      description: 'sets a 0 ms timer forever',
      bugs: [],
      defaultNodeCount: 1,
      workloads: [],
      createNode(ctx) {
        const loop = () => ctx.setTimer(0, loop);
        loop();
        return { onMessage() {} };
      },
    };
    const sim = new Simulation({ seed: 1, system: spin, nodeCount: 1 });
    expect(() => sim.run()).toThrow(/livelock: more than 1000000 events at virtual time 0\.000 ms/);
  });
});

describe('Simulation disk faults', () => {
  it('a torn-write crash keeps the fsynced data plus a strict prefix of the last unsynced append', () => {
    const probe = newProbe();
    const sim = new Simulation({ seed: 6, system: probeSystem(probe), nodeCount: 1 });
    const c1 = sim.addClient('c1', () => {});
    sim.start();
    c1.send('n1', { type: 'store', data: 'durable;', sync: true });
    sim.run(50 * NS_PER_MS);
    c1.send('n1', { type: 'store', data: 'unsynced-record;', sync: false });
    sim.run(100 * NS_PER_MS);
    sim.crash('n1', 'torn-last-write');
    sim.restart('n1');
    sim.run();
    const survived = probe.boots[1].disk ?? '';
    expect(survived.startsWith('durable;')).toBe(true);
    expect('durable;unsynced-record;'.startsWith(survived)).toBe(true);
    expect(survived.length).toBeLessThan('durable;unsynced-record;'.length);
  });
});

describe('EventQueue bounds', () => {
  it('refuses to grow past its limit', () => {
    const q = new EventQueue<number>(16, 64);
    for (let i = 0; i < 64; i++) q.push(i, i);
    expect(() => q.push(0, 0)).toThrow(/64 pending events \(limit 64\)/);
  });
});
