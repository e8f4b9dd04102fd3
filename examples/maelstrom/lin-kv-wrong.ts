/**
 * A DELIBERATELY WRONG lin-kv node, for showing that the linearizability
 * checker catches it. Writes and cas go through Maelstrom's `lin-kv` service
 * like the correct node's, but a node remembers every value it has written
 * or read in a local cache and answers later reads from that cache. A write
 * made through another node is never seen: a read after it returns the old
 * value, which no linearizable store can do.
 */
import { type Body, Node } from './node.js';

const node = new Node();
/** Key (as JSON text) → the last value this node wrote or read. */
const cache = new Map<string, unknown>();

function forward(req: { body: Body }, onOk: (answer: Body) => void, done: (answer: Body) => void): void {
  const { msg_id: _request, ...request } = req.body;
  node.rpc('lin-kv', request, (reply) => {
    const { msg_id: _id, in_reply_to: _to, ...answer } = reply;
    if (answer.type !== 'error') onOk(answer as Body);
    done(answer as Body);
  });
}

node.on('read', (req) => {
  const key = JSON.stringify(req.body.key);
  if (cache.has(key)) {
    node.reply(req, { type: 'read_ok', value: cache.get(key) });
    return;
  }
  forward(
    req,
    (answer) => cache.set(key, answer.value),
    (answer) => node.reply(req, answer),
  );
});

node.on('write', (req) => {
  forward(
    req,
    () => cache.set(JSON.stringify(req.body.key), req.body.value),
    (answer) => node.reply(req, answer),
  );
});

node.on('cas', (req) => {
  forward(
    req,
    () => cache.set(JSON.stringify(req.body.key), req.body.to),
    (answer) => node.reply(req, answer),
  );
});

node.main();
