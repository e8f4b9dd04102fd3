import { describe, expect, it } from 'vitest';
import type { Body } from '../../src/sim/types.js';
import { TestCluster } from './harness.js';

/**
 * A definite refusal (error 11) must stay true when the network delivers a
 * copy of the refused request later: before the fix the copy ran, so the
 * history said `fail` for a write that took effect.
 */

function electLeader(c: TestCluster): string {
  for (let i = 0; i < 100; i++) {
    const l = c.leader();
    if (l) return l;
    c.runForMs(50);
  }
  throw new Error('no leader after 5 s');
}

/** A client actor whose every reply is kept, in arrival order. */
function rawClient(c: TestCluster, id: string) {
  const replies: Body[] = [];
  const endpoint = c.sim.addClient(id, (msg) => replies.push(msg.body));
  return { replies, send: (node: string, body: Body) => endpoint.send(node, body) };
}

/** Isolate `node` from every other node from the start: it never hears of a leader. */
function isolated(seed: number): { c: TestCluster; lonely: string } {
  const c = new TestCluster({ seed });
  const lonely = c.sim.nodeIds[0];
  c.sim.network.partition([[lonely], c.sim.nodeIds.filter((n) => n !== lonely)]);
  return { c, lonely };
}

describe('raft: a refused write stays refused', () => {
  const write: Body = { type: 'txn', msg_id: 1, txn: [['append', 'k', 1]] };

  it('a copy of a write refused for want of a leader, delivered once there is one, never runs', () => {
    const { c, lonely } = isolated(5);
    const client = rawClient(c, 'cx');
    client.send(lonely, write);
    c.runForMs(1000);
    expect(client.replies).toMatchObject([{ type: 'error', code: 11, in_reply_to: 1 }]);
    c.sim.network.heal();
    electLeader(c);
    c.runForMs(500);
    client.send(lonely, write); // the network's second copy, late
    c.runForMs(1000);
    expect(client.replies.slice(1)).toMatchObject([{ type: 'error', code: 11, in_reply_to: 1 }]);
    expect(c.request(lonely, { type: 'txn', txn: [['r', 'k', null]] })).toMatchObject({
      txn: [['r', 'k', null]],
    });
  });

  it('the refusal survives a crash and restart of the node that gave it', () => {
    const { c, lonely } = isolated(6);
    const client = rawClient(c, 'cx');
    client.send(lonely, write);
    c.runForMs(1000);
    expect(client.replies).toMatchObject([{ type: 'error', code: 11 }]);
    c.sim.crash(lonely);
    c.sim.restart(lonely);
    c.sim.network.heal();
    electLeader(c);
    c.runForMs(1000);
    client.send(lonely, write);
    c.runForMs(1000);
    expect(c.request(lonely, { type: 'txn', txn: [['r', 'k', null]] })).toMatchObject({
      txn: [['r', 'k', null]],
    });
  });

  it('a late copy of a write that started is neither refused nor run twice', () => {
    // The write reaches the log, its node crashes before answering; a copy arrives after the restart,
    // while no leader is known: refusing it definitely would be a lie (the first copy commits).
    const c = new TestCluster({ seed: 7 });
    const leader = electLeader(c);
    const follower = c.sim.nodeIds.find((n) => n !== leader)!;
    const client = rawClient(c, 'cx');
    client.send(follower, write);
    c.runForMs(300);
    c.sim.crash(follower);
    c.sim.restart(follower);
    c.sim.network.partition([[follower], c.sim.nodeIds.filter((n) => n !== follower)]);
    client.send(follower, write);
    c.runForMs(1500);
    expect(client.replies.filter((r) => r.type === 'error' && r.code !== 0)).toEqual([]);
    c.sim.network.heal();
    c.runForMs(1000);
    expect(c.request(leader, { type: 'txn', txn: [['r', 'k', null]] })).toMatchObject({
      txn: [['r', 'k', [1]]],
    });
  });

  it('a command proposed again after its reply left the session table is not applied twice', () => {
    // Seed 140 of `faultline search --system raft --nemesis all`: a duplicated raft_propose reached the
    // leader after the client's later requests had pushed the first application's reply out of the table.
    const c = new TestCluster({ seed: 8 });
    const leader = electLeader(c);
    const follower = rawClient(c, 'nx'); // stands in for the follower that forwards the command
    const cmd = (i: number) => ({
      c: 'cx',
      i,
      b: { type: 'txn', msg_id: i, txn: [['append', 'k', i]] },
    });
    follower.send(leader, { type: 'raft_propose', cmd: cmd(1) });
    c.runForMs(200);
    for (let i = 2; i <= 12; i++) {
      follower.send(leader, { type: 'raft_propose', cmd: cmd(i) });
      c.runForMs(100);
    }
    follower.send(leader, { type: 'raft_propose', cmd: cmd(1) }); // the duplicate, late
    c.runForMs(500);
    const read = c.request(leader, { type: 'txn', txn: [['r', 'k', null]] });
    expect(read).toMatchObject({ txn: [['r', 'k', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]] });
  });
});
