/**
 * Maelstrom's g-set workload: a grow-only set, replicated by state-based
 * gossip. Every `GOSSIP_INTERVAL_MS` each node sends its whole set to every
 * peer (`replicate`, no reply expected); a node adds what it receives. A
 * gossip lost to a partition is simply sent again later, so once the network
 * heals every node converges on the union of all adds.
 */
import { Node } from './node.js';

const GOSSIP_INTERVAL_MS = 200;

const node = new Node();
/** Elements by their JSON text, so that equal JSON values count once. */
const elements = new Map<string, unknown>();

function add(element: unknown): void {
  elements.set(JSON.stringify(element), element);
}

node.on('add', (req) => {
  add(req.body.element);
  node.reply(req, { type: 'add_ok' });
});

node.on('read', (req) => node.reply(req, { type: 'read_ok', value: [...elements.values()] }));

node.on('replicate', (req) => {
  const value = req.body.value;
  if (Array.isArray(value)) for (const element of value) add(element);
});

node.onInit(() => {
  setInterval(() => {
    if (elements.size === 0) return;
    const value = [...elements.values()];
    for (const peer of node.peers()) node.send(peer, { type: 'replicate', value });
  }, GOSSIP_INTERVAL_MS);
});

node.main();
