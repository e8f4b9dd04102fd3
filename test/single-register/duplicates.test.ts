import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/simulation.js';
import type { Body } from '../../src/sim/types.js';
import { singleRegister } from '../../systems/single-register/index.js';

/**
 * A copy of a request delivered after a restart (network duplication, a
 * paused node's inbox) must not run again: before the fix the primary's
 * table of answered requests lived in memory only, and a proxy numbered its
 * forwards anew after a restart, so the copy ran a second time — an append
 * twice, or a cas that had failed definitely (error 22) succeeding later.
 */

function cluster(seed: number) {
  const sim = new Simulation({ seed, system: singleRegister, nodeCount: 2, bugs: new Set() });
  const replies: Body[] = [];
  const client = sim.addClient('cx', (msg) => replies.push(msg.body));
  let last: Body | undefined;
  const other = sim.addClient('cy', (msg) => {
    last = msg.body;
  });
  sim.start();
  const runMs = (ms: number) => sim.run(sim.nowNs + ms * 1e6);
  let otherId = 1;
  const ask = (node: string, body: Omit<Body, 'msg_id'>): Body | undefined => {
    last = undefined;
    other.send(node, { ...body, msg_id: otherId++ } as Body);
    runMs(200);
    return last;
  };
  return { sim, replies, client, runMs, ask };
}

describe('single-register: late copies of a request never run twice', () => {
  it('a copy reaching a restarted proxy is not applied again', () => {
    const { sim, replies, client, runMs, ask } = cluster(1);
    const append: Body = { type: 'txn', msg_id: 1, txn: [['append', 'k', 1]] };
    client.send('n2', append);
    runMs(200);
    expect(replies).toMatchObject([{ type: 'txn_ok', in_reply_to: 1 }]);
    sim.crash('n2');
    sim.restart('n2');
    runMs(50);
    client.send('n2', append); // the network's second copy, late
    runMs(200);
    expect(ask('n1', { type: 'txn', txn: [['r', 'k', null]] })).toMatchObject({ txn: [['r', 'k', [1]]] });
  });

  it('a cas that failed definitely does not succeed when a copy reaches the restarted primary', () => {
    const { sim, replies, client, runMs, ask } = cluster(2);
    expect(ask('n1', { type: 'write', key: 'x', value: 1 })).toMatchObject({ type: 'write_ok' });
    const cas: Body = { type: 'cas', msg_id: 1, key: 'x', from: 2, to: 3 };
    client.send('n1', cas);
    runMs(200);
    expect(replies).toMatchObject([{ type: 'error', code: 22, in_reply_to: 1 }]);
    expect(ask('n1', { type: 'write', key: 'x', value: 2 })).toMatchObject({ type: 'write_ok' });
    sim.crash('n1');
    sim.restart('n1');
    runMs(50);
    client.send('n1', cas); // the network's second copy, late
    runMs(200);
    expect(ask('n1', { type: 'read', key: 'x' })).toMatchObject({ type: 'read_ok', value: 2 });
  });
});
