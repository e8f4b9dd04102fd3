/**
 * Maelstrom's echo workload: answer each `echo` with an `echo_ok` carrying the same payload.
 */
import { Node } from './node.js';

const node = new Node();
node.on('echo', (req) => node.reply(req, { type: 'echo_ok', echo: req.body.echo }));
node.main();
