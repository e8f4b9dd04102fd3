import { describe, expect, it } from 'vitest';
import { SNAPSHOT_INTERVAL_SLOTS } from '../../systems/paxos/node.js';
import { ACCEPTED_FILE, SNAPSHOT_FILE } from '../../systems/paxos/storage.js';
import { SYNOD_FILE } from '../../systems/paxos/synod.js';
import { runConfig } from '../helpers/run-checked.js';
import { PaxosCluster } from './harness.js';

const EVERY_FAULT = ['partition', 'kill', 'pause', 'clock', 'loss', 'duplication', 'disk'] as const;

describe('paxos: requests', () => {
  it('answers lin-kv and txn requests at any node, with Maelstrom error codes', () => {
    const c = new PaxosCluster({ seed: 1 });
    const leader = c.electLeader();
    const follower = c.sim.nodeIds.find((n) => n !== leader)!;
    expect(c.request(follower, { type: 'read', key: 'x' })).toMatchObject({ type: 'error', code: 20 });
    expect(c.request(follower, { type: 'write', key: 'x', value: 1 })).toMatchObject({ type: 'write_ok' });
    expect(c.request(leader, { type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 1 });
    expect(c.request(follower, { type: 'cas', key: 'x', from: 2, to: 3 })).toMatchObject({ code: 22 });
    expect(c.request(follower, { type: 'cas', key: 'y', from: 2, to: 3 })).toMatchObject({ code: 20 });
    expect(c.request(leader, { type: 'cas', key: 'x', from: 1, to: 3 })).toMatchObject({ type: 'cas_ok' });
    expect(c.request(follower, { type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 3 });
    expect(
      c.request(follower, {
        type: 'txn',
        txn: [
          ['append', 'l', 1],
          ['append', 'l', 2],
          ['r', 'l', null],
          ['r', 'missing', null],
        ],
      }),
    ).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['append', 'l', 1],
        ['append', 'l', 2],
        ['r', 'l', [1, 2]],
        ['r', 'missing', null],
      ],
    });
    expect(c.request(leader, { type: 'frobnicate' })).toMatchObject({ type: 'error', code: 10 });
    expect(c.request(leader, { type: 'cas', key: 'x' })).toMatchObject({ type: 'error', code: 12 });
    expect(c.request(leader, { type: 'propose', key: 'k' })).toMatchObject({ type: 'error', code: 12 });
  });

  it('a write whose leader is cut off before it is chosen times out indefinitely; a read definitely', () => {
    const c = new PaxosCluster({ seed: 6 });
    const leader = c.electLeader();
    const others = c.sim.nodeIds.filter((n) => n !== leader);
    c.sim.network.partition([[leader], others]);
    expect(c.request(leader, { type: 'write', key: 'x', value: 1 })).toMatchObject({ code: 0 });
    expect(c.request(leader, { type: 'read', key: 'x' })).toMatchObject({ code: 11 });
  });

  it('a consensus proposal that times out is definite before phase 2 and indefinite after', () => {
    // Before: n1 cut off, its prepare never gets a majority; its client's value cannot be chosen.
    const before = new PaxosCluster({ seed: 7, nodes: 3 });
    before.sim.network.partition([['n1'], ['n2', 'n3']]);
    expect(before.request('n1', { type: 'propose', key: 'k', value: 1 })).toMatchObject({ code: 11 });
    // After: n1's accept reached n2, but the answer was lost; the value may yet be chosen.
    const after = new PaxosCluster({ seed: 7, nodes: 3 });
    after.sim.network.partition([['n1', 'n2'], ['n3']]);
    const id = after.send('n1', { type: 'propose', key: 'k', value: 1 });
    const n2 = () => after.node('n2')?.consensus.acceptorState('k');
    for (let i = 0; i < 100_000 && (n2()?.acceptedBallot ?? 0) === 0; i++)
      after.sim.run(after.sim.nowNs + 10_000);
    after.sim.network.cutOneWay(['n2'], ['n1']);
    after.runForMs(1500);
    expect(after.reply(id)).toMatchObject({ code: 0 });
  });

  it('applies a request delivered twice only once', () => {
    const c = new PaxosCluster({ seed: 2 });
    const leader = c.electLeader();
    const follower = c.sim.nodeIds.find((n) => n !== leader)!;
    c.request(leader, { type: 'txn', txn: [['append', 'l', 0]] });
    const body = { type: 'txn', txn: [['append', 'l', 1]], msg_id: 1000 };
    const client = c.sim.addClient('c2', () => {});
    client.send(leader, body);
    client.send(follower, body);
    c.runForMs(500);
    client.send(follower, body);
    c.runForMs(500);
    expect(c.request(leader, { type: 'txn', txn: [['r', 'l', null]] })).toMatchObject({
      txn: [['r', 'l', [0, 1]]],
    });
  });

  it('decides one value per consensus key, whoever proposes, and every learner learns it', () => {
    const c = new PaxosCluster({ seed: 3 });
    const ids = c.sim.nodeIds.map((n, i) => c.send(n, { type: 'propose', key: 'k', value: i + 1 }));
    c.runForMs(1000);
    const decided = ids.map((id) => c.reply(id));
    for (const r of decided) expect(r).toMatchObject({ type: 'propose_ok' });
    const values = new Set(decided.map((r) => r?.value));
    expect(values.size).toBe(1);
    for (const n of c.sim.nodeIds)
      expect(c.request(n, { type: 'read_decision', key: 'k' })).toMatchObject({ value: [...values][0] });
    expect(c.request(c.sim.nodeIds[0], { type: 'read_decision', key: 'other' })).toMatchObject({
      value: null,
    });
  });
});

describe('paxos: durability and compaction', () => {
  it('snapshots bound memory and disk; a node back from a long outage catches up by snapshot', () => {
    const c = new PaxosCluster({ seed: 3 });
    const leader = c.electLeader();
    const late = c.sim.nodeIds.find((n) => n !== leader)!;
    c.sim.crash(late);
    const ids: number[] = [];
    for (let i = 0; i < SNAPSHOT_INTERVAL_SLOTS * 2.5; i++) {
      ids.push(c.send(leader, { type: 'txn', txn: [['append', i % 7, i]] }));
      if (i % 100 === 99) c.runForMs(20);
    }
    c.runForMs(2000);
    for (const id of ids) expect(c.reply(id)).toMatchObject({ type: 'txn_ok' });
    for (const n of c.sim.nodeIds) {
      if (n === late) continue;
      const s = c.status(n)!;
      expect(s.snapshotSlot).toBeGreaterThanOrEqual(SNAPSHOT_INTERVAL_SLOTS * 2);
      expect(s.acceptedSlotsInMemory).toBeLessThan(SNAPSHOT_INTERVAL_SLOTS);
      const lines = (c.sim.disk(n).read(ACCEPTED_FILE) ?? '').split('\n').length;
      expect(lines).toBeLessThan(SNAPSHOT_INTERVAL_SLOTS + 10);
      expect(c.sim.disk(n).read(SNAPSHOT_FILE)).toBeDefined();
    }
    c.sim.restart(late);
    c.runForMs(2000);
    expect(c.status(late)!.learned).toBe(c.status(leader)!.learned);
    expect(c.status(late)!.stateJson).toBe(c.status(leader)!.stateJson);
    expect(c.logs.some((l) => l.startsWith(`${late} installed snapshot`))).toBe(true);
  });

  it('consensus instances keep a bounded file: one line per key after compaction', () => {
    const c = new PaxosCluster({ seed: 4, nodes: 3 });
    for (let key = 0; key < 300; key++) {
      for (const n of c.sim.nodeIds) c.send(n, { type: 'propose', key, value: key * 10 + 1 });
      c.runForMs(30);
    }
    c.runForMs(500);
    for (const n of c.sim.nodeIds) {
      const lines = (c.sim.disk(n).read(SYNOD_FILE) ?? '').split('\n').length;
      expect(lines).toBeLessThan(300 * 4 + 70);
      expect(c.node(n)!.consensus.size).toBe(300);
    }
  });

  it('a whole-cluster crash loses no acknowledged write; torn tails are dropped', () => {
    const c = new PaxosCluster({ seed: 4 });
    let leader = c.electLeader();
    const acked: number[] = [];
    for (let round = 0; round < 5; round++) {
      const ids: number[] = [];
      for (let i = 0; i < 20; i++)
        ids.push(c.send(leader, { type: 'txn', txn: [['append', 'l', round * 100 + i]] }));
      c.runForMs(4 + 4 * round);
      for (const [k, id] of ids.entries()) if (c.reply(id)?.type === 'txn_ok') acked.push(round * 100 + k);
      for (const n of c.sim.nodeIds) c.sim.crash(n, round % 2 === 0 ? 'torn-last-write' : 'lose-unsynced');
      for (const n of c.sim.nodeIds) c.sim.restart(n);
      leader = c.electLeader();
    }
    expect(acked.length).toBeGreaterThan(0);
    const r = c.request(leader, { type: 'txn', txn: [['r', 'l', null]] });
    const list = (r as unknown as { txn: [string, string, number[]][] }).txn[0][2];
    for (const v of acked) expect(list).toContain(v);
  });

  it('replicas converge on the same state after partitions, crashes and pauses', () => {
    const c = new PaxosCluster({ seed: 5 });
    const nodes = c.sim.nodeIds;
    c.electLeader();
    const rng = c.sim.random.stream('test');
    for (let step = 0; step < 40; step++) {
      for (let i = 0; i < 10; i++)
        c.send(nodes[rng.int(nodes.length)], { type: 'txn', txn: [['append', rng.int(3), step * 10 + i]] });
      const victim = nodes[rng.int(nodes.length)];
      switch (step % 4) {
        case 0:
          c.sim.network.partition([[victim], nodes.filter((n) => n !== victim)]);
          break;
        case 1:
          c.sim.crash(victim, 'torn-last-write');
          break;
        case 2:
          c.sim.pause(victim);
          break;
        default:
          c.sim.network.heal();
          for (const n of nodes) {
            c.sim.restart(n);
            c.sim.resume(n);
          }
      }
      c.runForMs(150 + rng.int(400));
    }
    c.sim.network.heal();
    for (const n of nodes) {
      c.sim.restart(n);
      c.sim.resume(n);
    }
    c.request(c.electLeader(), { type: 'write', key: 'done', value: 1 });
    c.runForMs(1000);
    const states = nodes.map((n) => c.status(n)!);
    for (const s of states) {
      expect(s.learned).toBe(states[0].learned);
      expect(s.stateJson).toBe(states[0].stateJson);
    }
  });
});

describe('paxos: checked histories under every fault (through the runner)', () => {
  it.each([1, 2, 3, 4])('register is linearizable (seed %i)', async (seed) => {
    const out = await runConfig({
      system: 'paxos',
      workload: 'register',
      nemesis: [...EVERY_FAULT],
      seed,
      timeLimitS: 20,
    });
    expect(out.valid).toBe(true);
    expect(out.summary.counts.ok).toBeGreaterThan(out.summary.counts.info * 3);
  });

  it.each([1, 2])('list-append is strict serializable (seed %i)', async (seed) => {
    const out = await runConfig({
      system: 'paxos',
      workload: 'list-append',
      nemesis: [...EVERY_FAULT],
      seed,
      timeLimitS: 10,
    });
    expect(out.valid).toBe(true);
  });

  it('rw-register is strict serializable', async () => {
    const out = await runConfig({
      system: 'paxos',
      workload: 'rw-register',
      nemesis: [...EVERY_FAULT],
      seed: 7,
      timeLimitS: 10,
    });
    expect(out.valid).toBe(true);
  });

  it.each([1, 2])(
    'consensus keeps agreement and validity, and terminates once faults heal (seed %i)',
    async (seed) => {
      const out = await runConfig({
        system: 'paxos',
        workload: 'consensus',
        nemesis: [...EVERY_FAULT],
        seed,
        timeLimitS: 20,
      });
      expect(out.valid).toBe(true);
      expect(out.result).toMatchObject({ agreement: true, validity: true, termination: true });
      expect(out.result?.keysDecided).toBeGreaterThan(20);
    },
  );

  it('stays available while a majority can talk: the leader cut off, the rest go on', async () => {
    const out = await runConfig({
      system: 'paxos',
      workload: 'register',
      nemesis: ['partition'],
      partitionModes: ['isolate-primary'],
      seed: 5,
      timeLimitS: 20,
      rateOpsPerS: 50,
      nemesisIntervalMs: 1000,
      nemesisDurationMs: 3000,
    });
    expect(out.valid).toBe(true);
    const nem = out.ops.filter((o) => o.process === 'nemesis' && o.type === 'info');
    let windows = 0;
    for (let i = 0; i < nem.length; i++) {
      if (nem[i].f !== 'start-partition') continue;
      const from = (nem[i].time ?? 0) + 1.5e9;
      const to = nem.slice(i + 1).find((o) => o.f === 'stop-partition')?.time ?? 0;
      if (to - from < 0.5e9) continue;
      windows++;
      const okInside = out.ops.filter(
        (o) => o.type === 'ok' && o.process !== 'nemesis' && (o.time ?? 0) >= from && (o.time ?? 0) <= to,
      ).length;
      expect(okInside, `ok ops in ${from / 1e9}..${to / 1e9} s`).toBeGreaterThan(
        ((to - from) / 1e9) * 50 * 0.4,
      );
    }
    expect(windows).toBeGreaterThan(2);
  });

  it('is deterministic: one seed, one history', async () => {
    const cfg = {
      system: 'paxos',
      workload: 'register',
      nemesis: ['partition', 'kill'] as const,
      seed: 11,
      timeLimitS: 5,
    };
    const a = await runConfig({ ...cfg, nemesis: [...cfg.nemesis] });
    const b = await runConfig({ ...cfg, nemesis: [...cfg.nemesis] });
    expect(JSON.stringify(b.ops)).toBe(JSON.stringify(a.ops));
  });
});
