import { describe, expect, it } from 'vitest';
import type { Body } from '../../src/sim/types.js';
import { ACTIVE_TXNS_MAX } from '../../systems/twopc/coordinator.js';
import { ShardCluster } from './cluster.js';

/**
 * A copy of a request delivered late (network duplication) must never begin
 * a second transaction: not after the front end that forwarded it restarted
 * (its table of seen requests is in memory), and not after the coordinator
 * refused it definitely and restarted. Before the fix both copies ran: an
 * append applied twice, and a transaction the client was told had failed
 * (error 11) committed.
 */

const readAll = (c: ShardCluster, key: number) =>
  c.request(c.shards[0], { type: 'txn', txn: [['r', key, null]] }) as Body;

for (const system of ['twopc', 'threepc'] as const) {
  describe(`${system}: late copies never begin twice`, () => {
    it('a copy reaching a restarted front end, after a coordinator restart too, is not applied again', () => {
      const c = new ShardCluster({ system, seed: 3 });
      const [key] = c.keysOn(c.shards[1]);
      const replies: Body[] = [];
      const client = c.sim.addClient('cx', (msg) => replies.push(msg.body));
      const append: Body = { type: 'txn', msg_id: 1, txn: [['append', key, 1]] };
      client.send(c.shards[0], append);
      c.runForMs(500);
      expect(replies).toMatchObject([{ type: 'txn_ok', in_reply_to: 1 }]);
      for (const n of [c.shards[0], c.coordinator]) {
        c.sim.crash(n);
        c.sim.restart(n);
      }
      c.runForMs(50);
      client.send(c.shards[0], append); // the network's second copy, late
      c.runForMs(1000);
      expect(readAll(c, key)).toMatchObject({ txn: [['r', key, [1]]] });
    });

    it('a copy of a begin the coordinator refused (busy) does not commit after its restart', () => {
      const c = new ShardCluster({ system, seed: 4 });
      const [key] = c.keysOn(c.shards[1]);
      const done: Body[] = [];
      // Stands in for a front end: its begins and the coordinator's answers.
      const frontend = c.sim.addClient('fx', (msg) => done.push(msg.body));
      c.sim.network.partition([[c.coordinator, 'fx'], c.shards]);
      for (let i = 0; i < ACTIVE_TXNS_MAX; i++)
        frontend.send(c.coordinator, { type: 'tx_begin', ref: `fx|f${i}|1`, txn: [['r', key, null]] });
      c.runForMs(20); // every one of them has arrived and waits for votes that cannot come
      const begin: Body = { type: 'tx_begin', ref: 'fx|cx|1', txn: [['append', key, 1]] };
      frontend.send(c.coordinator, begin);
      c.runForMs(50);
      expect(done.find((b) => b.ref === 'fx|cx|1')).toMatchObject({ committed: false, code: 11 });
      c.sim.crash(c.coordinator);
      c.sim.restart(c.coordinator);
      c.sim.network.heal();
      c.runForMs(500);
      frontend.send(c.coordinator, begin); // the network's second copy, late
      c.runForMs(1000);
      expect(done.filter((b) => b.ref === 'fx|cx|1' && b.committed === true)).toEqual([]);
      expect(readAll(c, key)).toMatchObject({ txn: [['r', key, null]] });
    });
  });
}
