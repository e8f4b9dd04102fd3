/**
 * Maelstrom's broadcast workload: every message broadcast to any node must
 * reach every node. A node gossips what it learns to its neighbours (from
 * the `topology` message; all other nodes until one arrives), batching what
 * each neighbour has not yet acknowledged into one `gossip` request every
 * `GOSSIP_INTERVAL_MS`, and sending it again until the neighbour answers
 * `gossip_ok`: messages lost to a partition go through once it heals.
 */
import { Node } from './node.js';

const GOSSIP_INTERVAL_MS = 100;
const GOSSIP_TIMEOUT_MS = 500;

const node = new Node();
/** Every message this node knows, by its JSON text. */
const messages = new Map<string, unknown>();
let neighbors: string[] = [];
/** Per neighbour: the messages it has not acknowledged yet. */
const unacked = new Map<string, Map<string, unknown>>();
/** Neighbours with a gossip request in flight (one at a time each). */
const inFlight = new Set<string>();

function learn(values: readonly unknown[], from?: string): void {
  for (const value of values) {
    const key = JSON.stringify(value);
    if (messages.has(key)) continue;
    messages.set(key, value);
    for (const n of neighbors) {
      if (n === from) continue;
      let pending = unacked.get(n);
      if (pending === undefined) {
        pending = new Map();
        unacked.set(n, pending);
      }
      pending.set(key, value);
    }
  }
}

function gossip(): void {
  for (const [neighbor, pending] of unacked) {
    if (pending.size === 0 || inFlight.has(neighbor)) continue;
    const batch = [...pending.entries()];
    inFlight.add(neighbor);
    node.rpc(
      neighbor,
      { type: 'gossip', messages: batch.map(([, value]) => value) },
      (reply) => {
        inFlight.delete(neighbor);
        if (reply.type === 'gossip_ok') for (const [key] of batch) pending.delete(key);
      },
      GOSSIP_TIMEOUT_MS,
    );
  }
}

node.onInit(() => {
  neighbors = node.peers();
  setInterval(gossip, GOSSIP_INTERVAL_MS);
});

node.on('topology', (req) => {
  const topology = req.body.topology as Record<string, string[]> | undefined;
  const mine = topology?.[node.nodeId];
  if (Array.isArray(mine)) neighbors = mine.filter((n) => n !== node.nodeId);
  node.log('neighbors:', neighbors);
  node.reply(req, { type: 'topology_ok' });
});

node.on('broadcast', (req) => {
  learn([req.body.message]);
  node.reply(req, { type: 'broadcast_ok' });
});

node.on('gossip', (req) => {
  const values = req.body.messages;
  if (Array.isArray(values)) learn(values, req.src);
  node.reply(req, { type: 'gossip_ok' });
});

node.on('read', (req) => node.reply(req, { type: 'read_ok', messages: [...messages.values()] }));

node.main();
