import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../src/sim/disk.js';
import { ballotOf } from '../../systems/paxos/ballot.js';
import { PaxosNode } from '../../systems/paxos/index.js';
import { ELECTION_TIMEOUT_MAX_MS } from '../../systems/paxos/node.js';
import { ScriptedContext } from './harness.js';

/**
 * One Paxos node driven message by message: phase 1 and its re-proposals,
 * the stable leader's phase 2, what an acceptor answers, and that every
 * promise and acceptance is on disk (fsynced) before it is sent.
 */

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];
const cmd = (client: string, i: number, key: number) =>
  JSON.stringify({ c: client, i, b: { type: 'write', msg_id: i, key, value: i } });

/** n1, having promised n4's ballot 3.4, times out and runs phase 1; returns its ballot. */
function campaign(bugs: string[] = []): { ctx: ScriptedContext; node: PaxosNode; ballot: number } {
  const ctx = new ScriptedContext('n1', NODES);
  const node = new PaxosNode(ctx, new Set(bugs));
  ctx.deliver(node, 'n4', { type: 'paxos_prepare', ballot: ballotOf(3, 4), from: 1 });
  expect(ctx.take('paxos_promise')).toHaveLength(1);
  for (let ms = 0; ms <= ELECTION_TIMEOUT_MAX_MS && ctx.sent.length === 0; ms += 25) ctx.advance(25);
  const prepares = ctx.take('paxos_prepare');
  expect(prepares.map((m) => m.dest).sort()).toEqual(['n2', 'n3', 'n4', 'n5']);
  const ballot = prepares[0].body.ballot as number;
  expect(ballot).toBe(ballotOf(4, 1));
  return { ctx, node, ballot };
}

describe('paxos phase 1: a new leader re-proposes what the promises reported', () => {
  it('takes the highest ballot per slot, fills gaps with no-ops, then leads in that ballot', () => {
    const { ctx, node, ballot } = campaign();
    ctx.deliver(node, 'n2', {
      type: 'paxos_promise',
      ballot,
      learned: 0,
      entries: [
        [1, ballotOf(2, 2), cmd('c1', 1, 0)],
        [3, ballotOf(2, 2), cmd('c2', 1, 0)],
      ],
    });
    expect(node.primaryTerm()).toBeNull(); // two of five (with itself) is no majority
    ctx.deliver(node, 'n3', {
      type: 'paxos_promise',
      ballot,
      learned: 0,
      entries: [[1, ballotOf(3, 3), cmd('c3', 1, 0)]],
    });
    expect(node.primaryTerm()).toBe(ballot);
    const accepts = ctx.take('paxos_accept');
    expect(accepts.length).toBe(4);
    for (const a of accepts) {
      expect(a.body).toMatchObject({ ballot, from: 1, values: [cmd('c3', 1, 0), null, cmd('c2', 1, 0)] });
      expect(a.unsynced).toBe(false);
    }
    expect(ctx.lines.some((l) => l.includes('slots 1..3 re-proposed (2 values, 1 no-ops)'))).toBe(true);

    // A stable leader skips phase 1: a client write goes straight to phase 2, in the next slot.
    ctx.deliver(node, 'c9', { type: 'write', key: 7, value: 1, msg_id: 1 });
    expect(ctx.take('paxos_prepare')).toEqual([]);
    ctx.deliver(node, 'n2', { type: 'paxos_accepted', ballot, to: 3, seq: 1 });
    const next = ctx.take('paxos_accept').filter((m) => m.dest === 'n2');
    const last = next[next.length - 1].body;
    expect(last).toMatchObject({ ballot, from: 4 });
    expect(JSON.parse((last.values as string[])[0]).b).toMatchObject({ type: 'write', key: 7 });
  });

  it('with ignore-accepted it proposes no-ops where the promises reported values', () => {
    const { ctx, node, ballot } = campaign(['ignore-accepted']);
    for (const from of ['n2', 'n3'])
      ctx.deliver(node, from, {
        type: 'paxos_promise',
        ballot,
        learned: 0,
        entries: [[1, ballotOf(2, 2), cmd('c1', 1, 0)]],
      });
    expect(node.primaryTerm()).toBe(ballot);
    expect(ctx.take('paxos_accept')[0].body).toMatchObject({ from: 1, values: [null] });
  });
});

describe('paxos acceptor', () => {
  it('promises and accepts only what no higher promise forbids, fsynced before it answers', () => {
    const ctx = new ScriptedContext('n2', NODES);
    const node = new PaxosNode(ctx, new Set());
    ctx.deliver(node, 'n1', { type: 'paxos_prepare', ballot: ballotOf(5, 1), from: 1 });
    const [promise] = ctx.take('paxos_promise');
    expect(promise.body).toMatchObject({ ballot: ballotOf(5, 1), learned: 0, entries: [] });
    expect(promise.unsynced).toBe(false);
    // A lower ballot is refused, with the promise that refused it.
    ctx.deliver(node, 'n3', { type: 'paxos_prepare', ballot: ballotOf(4, 3), from: 1 });
    expect(ctx.take('paxos_nack')[0].body).toMatchObject({ promised: ballotOf(5, 1) });
    ctx.deliver(node, 'n3', {
      type: 'paxos_accept',
      ballot: ballotOf(4, 3),
      seq: 1,
      from: 1,
      values: ['x'],
      chosen: 0,
    });
    expect(ctx.take('paxos_nack')).toHaveLength(1);
    // The promised ballot's accepts are taken, durably, and reported in the next promise.
    ctx.deliver(node, 'n1', {
      type: 'paxos_accept',
      ballot: ballotOf(5, 1),
      seq: 1,
      from: 1,
      values: [cmd('c1', 1, 0), null],
      chosen: 0,
    });
    const [accepted] = ctx.take('paxos_accepted');
    expect(accepted.body).toMatchObject({ ballot: ballotOf(5, 1), to: 2 });
    expect(accepted.unsynced).toBe(false);
    ctx.advance(ELECTION_TIMEOUT_MAX_MS + 50); // no leader heard since: n3's bid is not ignored
    ctx.take('paxos_prepare');
    ctx.deliver(node, 'n3', { type: 'paxos_prepare', ballot: ballotOf(9, 3), from: 1 });
    expect(ctx.take('paxos_promise')[0].body.entries).toEqual([
      [1, ballotOf(5, 1), cmd('c1', 1, 0)],
      [2, ballotOf(5, 1), null],
    ]);
  });

  it('recovers its promise and accepted slots from the disk after a crash', () => {
    const disk = new SimDisk();
    const ctx = new ScriptedContext('n2', NODES, disk);
    const node = new PaxosNode(ctx, new Set());
    ctx.deliver(node, 'n1', { type: 'paxos_prepare', ballot: ballotOf(5, 1), from: 1 });
    ctx.deliver(node, 'n1', {
      type: 'paxos_accept',
      ballot: ballotOf(5, 1),
      seq: 1,
      from: 1,
      values: [cmd('c1', 1, 0)],
      chosen: 0,
    });
    ctx.advance(ELECTION_TIMEOUT_MAX_MS + 50); // n1 falls silent, so n3's bid is not ignored
    ctx.deliver(node, 'n3', { type: 'paxos_prepare', ballot: ballotOf(7, 3), from: 1 });
    disk.crash('lose-unsynced');
    const again = new PaxosNode(new ScriptedContext('n2', NODES, disk), new Set());
    expect(again.inspect()).toMatchObject({ promised: ballotOf(7, 3), lastAcceptedSlot: 1, learned: 0 });

    // no-persist-promise: the promise is gone; the accepted ballot is all that is left.
    const disk2 = new SimDisk();
    const ctx2 = new ScriptedContext('n2', NODES, disk2);
    const buggy = new PaxosNode(ctx2, new Set(['no-persist-promise']));
    ctx2.deliver(buggy, 'n1', { type: 'paxos_prepare', ballot: ballotOf(5, 1), from: 1 });
    ctx2.deliver(buggy, 'n3', { type: 'paxos_prepare', ballot: ballotOf(7, 3), from: 1 });
    expect(buggy.inspect().promised).toBe(ballotOf(7, 3));
    disk2.crash('lose-unsynced');
    expect(new PaxosNode(new ScriptedContext('n2', NODES, disk2), new Set()).inspect().promised).toBe(0);
  });
});
