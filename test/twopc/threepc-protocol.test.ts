import { describe, expect, it } from 'vitest';
import { ShardCluster } from './cluster.js';

/**
 * 3PC driven by hand: the coordinator's failure does not block the
 * participants (they finish the transaction among themselves), and a
 * partition at the wrong moment splits the decision (the textbook flaw).
 */

function appendTxn(c: ShardCluster, shards: string[], value: number) {
  return { type: 'txn', txn: shards.map((s) => ['append', c.keysOn(s)[0], value]) };
}

function states(c: ShardCluster, shards: string[]): string[] {
  return shards.map((s) => Object.values(c.shard(s)?.states ?? {}).join(',') || '-');
}

const SHARDS = ['n2', 'n3', 'n4'];

describe('threepc protocol', () => {
  it('commits in three phases: every shard pre-commits, then commits', () => {
    const c = new ShardCluster({ system: 'threepc', seed: 1 });
    expect(c.request('n2', appendTxn(c, SHARDS, 4))?.type).toBe('txn_ok');
    c.runForMs(50);
    for (const s of SHARDS) expect(c.shard(s)?.data[String(c.keysOn(s)[0])]).toEqual([4]);
  });

  it('does not block when the coordinator dies before the pre-commit: the participants abort without it', () => {
    const c = new ShardCluster({ system: 'threepc', seed: 2 });
    const id = c.send('n1', appendTxn(c, SHARDS, 1));
    c.sim.network.cutOneWay(SHARDS, ['n1']);
    expect(c.runUntil(() => states(c, SHARDS).every((s) => s === 'U'))).toBe(true);
    c.sim.crash('n1');
    c.sim.network.heal();
    // The coordinator stays down: the participants finish within a termination round or two.
    expect(c.runUntil(() => SHARDS.every((s) => c.shard(s)?.inDoubt.length === 0), 1500)).toBe(true);
    for (const s of SHARDS) expect(c.shard(s)?.data).toEqual({});
    expect(c.metrics().terminationAborts).toBeGreaterThanOrEqual(1);
    expect(c.reply(id)).toBeUndefined();
  });

  it('does not block when the coordinator dies after pre-committing everyone: the participants commit without it', () => {
    const c = new ShardCluster({ system: 'threepc', seed: 3 });
    c.send('n2', appendTxn(c, SHARDS, 2));
    expect(c.runUntil(() => states(c, SHARDS).every((s) => s === 'PC'))).toBe(true);
    c.sim.crash('n1');
    expect(c.runUntil(() => SHARDS.every((s) => c.shard(s)?.inDoubt.length === 0), 1500)).toBe(true);
    for (const s of SHARDS) expect(c.shard(s)?.data[String(c.keysOn(s)[0])]).toEqual([2]);
    expect(c.metrics().inDoubtMsMax).toBeLessThan(1000);
  });

  it('one pre-committed participant is enough for the others to commit, even with the coordinator gone', () => {
    const c = new ShardCluster({ system: 'threepc', seed: 4 });
    c.send('n2', appendTxn(c, SHARDS, 3));
    expect(c.runUntil(() => states(c, SHARDS).every((s) => s === 'U'))).toBe(true);
    // Only n2 will hear the pre-commit.
    c.sim.network.cutOneWay(['n1'], ['n3', 'n4']);
    expect(c.runUntil(() => states(c, ['n2'])[0] === 'PC')).toBe(true);
    c.sim.crash('n1');
    c.sim.network.heal();
    expect(c.runUntil(() => SHARDS.every((s) => c.shard(s)?.inDoubt.length === 0), 1500)).toBe(true);
    for (const s of SHARDS) expect(c.shard(s)?.data[String(c.keysOn(s)[0])]).toEqual([3]);
  });

  it('a participant that crashed while pre-committed learns the outcome from the others after its restart', () => {
    const c = new ShardCluster({ system: 'threepc', seed: 5 });
    c.send('n2', appendTxn(c, SHARDS, 6));
    expect(c.runUntil(() => states(c, ['n4'])[0] === 'PC')).toBe(true);
    c.sim.crash('n4');
    c.runForMs(1500);
    c.sim.restart('n4');
    expect(c.shard('n4')?.inDoubt).toHaveLength(1);
    expect(c.runUntil(() => c.shard('n4')?.inDoubt.length === 0, 1500)).toBe(true);
    for (const s of SHARDS) expect(c.shard(s)?.data[String(c.keysOn(s)[0])]).toEqual([6]);
  });

  it('under a partition each side decides alone: the pre-committed side commits, the uncertain side aborts (atomicity lost)', () => {
    const c = new ShardCluster({ system: 'threepc', seed: 6 });
    c.send('n2', appendTxn(c, SHARDS, 8));
    expect(c.runUntil(() => states(c, SHARDS).every((s) => s === 'U'))).toBe(true);
    c.sim.network.cutOneWay(['n1'], ['n3', 'n4']);
    expect(c.runUntil(() => states(c, ['n2'])[0] === 'PC')).toBe(true);
    // The partition: {n1, n2} | {n3, n4}. Nobody has crashed, yet each side takes the other for dead.
    c.sim.network.partition([
      ['n1', 'n2'],
      ['n3', 'n4'],
    ]);
    expect(c.runUntil(() => SHARDS.every((s) => c.shard(s)?.inDoubt.length === 0), 2000)).toBe(true);
    c.sim.network.heal();
    expect(c.shard('n2')?.data[String(c.keysOn('n2')[0])]).toEqual([8]);
    expect(c.shard('n3')?.data).toEqual({});
    expect(c.shard('n4')?.data).toEqual({});
  });
});
