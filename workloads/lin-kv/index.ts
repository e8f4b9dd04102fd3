import { registerWorkload } from '../register/index.js';
import type { Workload } from '../types.js';

/**
 * Maelstrom's lin-kv under its own name: the `register` workload, whose
 * messages are Maelstrom's (`read` key → `read_ok` value; `write` key value;
 * `cas` key from to → `cas_ok`, or error 20 key-does-not-exist / 22
 * precondition-failed, both definite), checked for linearizability per key.
 */
export const linKvWorkload: Workload = {
  ...registerWorkload,
  name: 'lin-kv',
  description:
    "Maelstrom's lin-kv: read / write / cas (from, to) on independent keys; checked for linearizability per key (model kv)",
};
