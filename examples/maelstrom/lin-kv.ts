/**
 * Maelstrom's lin-kv workload, served correctly: every `read`, `write` and
 * `cas` is passed to Maelstrom's `lin-kv` service and its answer passed back.
 * The service is linearizable, so this node is too. When the service does
 * not answer in time, the client gets a timeout (code 0, indefinite): the
 * request may or may not have taken effect.
 */
import { type Body, Node } from './node.js';

const node = new Node();

for (const type of ['read', 'write', 'cas']) {
  node.on(type, (req) => {
    const { msg_id: _request, ...request } = req.body;
    node.rpc('lin-kv', request, (reply) => {
      const { msg_id: _id, in_reply_to: _to, ...answer } = reply;
      node.reply(req, answer as Body);
    });
  });
}

node.main();
