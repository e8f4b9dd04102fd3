import { describe, expect, it } from 'vitest';
import { findChecker } from '../../checkers/registry.js';
import type { GenContext, Generator, OpSpec } from '../../src/generator/generator.js';
import { Rng } from '../../src/sim/random.js';
import { broadcastWorkload } from '../../workloads/broadcast/index.js';
import {
  gridTopology,
  lineTopology,
  topologyFor,
  totalTopology,
  treeTopology,
} from '../../workloads/broadcast/topology.js';
import { echoWorkload } from '../../workloads/echo/index.js';
import { gSetWorkload } from '../../workloads/g-set/index.js';
import { findWorkload, listWorkloads } from '../../workloads/registry.js';
import { uniqueIdsWorkload } from '../../workloads/unique-ids/index.js';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

/** Asks a generator `count` times as worker 0 (of `workers`), returning the ops. */
function draw(gen: Generator, count: number, workers = 1): OpSpec[] {
  const rng = new Rng('generator', 'workloads-test');
  const out: OpSpec[] = [];
  for (let i = 0; i < count; i++) {
    const ctx: GenContext = { timeNs: i, rng, worker: i % workers, workerCount: workers, inFlight: 0 };
    const step = gen.next(ctx);
    if (step.kind === 'done') break;
    if (step.kind === 'op') out.push(step.op);
  }
  return out;
}

describe('Maelstrom workloads are registered under their names', () => {
  it('lists every Maelstrom workload, each naming a registered checker, and keeps the old names', () => {
    const names = listWorkloads().map((w) => w.name);
    for (const n of [
      'echo',
      'unique-ids',
      'broadcast',
      'g-set',
      'lin-kv',
      'txn-list-append',
      'txn-rw-register',
      'register',
      'list-append',
      'rw-register',
    ]) {
      expect(names).toContain(n);
      const w = findWorkload(n)!;
      expect(findChecker(w.checker.name), `${n}'s checker ${w.checker.name}`).toBeDefined();
    }
  });

  it('lin-kv and the txn workloads speak exactly Maelstrom shapes', () => {
    const linKv = findWorkload('lin-kv')!;
    expect(linKv.clientRequest({ f: 'cas', key: 3, value: [1, 2] })).toEqual({
      type: 'cas',
      key: 3,
      from: 1,
      to: 2,
    });
    expect(linKv.clientRequest({ f: 'read', key: 3, value: null })).toEqual({ type: 'read', key: 3 });
    expect(linKv.clientRequest({ f: 'write', key: 3, value: 4 })).toEqual({
      type: 'write',
      key: 3,
      value: 4,
    });
    const cas = { f: 'cas', key: 3, value: [1, 2] };
    expect(linKv.completeFromReply(cas, { type: 'error', code: 22 }).type).toBe('fail');
    expect(linKv.completeFromReply(cas, { type: 'error', code: 20 }).type).toBe('fail');
    expect(linKv.completeFromReply(cas, { type: 'error', code: 0 }).type).toBe('info');
    expect(linKv.completeFromReply(cas, { type: 'cas_ok' })).toEqual({ type: 'ok', value: [1, 2] });
    expect(linKv.checker.name).toBe('linearizable');

    const la = findWorkload('txn-list-append')!;
    const txn = [
      ['r', 1, null],
      ['append', 1, 3],
    ];
    expect(la.clientRequest({ f: 'txn', value: txn })).toEqual({ type: 'txn', txn });
    const done = [
      ['r', 1, [1, 2]],
      ['append', 1, 3],
    ];
    expect(la.completeFromReply({ f: 'txn', value: txn }, { type: 'txn_ok', txn: done })).toEqual({
      type: 'ok',
      value: done,
    });
    expect(la.checker.name).toBe('elle-list-append');
    const micro = draw(la.generator({}).main, 50).flatMap((s) => s.value as unknown[][]);
    expect(new Set(micro.map((m) => m[0]))).toEqual(new Set(['r', 'append']));
    expect(micro.filter((m) => m[0] === 'r').every((m) => m[2] === null)).toBe(true);

    const rw = findWorkload('txn-rw-register')!;
    expect(rw.checker.name).toBe('elle-rw-register');
    const rwMicro = draw(rw.generator({}).main, 50).flatMap((s) => s.value as unknown[][]);
    expect(new Set(rwMicro.map((m) => m[0]))).toEqual(new Set(['r', 'w']));
    expect(rw.isReadOnly({ f: 'txn', value: [['r', 1, null]] })).toBe(true);
  });
});

describe('echo', () => {
  it('sends echo and records the echoed payload', () => {
    const ops = draw(echoWorkload.generator({}).main, 20);
    expect(ops.every((o) => o.f === 'echo' && /^Please echo \d+$/.test(o.value as string))).toBe(true);
    const op = { f: 'echo', value: 'Please echo 7' };
    expect(echoWorkload.clientRequest(op)).toEqual({ type: 'echo', echo: 'Please echo 7' });
    expect(echoWorkload.completeFromReply(op, { type: 'echo_ok', echo: 'Please echo 7' })).toEqual({
      type: 'ok',
      value: 'Please echo 7',
    });
    expect(echoWorkload.completeFromReply(op, { type: 'echo_ok' })).toEqual({ type: 'ok', value: null });
    // An echo cannot have taken effect: even an indefinite error is a fail.
    expect(echoWorkload.completeFromReply(op, { type: 'error', code: 13 }).type).toBe('fail');
    expect(echoWorkload.completeFromReply(op, { type: 'read_ok' }).type).toBe('info');
  });
});

describe('unique-ids', () => {
  it('sends generate and records the id', () => {
    const op = { f: 'generate', value: null };
    expect(draw(uniqueIdsWorkload.generator({}).main, 3)).toEqual([op, op, op]);
    expect(uniqueIdsWorkload.clientRequest(op)).toEqual({ type: 'generate' });
    expect(uniqueIdsWorkload.completeFromReply(op, { type: 'generate_ok', id: 'n1-7' })).toEqual({
      type: 'ok',
      value: 'n1-7',
    });
    expect(uniqueIdsWorkload.completeFromReply(op, { type: 'generate_ok', id: null })).toEqual({
      type: 'ok',
      value: null,
    });
    expect(uniqueIdsWorkload.completeFromReply(op, { type: 'generate_ok' }).type).toBe('info');
    expect(uniqueIdsWorkload.completeFromReply(op, { type: 'error', code: 13 }).type).toBe('info');
    expect(uniqueIdsWorkload.completeFromReply(op, { type: 'error', code: 11 }).type).toBe('fail');
  });
});

describe('broadcast and g-set', () => {
  it('broadcast sends distinct integers and reads messages', () => {
    const ops = draw(broadcastWorkload.generator({}).main, 200);
    const sent = ops.filter((o) => o.f === 'broadcast').map((o) => o.value);
    expect(sent.length).toBeGreaterThan(50);
    expect(sent).toEqual([...sent.keys()]);
    expect(ops.some((o) => o.f === 'read')).toBe(true);
    expect(broadcastWorkload.clientRequest({ f: 'broadcast', value: 4 })).toEqual({
      type: 'broadcast',
      message: 4,
    });
    expect(broadcastWorkload.clientRequest({ f: 'read', value: null })).toEqual({ type: 'read' });
    expect(
      broadcastWorkload.completeFromReply({ f: 'broadcast', value: 4 }, { type: 'broadcast_ok' }),
    ).toEqual({
      type: 'ok',
      value: 4,
    });
    const read = { f: 'read', value: null };
    expect(broadcastWorkload.completeFromReply(read, { type: 'read_ok', messages: [1, 4] })).toEqual({
      type: 'ok',
      value: [1, 4],
    });
    expect(broadcastWorkload.completeFromReply(read, { type: 'read_ok' }).type).toBe('fail');
    expect(broadcastWorkload.completeFromReply(read, { type: 'error', code: 0 }).type).toBe('fail');
    expect(
      broadcastWorkload.completeFromReply({ f: 'broadcast', value: 4 }, { type: 'error', code: 0 }).type,
    ).toBe('info');
    expect(broadcastWorkload.isReadOnly(read)).toBe(true);
    expect(broadcastWorkload.isReadOnly({ f: 'broadcast', value: 1 })).toBe(false);
  });

  it('ends with one final read per worker', () => {
    const finals = draw(broadcastWorkload.generator({}).final!, 10, 3);
    expect(finals).toEqual([
      { f: 'read', value: null, final: true },
      { f: 'read', value: null, final: true },
      { f: 'read', value: null, final: true },
    ]);
    expect(broadcastWorkload.clientRequest(finals[0])).toEqual({ type: 'read' });
  });

  it('sends every node the whole topology and awaits topology_ok', () => {
    const msgs = broadcastWorkload.setupMessages!(nodes(3), { topology: 'line' });
    expect(msgs.map((m) => m.dest)).toEqual(['n1', 'n2', 'n3']);
    for (const m of msgs) {
      expect(m.replyType).toBe('topology_ok');
      expect(m.body).toEqual({ type: 'topology', topology: { n1: ['n2'], n2: ['n1', 'n3'], n3: ['n2'] } });
    }
    // Maelstrom's default is the grid.
    expect(broadcastWorkload.setupMessages!(nodes(5), {})[0].body.topology).toEqual(gridTopology(nodes(5)));
  });

  it('g-set adds elements and reads value', () => {
    const ops = draw(gSetWorkload.generator({}).main, 100);
    const added = ops.filter((o) => o.f === 'add').map((o) => o.value);
    expect(added).toEqual([...added.keys()]);
    expect(gSetWorkload.clientRequest({ f: 'add', value: 9 })).toEqual({ type: 'add', element: 9 });
    expect(gSetWorkload.clientRequest({ f: 'read', value: null })).toEqual({ type: 'read' });
    expect(
      gSetWorkload.completeFromReply({ f: 'read', value: null }, { type: 'read_ok', value: [9] }),
    ).toEqual({
      type: 'ok',
      value: [9],
    });
    expect(gSetWorkload.completeFromReply({ f: 'add', value: 9 }, { type: 'add_ok' })).toEqual({
      type: 'ok',
      value: 9,
    });
  });
});

describe('broadcast topologies, as Maelstrom computes them', () => {
  it('line', () => {
    expect(lineTopology(nodes(5))).toEqual({
      n1: ['n2'],
      n2: ['n1', 'n3'],
      n3: ['n2', 'n4'],
      n4: ['n3', 'n5'],
      n5: ['n4'],
    });
    expect(lineTopology(nodes(1))).toEqual({});
    expect(lineTopology(nodes(2))).toEqual({ n1: ['n2'], n2: ['n1'] });
  });

  it('grid of 5: side 3, rows [n1 n2 n3] [n4 n5]; neighbours below, above, right, left', () => {
    expect(gridTopology(nodes(5))).toEqual({
      n1: ['n4', 'n2'],
      n2: ['n5', 'n3', 'n1'],
      n3: ['n2'],
      n4: ['n1', 'n5'],
      n5: ['n2', 'n4'],
    });
  });

  it('grid of 25: a full 5×5 grid', () => {
    const g = gridTopology(nodes(25));
    expect(g.n1).toEqual(['n6', 'n2']);
    expect(g.n5).toEqual(['n10', 'n4']);
    expect(g.n13).toEqual(['n18', 'n8', 'n14', 'n12']);
    expect(g.n21).toEqual(['n16', 'n22']);
    expect(g.n25).toEqual(['n20', 'n24']);
    expect(Object.keys(g)).toHaveLength(25);
    // Symmetric, at most 4 neighbours, 2·5·4 = 40 edges.
    let edges = 0;
    for (const [a, ns] of Object.entries(g)) {
      expect(ns.length).toBeLessThanOrEqual(4);
      for (const b of ns) expect(g[b]).toContain(a);
      edges += ns.length;
    }
    expect(edges / 2).toBe(40);
  });

  it('tree2 and tree3 of 5: tiers [n1] [n2 n3] [n4 n5] / [n1] [n2 n3 n4] [n5]; parent first', () => {
    expect(treeTopology(2, nodes(5))).toEqual({
      n1: ['n2', 'n3'],
      n2: ['n1', 'n4', 'n5'],
      n3: ['n1'],
      n4: ['n2'],
      n5: ['n2'],
    });
    expect(treeTopology(3, nodes(5))).toEqual({
      n1: ['n2', 'n3', 'n4'],
      n2: ['n1', 'n5'],
      n3: ['n1'],
      n4: ['n1'],
      n5: ['n2'],
    });
    expect(topologyFor('tree4', nodes(5))).toEqual({
      n1: ['n2', 'n3', 'n4', 'n5'],
      n2: ['n1'],
      n3: ['n1'],
      n4: ['n1'],
      n5: ['n1'],
    });
    expect(treeTopology(2, nodes(1))).toEqual({ n1: [] });
  });

  it('tree4 of 25: tiers of 1, 4, 16 and 4', () => {
    const t = treeTopology(4, nodes(25));
    expect(t.n1).toEqual(['n2', 'n3', 'n4', 'n5']);
    expect(t.n2).toEqual(['n1', 'n6', 'n7', 'n8', 'n9']);
    expect(t.n5).toEqual(['n1', 'n18', 'n19', 'n20', 'n21']);
    expect(t.n6).toEqual(['n2', 'n22', 'n23', 'n24', 'n25']);
    expect(t.n7).toEqual(['n2']);
    expect(t.n25).toEqual(['n6']);
  });

  it('total', () => {
    expect(totalTopology(nodes(3))).toEqual({ n1: ['n2', 'n3'], n2: ['n1', 'n3'], n3: ['n1', 'n2'] });
    expect(Object.values(topologyFor('total', nodes(25))).every((ns) => ns.length === 24)).toBe(true);
  });
});
