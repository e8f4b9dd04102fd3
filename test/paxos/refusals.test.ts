import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/simulation.js';
import type { Body } from '../../src/sim/types.js';
import { type PaxosNode, paxos } from '../../systems/paxos/index.js';

/**
 * A definite refusal (error 11) must stay true when the network delivers a
 * copy of the refused request later: before the fix the copy ran, so the
 * history said `fail` for a write (or a proposal) that took effect.
 */

function cluster(seed: number) {
  const sim = new Simulation({ seed, system: paxos, nodeCount: 5, bugs: new Set() });
  const replies: Body[] = [];
  const client = sim.addClient('cx', (msg) => replies.push(msg.body));
  let lastRead: Body | undefined;
  const reader = sim.addClient('cr', (msg) => {
    lastRead = msg.body;
  });
  sim.start();
  const lonely = sim.nodeIds[0];
  // Cut off from the start: it never hears of a leader, and cannot gather a majority.
  sim.network.partition([[lonely], sim.nodeIds.filter((n) => n !== lonely)]);
  const runMs = (ms: number) => sim.run(sim.nowNs + ms * 1e6);
  return { sim, replies, client, reader, lonely, runMs, lastRead: () => lastRead };
}

describe('paxos: a refused request stays refused', () => {
  it('a copy of a write refused for want of a leader, delivered once there is one, never runs', () => {
    const { sim, replies, client, reader, lonely, runMs, lastRead } = cluster(5);
    const write: Body = { type: 'txn', msg_id: 1, txn: [['append', 'k', 1]] };
    client.send(lonely, write);
    runMs(1000);
    expect(replies).toMatchObject([{ type: 'error', code: 11, in_reply_to: 1 }]);
    sim.network.heal();
    runMs(2000);
    client.send(lonely, write); // the network's second copy, late
    runMs(1000);
    expect(replies.slice(1)).toMatchObject([{ type: 'error', code: 11, in_reply_to: 1 }]);
    reader.send(lonely, { type: 'txn', msg_id: 1, txn: [['r', 'k', null]] });
    runMs(1000);
    expect(lastRead()).toMatchObject({ type: 'txn_ok', txn: [['r', 'k', null]] });
  });

  it('a copy of a proposal refused before phase 2 is never chosen, even after a restart', () => {
    const { sim, replies, client, reader, lonely, runMs } = cluster(6);
    const propose: Body = { type: 'propose', msg_id: 1, key: 'k', value: 'refused' };
    client.send(lonely, propose);
    runMs(1000);
    expect(replies).toMatchObject([{ type: 'error', code: 11, in_reply_to: 1 }]);
    sim.crash(lonely);
    sim.restart(lonely);
    sim.network.heal();
    runMs(1000);
    client.send(lonely, propose); // the network's second copy, late
    runMs(1000);
    // Someone else decides the key; the refused value must not be it.
    reader.send(sim.nodeIds[1], { type: 'propose', msg_id: 1, key: 'k', value: 'other' });
    runMs(2000);
    for (const n of sim.nodeIds) {
      const d = (sim.nodeObject(n) as PaxosNode).consensus.decision('k');
      if (d) expect(d.value).toBe('other');
    }
    expect((sim.nodeObject(sim.nodeIds[1]) as PaxosNode).consensus.decision('k')?.value).toBe('other');
  });
});
