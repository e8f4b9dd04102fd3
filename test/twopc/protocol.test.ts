import { describe, expect, it } from 'vitest';
import { ShardCluster } from './cluster.js';

/**
 * The 2PC protocol driven by hand: faults placed at the moments that matter
 * (after the prepares, after the commit record), and the nodes' state
 * inspected. n1 is the coordinator, n2…n4 the shards.
 */

/** A transaction appending to one key on each of `shards`, started at node `via`. */
function appendTxn(c: ShardCluster, shards: string[], value: number) {
  return { type: 'txn', txn: shards.map((s) => ['append', c.keysOn(s)[0], value]) };
}

function bothPrepared(c: ShardCluster, a: string, b: string): boolean {
  return (c.shard(a)?.inDoubt.length ?? 0) > 0 && (c.shard(b)?.inDoubt.length ?? 0) > 0;
}

describe('twopc protocol', () => {
  it('commits a transaction over several shards: each key ends on the shard that owns it', () => {
    const c = new ShardCluster({ seed: 1 });
    const reply = c.request('n3', appendTxn(c, ['n2', 'n3', 'n4'], 7));
    expect(reply?.type).toBe('txn_ok');
    c.runForMs(50);
    for (const s of ['n2', 'n3', 'n4']) expect(c.shard(s)?.data[String(c.keysOn(s)[0])]).toEqual([7]);
    const read = c.request('n2', {
      type: 'txn',
      txn: ['n2', 'n4'].map((s) => ['r', c.keysOn(s)[0], null]),
    });
    expect(read?.txn).toEqual([
      ['r', c.keysOn('n2')[0], [7]],
      ['r', c.keysOn('n4')[0], [7]],
    ]);
  });

  it('blocks while the coordinator is down after logging a commit, and finishes when it returns', () => {
    const c = new ShardCluster({ seed: 2 });
    const id = c.send('n4', appendTxn(c, ['n2', 'n3'], 1));
    expect(c.runUntil(() => bothPrepared(c, 'n2', 'n3'))).toBe(true);
    // Votes still reach the coordinator, its decisions do not: it logs the commit and the client hears ok.
    c.sim.network.cutOneWay(['n1'], ['n2', 'n3']);
    expect(c.runUntil(() => c.reply(id) !== undefined, 500)).toBe(true);
    expect(c.reply(id)?.type).toBe('txn_ok');
    c.sim.crash('n1');
    c.sim.network.heal();
    // Three seconds later both are still in doubt, holding their locks: 2PC blocks.
    c.runForMs(3000);
    expect(c.shard('n2')?.inDoubt).toHaveLength(1);
    expect(c.shard('n3')?.inDoubt).toHaveLength(1);
    expect(c.shard('n2')?.lockedKeys).toBe(1);
    c.sim.restart('n1');
    expect(c.runUntil(() => c.shard('n2')?.inDoubt.length === 0 && c.shard('n3')?.inDoubt.length === 0)).toBe(
      true,
    );
    expect(c.shard('n2')?.data[String(c.keysOn('n2')[0])]).toEqual([1]);
    expect(c.shard('n3')?.data[String(c.keysOn('n3')[0])]).toEqual([1]);
    const m = c.metrics();
    expect(m.coordinatorRecoveredCommits).toBe(1);
    expect(m.resolvedAfterCoordinatorRestart).toBe(2);
    expect(m.inDoubtAfterCoordinatorCrashMsMax).toBeGreaterThanOrEqual(3000);
    expect(m.unavailableKeysMax).toBeGreaterThanOrEqual(1);
    expect(m.unavailableKeyMs).toBeGreaterThan(2 * 2500);
  });

  it('presumed abort: a coordinator that crashed before deciding answers abort after its restart; the client heard nothing', () => {
    const c = new ShardCluster({ seed: 3 });
    const id = c.send('n4', appendTxn(c, ['n2', 'n3'], 1));
    // The votes never reach the coordinator.
    c.sim.network.cutOneWay(['n2', 'n3'], ['n1']);
    expect(c.runUntil(() => bothPrepared(c, 'n2', 'n3'))).toBe(true);
    c.sim.crash('n1');
    c.sim.network.heal();
    c.runForMs(1000);
    expect(c.shard('n2')?.inDoubt).toHaveLength(1);
    c.sim.restart('n1');
    expect(c.runUntil(() => c.shard('n2')?.inDoubt.length === 0 && c.shard('n3')?.inDoubt.length === 0)).toBe(
      true,
    );
    expect(c.shard('n2')?.data).toEqual({});
    expect(c.shard('n3')?.data).toEqual({});
    expect(c.shard('n2')?.lockedKeys).toBe(0);
    // Indeterminate for the client: no reply at all (its own timeout makes it info).
    expect(c.reply(id)).toBeUndefined();
  });

  it('a participant that crashes in doubt recovers the prepared transaction from disk, asks, and commits it', () => {
    const c = new ShardCluster({ seed: 4 });
    c.send('n2', appendTxn(c, ['n2', 'n3'], 5));
    expect(c.runUntil(() => bothPrepared(c, 'n2', 'n3'))).toBe(true);
    c.sim.network.cutOneWay(['n1'], ['n3']);
    expect(c.runUntil(() => c.shard('n2')?.inDoubt.length === 0)).toBe(true);
    c.sim.crash('n3');
    c.sim.network.heal();
    c.sim.restart('n3');
    expect(c.shard('n3')?.inDoubt).toHaveLength(1);
    expect(c.shard('n3')?.lockedKeys).toBe(1);
    expect(c.runUntil(() => c.shard('n3')?.inDoubt.length === 0)).toBe(true);
    expect(c.shard('n3')?.data[String(c.keysOn('n3')[0])]).toEqual([5]);
    expect(c.metrics().inDoubtRecovered).toBe(1);
  });

  for (const bug of ['volatile-prepare', 'no-recovery']) {
    it(`with ${bug}, the same crash loses the participant's half of a committed transaction`, () => {
      const c = new ShardCluster({ seed: 4, bugs: [bug] });
      c.send('n2', appendTxn(c, ['n2', 'n3'], 5));
      expect(c.runUntil(() => bothPrepared(c, 'n2', 'n3'))).toBe(true);
      c.sim.network.cutOneWay(['n1'], ['n3']);
      expect(c.runUntil(() => c.shard('n2')?.inDoubt.length === 0)).toBe(true);
      c.sim.crash('n3');
      c.sim.network.heal();
      c.sim.restart('n3');
      c.runForMs(1000);
      expect(c.shard('n2')?.data[String(c.keysOn('n2')[0])]).toEqual([5]);
      expect(c.shard('n3')?.data[String(c.keysOn('n3')[0])]).toBeUndefined();
    });
  }

  it('a missing vote aborts definitely (error 30) and the transaction never commits anywhere', () => {
    const c = new ShardCluster({ seed: 5 });
    c.sim.crash('n3');
    const reply = c.request('n2', appendTxn(c, ['n2', 'n3'], 9));
    expect(reply).toMatchObject({ type: 'error', code: 30 });
    c.sim.restart('n3');
    c.runForMs(1500);
    for (const s of ['n2', 'n3']) {
      expect(c.shard(s)?.data).toEqual({});
      expect(c.shard(s)?.inDoubt).toEqual([]);
    }
  });

  it('with presumed-commit-on-timeout, a missing vote commits: the shard that never prepared acknowledges a commit it cannot apply', () => {
    const c = new ShardCluster({ seed: 5, bugs: ['presumed-commit-on-timeout'] });
    c.sim.crash('n3');
    const reply = c.request('n2', appendTxn(c, ['n2', 'n3'], 9));
    expect(reply?.type).toBe('txn_ok');
    c.sim.restart('n3');
    c.runForMs(1500);
    expect(c.shard('n2')?.data[String(c.keysOn('n2')[0])]).toEqual([9]);
    expect(c.shard('n3')?.data).toEqual({});
    expect(c.metrics().commitsForUnpreparedTxns).toBe(1);
  });

  it('holds locks until the decision; early-lock-release lets a second transaction read a prepared key', () => {
    for (const [bugs, expected] of [
      [[], 'error'],
      [['early-lock-release'], 'txn_ok'],
    ] as const) {
      const c = new ShardCluster({ seed: 6, bugs: [...bugs] });
      const key2 = c.keysOn('n2')[0];
      // n3 is paused: its vote does not come, and the first transaction stays prepared on n2 meanwhile.
      c.sim.pause('n3');
      c.send('n2', appendTxn(c, ['n2', 'n3'], 1));
      expect(c.runUntil(() => (c.shard('n2')?.inDoubt.length ?? 0) > 0)).toBe(true);
      const read = c.request('n4', { type: 'txn', txn: [['r', key2, null]] });
      expect(read?.type, `bugs ${bugs.join(',') || 'none'}`).toBe(expected);
      if (expected === 'txn_ok') expect(read?.txn).toEqual([['r', key2, null]]);
    }
  });

  it('coordinator-on-participant: n1 coordinates and holds a shard of the keys', () => {
    const c = new ShardCluster({ seed: 7, options: ['coordinator-on-participant'] });
    expect(c.shards).toEqual(['n1', 'n2', 'n3', 'n4']);
    const reply = c.request('n4', appendTxn(c, ['n1', 'n4'], 3));
    expect(reply?.type).toBe('txn_ok');
    c.runForMs(50);
    expect(c.shard('n1')?.data[String(c.keysOn('n1')[0])]).toEqual([3]);
  });

  it('answers malformed requests with a definite error naming the problem', () => {
    const c = new ShardCluster({ seed: 8 });
    expect(c.request('n2', { type: 'txn', txn: [['x', 1, 2]] })).toMatchObject({ type: 'error', code: 12 });
    expect(c.request('n2', { type: 'txn', txn: [['debit', 1, 2]] })).toMatchObject({
      type: 'error',
      code: 12,
    });
    expect(
      c.request('n2', { type: 'bank_transfer', from: 1, to: 1, amount: 2, initial_balance: 10 }),
    ).toMatchObject({ type: 'error', code: 12 });
    expect(c.request('n2', { type: 'nope' })).toMatchObject({ type: 'error', code: 10 });
  });

  it('bank: a transfer that would overdraw fails definitely (22); balances start at the initial balance', () => {
    const c = new ShardCluster({ seed: 9 });
    const [a] = c.keysOn('n2');
    const [b] = c.keysOn('n3');
    expect(
      c.request('n2', { type: 'bank_transfer', from: a, to: b, amount: 4, initial_balance: 10 })?.type,
    ).toBe('bank_transfer_ok');
    expect(
      c.request('n2', { type: 'bank_transfer', from: a, to: b, amount: 7, initial_balance: 10 }),
    ).toMatchObject({ type: 'error', code: 22 });
    const read = c.request('n3', { type: 'bank_read', accounts: [a, b], initial_balance: 10 });
    expect(read).toMatchObject({ type: 'bank_read_ok', balances: { [a]: 6, [b]: 14 } });
  });
});
